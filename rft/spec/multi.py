"""Spec of the composite grader."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from rft.spec.base import GraderSpecBase


def _mapping_or_list(schema: dict[str, Any]) -> None:
    """JSON Schema of `graders`: the mapping, or OpenAI's list of the same grader specs."""
    mapping = dict(schema)
    listed = {"type": "array", "items": mapping["additionalProperties"], "minItems": 1}
    schema.clear()
    schema["anyOf"] = [mapping, listed]


class MultiSpec(GraderSpecBase):
    """Combines named sub-graders by a formula (`calculate_output`) or a weighted mean.

    `graders` is a mapping `{key: grader}` or, as in OpenAI's API reference, a list of graders
    keyed by their `name`. The formula uses the sub-grader keys as variables, `+ - * / ^` and `min max abs floor
    ceil exp sqrt log`; its result is clipped to [0, 1]. Without either, sub-scores are averaged.
    """

    type: Literal["multi"] = "multi"
    # The grader union contains this class, so it is built (and bound here) by rft.spec.bundle.
    graders: dict[str, GraderSpec] = Field(  # noqa: F821
        min_length=1, json_schema_extra=_mapping_or_list
    )
    calculate_output: str | None = None
    weights: dict[str, float] | None = None

    @field_validator("graders", mode="before")
    @classmethod
    def _keyed_by_name(cls, graders: Any) -> Any:
        """`{key: grader}` (rft's form; a grader's name defaults to its key), or OpenAI's list.

        A list (the API reference's shape) is keyed by each grader's `name`; it is OpenAI
        grader JSON, whose guide forbids a `multi` inside a `multi`, so one is refused there.
        rft's mapping form may nest `multi` graders (their sub-scores get dotted names).
        """
        if isinstance(graders, dict):
            return {
                key: {**sub, "name": key} if isinstance(sub, dict) and not sub.get("name") else sub
                for key, sub in graders.items()
            }
        if not isinstance(graders, list):
            return graders
        keyed: dict[str, Any] = {}
        for i, sub in enumerate(graders):
            if not isinstance(sub, dict):
                raise ValueError(f"graders[{i}] is not a grader (a mapping with `type:`)")
            name = sub.get("name")
            if not isinstance(name, str) or not name:
                raise ValueError(
                    f"graders[{i}] has no `name`: in a list of graders each needs one, "
                    "as `calculate_output` refers to graders by name"
                )
            if name in keyed:
                raise ValueError(f"graders[{i}]: the name `{name}` is used twice")
            if sub.get("type") == "multi":
                raise ValueError(
                    f"graders[{i}] (`{name}`) is a `multi` inside a `multi`, which OpenAI's "
                    "grader JSON does not allow; move its graders into this one and combine "
                    "them in `calculate_output` (rft's mapping form `graders: {name: …}` may nest)"
                )
            keyed[name] = sub
        return keyed

    @model_validator(mode="after")
    def _check_combination(self) -> MultiSpec:
        if self.calculate_output is not None and self.weights is not None:
            raise ValueError("give either calculate_output or weights, not both")
        if self.weights is not None:
            unknown = sorted(set(self.weights) - set(self.graders))
            if unknown:
                raise ValueError(
                    f"weights name unknown graders {unknown}; graders are {sorted(self.graders)}"
                )
            if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
                raise ValueError("weights must be >= 0 with a positive sum")
        return self
