"""Fields shared by every grader spec."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Template = str
"""A jinja2 template string, e.g. ``"{{ sample.output_text }}"``; plain text is a constant."""

OnError = Literal["zero", "skip"]


class SpecModel(BaseModel):
    """Base of all DSL models: unknown fields are errors (with a did-you-mean hint at load time)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


class ExpectRange(SpecModel):
    """An expected score interval, inclusive."""

    min: float = 0.0
    max: float = 1.0


class ExpectSpec(SpecModel):
    """What a bundle test expects: a score, an interval, and/or sub-scores."""

    score: float | ExpectRange | None = None
    sub_scores: dict[str, float | ExpectRange] = Field(default_factory=dict)
    errors: list[str] | None = Field(
        default=None, description="Error flags that must be raised (and no others)."
    )


class SampleSpec(SpecModel):
    """A model answer in a bundle test: the text (and optionally tool calls)."""

    output_text: str = ""
    output_json: Any | None = Field(
        default=None, description="Set it only to override the JSON parsed from output_text."
    )
    output_tools: list[dict[str, Any]] | None = None


class BundleTest(SpecModel):
    """A unit test of a grader: an item, a sample, and the expected score."""

    name: str
    item: dict[str, Any] = Field(default_factory=dict)
    sample: SampleSpec | str
    expect: float | ExpectRange | ExpectSpec
    tolerance: float = Field(default=1e-6, ge=0, description="Allowed |score - expect|.")

    @model_validator(mode="before")
    @classmethod
    def _sample_shorthand(cls, data: Any) -> Any:
        # `sample: "text"` is shorthand for `sample: {output_text: "text"}`.
        if isinstance(data, dict) and isinstance(data.get("sample"), str):
            data = {**data, "sample": {"output_text": data["sample"]}}
        return data


def spec_type_name(cls: type[BaseModel]) -> str:
    """The grader type a spec class declares (the default of its `type: Literal[...]` field)."""
    return str(cls.model_fields["type"].default)


class GraderSpecBase(SpecModel):
    """Fields every grader has."""

    calls_models: ClassVar[bool] = False
    """True for graders that ask a judge model (they need an endpoint, cost tokens, wait on I/O)."""
    waits_on_io: ClassVar[bool] = False
    """True for graders whose work happens in other processes or servers (graded concurrently)."""

    name: str = Field(
        default="", description="Name of the grader (defaults to its key in `multi`)."
    )
    on_error: OnError = Field(
        default="zero",
        description="What an errored sample gets: `zero` (score 0) or `skip` (no reward; TRL gets None).",
    )
    description: str | None = Field(default=None, description="Free text for humans.")
    tests: list[BundleTest] = Field(
        default_factory=list, description="Unit tests of this grader (`rft graders test`)."
    )
