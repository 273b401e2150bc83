"""Spec of the tool-call grader: function calls compared by name and arguments."""

from __future__ import annotations

from typing import Any, Literal

import jsonschema
from pydantic import Field, model_validator

from rft.spec.base import GraderSpecBase, SpecModel, Template
from rft.spec.numeric import Tolerance


class ArgumentRule(SpecModel):
    """How one argument is compared (by default: equal, numbers within the grader's tolerance)."""

    tolerance: Tolerance | None = Field(
        default=None, description="Numeric tolerance for this argument (overrides the grader's)."
    )
    schema_: dict[str, Any] | None = Field(
        default=None,
        alias="schema",
        description="A JSON Schema the argument must satisfy, instead of equality.",
    )
    casefold: bool = Field(default=False, description="Compare strings case-insensitively.")
    ignore: bool = Field(default=False, description="Leave this argument out of the comparison.")


class ToolCallSpec(GraderSpecBase):
    """Compares a sample's function calls with the expected ones: soft F1 over the calls.

    A call earns `name_weight` for the right function name plus the rest in proportion to its
    arguments that match, field by field; precision and recall over the calls (matched one to
    one, best pairing first, or position by position with `order: strict`) give the F1.
    """

    type: Literal["tool_call"] = "tool_call"
    input: Template | None = Field(
        default=None,
        description="Template for the calls; default: the sample's tool calls (OpenAI's "
        "`output_tools`, or every assistant message's `tool_calls` in a chat completion).",
    )
    reference: Template | list[dict[str, Any]] = Field(
        description="The expected calls: a list of `{name, arguments}` (or OpenAI's "
        "`{function: {name, arguments}}`), or a template rendering one (or its JSON text)."
    )
    order: Literal["any", "strict"] = Field(
        default="any",
        description="`any`: calls pair up one to one whatever their order; `strict`: the "
        "k-th call is compared with the k-th expected call.",
    )
    tolerance: Tolerance = Field(
        default_factory=Tolerance, description="Numeric tolerance for every argument."
    )
    arguments: dict[str, ArgumentRule] = Field(
        default_factory=dict,
        description="Per-argument rules keyed by argument name, or `function.argument`.",
    )
    extra_arguments: Literal["penalize", "ignore"] = Field(
        default="penalize",
        description="Arguments the expected call lacks: count as mismatches, or ignore them.",
    )
    name_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Credit of a call with the right name; arguments give the rest.",
    )

    @model_validator(mode="after")
    def _schemas_valid(self) -> ToolCallSpec:
        for key, rule in self.arguments.items():
            if rule.schema_ is not None:
                try:
                    jsonschema.validators.validator_for(rule.schema_).check_schema(rule.schema_)
                except jsonschema.SchemaError as exc:
                    raise ValueError(
                        f"arguments.{key}.schema is not a JSON Schema: {exc.message}"
                    ) from None
        return self
