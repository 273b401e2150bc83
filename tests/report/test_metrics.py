"""The statistics against known cases: interval coverage, pass@k's closed form, top@k and MRR."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rft.report.metrics import (
    bootstrap_mean,
    ks_up_to,
    mean_reciprocal_rank,
    paired_bootstrap,
    pass_at_k,
    summarize,
    top_k_rate,
)


def test_bootstrap_interval_covers_the_true_mean_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(1)
    true_p, hits, trials = 0.3, 0, 300
    for t in range(trials):
        data = rng.binomial(1, true_p, size=80)
        interval = bootstrap_mean(data, resamples=1000, seed=t)
        hits += interval.low <= true_p <= interval.high
    coverage = hits / trials
    # Percentile intervals run slightly narrow at n=80; 300 trials give a binomial sd of ~1.3%.
    assert 0.90 <= coverage <= 0.985, coverage


def test_bootstrap_interval_shrinks_like_one_over_root_n() -> None:
    rng = np.random.default_rng(0)
    small = bootstrap_mean(rng.normal(size=100))
    large = bootstrap_mean(rng.normal(size=1600))
    ratio = (small.high - small.low) / (large.high - large.low)
    assert 3.0 < ratio < 5.3  # sqrt(16) = 4


def test_bootstrap_degenerate_inputs() -> None:
    assert bootstrap_mean([]).n == 0 and math.isnan(bootstrap_mean([]).estimate)
    constant = bootstrap_mean([0.5] * 10)
    assert (constant.low, constant.estimate, constant.high) == (0.5, 0.5, 0.5)
    with_nan = bootstrap_mean([1.0, float("nan"), 0.0])
    assert with_nan.n == 2 and with_nan.estimate == 0.5


def test_paired_bootstrap_sees_a_small_consistent_gain_that_unpaired_intervals_miss() -> None:
    rng = np.random.default_rng(3)
    difficulty = rng.uniform(0, 1, size=200)  # items differ a lot; the gain is small but steady
    before = difficulty
    after = np.clip(difficulty + 0.03 + rng.normal(0, 0.01, size=200), 0, 1.5)
    paired = paired_bootstrap(before, after)
    a, b = bootstrap_mean(before), bootstrap_mean(after)
    assert paired.excludes_zero and paired.low > 0
    assert a.high > b.low  # the two unpaired intervals overlap
    assert paired.estimate == pytest.approx(float(np.mean(after - before)))


def test_paired_bootstrap_covers_the_true_delta() -> None:
    rng = np.random.default_rng(7)
    hits = 0
    for t in range(200):
        base = rng.uniform(size=60)
        after = base + rng.normal(0.1, 0.2, size=60)
        interval = paired_bootstrap(base, after, resamples=800, seed=t)
        hits += interval.low <= 0.1 <= interval.high
    assert 0.89 <= hits / 200 <= 0.99


@given(
    n=st.integers(min_value=1, max_value=40),
    data=st.data(),
)
@settings(max_examples=200, deadline=None)
def test_pass_at_k_matches_the_closed_form(n: int, data: st.DataObject) -> None:
    c = data.draw(st.integers(min_value=0, max_value=n))
    k = data.draw(st.integers(min_value=1, max_value=n))
    expected = 1 - math.comb(n - c, k) / math.comb(n, k)
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_known_values_and_monte_carlo() -> None:
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)  # 1 - C(3,2)/C(4,2) = 1 - 3/6
    rng = np.random.default_rng(0)
    draws = [rng.choice(10, size=3, replace=False) for _ in range(20000)]
    simulated = np.mean([np.any(d < 2) for d in draws])  # samples 0 and 1 pass
    assert pass_at_k(10, 2, 3) == pytest.approx(simulated, abs=0.01)
    np.testing.assert_allclose(pass_at_k(np.array([4, 4]), np.array([0, 4]), 2), [0.0, 1.0])
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_top_k_and_mrr_from_ranks() -> None:
    ranks = [1, 2, 0, 5, 7]
    assert top_k_rate(ranks, 1) == pytest.approx(0.2)
    assert top_k_rate(ranks, 5) == pytest.approx(0.6)
    assert top_k_rate(ranks, None) == pytest.approx(0.8)
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 2 + 0 + 1 / 5 + 1 / 7) / 5)
    assert ks_up_to(1) == [1] and ks_up_to(4) == [1, 2, 4] and ks_up_to(6) == [1, 2, 4, 6]


def test_summarize_a_table() -> None:
    # 3 items x 2 samples; item 2 has one skipped sample.
    frame = pd.DataFrame(
        {
            "item_index": [0, 0, 1, 1, 2, 2],
            "sample_index": [0, 1, 0, 1, 0, 1],
            "score": [1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            "skipped": [False, False, False, False, False, True],
            "score.rank": [1.0, 0.0, 0.2, 0.0, 1.0, 0.0],
            "rank.rank": [1, 0, 5, 0, 1, 0],
        }
    )
    summary = summarize(frame, threshold=0.5)
    assert summary["n_items"] == 3 and summary["samples_per_item"] == 2
    assert summary["reward"]["estimate"] == pytest.approx((0.5 + 0.0 + 1.0) / 3)
    assert summary["pass_rate"] == pytest.approx(2 / 5)
    assert summary["skipped"] == pytest.approx(1 / 6)
    ranked = summary["ranked"]["rank"]
    assert ranked["top@1"] == pytest.approx(2 / 5) and ranked["top@max"] == pytest.approx(3 / 5)
    # Item 2 has one usable sample, so k = 1 over the non-skipped samples.
    assert summary["at_k"]["pass"] == {"1": pytest.approx((1 / 2 + 0 / 2 + 1 / 1) / 3)}
