"""Spec of the rubric judge: weighted criteria, each with ordered choices scored 0..1."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from rft.spec.base import GraderSpecBase, SpecModel
from rft.spec.model import JudgeSettings, SamplingParams


class Criterion(SpecModel):
    """One criterion of a rubric: the judge picks one of `choices` (listed worst to best).

    Choice k of n scores k / (n - 1) unless `scores` gives one value per choice.
    """

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$", description="Key in details.")
    description: str = Field(min_length=1, description="What the judge checks, for the judge.")
    choices: list[str] = Field(min_length=2, description="Verdicts, worst first, best last.")
    scores: list[float] | None = Field(
        default=None, description="Score in [0, 1] per choice (default: evenly spaced 0..1)."
    )
    weight: float = Field(default=1.0, ge=0, description="Weight in the rubric's weighted mean.")

    @model_validator(mode="after")
    def _choices_and_scores(self) -> Criterion:
        folded = [c.strip().casefold() for c in self.choices]
        if len(set(folded)) != len(folded) or not all(folded):
            raise ValueError(f"criterion `{self.name}`: choices must be distinct and non-empty")
        if self.scores is not None:
            if len(self.scores) != len(self.choices):
                raise ValueError(
                    f"criterion `{self.name}`: {len(self.scores)} scores for "
                    f"{len(self.choices)} choices (give one score per choice)"
                )
            if any(not 0.0 <= s <= 1.0 for s in self.scores):
                raise ValueError(f"criterion `{self.name}`: scores must lie in [0, 1]")
        return self

    def choice_scores(self) -> list[float]:
        """The score of each choice, worst first."""
        if self.scores is not None:
            return list(self.scores)
        n = len(self.choices)
        return [k / (n - 1) for k in range(n)]


class RubricSpec(GraderSpecBase, JudgeSettings):
    """A judge model grades each criterion (a reason, then a verdict among its choices); the
    score is the weighted mean of the criteria's choice scores. Deterministic by default:
    `temperature: 0` and the criteria asked in the order written."""

    calls_models: ClassVar[bool] = True
    waits_on_io: ClassVar[bool] = True

    type: Literal["rubric"] = "rubric"
    criteria: list[Criterion] = Field(min_length=1)
    sampling_params: SamplingParams | None = Field(
        default_factory=lambda: SamplingParams(temperature=0.0),
        description="Sent with each request; default `{temperature: 0}` (deterministic).",
    )

    @model_validator(mode="after")
    def _criteria_valid(self) -> RubricSpec:
        names = [c.name for c in self.criteria]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"criterion names must be unique; repeated: {twice}")
        if self.reply_pattern is not None:
            raise ValueError("a rubric reply is JSON with `criteria`; reply_pattern does not apply")
        if sum(c.weight for c in self.criteria) <= 0:
            raise ValueError("criteria weights must have a positive sum")
        return self
