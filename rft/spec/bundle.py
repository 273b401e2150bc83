"""The grader union (discriminated on `type`) and the bundle that wraps it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from rft.spec.json_schema import JsonSchemaSpec
from rft.spec.model import LabelModelSpec, ScoreModelSpec
from rft.spec.multi import MultiSpec
from rft.spec.numeric import NumericSpec
from rft.spec.python import PythonSpec
from rft.spec.ranked_list import RankedListSpec
from rft.spec.string import StringCheckSpec, TextSimilaritySpec

GraderSpec = Annotated[
    StringCheckSpec
    | TextSimilaritySpec
    | RankedListSpec
    | NumericSpec
    | JsonSchemaSpec
    | ScoreModelSpec
    | LabelModelSpec
    | PythonSpec
    | MultiSpec,
    Field(discriminator="type"),
]

MultiSpec.model_rebuild()

GRADER_SPEC_ADAPTER: TypeAdapter[GraderSpec] = TypeAdapter(GraderSpec)

SPEC_CLASSES = {
    cls.model_fields["type"].default: cls
    for cls in (
        StringCheckSpec,
        TextSimilaritySpec,
        RankedListSpec,
        NumericSpec,
        JsonSchemaSpec,
        ScoreModelSpec,
        LabelModelSpec,
        PythonSpec,
        MultiSpec,
    )
}
"""`type:` name -> spec class."""

GRADER_TYPES: tuple[str, ...] = tuple(SPEC_CLASSES)
