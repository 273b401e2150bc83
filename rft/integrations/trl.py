"""TRL adapters: a GRPO/RLOO reward function from a compiled bundle.

TRL calls reward functions as `fn(prompts=…, completions=…, completion_ids=…, **kwargs)` where
kwargs hold the dataset columns (one list per column) plus `trainer_state`, `log_extra` and
`log_metric`. This module imports nothing from TRL or torch: the contract is the signature.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rft.results import Scores
    from rft.reward import RewardFunction

_CONTROL_KWARGS = ("trainer_state", "log_extra", "log_metric", "environments")


def items_from_columns(prompts: Sequence[Any], columns: dict[str, Any]) -> list[dict[str, Any]]:
    """Rebuild one item per completion from TRL's column lists (the prompt is `item.prompt`)."""
    data = {
        k: v for k, v in columns.items() if k not in _CONTROL_KWARGS and isinstance(v, list | tuple)
    }
    n = len(prompts)
    items = []
    for i in range(n):
        item = {key: values[i] for key, values in data.items() if len(values) == n}
        item.setdefault("prompt", prompts[i])
        items.append(item)
    return items


def _log(scores: Scores, columns: dict[str, Any], prefix: str) -> None:
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


def make_trl_reward(reward: RewardFunction, *, log_metrics: bool = True) -> Callable[..., Any]:
    """Build the TRL reward function (async when the bundle has I/O-bound graders)."""
    prefix = reward.name

    if reward.is_concurrent:

        async def async_reward(
            prompts: Sequence[Any],
            completions: Sequence[Any],
            completion_ids: Any = None,
            **columns: Any,
        ) -> list[float | None]:
            scores = await reward.ascore(list(completions), items_from_columns(prompts, columns))
            if log_metrics:
                _log(scores, columns, prefix)
            return scores.rewards()

        async_reward.__name__ = async_reward.__qualname__ = reward.name
        return async_reward

    def sync_reward(
        prompts: Sequence[Any],
        completions: Sequence[Any],
        completion_ids: Any = None,
        **columns: Any,
    ) -> list[float | None]:
        scores = reward.score(list(completions), items_from_columns(prompts, columns))
        if log_metrics:
            _log(scores, columns, prefix)
        return scores.rewards()

    sync_reward.__name__ = sync_reward.__qualname__ = reward.name
    return sync_reward
