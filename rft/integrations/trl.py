"""The one TRL adapter: a compiled bundle as a GRPO/RLOO reward function.

TRL calls reward functions as `fn(prompts=…, completions=…, completion_ids=…, **kwargs)` where
kwargs hold the dataset columns (one list per column) plus control arguments (`trainer_state`,
`log_extra`, `log_metric`, …). This module imports nothing from TRL or torch: the contract is
the signature.

    import rft
    from rft.integrations.trl import trl_reward
    trainer = GRPOTrainer(..., reward_funcs=[trl_reward(rft.compile("graders/gene_rank.yaml"))])

`TrlReward` holds the contract (columns -> items, score, log); `rft.train` subclasses it to
record per-step statistics.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rft.results import Scores
from rft.reward import RewardFunction

# Keyword arguments TRL passes besides the dataset columns; never part of an item.
CONTROL_KWARGS = frozenset(
    {"trainer_state", "log_extra", "log_metric", "environments", "completion_ids"}
)


def items_from_columns(prompts: Sequence[Any], columns: dict[str, Any]) -> list[dict[str, Any]]:
    """Rebuild one item per completion from TRL's column lists (the prompt is `item.prompt`)."""
    n = len(prompts)
    data = {
        key: values
        for key, values in columns.items()
        if key not in CONTROL_KWARGS and isinstance(values, list | tuple) and len(values) == n
    }
    items = []
    for i in range(n):
        item = {key: values[i] for key, values in data.items()}
        item.setdefault("prompt", prompts[i])
        items.append(item)
    return items


@dataclass
class GradedBatch:
    """One reward call, as `TrlReward.record` sees it."""

    scores: Scores
    seconds: float
    completions: Sequence[Any]
    completion_ids: Sequence[Sequence[int]] | None
    columns: dict[str, Any]
    """TRL's keyword arguments: the dataset columns and its control arguments."""


class TrlReward:
    """TRL's reward-function contract around a compiled bundle.

    Calling it grades `completions` against the items rebuilt from the dataset columns and
    returns one float per completion, or None for a sample skipped by an `on_error: skip`
    grader. With `log_metrics`, each sub-grader's mean and each error-flag rate go to TRL's
    `log_metric`, and each sub-grader's scores to `log_extra` (when there are several).
    Subclasses override `record` to keep more (see `rft.train.rewards.TrainReward`).
    """

    def __init__(self, reward: RewardFunction, *, log_metrics: bool = True) -> None:
        self.reward = reward
        self.log_metrics = log_metrics
        self.__name__ = reward.name  # TRL names the logged reward column after the function

    def __call__(
        self,
        prompts: Sequence[Any],
        completions: Sequence[Any],
        completion_ids: Sequence[Sequence[int]] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        start = time.perf_counter()
        scores = self.reward.score(list(completions), items_from_columns(prompts, columns))
        seconds = time.perf_counter() - start
        self.record(GradedBatch(scores, seconds, completions, completion_ids, columns))
        return scores.rewards()

    async def acall(
        self,
        prompts: Sequence[Any],
        completions: Sequence[Any],
        completion_ids: Sequence[Sequence[int]] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        """The async form (judge calls and sandbox workers run concurrently)."""
        start = time.perf_counter()
        scores = await self.reward.ascore(list(completions), items_from_columns(prompts, columns))
        seconds = time.perf_counter() - start
        self.record(GradedBatch(scores, seconds, completions, completion_ids, columns))
        return scores.rewards()

    def record(self, graded: GradedBatch) -> None:
        """Called after each graded batch; logs to TRL's `log_metric` / `log_extra`."""
        if self.log_metrics:
            log_to_trl(graded.scores, graded.columns, self.reward.name)

    def function(self) -> Callable[..., Any]:
        """What to put in `reward_funcs`: this object, or an async function for I/O-bound bundles.

        TRL runs a reward function concurrently only when `inspect.iscoroutinefunction` says
        it is one, which an object with an async `__call__` is not.
        """
        if not self.reward.is_concurrent:
            return self

        async def reward_fn(
            prompts: Sequence[Any],
            completions: Sequence[Any],
            completion_ids: Any = None,
            **columns: Any,
        ) -> list[float | None]:
            return await self.acall(prompts, completions, completion_ids, **columns)

        reward_fn.__name__ = reward_fn.__qualname__ = self.reward.name
        return reward_fn


def log_to_trl(scores: Scores, columns: dict[str, Any], prefix: str) -> None:
    """Send per-grader means, error-flag rates and per-sample sub-scores to TRL's loggers."""
    log_metric: Callable[[str, float], None] | None = columns.get("log_metric")
    if log_metric is not None:
        for name, mean in scores.sub_means().items():
            log_metric(f"{prefix}/{name}", mean)
        for flag, count in scores.error_counts().items():
            if count:
                log_metric(f"{prefix}/errors/{flag}", count / max(len(scores), 1))
    log_extra = columns.get("log_extra")
    if log_extra is not None and len(scores.sub_scores) > 1:
        for name, values in scores.sub_scores.items():
            log_extra(f"{prefix}/{name}", [float(v) for v in values])


def trl_reward(reward: RewardFunction, *, log_metrics: bool = True) -> Callable[..., Any]:
    """A reward function for TRL's GRPOTrainer / RLOOTrainer from a compiled bundle.

    Signature `(prompts, completions, completion_ids=None, **dataset_columns)`; the dataset
    columns of each row (and its `prompt`) form the `item`. Bundles with judge or python
    graders get an async function, which TRL runs concurrently with other reward functions.

    >>> import rft
    >>> fn = trl_reward(rft.compile({"type": "string_check", "reference": "{{ item.answer }}"}))
    >>> fn(prompts=["2+2?", "3+3?"], completions=["4", "5"], answer=["4", "6"])
    [1.0, 0.0]
    """
    return TrlReward(reward, log_metrics=log_metrics).function()
