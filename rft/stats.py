"""Small statistics shared by training logs and reports: rank correlation and flat groups.

`step_metrics` is what a trainer logs per step (`quality/…` keys of `metrics.jsonl`); the
report's checks (`rft.report.quality`) use the same `spearman` and `flat_share`. It lives
below both `rft.train` and `rft.report`, so neither imports the other for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def spearman(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); nan when either side is constant.

    pandas' `DataFrame.corr(method="spearman")` (its own implementation, no scipy).

    >>> round(spearman([1, 2, 3, 4], [1, 3, 2, 4]), 12)
    0.8
    """
    import pandas as pd  # on first use: every `rft` command loads this module at start-up

    pair = pd.DataFrame({"x": np.asarray(x, dtype=float), "y": np.asarray(y, dtype=float)})
    if len(pair) < 3:
        return float("nan")
    return float(pair.corr(method="spearman").iloc[0, 1])


def flat_share(values: np.ndarray, group_size: int) -> float:
    """Share of consecutive groups of `group_size` whose values are all equal.

    >>> flat_share(np.array([1, 1, 0, 1]), 2)
    0.5
    """
    if group_size < 2 or values.size < group_size:
        return float("nan")
    groups = values[: values.size // group_size * group_size].reshape(-1, group_size)
    return float(np.mean(np.ptp(groups, axis=1) <= 1e-9))


def step_metrics(
    rewards: Sequence[float] | np.ndarray,
    lengths: Sequence[float] | np.ndarray,
    group_size: int,
) -> dict[str, float]:
    """Per-step quality numbers for a trainer to log into `metrics.jsonl`.

    `rewards` and `lengths` are per completion, ordered so that each consecutive run of
    `group_size` completions answers the same prompt (as GRPO generates them). Returns
    `quality/length_correlation` and `quality/zero_variance_share` (nan values dropped).
    """
    r = np.asarray(rewards, dtype=float)
    out = {
        "quality/length_correlation": spearman(r, lengths),
        "quality/zero_variance_share": flat_share(r, group_size),
    }
    return {k: v for k, v in out.items() if not math.isnan(v)}
