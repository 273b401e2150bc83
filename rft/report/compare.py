"""`rft report compare A B`: paired per-item deltas between two runs, and the items that flipped.

Items are paired on `item_id` when both tables have one; else on the row of the data file
(`item_index`) when both tables list the same prompt and reference row for row (two models
evaluated on one held-out file); else on (prompt, reference). Each item's score in a run is
the mean over its samples; the delta is B − A, with a paired bootstrap interval over items
(deterministic under `seed`). The same is done for the mean reward, each grader's score and,
when the bundle ranks (a ranked_list grader), MRR, top@1 and top@5 (`RANKED_DELTAS`). An item
*flipped* when its mean reward crossed the pass threshold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rft.errors import DataError
from rft.report import plots
from rft.report.build import headline_table, interval_text, write_report
from rft.report.document import Document, Figure, Heading, Paragraph, clip, table
from rft.report.metrics import (
    DEFAULT_PASS_THRESHOLD,
    Interval,
    grader_columns,
    paired_bootstrap,
    sample_ranking,
    summarize,
)
from rft.report.run import Run, load_run

if TYPE_CHECKING:
    import pandas as pd

FLIPS_SHOWN = 10
RANKED_DELTAS = ("mrr", "top@1", "top@5")
"""Ranking metrics compared item by item when both runs' bundles rank (see `sample_ranking`)."""
METRIC_NAMES = {"mrr": "MRR", "top@1": "top@1", "top@5": "top@5"}


@dataclass
class Comparison:
    """Run A (before) against run B (after) on the items both evaluated."""

    a: Run
    b: Run
    paired: pd.DataFrame
    """One row per paired item: key, prompt, reference, a/b mean score per grader, outputs."""
    reward: Interval
    graders: dict[str, Interval]
    ranking: dict[str, Interval]
    """B − A on MRR / top@1 / top@5 (`RANKED_DELTAS`); empty when the bundle does not rank."""
    threshold: float
    unpaired: tuple[int, int]
    """Items only in A, only in B."""
    paired_on: str = "item_id"
    """`item_id`, `item_index` or `prompt+reference` (see the module docstring)."""
    seed: int = 0

    @property
    def improved(self) -> pd.DataFrame:
        p = self.paired
        return p[(p["a.score"] < self.threshold) & (p["b.score"] >= self.threshold)]

    @property
    def regressed(self) -> pd.DataFrame:
        p = self.paired
        return p[(p["a.score"] >= self.threshold) & (p["b.score"] < self.threshold)]

    def means(self, column: str) -> tuple[float, float]:
        """A's and B's mean of a per-item column (`score`, `mrr`, `top@1`, …) over paired items."""
        return float(self.paired[f"a.{column}"].mean()), float(self.paired[f"b.{column}"].mean())

    def metrics(self) -> dict[str, tuple[float, float, Interval]]:
        """(A mean, B mean, B − A) for the reward, then MRR / top@1 / top@5 when ranked."""
        out = {"reward": (*self.means("score"), self.reward)}
        out |= {name: (*self.means(name), i) for name, i in self.ranking.items()}
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (what `compare.json` holds and `rft demo` stores per seed)."""
        return {
            "a": str(self.a.path),
            "b": str(self.b.path),
            "a_name": self.a.name,
            "b_name": self.b.name,
            "seed": self.seed,
            "paired_on": self.paired_on,
            "paired_items": len(self.paired),
            "only_in_a": self.unpaired[0],
            "only_in_b": self.unpaired[1],
            "pass_threshold": self.threshold,
            "reward_delta": self.reward.to_dict(),
            "grader_deltas": {g: i.to_dict() for g, i in self.graders.items()},
            "ranking_deltas": {m: i.to_dict() for m, i in self.ranking.items()},
            "metrics": {
                name: {"a": a, "b": b, "delta": delta.to_dict()}
                for name, (a, b, delta) in self.metrics().items()
            },
            "improved": len(self.improved),
            "regressed": len(self.regressed),
        }


def _rows(frame: pd.DataFrame) -> dict[int, tuple[str, str]]:
    first = frame.drop_duplicates("item_index")
    return dict(
        zip(
            first["item_index"].astype(int),
            zip(first["prompt"].astype(str), first["reference"].astype(str), strict=True),
            strict=True,
        )
    )


def pairing(fa: pd.DataFrame, fb: pd.DataFrame) -> str:
    """How two per-sample tables pair their items (see the module docstring)."""
    if "item_id" in fa and "item_id" in fb:
        return "item_id"
    ra, rb = _rows(fa), _rows(fb)
    shared = ra.keys() & rb.keys()
    if shared and all(ra[i] == rb[i] for i in shared):
        return "item_index"
    return "prompt+reference"


def _item_key(frame: pd.DataFrame, paired_on: str) -> pd.Series:
    if paired_on == "item_id":
        return frame["item_id"].astype(str)
    if paired_on == "item_index":
        return frame["item_index"].astype(int)  # numeric: items keep the data file's order
    return frame["prompt"].astype(str) + "\x1f" + frame["reference"].astype(str)


def _per_item(frame: pd.DataFrame, paired_on: str) -> pd.DataFrame:
    """Per item: mean score per grader (and ranking metric), the first sample's output and score."""
    kept = frame[~frame["skipped"].astype(bool)] if "skipped" in frame else frame
    kept = kept.assign(_key=_item_key(kept, paired_on))
    ranking = sample_ranking(kept)
    ranked: list[str] = []
    if ranking is not None:
        ranked = list(RANKED_DELTAS)
        kept = kept.join(ranking[ranked])
    columns = ["score", *grader_columns(frame).values(), *ranked]
    means = kept.groupby("_key")[columns].mean()
    first = kept.sort_values(["item_index", "sample_index"]).groupby("_key").first()
    means["output"] = first["output_text"]
    means["first_score"] = first["score"]
    means["prompt"] = first["prompt"]
    means["reference"] = first["reference"]
    return means


def compare_runs(
    a_dir: str | Path, b_dir: str | Path, *, threshold: float | None = None, seed: int = 0
) -> Comparison:
    """Pair the items of two run directories and compute the deltas (B − A).

    Args:
        a_dir, b_dir: run folders holding a per-sample table (`samples.parquet`, or `eval/`).
        threshold: item mean at which an item counts as passed (default: A's setting, or 0.5).
        seed: the bootstrap seed: the same seed gives the same intervals.
    """
    a, b = load_run(a_dir), load_run(b_dir)
    for run in (a, b):
        if run.frame is None:
            raise DataError(
                f"{run.path} has no per-sample table to compare",
                hint=f"evaluate it first: `rft eval --model <checkpoint> --data valid.jsonl "
                f"--grader BUNDLE --out {run.path / 'eval'}`",
            )
    fa, fb = a.frame, b.frame
    assert fa is not None and fb is not None
    if threshold is None:
        threshold = float(a.settings.get("pass_threshold", DEFAULT_PASS_THRESHOLD))
    paired_on = pairing(fa, fb)
    ia, ib = _per_item(fa, paired_on), _per_item(fb, paired_on)
    shared = ia.index.intersection(ib.index)
    if not len(shared):
        raise DataError(
            f"{a.path} and {b.path} have no item in common",
            hint="compare evaluations of the same data file",
        )
    paired = ia.loc[shared].add_prefix("a.").join(ib.loc[shared].add_prefix("b."))
    paired = paired.assign(
        prompt=paired["a.prompt"],
        reference=paired["a.reference"],
        delta=paired["b.score"] - paired["a.score"],
    ).drop(columns=["a.prompt", "b.prompt", "a.reference", "b.reference"])
    paired.index.name = "key"
    paired = paired.reset_index()
    reward = paired_bootstrap(paired["a.score"], paired["b.score"], seed=seed)
    graders = {
        name: paired_bootstrap(paired[f"a.{col}"], paired[f"b.{col}"], seed=seed)
        for name, col in grader_columns(fa).items()
        if f"b.{col}" in paired
    }
    ranking = {
        name: paired_bootstrap(paired[f"a.{name}"], paired[f"b.{name}"], seed=seed)
        for name in RANKED_DELTAS
        if f"a.{name}" in paired and f"b.{name}" in paired
    }
    return Comparison(
        a=a,
        b=b,
        paired=paired,
        reward=reward,
        graders=graders,
        ranking=ranking,
        threshold=threshold,
        unpaired=(len(ia.index.difference(shared)), len(ib.index.difference(shared))),
        paired_on=paired_on,
        seed=seed,
    )


def _flip_rows(frame: pd.DataFrame) -> list[list[Any]]:
    ordered = frame.reindex(frame["delta"].abs().sort_values(ascending=False).index)
    return [
        [
            clip(r["prompt"], 200),
            clip(r["reference"], 80),
            clip(r["a.output"], 200),
            r["a.score"],
            clip(r["b.output"], 200),
            r["b.score"],
        ]
        for _, r in ordered.head(FLIPS_SHOWN).iterrows()
    ]


def comparison_document(comparison: Comparison) -> Document:
    """The comparison report: headline deltas, before/after bars, the items that flipped."""
    c = comparison
    a_name, b_name = c.a.name, c.b.name
    doc = Document(f"rft compare: {a_name} → {b_name}")
    verdict = (
        "B is better"
        if c.reward.low > 0
        else "B is worse"
        if c.reward.high < 0
        else "no clear difference"
    )
    doc.add(
        Paragraph(
            f"{len(c.paired)} paired items ({c.unpaired[0]} only in A, {c.unpaired[1]} only in B). "
            f"Mean reward change B − A: {c.reward} ({c.reward.level:.0%} paired bootstrap): {verdict}."
            + "".join(
                f" {METRIC_NAMES[m]} change: {i} ({'excludes' if i.excludes_zero else 'includes'} 0)."
                for m, i in c.ranking.items()
            )
        ),
        Heading("Deltas (B − A)"),
        table(
            ["metric", "A", "B", "B − A [CI]", "interval excludes 0"],
            [
                [
                    "reward" if name == "score" else name,
                    float(c.paired[f"a.{col}"].mean()),
                    float(c.paired[f"b.{col}"].mean()),
                    str(interval),
                    "yes" if interval.excludes_zero else "no",
                ]
                for name, col, interval in [("score", "score", c.reward)]
                + [(METRIC_NAMES[m], m, i) for m, i in c.ranking.items()]
                + [
                    (f"`{g}`", gc, c.graders[g])
                    for g, gc in grader_columns(c.a.frame).items()
                    if g in c.graders
                ]
            ],
            f"Per-item means over each run's samples, paired by {c.paired_on}; "
            f"{c.reward.level:.0%} paired bootstrap over items (seed {c.seed}).",
        ),
    )
    assert c.a.frame is not None and c.b.frame is not None
    sa = summarize(c.a.frame, threshold=c.threshold)
    sb = summarize(c.b.frame, threshold=c.threshold)
    ha, hb = headline_table(sa), headline_table(sb)
    rows = [[ra[0], ra[1], rb[1]] for ra, rb in zip(ha, hb, strict=False) if ra[0] == rb[0]]
    doc.add(Heading("Each run on its own"), table(["metric", f"A: {a_name}", f"B: {b_name}"], rows))
    labels = ["reward", *c.graders]
    cols = ["score", *[grader_columns(c.a.frame)[g] for g in c.graders]]
    doc.add(
        Figure(
            plots.grouped_bars(
                labels,
                {
                    f"A: {a_name}": [float(c.paired[f"a.{x}"].mean()) for x in cols],
                    f"B: {b_name}": [float(c.paired[f"b.{x}"].mean()) for x in cols],
                },
                title="Before and after",
                ylabel="mean score over paired items",
            ),
            "Before (A) and after (B)",
            "before_after",
        ),
        Figure(
            plots.delta_histogram(c.paired["delta"], a="A", b="B"),
            "Per-item reward change",
            "deltas",
        ),
    )
    columns = ["prompt", "reference", "A output", "A item mean", "B output", "B item mean"]
    doc.add(
        Heading(f"Improved items ({len(c.improved)})"),
        Paragraph(
            f"Item mean crossed the pass threshold {c.threshold} upwards; first sample shown."
        ),
        table(columns, _flip_rows(c.improved)),
        Heading(f"Regressed items ({len(c.regressed)})"),
        Paragraph(f"Item mean fell below the pass threshold {c.threshold}; first sample shown."),
        table(columns, _flip_rows(c.regressed)),
    )
    return doc


def write_comparison(comparison: Comparison, out_dir: Path) -> list[Path]:
    """Write compare.md (+ figures), compare.html and compare.json under `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = write_report(comparison_document(comparison), out_dir, stem="compare")
    path = out_dir / "compare.json"
    path.write_text(json.dumps(comparison.to_dict(), indent=2), encoding="utf-8")
    return [*files, path]


__all__ = ["Comparison", "compare_runs", "comparison_document", "interval_text", "write_comparison"]
