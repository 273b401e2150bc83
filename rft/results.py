"""`Scores`: what scoring a batch returns (scores, sub-scores, details, flags, timing, usage)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rft.errors import ERROR_FLAGS, any_flag

if TYPE_CHECKING:
    import pandas as pd


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
        import pandas as pd

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

    def to_openai(self, i: int) -> dict[str, Any]:
        """Sample `i` in the shape of OpenAI's grader run endpoint response."""
        errors = {
            flag: bool(self.errors[flag][i]) if flag in self.errors else False
            for flag in ERROR_FLAGS
        }
        return {
            "reward": None if self.skipped[i] else float(self.scores[i]),
            "sub_rewards": {name: float(values[i]) for name, values in self.sub_scores.items()},
            "metadata": {
                "name": self.name,
                "type": "rft",
                "errors": errors,
                "error_message": self.first_message(i),
                "execution_time": self.timing.get("total", 0.0) / max(len(self.scores), 1),
                "scores": {name: float(values[i]) for name, values in self.sub_scores.items()},
                "token_usage": self.usage or None,
            },
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
        )
