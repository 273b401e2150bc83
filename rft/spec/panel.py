"""Spec of a judge panel: several model graders grade each sample; their scores combine."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from rft.spec.base import GraderSpecBase
from rft.spec.model import LabelModelSpec, ScoreModelSpec
from rft.spec.rubric import RubricSpec

PanelJudge = Annotated[ScoreModelSpec | LabelModelSpec | RubricSpec, Field(discriminator="type")]
"""A panel member: any model grader."""

_JUDGE_TYPES = {"score_model", "label_model", "rubric"}


class PanelSpec(GraderSpecBase):
    """Several judges (different models, or one model with different seeds) grade each sample.

    A judge whose call fails for a sample is left out of that sample's aggregate (and named in
    the details), never counted as 0; the sample is a `model_grader_server_error` only when
    every judge failed.
    """

    calls_models: ClassVar[bool] = True
    waits_on_io: ClassVar[bool] = True

    type: Literal["panel"] = "panel"
    judges: dict[str, PanelJudge] = Field(min_length=2)
    aggregate: Literal["mean", "median", "majority", "min"] = Field(
        default="mean",
        description="How the judges' scores combine: mean, median, majority (the most common "
        "score; a tie goes to the lowest) or min (the strictest judge).",
    )

    @field_validator("judges", mode="before")
    @classmethod
    def _named_by_key(cls, judges: Any) -> Any:
        # A judge's name defaults to its key, as in `multi`.
        if isinstance(judges, dict):
            for key, sub in judges.items():
                kind = sub.get("type") if isinstance(sub, dict) else None
                if kind not in _JUDGE_TYPES:
                    raise ValueError(
                        f"judge `{key}` is a `{kind}`; a panel's judges are model graders: "
                        f"{', '.join(sorted(_JUDGE_TYPES))}"
                    )
            return {
                key: {**sub, "name": key} if isinstance(sub, dict) and not sub.get("name") else sub
                for key, sub in judges.items()
            }
        return judges
