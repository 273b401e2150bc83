"""Shared statistics: Spearman with ties, flat groups, and the per-step training signals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rft.stats import flat_share, spearman, step_metrics


def test_step_metrics_for_training_logs() -> None:
    rewards = [1, 1, 1, 1, 0, 0.5, 1, 0]
    out = step_metrics(rewards, lengths=[1, 2, 3, 4, 5, 6, 7, 8], group_size=4)
    assert out["quality/zero_variance_share"] == 0.5
    # Average ranks of the rewards (ties): 6 6 6 6 1.5 3 6 1.5 against lengths 1..8.
    assert out["quality/length_correlation"] == pytest.approx(-22.5 / math.sqrt(31.5 * 42.0))
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_spearman_exact_values() -> None:
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)  # 1 - 6 * 2 / (4 * 15)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3, 4], [1, 1, 2, 2]) == pytest.approx(2 / math.sqrt(5))
    assert np.isnan(spearman([1, 2], [1, 2]))  # too few pairs to rank


def test_flat_share_counts_whole_groups_only() -> None:
    assert flat_share(np.array([1.0, 1.0, 0.0, 1.0, 2.0]), 2) == 0.5  # the odd 5th is left out
    assert math.isnan(flat_share(np.array([1.0, 1.0]), 1))
