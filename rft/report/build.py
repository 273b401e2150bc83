"""What the validation report says: metrics, checks, curves, histograms and the worst items.

`build_report(run)` turns a run directory (`rft.report.run.Run`) into a `Document`;
`write_report` renders it as `report.md` (+ figures) and a self-contained `report.html`.
Metrics are recomputed from the per-sample table, so a rebuilt report reflects the current
thresholds and `--group-by` fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rft.eval.table import item_field
from rft.report import plots
from rft.report.document import Checks, Document, Figure, Heading, Paragraph, clip, table
from rft.report.html import write_html
from rft.report.markdown import write_markdown
from rft.report.metrics import (
    DEFAULT_PASS_THRESHOLD,
    Interval,
    grader_columns,
    per_item,
    summarize,
    summarize_groups,
)
from rft.report.quality import Check, frame_checks, history_checks
from rft.report.run import Run, load_run

if TYPE_CHECKING:
    import pandas as pd

    from rft.report.history import History

WORST_ITEMS = 10


def interval_text(data: dict[str, Any]) -> str:
    """`0.512 [0.471, 0.553]` from an `Interval.to_dict()`."""
    return str(Interval(**data)) if data.get("n") else "–"


def headline_table(summary: dict[str, Any]) -> list[list[Any]]:
    """metric | value rows for a summary from `metrics.summarize`."""
    level = summary["reward"].get("level", 0.95)
    rows: list[list[Any]] = [
        [f"mean reward [{level:.0%} CI over items]", interval_text(summary["reward"])],
        [f"pass rate (score >= {summary['pass_threshold']})", summary["pass_rate"]],
    ]
    rows += [[f"mean `{name}`", value] for name, value in summary["graders"].items()]
    if summary.get("skipped"):
        rows.append(["skipped (no reward)", summary["skipped"]])
    rows += [[f"error rate `{flag}`", rate] for flag, rate in summary["errors"].items()]
    rows.append(["items × samples", f"{summary['n_items']} × {summary['samples_per_item']}"])
    return rows


CRITERION = ".criterion."  # rubric details: `<grader>.criterion.<name>` columns


def criterion_metrics(frame: pd.DataFrame, threshold: float) -> dict[str, dict[str, Any]]:
    """Per rubric criterion (keyed `<grader>.<criterion>`): its grader and name, mean score,
    pass rate (share >= `threshold`) and how many samples it was scored on (a sample whose
    judge reply failed has no criterion scores)."""
    import pandas as pd  # on first use, like the rest of the report's frame code

    kept = frame[~frame["skipped"].astype(bool)] if "skipped" in frame else frame
    out: dict[str, dict[str, Any]] = {}
    for column in frame.columns:
        if CRITERION not in column or column.startswith("score."):
            continue
        grader, _, criterion = column.rpartition(CRITERION)
        # CSV tables hold a missing score as "": coerce, then drop.
        values = pd.to_numeric(kept[column], errors="coerce").dropna()
        out[f"{grader}.{criterion}"] = {
            "grader": grader,
            "criterion": criterion,
            "mean": float(values.mean()) if len(values) else None,
            "pass_rate": float((values >= threshold).mean()) if len(values) else None,
            "scored": len(values),
        }
    return out


def _criteria_block(criteria: dict[str, dict[str, Any]], threshold: float) -> list[Any]:
    if not criteria:
        return []
    rows = [
        [m["grader"], m["criterion"], m["mean"], m["pass_rate"], m["scored"]]
        for m in criteria.values()
    ]
    return [
        Heading("Rubric criteria"),
        table(
            ["grader", "criterion", "mean", "pass rate", "scored samples"],
            rows,
            f"Each rubric criterion as a sub-score: its mean over the samples the judge scored "
            f"and the share scoring >= {threshold}; samples whose reply failed are not counted.",
        ),
    ]


PANEL_MARK = ".judges_ok"  # panel details: `<grader>.judges_ok`, `.agreement`, `.spread`


def panel_metrics(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per judge panel: mean agreement and spread over the samples two or more judges scored
    (`compared`), and the share of samples where some judge failed."""
    import pandas as pd  # on first use, like the rest of the report's frame code

    kept = frame[~frame["skipped"].astype(bool)] if "skipped" in frame else frame
    out: dict[str, dict[str, Any]] = {}
    for column in frame.columns:
        if not column.endswith(PANEL_MARK) or column.startswith("score."):
            continue
        grader = column.removesuffix(PANEL_MARK)
        agreement = pd.to_numeric(kept[f"{grader}.agreement"], errors="coerce").dropna()
        spread = pd.to_numeric(kept[f"{grader}.spread"], errors="coerce")[agreement.index]
        # `["a: flag", ...]` where a judge failed: a list, or its JSON text in a saved table.
        failed = kept[f"{grader}.failed_judges"].map(
            lambda v: bool(v) if isinstance(v, list) else isinstance(v, str) and v.startswith("[")
        )
        out[grader] = {
            "agreement": float(agreement.mean()) if len(agreement) else None,
            "spread": float(spread.mean()) if len(spread) else None,
            "failed_judge_rate": float(failed.mean()) if len(failed) else None,
            "compared": len(agreement),
        }
    return out


def _panel_block(panels: dict[str, dict[str, Any]]) -> list[Any]:
    if not panels:
        return []
    rows = [
        [g, m["agreement"], m["spread"], m["failed_judge_rate"], m["compared"]]
        for g, m in panels.items()
    ]
    return [
        Heading("Judge panels"),
        table(
            [
                "panel",
                "mean agreement",
                "mean spread",
                "samples with a failed judge",
                "samples compared",
            ],
            rows,
            "Agreement: mean pairwise 1 - |a - b| between the judges of a sample (1 = unanimous); "
            "spread: highest minus lowest judge score; both over the samples that two or more "
            "judges scored. Each judge's own mean is its sub-score above.",
        ),
    ]


def _at_k_block(summary: dict[str, Any]) -> list[Any]:
    at_k = summary.get("at_k") or {}
    if not at_k.get("pass"):
        return []
    rows = [[f"{j}", at_k["mean"][j], at_k["best"][j], at_k["pass"][j]] for j in at_k["pass"]]
    return [
        Heading("Over the k samples per item"),
        table(
            ["k", "mean@k", "best@k", "pass@k"],
            rows,
            "mean@k: mean reward of the first k samples; best@k: mean of the best of them; "
            f"pass@k: chance that one of k samples scores >= {summary['pass_threshold']} "
            "(unbiased estimator).",
        ),
    ]


def _ranked_block(summary: dict[str, Any]) -> list[Any]:
    ranked = summary.get("ranked") or {}
    if not ranked:
        return []
    rows = [[g, m["top@1"], m["top@5"], m["top@max"], m["mrr"]] for g, m in ranked.items()]
    return [
        Heading("Ranked lists"),
        table(
            ["grader", "top@1", "top@5", "top@max", "MRR"],
            rows,
            "Share of samples with the right answer first, in the first 5, anywhere in the list; "
            "mean reciprocal rank.",
        ),
    ]


def _group_block(groups: dict[str, dict[str, dict[str, Any]]]) -> list[Any]:
    blocks: list[Any] = []
    for field, by_value in groups.items():
        graders = sorted({g for s in by_value.values() for g in s["graders"]})
        rows = [
            [value, s["n_items"], interval_text(s["reward"]), s["pass_rate"]]
            + [s["graders"].get(g) for g in graders]
            for value, s in by_value.items()
        ]
        blocks += [
            Heading(f"By `{field}`"),
            table([field, "items", "mean reward [CI]", "pass rate", *graders], rows),
        ]
    return blocks


def _worst_items(frame: pd.DataFrame, limit: int = WORST_ITEMS) -> list[list[Any]]:
    """The lowest-scoring items, each shown by its lowest-scoring sample."""
    graders = grader_columns(frame)
    item_means = per_item(frame).sort_values(kind="stable").head(limit)
    rows = []
    for item_index, mean in item_means.items():
        samples = frame[frame["item_index"] == item_index].sort_values("score", kind="stable")
        worst = samples.iloc[0]
        rows.append(
            [
                int(item_index),
                clip(worst["prompt"]),
                clip(worst["output_text"]),
                clip(worst["reference"], 120),
                float(mean),
                *[float(worst[c]) for c in graders.values()],
                clip(worst.get("error_message") or "", 120),
            ]
        )
    return rows


def _worst_block(frame: pd.DataFrame) -> list[Any]:
    graders = list(grader_columns(frame))
    return [
        Heading("Worst items"),
        table(
            ["item", "prompt", "output", "reference", "item mean", *graders, "error"],
            _worst_items(frame),
            f"The {WORST_ITEMS} items with the lowest mean reward, each with its worst sample.",
        ),
    ]


def _before_after(history: History) -> list[Any]:
    """Bars of the first vs last logged value of the valid (else train) reward and graders."""
    series = {"reward": history.valid_reward or history.train_reward}
    graders = history.valid_graders or history.train_graders
    series |= dict(graders)
    labels, before, after = [], [], []
    for label, column in series.items():
        if not column:
            continue
        _steps, values = history.series(column)
        if len(values) >= 2:
            labels.append(label)
            before.append(values[0])
            after.append(values[-1])
    if not labels:
        return []
    split = "valid" if history.valid_reward or history.valid_graders else "train"
    png = plots.grouped_bars(
        labels,
        {"first logged step": before, "last logged step": after},
        title=f"Before and after training ({split})",
        ylabel="mean score",
    )
    return [Figure(png, f"Before and after training ({split} split)", "before_after")]


def _checks_block(checks: Sequence[Check]) -> list[Any]:
    if not checks:
        return []
    ordered = sorted(checks, key=lambda c: c.status != "warn")
    n_warn = sum(c.status == "warn" for c in checks)
    return [
        Heading("Grader quality and reward-hacking checks"),
        Paragraph(
            f"{n_warn} warning(s). Thresholds are documented in rft.report.quality; a warning is a "
            "prompt to look at the samples, not a verdict."
        ),
        Checks(list(ordered)),
    ]


def _probe_block(probes: dict[str, Any]) -> list[Any]:
    rows = [
        [p["name"], p["mean"], p["max"], p["share_above"], p["verdict"]]
        for p in probes.get("classes", [])
    ]
    return [
        Heading("Adversarial probes"),
        table(
            ["probe", "mean score", "max score", "share above threshold", "verdict"],
            rows,
            f"Threshold {probes.get('threshold')}: generated answers that should score low.",
        ),
    ]


def build_report(
    run: Run,
    *,
    group_by: Sequence[str] = (),
    threshold: float | None = None,
) -> tuple[Document, dict[str, Any]]:
    """The report of a run and the metrics it shows (JSON-ready, as written to metrics.json)."""
    settings = run.settings
    threshold = (
        threshold
        if threshold is not None
        else settings.get("pass_threshold", DEFAULT_PASS_THRESHOLD)
    )
    group_by = list(group_by) or list(settings.get("group_by", []))
    doc = Document(f"rft report: {run.name}")
    described = ", ".join(
        f"{k} {settings[k]}"
        for k in ("model", "outputs", "grader", "data", "samples")
        if settings.get(k)
    )
    if described:
        doc.add(Paragraph(described))
    metrics: dict[str, Any] = {}
    checks: list[Check] = []
    frame = run.frame
    if frame is not None and len(frame):
        summary = summarize(frame, threshold=threshold)
        groups = {
            field: summarize_groups(frame, field, item_field(frame, field), threshold=threshold)
            for field in group_by
        }
        criteria = criterion_metrics(frame, threshold)
        panels = panel_metrics(frame)
        checks += frame_checks(frame, summary)
        metrics |= {"summary": summary, "groups": groups, "criteria": criteria, "panels": panels}
        doc.add(Heading("Headline"), table(["metric", "value"], headline_table(summary)))
        doc.add(*_criteria_block(criteria, threshold), *_panel_block(panels))
        doc.add(*_at_k_block(summary), *_ranked_block(summary), *_group_block(groups))
    if run.history is not None:
        checks += history_checks(run.history)
    metrics["checks"] = [c.to_dict() for c in checks]
    doc.add(*_checks_block(checks))
    if run.probes:
        doc.add(*_probe_block(run.probes))
    if run.history is not None:
        doc.add(Heading("Training"))
        for i, (caption, png) in enumerate(plots.training_curves(run.history)):
            doc.add(Figure(png, caption, f"training_{i}"))
        doc.add(*_before_after(run.history))
    if frame is not None and len(frame):
        columns = {"reward": "score"} | grader_columns(frame)
        doc.add(
            Heading("Score distributions"),
            Figure(plots.score_histograms(frame, columns), "Score histograms", "histograms"),
        )
        unit = "tokens" if "length_tokens" in frame else "chars"
        doc.add(
            Figure(
                plots.length_vs_reward(frame[f"length_{unit}"], frame["score"], unit=unit),
                "Reward against completion length",
                "length_vs_reward",
            )
        )
        doc.add(*_worst_block(frame))
    return doc, metrics


def write_report(doc: Document, out_dir: Path, stem: str = "report") -> list[Path]:
    """Write `<stem>.md` (with a figures folder) and `<stem>.html`; returns their paths."""
    return [write_markdown(doc, out_dir, stem), write_html(doc, out_dir, stem)]


def rebuild_report(
    run_dir: str | Path, *, group_by: Sequence[str] = (), threshold: float | None = None
) -> list[Path]:
    """`rft report RUN_DIR`: rebuild report.md / report.html from the files in the run folder."""
    run = load_run(run_dir)
    doc, _ = build_report(run, group_by=group_by, threshold=threshold)
    return write_report(doc, Path(run_dir))
