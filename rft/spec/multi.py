"""Spec of the composite grader."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from rft.spec.base import GraderSpecBase


class MultiSpec(GraderSpecBase):
    """Combines named sub-graders by a formula (`calculate_output`) or a weighted mean.

    The formula uses the sub-grader keys as variables, `+ - * / ^` and `min max abs floor
    ceil exp sqrt log`; its result is clipped to [0, 1]. Without either, sub-scores are averaged.
    """

    type: Literal["multi"] = "multi"
    # The grader union contains this class, so it is built (and bound here) by rft.spec.bundle.
    graders: dict[str, GraderSpec] = Field(min_length=1)  # noqa: F821
    calculate_output: str | None = None
    weights: dict[str, float] | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_names(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("graders"), dict):
            graders = {}
            for key, sub in data["graders"].items():
                if isinstance(sub, dict) and not sub.get("name"):
                    sub = {**sub, "name": key}
                graders[key] = sub
            data = {**data, "graders": graders}
        return data

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
