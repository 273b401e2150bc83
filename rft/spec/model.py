"""Specs of the model graders (LLM-as-judge): `score_model` and `label_model`."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from rft.spec.base import GraderSpecBase, SpecModel, Template

Role = Literal["system", "developer", "user", "assistant"]


class Message(SpecModel):
    """A chat message whose content is a template (OpenAI's `EvalItem`)."""

    role: Role
    content: Template | dict[str, Any] | list[dict[str, Any]]
    type: Literal["message"] | None = None


class SamplingParams(SpecModel):
    """Sampling parameters sent to the judge (OpenAI's names, plus `max_tokens`)."""

    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    max_completions_tokens: int | None = None
    max_tokens: int | None = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None


class Endpoint(SpecModel):
    """An OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama, llama.cpp, TGI)."""

    base_url: str = "https://api.openai.com/v1"
    api_key_env: str | None = Field(
        default=None,
        description="Deprecated in bundles: the key comes from the user's endpoints file. "
        "Allowed only when it matches the user's setting for this base_url.",
    )
    headers: dict[str, str] = Field(default_factory=dict)


class JudgeSettings(SpecModel):
    """Plumbing shared by the model graders: where the judge runs and how it is called."""

    model: str = Field(
        description="Model name at the endpoint, or a local path with `provider: transformers`."
    )
    input: list[Message] = Field(min_length=1)
    provider: Literal["openai", "transformers"] = "openai"
    endpoint: str | Endpoint | None = Field(
        default=None,
        description="The name of an endpoint in the user's endpoints file "
        "(~/.config/rft/endpoints.yaml), or a {base_url, headers} block the user allows; "
        "none: $OPENAI_BASE_URL (default OpenAI) with $OPENAI_API_KEY.",
    )
    sampling_params: SamplingParams | None = None
    reply_pattern: str | None = Field(
        default=None,
        description="Regex whose first group is the score/label, when replies are not JSON.",
    )
    concurrency: int = Field(default=16, ge=1)
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=3, ge=0)
    cache: bool | str = Field(
        default=True, description="Disk cache: true (default dir), false, or a dir."
    )
    max_requests: int | None = Field(
        default=None, ge=1, description="Stop spending after this many calls."
    )
    max_tokens_spent: int | None = Field(
        default=None,
        ge=1,
        description="Stop spending after this many prompt + completion tokens (all batches).",
    )
    max_cost_usd: float | None = Field(
        default=None,
        gt=0,
        description="Stop spending past this many US dollars, priced by the `prices` table of "
        "the user's endpoints file.",
    )
    samples: int = Field(default=1, ge=1, description="Judge calls per sample, aggregated.")
    aggregate: Literal["mean", "majority", "median"] = "mean"


class ScoreModelSpec(GraderSpecBase, JudgeSettings):
    """A judge model returns a numeric score in `range`, normalized to [0, 1]."""

    calls_models: ClassVar[bool] = True
    waits_on_io: ClassVar[bool] = True

    type: Literal["score_model"] = "score_model"
    range: tuple[float, float] = (0.0, 1.0)
    pass_threshold: float | None = None
    swap_order: bool = Field(
        default=False,
        description="Pairwise rubrics: also ask with the two answers swapped, average.",
    )

    @model_validator(mode="after")
    def _range_ordered(self) -> ScoreModelSpec:
        if not self.range[0] < self.range[1]:
            raise ValueError(f"range must be [low, high] with low < high, got {list(self.range)}")
        return self


class LabelModelSpec(GraderSpecBase, JudgeSettings):
    """A judge model picks one of `labels`; the score is 1 when it is in `passing_labels`."""

    calls_models: ClassVar[bool] = True
    waits_on_io: ClassVar[bool] = True

    type: Literal["label_model"] = "label_model"
    labels: list[str] = Field(min_length=2)
    passing_labels: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _passing_subset(self) -> LabelModelSpec:
        unknown = [x for x in self.passing_labels if x not in self.labels]
        if unknown:
            raise ValueError(f"passing_labels {unknown} are not among labels {self.labels}")
        return self
