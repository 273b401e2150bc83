"""`Scores`: what scoring a batch returns (scores, sub-scores, details, flags, timing, usage)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rft.errors import ERROR_FLAGS, any_flag

if TYPE_CHECKING:
    import pandas as pd

# OpenAI's token usage keys; `cached_tokens` stays 0: OpenAI-compatible servers seldom report it.
_TOKEN_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens")


@dataclass
class Scores:
    """Scores of a batch. Arrays have one entry per sample, in input order.

    Attributes:
        scores: final reward per sample, finite and in [0, 1] (0 for skipped samples).
        sub_scores: per named grader (dotted for nested composites), the grader's own scores.
        details: per grader, extra per-sample values (e.g. `rank` for ranked_list, a judge's reply).
        errors: per error flag, True where any grader raised it for that sample.
        grader_errors: per grader, the flags it raised.
        messages: per grader, the error message per sample (None where there was no error).
        skipped: True where a grader with `on_error: skip` failed: the sample has no reward.
        timing: seconds per grader and `total`.
        usage: judge tokens, requests, cache hits, … summed over graders.
        grader_usage: the same, per grader that reported any.
        grader_type: the `type` of the bundle's root grader.
        grader_models: per model grader (score_model, label_model), the judge model it calls.
    """

    name: str
    scores: np.ndarray
    sub_scores: dict[str, np.ndarray] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, np.ndarray] = field(default_factory=dict)
    grader_errors: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    messages: dict[str, list[str | None]] = field(default_factory=dict)
    skipped: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    timing: dict[str, float] = field(default_factory=dict)
    usage: dict[str, float] = field(default_factory=dict)
    grader_usage: dict[str, dict[str, float]] = field(default_factory=dict)
    grader_type: str = ""
    grader_models: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.scores)

    @property
    def mean(self) -> float:
        """Mean reward over the samples that were not skipped (nan if none)."""
        kept = self.scores[~self.skipped]
        return float(kept.mean()) if kept.size else float("nan")

    @property
    def any_error(self) -> np.ndarray:
        """True where any error flag is set."""
        return any_flag(self.errors, len(self.scores))

    def rewards(self) -> list[float | None]:
        """Per-sample rewards as TRL wants them: a float, or None for a skipped sample."""
        return [
            None if skip else float(s) for s, skip in zip(self.scores, self.skipped, strict=True)
        ]

    def error_counts(self) -> dict[str, int]:
        return {name: int(mask.sum()) for name, mask in self.errors.items()}

    def sub_means(self) -> dict[str, float]:
        return {
            name: float(values.mean()) if len(values) else float("nan")
            for name, values in self.sub_scores.items()
        }

    def first_message(self, i: int) -> str | None:
        """The first error message of sample `i`, prefixed by the grader's name."""
        for grader, texts in self.messages.items():
            if texts[i]:
                return f"{grader}: {texts[i]}"
        return None

    def to_frame(self) -> pd.DataFrame:
        """One row per sample: score, skipped, each sub-score, each detail, each flag, the message."""
        import pandas as pd  # pandas takes seconds to import; only frames need it

        columns: dict[str, Any] = {"score": self.scores, "skipped": self.skipped}
        for name, values in self.sub_scores.items():
            columns[f"score.{name}"] = values
        for grader, details in self.details.items():
            for key, values in details.items():
                columns[f"{grader}.{key}"] = list(values)
        for flag in ERROR_FLAGS:
            columns[flag] = self.errors.get(flag, np.zeros(len(self.scores), dtype=bool))
        columns["error_message"] = [self.first_message(i) for i in range(len(self.scores))]
        return pd.DataFrame(columns)

    def message_of(self, i: int, flag: str) -> str | None:
        """The message of the first grader that raised `flag` on sample `i`."""
        for grader, flags in self.grader_errors.items():
            if flag in flags and flags[flag][i] and grader in self.messages:
                return self.messages[grader][i]
        return None

    def to_openai(self, i: int) -> dict[str, Any]:
        """Sample `i` in the shape of OpenAI's grader run endpoint response.

        Keys as `POST /fine_tuning/alpha/graders/run` returns them: `reward`, `sub_rewards`
        (a composite's graders; empty for a single grader), `model_grader_token_usage_per_model`
        and `metadata` with the root grader's `name` and `type`, every error flag and the
        error-detail fields, `execution_time`, `scores`, `token_usage` and
        `sampled_model_name` (the judge model, None without one). rft grades whole batches:
        time and token usage are the batch's divided by its size (exact for one sample), and
        a sample skipped by `on_error: skip` has the reward None.
        """
        n = max(len(self.scores), 1)
        errors: dict[str, Any] = {
            flag: bool(self.errors[flag][i]) if flag in self.errors else False
            for flag in ERROR_FLAGS
        }
        # rft neither truncates tool observations nor calls a remote reward service.
        errors["truncated_observation_error"] = False
        errors["unresponsive_reward_error"] = False
        errors["python_grader_server_error_type"] = self.message_of(i, "python_grader_server_error")
        errors["python_grader_runtime_error_details"] = self.message_of(
            i, "python_grader_runtime_error"
        )
        errors["model_grader_server_error_details"] = self.message_of(
            i, "model_grader_server_error"
        )
        composite = self.grader_type == "multi"
        sub_rewards = (
            {name: float(values[i]) for name, values in self.sub_scores.items()}
            if composite
            else {}
        )
        per_model: dict[str, dict[str, float]] = {}
        for grader, model in self.grader_models.items():
            usage = self.grader_usage.get(grader, {})
            tokens = per_model.setdefault(model, dict.fromkeys(_TOKEN_KEYS, 0.0))
            prompt = usage.get("judge_prompt_tokens", 0.0) / n
            completion = usage.get("judge_completion_tokens", 0.0) / n
            tokens["prompt_tokens"] += prompt
            tokens["completion_tokens"] += completion
            tokens["total_tokens"] += prompt + completion
        token_usage = (
            {key: sum(t[key] for t in per_model.values()) for key in _TOKEN_KEYS}
            if per_model
            else None
        )
        return {
            "reward": None if self.skipped[i] else float(self.scores[i]),
            "metadata": {
                "name": self.name,
                "type": self.grader_type,
                "errors": errors,
                "execution_time": self.timing.get("total", 0.0) / n,
                "scores": dict(sub_rewards),
                "token_usage": token_usage,
                "sampled_model_name": next(iter(self.grader_models.values()), None),
            },
            "sub_rewards": sub_rewards,
            "model_grader_token_usage_per_model": per_model,
        }

    def take(self, index: Sequence[int]) -> Scores:
        """A `Scores` of the selected samples."""
        idx = np.asarray(index, dtype=int)
        return Scores(
            name=self.name,
            scores=self.scores[idx],
            sub_scores={k: v[idx] for k, v in self.sub_scores.items()},
            details={
                g: {k: [v[i] for i in idx] for k, v in d.items()} for g, d in self.details.items()
            },
            errors={k: v[idx] for k, v in self.errors.items()},
            grader_errors={
                g: {k: v[idx] for k, v in d.items()} for g, d in self.grader_errors.items()
            },
            messages={g: [m[i] for i in idx] for g, m in self.messages.items()},
            skipped=self.skipped[idx],
            timing=dict(self.timing),
            usage=dict(self.usage),
            grader_usage={g: dict(u) for g, u in self.grader_usage.items()},
            grader_type=self.grader_type,
            grader_models=dict(self.grader_models),
        )
