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
        ax.bar(x + (g - (len(groups) - 1) / 2) * width, heights, width, yerr=yerr, label=name)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=20 if len(labels) > 4 else 0, fontsize="small")
    ax.set_xlabel("metric")
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
