"""The grammar of the grader DSL, as pydantic models: one module per grader family.

`bundle.py` holds the union of every grader type (derived from its `BUILTIN_SPECS` table).
"""

from rft.spec.base import (
    BundleTest,
    ExpectRange,
    ExpectSpec,
    GraderSpecBase,
    SampleSpec,
    spec_type_name,
)
from rft.spec.bundle import (
    BUILTIN_SPECS,
    GRADER_SPEC_ADAPTER,
    GRADER_TYPES,
    SPEC_CLASSES,
    GraderSpec,
)
from rft.spec.json_schema import JsonSchemaSpec
from rft.spec.model import Endpoint, LabelModelSpec, Message, SamplingParams, ScoreModelSpec
from rft.spec.multi import MultiSpec
from rft.spec.numeric import NumericSpec, PartialCredit, Tolerance
from rft.spec.python import PythonSpec
from rft.spec.ranked_list import RankedListSpec
from rft.spec.string import StringCheckSpec, TextSimilaritySpec

__all__ = [
    "BUILTIN_SPECS",
    "GRADER_SPEC_ADAPTER",
    "GRADER_TYPES",
    "SPEC_CLASSES",
    "BundleTest",
    "Endpoint",
    "ExpectRange",
    "ExpectSpec",
    "GraderSpec",
    "GraderSpecBase",
    "JsonSchemaSpec",
    "LabelModelSpec",
    "Message",
    "MultiSpec",
    "NumericSpec",
    "PartialCredit",
    "PythonSpec",
    "RankedListSpec",
    "SampleSpec",
    "SamplingParams",
    "ScoreModelSpec",
    "StringCheckSpec",
    "TextSimilaritySpec",
    "Tolerance",
    "spec_type_name",
]
