"""The report's figures, as PNG bytes (matplotlib, Agg backend). Every plot labels both axes.

matplotlib is imported inside each function: importing `rft.report` stays cheap.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from rft.report.history import History

FIGSIZE = (7.0, 3.6)


def _pyplot() -> Any:
    import matplotlib  # the `report` extra, loaded only when a figure is drawn

    matplotlib.use("Agg", force=True)  # no display: reports are built on servers and in CI
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    """Render to PNG; refuses a figure with an unlabelled axis (a report plot must be readable)."""
    for ax in fig.axes:
        if ax.get_visible() and not (ax.get_xlabel() and ax.get_ylabel()):
            _pyplot().close(fig)
            raise ValueError(f"plot {ax.get_title()!r} has an unlabelled axis")
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    _pyplot().close(fig)
    return buffer.getvalue()


def line_chart(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
) -> bytes:
    """One line per named (x, y) series."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    for name, (x, y) in series.items():
        ax.plot(x, y, marker="o" if len(x) < 30 else None, markersize=3, label=name)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize="small")
    return _png(fig)


def training_curves(history: History) -> list[tuple[str, bytes]]:
    """(caption, PNG) for: train/valid reward, each grader, completion length, zero-variance share."""
    figures: list[tuple[str, bytes]] = []
    rewards = {
        name: history.series(column)
        for name, column in (("train", history.train_reward), ("valid", history.valid_reward))
        if column
    }
    if rewards:
        figures.append(
            (
                "Reward during training",
                line_chart(rewards, title="Reward", xlabel="training step", ylabel="mean reward"),
            )
        )
    graders = {f"train {n}": history.series(c) for n, c in history.train_graders.items()}
    graders |= {f"valid {n}": history.series(c) for n, c in history.valid_graders.items()}
    if graders:
        figures.append(
            (
                "Each grader during training",
                line_chart(
                    graders, title="Per-grader score", xlabel="training step", ylabel="mean score"
                ),
            )
        )
    for column, title, ylabel in (
        (history.length, "Completion length", "mean completion length"),
        (history.zero_variance, "Zero-variance groups", "share of groups"),
        (history.length_correlation, "Reward–length correlation", "Spearman rho"),
    ):
        if column:
            figures.append(
                (
                    f"{title} during training",
                    line_chart(
                        {column: history.series(column)},
                        title=title,
                        xlabel="training step",
                        ylabel=ylabel,
                    ),
                )
            )
    return figures


def score_histograms(frame: pd.DataFrame, columns: Mapping[str, str]) -> bytes:
    """One histogram per named score column (final reward first), scores binned on [0, 1]."""
    plt = _pyplot()
    n = len(columns)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    bins = np.linspace(0.0, 1.0, 21)
    for ax, (name, column) in zip(axes.flat, columns.items(), strict=False):
        ax.hist(frame[column].astype(float), bins=bins, color="#4C72B0")
        ax.set_title(name, fontsize="small")
        ax.set_xlabel("score")
        ax.set_ylabel("samples")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return _png(fig)


def grouped_bars(
    labels: Sequence[str],
    groups: Mapping[str, Sequence[float]],
    *,
    title: str,
    ylabel: str,
    errors: Mapping[str, Sequence[tuple[float, float]]] | None = None,
    xlabel: str = "metric",
) -> bytes:
    """Bars per label, one colour per group (e.g. before/after); optional (low, high) error bars."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(labels) + 2), 3.6))
    x = np.arange(len(labels))
    width = 0.8 / max(len(groups), 1)
    for g, (name, values) in enumerate(groups.items()):
        heights = np.asarray(values, dtype=float)
        yerr = None
        if errors and name in errors:
            bounds = np.asarray(errors[name], dtype=float)
            yerr = np.abs(np.vstack([heights - bounds[:, 0], bounds[:, 1] - heights]))
        ax.bar(
            x + (g - (len(groups) - 1) / 2) * width,
            heights,
            width,
            yerr=yerr,
            capsize=3 if yerr is not None else 0,
            label=name,
        )
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=20 if len(labels) > 4 else 0, fontsize="small")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_ylim(0, max(1.0, ax.get_ylim()[1]))
    ax.legend(fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def length_vs_reward(lengths: Sequence[float], rewards: Sequence[float], *, unit: str) -> bytes:
    """Scatter of reward against completion length (jittered: rewards are often discrete)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    rng = np.random.default_rng(0)
    y = np.asarray(rewards, dtype=float)
    ax.scatter(lengths, y + rng.uniform(-0.015, 0.015, y.size), s=8, alpha=0.5)
    ax.set_title("Reward against completion length")
    ax.set_xlabel(f"completion length ({unit})")
    ax.set_ylabel("reward")
    ax.grid(alpha=0.3)
    return _png(fig)


def delta_histogram(deltas: Sequence[float], *, a: str, b: str) -> bytes:
    """Histogram of per-item reward changes from run `a` to run `b`."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.hist(np.asarray(deltas, dtype=float), bins=np.linspace(-1, 1, 41), color="#55A868")
    ax.axvline(0.0, color="black", linewidth=1)
    ax.set_title(f"Per-item reward change ({b} − {a})")
    ax.set_xlabel("reward change per item")
    ax.set_ylabel("items")
    return _png(fig)


def rolling_mean(values: Sequence[float], window: int) -> np.ndarray:
    """Centred moving average over `window` points (shorter at the ends), nan-free input assumed.

    >>> rolling_mean([0, 0, 3, 0, 0], 3).tolist()
    [0.0, 1.0, 1.0, 1.0, 0.0]
    """
    y = np.asarray(values, dtype=float)
    if y.size == 0 or window <= 1:
        return y
    half = window // 2
    cumulative = np.concatenate([[0.0], np.cumsum(y)])
    idx = np.arange(y.size)
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + window - half, y.size)
    return (cumulative[hi] - cumulative[lo]) / (hi - lo)


def arm_curves(
    arms: Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[float]]]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    window: int,
) -> bytes:
    """Training arms on one x axis, one colour per arm.

    `arms[name]` may hold `valid` (x, y): the held-out reward, drawn as a line with markers; and
    `train` (x, y): the per-step training reward, drawn as faint points with a `window`-point
    rolling mean over them (raw RL rewards are too noisy to read as a line).
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, series) in enumerate(arms.items()):
        colour = colours[i % len(colours)]
        if "train" in series and len(series["train"][0]):
            x, y = (np.asarray(v, dtype=float) for v in series["train"])
            ax.scatter(x, y, s=10, alpha=0.3, color=colour, linewidths=0)
            ax.plot(
                x,
                rolling_mean(y, window),
                color=colour,
                alpha=0.6,
                linewidth=1.2,
                linestyle="--",
                label=f"{name}: training reward ({window}-step mean)",
            )
        if "valid" in series and len(series["valid"][0]):
            x, y = series["valid"]
            ax.plot(
                x, y, color=colour, marker="o", markersize=4, linewidth=2, label=f"{name}: held-out"
            )
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return _png(fig)


def interval_chart(
    labels: Sequence[str],
    intervals: Sequence[tuple[float, float, float]],
    *,
    title: str,
    xlabel: str,
    ylabel: str = "metric",
) -> bytes:
    """One (estimate, low, high) per label as a dot with a horizontal bar, and a line at 0.

    For paired differences: an interval clear of the 0 line is a difference the data support.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 0.6 * len(labels) + 1.4))
    values = np.asarray(intervals, dtype=float).reshape(-1, 3)
    y = np.arange(len(labels))[::-1]
    ax.axvline(0.0, color="black", linewidth=1)
    for yi, (estimate, low, high) in zip(y, values, strict=True):
        colour = "#55A868" if low > 0 else "#C44E52" if high < 0 else "#4C72B0"
        ax.plot([low, high], [yi, yi], color=colour, linewidth=3)
        ax.plot([estimate], [yi], "o", color=colour, markersize=7)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize="small")
    span = np.nanmax(np.abs(values)) if values.size and np.isfinite(values).any() else 0.1
    ax.set_xlim(-1.15 * max(span, 0.05), 1.15 * max(span, 0.05))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)
