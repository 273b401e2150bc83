"""Grader-quality and reward-hacking checks, each with a documented threshold and a plain warning.

| check | what it measures | warns when |
|---|---|---|
| `length_correlation` | Spearman correlation of reward with completion length | abs(rho) >= 0.3 |
| `zero_variance_groups` | share of items whose k samples all get the same reward (GRPO learns nothing from them) | > 0.5 |
| `discrimination` | per grader, share of items whose k samples all get the same score | > 0.8 |
| `saturation` | per grader mean score | >= 0.95 (saturated) or <= 0.02 (floor) |
| `disagreement` | per pair of graders, share of samples on opposite sides of 0.5; and their correlation | > 0.4, or rho <= -0.2 |
| `error_rate` | per error flag, share of samples flagged | > 0.05 |
| `skipped` | share of samples with no reward (`on_error: skip`) | > 0.05 |
| `length_trend` | mean completion length over the last 10% of logged steps / the first 10% | >= 1.5 or <= 0.5 |

`discrimination` and `zero_variance_groups` need k >= 2 samples per item. Checks that cannot
be computed from the data at hand are left out rather than reported as passing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from rft.report.metrics import grader_columns
from rft.stats import spearman

if TYPE_CHECKING:
    import pandas as pd

    from rft.report.history import History

LENGTH_CORRELATION = 0.3
ZERO_VARIANCE_SHARE = 0.5
FLAT_SHARE = 0.8
SATURATION_HIGH = 0.95
SATURATION_LOW = 0.02
DISAGREEMENT_SHARE = 0.4
NEGATIVE_CORRELATION = -0.2
ERROR_RATE = 0.05
SKIPPED_RATE = 0.05
LENGTH_GROWTH = 1.5
LENGTH_SHRINK = 0.5
TREND_WINDOW = 0.1

Status = Literal["ok", "warn"]


@dataclass(frozen=True)
class Check:
    """One quality check: its value, the threshold it is held to, and what it means."""

    name: str
    subject: str
    value: float
    threshold: str
    status: Status
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- checks on a per-sample table ------------------------------------------------------------
def _length_check(frame: pd.DataFrame) -> list[Check]:
    length = "length_tokens" if "length_tokens" in frame else "length_chars"
    if length not in frame:
        return []
    rho = spearman(frame["score"], frame[length])
    if math.isnan(rho):
        return []
    warn = abs(rho) >= LENGTH_CORRELATION
    if not warn:
        message = "reward does not track answer length"
    elif rho > 0:
        message = (
            "longer answers score higher: the policy can gain reward by writing more; check "
            "that the graders reward content, not padding or candidate lists"
        )
    else:
        message = (
            "shorter answers score higher: training may collapse answers towards empty or "
            "truncated text; check that long correct answers are not cut off or penalised"
        )
    return [
        Check(
            "length_correlation",
            "reward",
            rho,
            f"|rho| >= {LENGTH_CORRELATION}",
            "warn" if warn else "ok",
            message,
        )
    ]


def _flat_shares(frame: pd.DataFrame, column: str) -> float:
    groups = frame.groupby("item_index")[column]
    if groups.size().min() < 2:
        return float("nan")
    return float((groups.agg(np.ptp) <= 1e-9).mean())


def _variance_checks(frame: pd.DataFrame) -> list[Check]:
    checks: list[Check] = []
    share = _flat_shares(frame, "score")
    if math.isnan(share):
        return checks
    warn = share > ZERO_VARIANCE_SHARE
    checks.append(
        Check(
            "zero_variance_groups",
            "reward",
            share,
            f"> {ZERO_VARIANCE_SHARE}",
            "warn" if warn else "ok",
            f"{share:.0%} of items get the same reward for all their samples; GRPO learns "
            "nothing from those groups"
            + (
                ": make items harder/easier, sample more answers, or use a graded score"
                if warn
                else ""
            ),
        )
    )
    for name, column in grader_columns(frame).items():
        share = _flat_shares(frame, column)
        warn = share > FLAT_SHARE
        checks.append(
            Check(
                "discrimination",
                name,
                share,
                f"> {FLAT_SHARE}",
                "warn" if warn else "ok",
                (
                    f"`{name}` gives the same score to every sample of {share:.0%} of items: it "
                    "cannot tell this model's answers apart"
                )
                if warn
                else f"`{name}` separates answers on {1 - share:.0%} of items",
            )
        )
    return checks


def _saturation_checks(frame: pd.DataFrame) -> list[Check]:
    checks = []
    for name, column in grader_columns(frame).items():
        mean = float(frame[column].mean())
        if mean >= SATURATION_HIGH:
            status, message = (
                "warn",
                f"`{name}` is saturated (mean {mean:.2f}): it no longer gives a learning signal",
            )
        elif mean <= SATURATION_LOW:
            status, message = (
                "warn",
                f"`{name}` almost never passes (mean {mean:.2f}): the model gets no signal; "
                "check the grader on a known-good answer or warm up the model first",
            )
        else:
            status, message = "ok", f"`{name}` is neither saturated nor at the floor"
        checks.append(
            Check(
                "saturation",
                name,
                mean,
                f">= {SATURATION_HIGH} or <= {SATURATION_LOW}",
                status,  # type: ignore[arg-type]
                message,
            )
        )
    return checks


def _disagreement_checks(frame: pd.DataFrame) -> list[Check]:
    columns = grader_columns(frame)
    # Parents of dotted names are composites of their children: compare leaves only.
    leaves = {n: c for n, c in columns.items() if not any(o.startswith(n + ".") for o in columns)}
    checks = []
    for (a, col_a), (b, col_b) in itertools.combinations(sorted(leaves.items()), 2):
        x, y = frame[col_a].to_numpy(float), frame[col_b].to_numpy(float)
        share = float(np.mean((x >= 0.5) != (y >= 0.5)))
        rho = spearman(x, y)
        negative = not math.isnan(rho) and rho <= NEGATIVE_CORRELATION
        warn = share > DISAGREEMENT_SHARE or negative
        if negative:
            message = (
                f"`{a}` and `{b}` pull in opposite directions (rho {rho:.2f}): raising one "
                "lowers the other, so the combined reward may be gamed through either"
            )
        elif warn:
            message = (
                f"`{a}` and `{b}` disagree on {share:.0%} of samples; expected when they measure "
                "different things (format vs correctness), a bug when they should agree"
            )
        else:
            message = f"`{a}` and `{b}` mostly agree"
        checks.append(
            Check(
                "disagreement",
                f"{a} vs {b}",
                share,
                f"> {DISAGREEMENT_SHARE} or rho <= {NEGATIVE_CORRELATION}",
                "warn" if warn else "ok",
                message,
            )
        )
    return checks


def _error_checks(frame: pd.DataFrame, summary: Mapping[str, Any]) -> list[Check]:
    checks = []
    for flag, rate in summary.get("errors", {}).items():
        warn = rate > ERROR_RATE
        checks.append(
            Check(
                "error_rate",
                flag,
                rate,
                f"> {ERROR_RATE}",
                "warn" if warn else "ok",
                f"{rate:.1%} of samples raised `{flag}`"
                + ("; these score 0, so the reward partly measures the failure" if warn else ""),
            )
        )
    skipped = float(summary.get("skipped", 0.0))
    if skipped:
        warn = skipped > SKIPPED_RATE
        checks.append(
            Check(
                "skipped",
                "reward",
                skipped,
                f"> {SKIPPED_RATE}",
                "warn" if warn else "ok",
                f"{skipped:.1%} of samples got no reward (on_error: skip)",
            )
        )
    return checks


def frame_checks(frame: pd.DataFrame, summary: Mapping[str, Any] | None = None) -> list[Check]:
    """Every check that a per-sample table supports (see the module docstring)."""
    if not len(frame):
        return []
    kept = frame[~frame["skipped"].astype(bool)] if "skipped" in frame else frame
    return (
        _length_check(kept)
        + _variance_checks(kept)
        + _saturation_checks(kept)
        + _disagreement_checks(kept)
        + _error_checks(frame, summary or {})
    )


# -- checks on a training history --------------------------------------------------------------
def _window_means(values: list[float]) -> tuple[float, float]:
    size = max(1, int(len(values) * TREND_WINDOW))
    return float(np.mean(values[:size])), float(np.mean(values[-size:]))


def history_checks(history: History) -> list[Check]:
    """Checks over a training run's logged series: length trend, zero-variance share, saturation."""
    checks: list[Check] = []
    if history.length:
        _, lengths = history.series(history.length)
        if len(lengths) >= 4:
            first, last = _window_means(lengths)
            ratio = last / first if first > 0 else float("inf")
            if ratio >= LENGTH_GROWTH:
                status, message = (
                    "warn",
                    f"completions grew {ratio:.1f}x during training: a sign of length hacking "
                    "unless the task needs longer answers",
                )
            elif ratio <= LENGTH_SHRINK:
                status, message = (
                    "warn",
                    f"completions shrank to {ratio:.0%} of their starting length: check that "
                    "empty or truncated answers are not rewarded",
                )
            else:
                status, message = "ok", f"completion length changed {ratio:.2f}x"
            checks.append(
                Check(
                    "length_trend",
                    "completion length",
                    ratio,
                    f">= {LENGTH_GROWTH} or <= {LENGTH_SHRINK}",
                    status,  # type: ignore[arg-type]
                    message,
                )
            )
    if history.zero_variance:
        _, shares = history.series(history.zero_variance)
        if shares:
            _, last = _window_means(shares)
            warn = last > ZERO_VARIANCE_SHARE
            checks.append(
                Check(
                    "zero_variance_groups",
                    "train (last steps)",
                    last,
                    f"> {ZERO_VARIANCE_SHARE}",
                    "warn" if warn else "ok",
                    f"{last:.0%} of GRPO groups had identical rewards at the end of training"
                    + ("; most steps carry no learning signal" if warn else ""),
                )
            )
    if history.length_correlation:
        _, rhos = history.series(history.length_correlation)
        if rhos:
            _, last = _window_means(rhos)
            warn = abs(last) >= LENGTH_CORRELATION
            checks.append(
                Check(
                    "length_correlation",
                    "train (last steps)",
                    last,
                    f"|rho| >= {LENGTH_CORRELATION}",
                    "warn" if warn else "ok",
                    "reward tracks completion length during training"
                    if warn
                    else "reward does not track completion length during training",
                )
            )
    for name, column in history.train_graders.items():
        _, values = history.series(column)
        if not values:
            continue
        _, last = _window_means(values)
        if last >= SATURATION_HIGH:
            checks.append(
                Check(
                    "saturation",
                    f"train {name}",
                    last,
                    f">= {SATURATION_HIGH}",
                    "warn",
                    f"`{name}` saturated during training (mean {last:.2f} at the end): further "
                    "steps gain little from it",
                )
            )
    return checks


def warnings(checks: Sequence[Check]) -> list[Check]:
    """The checks that warn."""
    return [c for c in checks if c.status == "warn"]
