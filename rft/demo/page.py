"""The demo's page, `OUT/demo.html` and `OUT/demo.md`, built from `OUT/demo.json` and the run
folders it names and nothing else: rebuilt at will, tested without training a model.

What the page shows, in order:

1. the rows side by side (top@1 and MRR, or exact match) with bootstrap 95% intervals over the
   held-out items of each row's graded sample table (`<run>/eval/samples.parquet`);
2. the held-out reward of the trained arms (RFT and SFT continued) on one time axis, with each
   arm's raw per-step training reward as faint points under a rolling mean;
3. the table (every metric with its interval, invalid-answer rate, training seconds);
4. the paired RFT − SFT-continued difference with its CI (`rft.report.compare`), from
   demo.json's `comparison` when the demo stored it (one per seed), else computed here;
5. the demo's notes, and a relative link to each row's own report.

`demo.json` (written by `rft.demo.pipeline`): `title`, `task`, `seed`, `protocol`, `notes`
(list of str), `seconds`, `rows` (each `name`, `run` and `report` relative to OUT, `labels`,
`seconds`, …) and, optionally, `comparison`: a `Comparison.to_dict()` or a list of them.
In a trained arm's `metrics.jsonl`, `train` and `eval` records give `step`, `reward` and the
seconds since the arm started (a number under `seconds` or `elapsed`); a run that logs only
per-step timings (`seconds: {"step": …}`) is placed by their running sum, and one with no
times at all by step, which the axis then says.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from rft.data import iter_jsonl
from rft.demo.table import invalid_share
from rft.errors import DataError
from rft.eval.table import read_table
from rft.report import plots
from rft.report.build import write_report
from rft.report.compare import METRIC_NAMES, compare_runs
from rft.report.document import Document, Figure, Heading, Links, Paragraph, Table, cell
from rft.report.metrics import (
    RANKING_METRICS,
    Interval,
    bootstrap_mean,
    per_item_metrics,
)

if TYPE_CHECKING:
    import pandas as pd

DEMO_JSON = "demo.json"
JSON_TYPES = {dict: "object", list: "array", str: "string"}
HISTORY_JSONL = "metrics.jsonl"
RFT_NAMES = ("RFT",)
CONTROL_NAMES = ("SFT continued", "SFT-longer")
"""The rows whose curves are drawn and whose paired difference is shown (control first)."""
CHART_METRICS = {"ranked": ("top@1", "mrr"), "plain": ("score",)}
LABELS = {"score": "exact match", **METRIC_NAMES, "top@max": "top@max"}
COMPARED = ("reward", "mrr", "top@1")
"""Metrics of the paired comparison shown on the page (those the comparison has)."""


@dataclass
class PageRow:
    """One row of the demo as the page shows it, recomputed from its graded sample table."""

    name: str
    labels: str
    seconds: float | None
    run: Path
    report: str | None
    """Link to the row's report, relative to OUT; None when that file does not exist."""
    intervals: dict[str, Interval]
    """Metric (`score`, `top@1`, `top@5`, `top@max`, `mrr`) -> mean with a bootstrap 95% CI."""
    invalid: float


@dataclass
class Arm:
    """A trained arm's rewards over time: `valid` and `train` as (x, y) lists."""

    valid: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))
    train: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))
    timing: str = "step"
    """`elapsed` (logged seconds), `summed` (running sum of step times), `step`, or `start`
    (only step-0 points: time 0 on any axis)."""


# -- reading ------------------------------------------------------------------------------------
def _need(value: Any, kind: type, where: str, path: Path) -> Any:
    if not isinstance(value, kind):
        raise DataError(
            f"{path}: `{where}` is missing or not a JSON {JSON_TYPES[kind]}",
            hint="rebuild it with `rft demo` (demo.json is what the demo writes)",
        )
    return value


def load_demo(out: Path) -> dict[str, Any]:
    """`OUT/demo.json`, checked for the fields the page reads."""
    path = out / DEMO_JSON
    if not path.is_file():
        raise DataError(f"no {DEMO_JSON} in {out}", hint="run `rft demo --out OUT` first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON: {exc}") from None
    _need(data, dict, "(top level)", path)
    _need(data.get("title"), str, "title", path)
    rows = _need(data.get("rows"), list, "rows", path)
    if not rows:
        raise DataError(f"{path}: `rows` is empty", hint="rebuild it with `rft demo`")
    for i, row in enumerate(rows):
        _need(row, dict, f"rows[{i}]", path)
        _need(row.get("name"), str, f"rows[{i}].name", path)
        _need(row.get("run"), str, f"rows[{i}].run", path)
    return data


def relative_link(out: Path, href: Any) -> str | None:
    """`href` when it is a relative path inside OUT naming an existing file, else None."""
    if not isinstance(href, str) or not href or "://" in href or href.startswith(("/", "\\")):
        return None
    posix = PurePosixPath(href.replace("\\", "/"))
    if ".." in posix.parts or not (out / posix).is_file():
        return None
    return posix.as_posix()


def row_intervals(frame: pd.DataFrame, *, seed: int) -> dict[str, Interval]:
    """Each metric's mean over items with a bootstrap 95% interval (resampling items)."""
    items = per_item_metrics(frame)
    return {column: bootstrap_mean(items[column].to_numpy(), seed=seed) for column in items.columns}


def load_rows(out: Path, data: dict[str, Any]) -> list[PageRow]:
    """Every row of demo.json with its intervals, recomputed from its run's sample table."""
    seed = int(data.get("seed") or 0)
    rows = []
    for i, row in enumerate(data["rows"]):
        run = out / row["run"]
        frame = read_table(run)
        if frame is None or not len(frame):
            raise DataError(
                f"{out / DEMO_JSON}: rows[{i}] ({row['name']}) names run `{row['run']}`, which "
                "holds no graded sample table (eval/samples.parquet)",
                hint="rerun `rft demo`: every row is evaluated into <run>/eval/",
            )
        seconds = row.get("seconds")
        rows.append(
            PageRow(
                name=row["name"],
                labels=str(row.get("labels") or ""),
                seconds=float(seconds) if isinstance(seconds, int | float) else None,
                run=run,
                report=relative_link(out, row.get("report")),
                intervals=row_intervals(frame, seed=seed),
                invalid=invalid_share(frame),
            )
        )
    return rows


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def read_arm(path: Path, *, by_step: bool = False) -> Arm:
    """The `eval` (held-out) and `train` rewards of a `metrics.jsonl`, placed in time (or by
    step when `by_step`, or when the log has no time at all)."""
    points: list[tuple[str, float, float | None, float]] = []  # (kind, step, elapsed, reward)
    step_times: dict[float, float] = {}
    for _, record in iter_jsonl(path):
        if not isinstance(record, dict):
            continue
        kind = {"eval": "valid", "train": "train"}.get(str(record.get("type")))
        reward, step = _number(record.get("reward")), _number(record.get("step"))
        if kind is None or reward is None or step is None:
            continue
        elapsed = _number(record.get("seconds"))
        elapsed = elapsed if elapsed is not None else _number(record.get("elapsed"))
        timing = record.get("seconds")
        if kind == "train" and isinstance(timing, dict) and _number(timing.get("step")):
            step_times[step] = float(timing["step"])
        points.append((kind, step, elapsed, reward))
    arm = Arm()
    if by_step or all(p[1] == 0 for p in points):
        # Only the start (step 0) logged: at time 0 on any axis, so it fits whichever is used.
        arm.timing = "step" if by_step or not points else "start"
        x = {id(p): p[1] for p in points}
    elif points and all(p[2] is not None for p in points):
        arm.timing = "elapsed"
        x = {id(p): p[2] for p in points}
    elif step_times:
        # Seconds of training up to the end of each step (eval time is not in the step times).
        arm.timing = "summed"
        total, summed = 0.0, {0.0: 0.0}
        for step in sorted(step_times):
            total += step_times[step]
            summed[step] = total
        steps = sorted(summed)
        x = {id(p): summed[max(s for s in steps if s <= p[1])] for p in points}
    else:
        x = {id(p): p[1] for p in points}
    for p in sorted(points, key=lambda p: (x[id(p)], p[1])):
        target = arm.valid if p[0] == "valid" else arm.train
        target[0].append(float(x[id(p)]))  # type: ignore[arg-type]
        target[1].append(p[3])
    return arm


def _run_of(rows: list[PageRow], name: str) -> Path:
    return next(r.run for r in rows if r.name == name)


def _find(rows: list[PageRow], names: tuple[str, ...]) -> PageRow | None:
    return next((r for name in names for r in rows if r.name == name), None)


# -- the page -----------------------------------------------------------------------------------
def _fmt(interval: Interval | None) -> str:
    if interval is None or not interval.n:
        return "–"
    return f"{interval.estimate:.3f} [{interval.low:.3f}, {interval.high:.3f}]"


def _ranked(rows: list[PageRow]) -> bool:
    return any("mrr" in r.intervals for r in rows)


def rows_block(rows: list[PageRow], task: str) -> list[Any]:
    """The chart of the rows side by side with intervals, and the table."""
    ranked = _ranked(rows)
    shown = CHART_METRICS["ranked" if ranked else "plain"]
    missing = Interval(float("nan"), float("nan"), float("nan"), 0.95, 0)
    values = {m: [r.intervals.get(m, missing) for r in rows] for m in shown}
    groups = {LABELS[m]: [i.estimate for i in values[m]] for m in shown}
    errors = {LABELS[m]: [(i.low, i.high) for i in values[m]] for m in shown}
    n_items = max(i.n for i in values[shown[0]])
    png = plots.grouped_bars(
        [r.name for r in rows],
        groups,
        errors=errors,
        title=f"Held-out {task}, {n_items} items",
        ylabel="MRR / top@1 share" if ranked else "share of held-out items",
        xlabel="model",
    )
    metrics = [*RANKING_METRICS] if ranked else ["score"]
    columns = ["model", "supervision", "train s", *[f"{LABELS[m]} [95% CI]" for m in metrics]]
    cells = [
        [
            r.name,
            r.labels,
            "–" if r.seconds is None else f"{r.seconds:.0f}",
            *[_fmt(r.intervals.get(m)) for m in metrics],
        ]
        for r in rows
    ]
    columns.append("invalid")
    for line, r in zip(cells, rows, strict=True):
        line.append(cell(r.invalid))
    return [
        Heading("The rows side by side"),
        Figure(
            png,
            "Held-out metrics per row; whiskers: 95% bootstrap interval over held-out items",
            "rows",
        ),
        Heading("Table"),
        Table(
            columns,
            cells,
            "Greedy answers on the held-out rows, graded by the demo's bundle; intervals "
            "resample held-out items (percentile bootstrap, 2,000 resamples).",
        ),
    ]


AXIS = {
    "elapsed": "seconds since the arm started",
    "summed": "seconds of training (running sum of logged step times)",
    "step": "training step (no elapsed seconds logged)",
}


def curves_block(rows: list[PageRow]) -> list[Any]:
    """Held-out and training reward of the trained arms on one time axis (empty when no log)."""
    arms: dict[str, Arm] = {}
    for row in (_find(rows, CONTROL_NAMES), _find(rows, RFT_NAMES)):
        if row is not None and (row.run / HISTORY_JSONL).is_file():
            arm = read_arm(row.run / HISTORY_JSONL)
            if arm.valid[0] or arm.train[0]:
                arms[row.name] = arm
    if not arms:
        return []
    timings = {a.timing for a in arms.values()} - {"start"} or {"elapsed"}
    # One axis for every arm: steps of different trainers are not comparable, seconds are.
    timing = "step" if "step" in timings else "summed" if "summed" in timings else "elapsed"
    if timing == "step" and timings != {"step"}:
        arms = {name: read_arm(_run_of(rows, name) / HISTORY_JSONL, by_step=True) for name in arms}
    longest = max(len(a.train[0]) for a in arms.values())
    window = max(1, min(50, longest // 10))
    series = {name: {"valid": arm.valid, "train": arm.train} for name, arm in arms.items()}
    png = plots.arm_curves(
        series,
        title="Held-out reward during training",
        xlabel=AXIS[timing],
        ylabel="mean reward",
        window=window,
    )
    return [
        Heading("Training, on one clock"),
        Figure(
            png,
            "Held-out reward of each trained arm (line), its training reward per step (faint "
            f"points) and their {window}-step rolling mean (dashed); x: {AXIS[timing]}",
            "curves",
        ),
    ]


def comparisons(out: Path, data: dict[str, Any], rows: list[PageRow]) -> list[dict[str, Any]]:
    """demo.json's `comparison` (one `Comparison.to_dict()` or a list of them, one per seed),
    else SFT continued against RFT computed now from their run folders."""
    given = data.get("comparison")
    stored = [given] if isinstance(given, dict) else given if isinstance(given, list) else []
    stored = [c for c in stored if isinstance(c, dict) and isinstance(c.get("metrics"), dict)]
    if stored:
        return stored
    control, rft = _find(rows, CONTROL_NAMES), _find(rows, RFT_NAMES)
    if control is None or rft is None:
        return []
    seed = int(data.get("seed") or 0)
    return [compare_runs(control.run, rft.run, seed=seed).to_dict()]


def comparison_block(compared: list[dict[str, Any]], rows: list[PageRow]) -> list[Any]:
    """The paired difference (B − A) per seed and metric, as a table and a chart."""
    if not compared:
        return []
    by_folder = {r.run.name: r.name for r in rows}
    cells, labels, intervals = [], [], []
    names = ("A", "B")
    for c in compared:
        names = (
            by_folder.get(str(c.get("a_name")), str(c.get("a_name", "A"))),
            by_folder.get(str(c.get("b_name")), str(c.get("b_name", "B"))),
        )
        metrics = c.get("metrics") or {}
        for metric in COMPARED:
            values = metrics.get(metric)
            if not isinstance(values, dict) or not isinstance(values.get("delta"), dict):
                continue
            delta = Interval(**values["delta"])
            label = "reward" if metric == "reward" else LABELS[metric]
            cells.append(
                [
                    str(c.get("seed", "–")),
                    label,
                    cell(values.get("a")),
                    cell(values.get("b")),
                    f"{delta.estimate:+.3f} [{delta.low:+.3f}, {delta.high:+.3f}]",
                    "yes" if delta.excludes_zero else "no",
                    str(c.get("paired_items", "–")),
                ]
            )
            labels.append(f"seed {c.get('seed', '–')}: {label}")
            intervals.append((delta.estimate, delta.low, delta.high))
    if not cells:
        return []
    a, b = names
    png = plots.interval_chart(
        labels,
        intervals,
        title=f"{b} − {a}, paired by held-out item",
        xlabel=f"{b} − {a} (dot) with its 95% paired bootstrap interval",
        ylabel="seed: metric",
    )
    return [
        Heading(f"{b} against {a}, item by item"),
        Paragraph(
            f"Both models answer the same held-out items; the difference {b} − {a} is "
            "resampled over items (paired bootstrap, 95%), which cancels the items' own "
            "difficulty. An interval clear of 0 is a difference the held-out set supports."
        ),
        Figure(png, f"{b} − {a} per seed and metric", "paired"),
        Table(
            ["seed", "metric", a, b, f"{b} − {a} [95% CI]", "excludes 0", "items"],
            cells,
        ),
    ]


def headline(compared: list[dict[str, Any]], rows: list[PageRow]) -> list[Any]:
    """One sentence per comparison: B − A on MRR (or the reward, when the task does not rank)."""
    by_folder = {r.run.name: r.name for r in rows}
    lines = []
    for c in compared:
        metrics = c.get("metrics") or {}
        metric = "mrr" if "mrr" in metrics else "reward"
        values = metrics.get(metric)
        if not isinstance(values, dict) or not isinstance(values.get("delta"), dict):
            continue
        delta = Interval(**values["delta"])
        a = by_folder.get(str(c.get("a_name")), str(c.get("a_name", "A")))
        b = by_folder.get(str(c.get("b_name")), str(c.get("b_name", "B")))
        label = (
            "exact match"
            if metric == "reward" and not _ranked(rows)
            else LABELS.get(metric, metric)
        )
        verdict = (
            f"{b} is ahead"
            if delta.low > 0
            else f"{b} is behind"
            if delta.high < 0
            else "no clear difference"
        )
        lines.append(
            f"Seed {c.get('seed', '–')}: {b} − {a} on held-out {label} = {delta.estimate:+.3f} "
            f"[{delta.low:+.3f}, {delta.high:+.3f}] (95% paired bootstrap over "
            f"{c.get('paired_items', delta.n)} items): {verdict}."
        )
    return [Paragraph(line) for line in lines]


def demo_document(out: Path) -> Document:
    """The page's content (see the module docstring)."""
    data = load_demo(out)
    rows = load_rows(out, data)
    task = str(data.get("task") or "")
    doc = Document(f"rft demo: {data['title']}")
    described = [f"protocol: {data['protocol']}" if data.get("protocol") else ""]
    if isinstance(data.get("seconds"), int | float):
        described.append(f"demo wall time {data['seconds']:.0f} s")
    if any(described):
        doc.add(Paragraph("; ".join(d for d in described if d) + "."))
    compared = comparisons(out, data, rows)
    doc.add(*headline(compared, rows))
    doc.add(*rows_block(rows, task), *curves_block(rows), *comparison_block(compared, rows))
    notes = [n for n in data.get("notes") or [] if isinstance(n, str)]
    if notes:
        doc.add(Heading("Notes"), *(Paragraph(n) for n in notes))
    doc.add(
        Heading("Each model's own report"),
        Links([(r.name, r.report) for r in rows]),
    )
    return doc


def write_demo_page(out: Path) -> list[Path]:
    """Write `OUT/demo.md` (figures in `OUT/demo_figures/`) and `OUT/demo.html` (figures
    embedded) from `OUT/demo.json` and the run folders it names; returns their paths."""
    out = Path(out)
    return write_report(demo_document(out), out, stem="demo")


__all__ = ["DEMO_JSON", "demo_document", "load_demo", "read_arm", "write_demo_page"]
