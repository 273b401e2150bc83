"""The grader union: every built-in grader type, discriminated on `type`.

A grader type's name is written once, in its spec class (`type: Literal["numeric"]`). The
table `BUILTIN_SPECS` below lists each built-in spec class once, with the module that
implements it; the union, `SPEC_CLASSES`, `GRADER_TYPES` and the graders' registry
(`rft.graders.registry`) are derived from it. To add a grader type: write its spec class
(`rft/spec/<family>.py`), add one row here, and decorate its implementation with
`@register` (`rft/graders/<type>.py`).
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field, TypeAdapter

from rft.spec.base import GraderSpecBase, spec_type_name
from rft.spec.episode import EpisodeSpec
from rft.spec.json_schema import JsonSchemaSpec
from rft.spec.model import LabelModelSpec, ScoreModelSpec
from rft.spec.multi import MultiSpec
from rft.spec.numeric import NumericSpec
from rft.spec.panel import PanelSpec
from rft.spec.python import PythonSpec
from rft.spec.ranked_list import RankedListSpec
from rft.spec.rubric import RubricSpec
from rft.spec.string import StringCheckSpec, TextSimilaritySpec
from rft.spec.tool_call import ToolCallSpec

BUILTIN_SPECS: dict[type[GraderSpecBase], str] = {
    StringCheckSpec: "rft.graders.string_check",
    TextSimilaritySpec: "rft.graders.text_similarity",
    RankedListSpec: "rft.graders.ranked_list",
    NumericSpec: "rft.graders.numeric",
    JsonSchemaSpec: "rft.graders.json_schema",
    ScoreModelSpec: "rft.graders.score_model",
    LabelModelSpec: "rft.graders.label_model",
    PythonSpec: "rft.graders.python_grader",
    MultiSpec: "rft.graders.multi",
    RubricSpec: "rft.graders.rubric",
    PanelSpec: "rft.graders.panel",
    ToolCallSpec: "rft.graders.tool_call",
    EpisodeSpec: "rft.graders.episode",
}
"""Built-in spec class -> the module implementing it (a name: imported on first use only)."""

SPEC_CLASSES: dict[str, type[GraderSpecBase]] = {spec_type_name(c): c for c in BUILTIN_SPECS}
"""`type:` name -> spec class."""

GRADER_TYPES: tuple[str, ...] = tuple(SPEC_CLASSES)

# The union is built from the table; `Union[tuple]` is how typing spells a union of a tuple.
GraderSpec = Annotated[Union[tuple(BUILTIN_SPECS)], Field(discriminator="type")]  # noqa: UP007
"""Any grader spec; pydantic picks the class by the `type` field."""

# MultiSpec nests the union it is part of: bind its forward reference now that it exists.
MultiSpec.model_rebuild(_types_namespace={"GraderSpec": GraderSpec})
EpisodeSpec.model_rebuild(_types_namespace={"GraderSpec": GraderSpec})

GRADER_SPEC_ADAPTER: TypeAdapter[GraderSpec] = TypeAdapter(GraderSpec)
