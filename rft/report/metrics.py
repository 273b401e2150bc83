"""The statistics of an evaluation: bootstrap intervals, pass@k, top@k, MRR, per-item summaries.

Ranking metrics (top@k, MRR) have one definition here (`ranking_metrics`, `sample_ranking`),
used by the report, `rft report compare` and the demo's table and page.

Everything here works on plain arrays or on the per-sample table `rft eval` writes (see
`rft.eval.table` for its columns), never on models or graders, so it is cheap to test against
known cases. Intervals resample *items*, not samples: the k answers to one prompt are not
independent, and treating them as such would make intervals too narrow.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rft.errors import ERROR_FLAGS

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_RESAMPLES = 2000
DEFAULT_LEVEL = 0.95
DEFAULT_PASS_THRESHOLD = 0.5
TOP_KS = (1, 5)


@dataclass(frozen=True)
class Interval:
    """A point estimate with a percentile-bootstrap confidence interval."""

    estimate: float
    low: float
    high: float
    level: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies strictly on one side of 0."""
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.estimate:.3f} [{self.low:.3f}, {self.high:.3f}]"


def _finite(values: Iterable[float]) -> np.ndarray:
    array = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    return array[np.isfinite(array)]


def bootstrap_mean(
    values: Sequence[float] | np.ndarray,
    *,
    level: float = DEFAULT_LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Interval:
    """Mean of `values` with a percentile-bootstrap interval (non-finite values are dropped).

    Args:
        values: one number per independent unit (per item, not per sample).
        level: coverage of the interval, e.g. 0.95.
        resamples: bootstrap resamples; 2000 keeps the Monte-Carlo error of the bounds small.
        seed: the resampling seed (reports are reproducible).
    """
    data = _finite(values)
    n = int(data.size)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), level, 0)
    estimate = float(data.mean())
    if n == 1 or np.all(data == data[0]):
        return Interval(estimate, estimate, estimate, level, n)
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    # Chunked so that a large eval (10^5 items) never allocates resamples x n at once.
    chunk = max(1, min(resamples, 2_000_000 // n))
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = data[idx].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return Interval(estimate, float(low), float(high), level, n)


def paired_bootstrap(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    **kwargs: Any,
) -> Interval:
    """Mean of `after - before` over paired units with a bootstrap interval over the pairs.

    Pairs where either side is not finite are dropped. Resampling the differences (rather than
    each side independently) keeps the per-item correlation, which is what makes a paired
    comparison far tighter than comparing two unpaired means.
    """
    a = np.asarray(before, dtype=float)
    b = np.asarray(after, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired arrays differ in shape: {a.shape} vs {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    return bootstrap_mean(b[keep] - a[keep], **kwargs)


def pass_at_k(n: int | np.ndarray, c: int | np.ndarray, k: int) -> float | np.ndarray:
    """Unbiased estimate of pass@k from `n` samples of which `c` pass (Chen et al., 2021).

    pass@k = 1 - C(n-c, k) / C(n, k): the probability that at least one of k samples drawn
    without replacement from the n passes. Computed as a stable product; vectorised over n, c.
    """
    n_arr = np.asarray(n, dtype=int)
    c_arr = np.asarray(c, dtype=int)
    if np.any(k > n_arr):
        raise ValueError(f"pass@{k} needs at least {k} samples per item")
    if np.any((c_arr < 0) | (c_arr > n_arr)):
        raise ValueError("c must lie in [0, n]")

    def one(n_i: int, c_i: int) -> float:
        if n_i - c_i < k:
            return 1.0
        # C(n-c, k)/C(n, k) = prod_{i=n-c+1}^{n} (1 - k/i)
        return 1.0 - float(np.prod(1.0 - k / np.arange(n_i - c_i + 1, n_i + 1)))

    out = np.vectorize(one, otypes=[float])(n_arr, c_arr)
    return float(out) if out.ndim == 0 else out


def ks_up_to(k: int) -> list[int]:
    """The k values reported for pass@k / mean@k: 1, 2, 4, … and k itself."""
    values = [1]
    while values[-1] * 2 < k:
        values.append(values[-1] * 2)
    if k not in values:
        values.append(k)
    return values


def top_k_hits(ranks: Sequence[int] | np.ndarray, k: int | None) -> np.ndarray:
    """Per sample 1.0 when the relevant answer is at rank <= k (1-based, 0 = absent), else 0.0.

    `k=None` is top@max: the answer is anywhere in the list. A non-finite rank stays nan.
    """
    r = np.asarray(ranks, dtype=float)
    hit = r > 0 if k is None else (r > 0) & (r <= k)
    return np.where(np.isfinite(r), hit.astype(float), np.nan)


def reciprocal_ranks(ranks: Sequence[int] | np.ndarray) -> np.ndarray:
    """Per sample 1/rank, 0 for an absent answer (rank 0); a non-finite rank stays nan."""
    r = np.asarray(ranks, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(r > 0, 1.0 / np.where(r > 0, r, 1.0), np.where(np.isfinite(r), 0.0, np.nan))


def _finite_mean(values: np.ndarray) -> float:
    kept = values[np.isfinite(values)]
    return float(kept.mean()) if kept.size else float("nan")


def top_k_rate(ranks: Sequence[int] | np.ndarray, k: int | None) -> float:
    """Share of samples whose relevant answer is at rank <= k (1-based, 0 = absent).

    `k=None` is top@max: the answer is anywhere in the list.
    """
    return _finite_mean(top_k_hits(ranks, k))


def mean_reciprocal_rank(ranks: Sequence[int] | np.ndarray) -> float:
    """MRR: mean of 1/rank, counting an absent answer (rank 0) as 0."""
    return _finite_mean(reciprocal_ranks(ranks))


# -- the per-sample table --------------------------------------------------------------------
def grader_columns(frame: pd.DataFrame) -> dict[str, str]:
    """Grader name -> its score column (`score.<name>`) in a per-sample table."""
    return {c.removeprefix("score."): c for c in frame.columns if c.startswith("score.")}


def rank_columns(frame: pd.DataFrame) -> dict[str, str]:
    """ranked_list grader name -> its rank column (`<name>.rank`)."""
    return {c.removesuffix(".rank"): c for c in frame.columns if c.endswith(".rank")}


RANKING_METRICS = ("top@1", "top@5", "top@max", "mrr")
"""The ranking metrics of a ranked_list bundle, in the order tables show them."""


def _sample_ranking(ranks: np.ndarray) -> dict[str, np.ndarray]:
    values = {f"top@{k}": top_k_hits(ranks, k) for k in TOP_KS}
    values["top@max"] = top_k_hits(ranks, None)
    values["mrr"] = reciprocal_ranks(ranks)
    return {name: values[name] for name in RANKING_METRICS}


def rank_column(frame: pd.DataFrame) -> str | None:
    """The rank column that ranking metrics read: the ranked_list grader named `rank` when the
    bundle has one (as `gene_rank` does), else the first; None when no grader ranks."""
    ranks = rank_columns(frame)
    if not ranks:
        return None
    return ranks.get("rank", next(iter(ranks.values())))


def sample_ranking(frame: pd.DataFrame) -> pd.DataFrame | None:
    """Per sample: top@1, top@5, top@max hits (0/1) and the reciprocal rank (`mrr`).

    Their means over samples are `ranking_metrics`; their means per item are what a bootstrap
    resamples. None when the bundle has no ranked_list grader (see `rank_column`).
    """
    import pandas as pd  # on first use: every `rft` command loads this module at start-up

    column = rank_column(frame)
    if column is None:
        return None
    values = _sample_ranking(frame[column].to_numpy(dtype=float))
    return pd.DataFrame(values, index=frame.index)


def ranking_metrics(frame: pd.DataFrame) -> dict[str, float] | None:
    """top@1, top@5, top@max and MRR over the samples of a graded table (the one definition the
    report, `rft report compare` and the demo table use); None without a ranked_list grader."""
    values = sample_ranking(frame)
    if values is None:
        return None
    return {name: _finite_mean(values[name].to_numpy()) for name in RANKING_METRICS}


def per_item_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """Per item (indexed by `item_index`): mean reward (`score`) and, for a ranked_list bundle,
    the mean of each ranking metric over the item's non-skipped samples."""
    kept = frame if "skipped" not in frame else frame[~frame["skipped"].astype(bool)]
    ranking = sample_ranking(kept)
    columns = kept[["item_index", "score"]]
    if ranking is not None:
        columns = columns.join(ranking)
    return columns.groupby("item_index").mean()


def per_item(frame: pd.DataFrame, column: str = "score") -> pd.Series:
    """Mean of `column` per item over its non-skipped samples (indexed by `item_index`)."""
    kept = frame if "skipped" not in frame else frame[~frame["skipped"].astype(bool)]
    return kept.groupby("item_index")[column].mean()


def _rank_metrics(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for grader, column in rank_columns(frame).items():
        values = _sample_ranking(frame[column].to_numpy(dtype=float))
        out[grader] = {name: _finite_mean(v) for name, v in values.items()}
    return out


def _at_k(frame: pd.DataFrame, threshold: float) -> dict[str, dict[str, float]]:
    """mean@j, best@j and pass@j for j up to the smallest number of samples per item."""
    kept = frame[~frame["skipped"].astype(bool)] if "skipped" in frame else frame
    groups = kept.groupby("item_index")["score"]
    n = groups.size().to_numpy()
    if n.size == 0:
        return {}
    c = groups.apply(lambda s: int((s >= threshold).sum())).to_numpy()
    k = int(n.min())
    out: dict[str, dict[str, float]] = {"mean": {}, "pass": {}, "best": {}}
    # best@k (the mean over items of the best of the first j answers) is what best-of-k buys.
    ordered = kept.sort_values(["item_index", "sample_index"])
    for j in ks_up_to(k):
        out["pass"][str(j)] = float(np.mean(pass_at_k(n, c, j)))
        firsts = ordered.groupby("item_index").head(j).groupby("item_index")["score"]
        out["mean"][str(j)] = float(firsts.mean().mean())
        out["best"][str(j)] = float(firsts.max().mean())
    return out


def summarize(
    frame: pd.DataFrame,
    *,
    threshold: float = DEFAULT_PASS_THRESHOLD,
    level: float = DEFAULT_LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """The headline metrics of a per-sample table.

    Returns a JSON-ready dict: `reward` (mean with a bootstrap interval over items), `graders`
    (mean per grader), `pass_rate` (share of samples scoring >= threshold), `errors` (rate per
    flag that occurred), `skipped`, `at_k` (`mean`, `best` and `pass` at 1, 2, 4, …, k),
    `ranked` (top@1, top@5, top@max and MRR per ranked_list grader) and the counts.
    """
    kept = frame[~frame["skipped"].astype(bool)] if "skipped" in frame else frame
    item_means = per_item(frame)
    reward = bootstrap_mean(item_means.to_numpy(), level=level, resamples=resamples, seed=seed)
    errors = {
        flag: float(frame[flag].astype(bool).mean())
        for flag in ERROR_FLAGS
        if flag in frame and frame[flag].astype(bool).any()
    }
    return {
        "n_items": int(frame["item_index"].nunique()),
        "n_samples": len(frame),
        "samples_per_item": int(frame.groupby("item_index").size().min()) if len(frame) else 0,
        "reward": reward.to_dict(),
        "graders": {
            name: _nan_to_none(float(kept[col].mean()))
            for name, col in grader_columns(frame).items()
        },
        "pass_threshold": threshold,
        "pass_rate": _nan_to_none(float((kept["score"] >= threshold).mean()))
        if len(kept)
        else None,
        "errors": errors,
        "skipped": float(frame["skipped"].astype(bool).mean()) if "skipped" in frame else 0.0,
        "at_k": _at_k(frame, threshold),
        "ranked": _rank_metrics(kept),
    }


def summarize_groups(
    frame: pd.DataFrame, field: str, values: Sequence[Any], **kwargs: Any
) -> dict[str, dict[str, Any]]:
    """`summarize` per value of an item field (`values` has one entry per row of `frame`)."""
    keys = ["(missing)" if v is None else str(v) for v in values]
    out: dict[str, dict[str, Any]] = {}
    for key in sorted(set(keys)):
        mask = np.array([k == key for k in keys])
        out[key] = summarize(frame[mask], **kwargs)
    return out


def _nan_to_none(value: float) -> float | None:
    return None if math.isnan(value) else value
