"""The demo's comparison table: one row per model, ranking metrics from the bundle's `rank`.

Every row is computed from a per-sample table (`rft.eval.table`) graded by the same bundle, so
the baseline's lists and the models' answers are scored identically.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rft.report.metrics import RANKING_METRICS, ranking_metrics

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

METRIC_COLUMNS = ("top@1", "top@5", "top@max", "MRR")


@dataclass
class ModelRow:
    """The metrics of one evaluated model (or the baseline)."""

    name: str
    labels: str
    """What supervision it had, e.g. `100 labelled cases` or `reward on 1900 prompts`."""
    seconds: float | None
    reward: float
    invalid: float
    """Share of answers that are empty or not the required format (score 0 whatever the gene)."""
    top1: float | None = None
    top5: float | None = None
    top_max: float | None = None
    mrr: float | None = None
    mean_items: float | None = None
    """Mean length of the answer lists (ranked tasks only)."""
    run: str | None = None
    """Its run folder, relative to the demo's folder (`eval/` holds the graded answers)."""
    report: str | None = None
    """Its report page, relative to the demo's folder."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def invalid_share(frame: pd.DataFrame) -> float:
    """Empty answers, answers that did not parse, or answers a `format` grader failed."""
    bad = frame["output_text"].fillna("").astype(str).str.strip() == ""
    if "sample_parse_error" in frame:
        bad |= frame["sample_parse_error"].astype(bool)
    if "score.format" in frame:
        bad |= frame["score.format"].astype(float) <= 0
    return float(bad.mean()) if len(frame) else float("nan")


def list_length(text: str) -> int:
    """Number of genes in a `{"genes": [...]}` answer (0 when it does not parse)."""
    import json

    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return 0
    genes = value.get("genes") if isinstance(value, dict) else None
    return len(genes) if isinstance(genes, list) else 0


def model_row(
    name: str,
    frame: pd.DataFrame,
    *,
    labels: str,
    seconds: float | None,
    run: str | None = None,
    report: str | None = None,
) -> ModelRow:
    """Summarise a graded per-sample table as a table row.

    `run`: its folder in the demo; `report` defaults to that folder's `report.html`.
    """
    row = ModelRow(
        name=name,
        labels=labels,
        seconds=seconds,
        reward=float(frame["score"].mean()),
        invalid=invalid_share(frame),
        run=run,
        report=report or (None if run is None else f"{run}/report.html"),
    )
    ranking = ranking_metrics(frame)
    if ranking is not None:
        row.top1, row.top5, row.top_max, row.mrr = (ranking[m] for m in RANKING_METRICS)
        row.mean_items = float(np.mean([list_length(t) for t in frame["output_text"]]))
    return row


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def table_rows(
    rows: list[ModelRow], *, supervision: bool = True
) -> tuple[list[str], list[list[str]]]:
    """Column names and text cells (ranking columns only when some row has them)."""
    ranked = any(r.top1 is not None for r in rows)
    columns = ["model", *(["supervision"] if supervision else []), "train s"]
    columns += [*METRIC_COLUMNS, "list len"] if ranked else ["accuracy"]
    columns += ["invalid"]
    cells = []
    for r in rows:
        line = [r.name, *([r.labels] if supervision else [])]
        line += ["–" if r.seconds is None else f"{r.seconds:.0f}"]
        if ranked:
            line += [_fmt(r.top1), _fmt(r.top5), _fmt(r.top_max), _fmt(r.mrr)]
            line += [_fmt(r.mean_items, 1)]
        else:
            line += [_fmt(r.reward)]
        line += [_fmt(r.invalid)]
        cells.append(line)
    return columns, cells


def rich_table(rows: list[ModelRow], title: str) -> Table:
    """The table as `rich` prints it (80 columns wide: supervision goes in the notes)."""
    from rich.table import Table

    columns, cells = table_rows(rows, supervision=False)
    table = Table(title=title, title_justify="left")
    for i, name in enumerate(columns):
        table.add_column(name, justify="left" if i == 0 else "right", no_wrap=True)
    for line in cells:
        table.add_row(*line)
    return table
