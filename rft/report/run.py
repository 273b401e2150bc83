"""A run directory as the report sees it: an `rft eval` output or an `rft train` run.

Files read (each optional, but a run needs a per-sample table or a training history):

- `samples.parquet` / `samples.csv` (or under `eval/`): the per-sample table of `rft eval`.
- `metrics.json`: what `rft eval` computed, and its `run` settings (model, bundle, k, …).
- `metrics.jsonl`: the training history `rft train` appends (keys: `rft.report.history`).
- `probes.json`: a saved `ProbeReport` (`rft graders probe --out`), shown when present.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rft.errors import DataError
from rft.eval.table import read_table
from rft.report.history import History, read_history

if TYPE_CHECKING:
    import pandas as pd

METRICS_JSON = "metrics.json"
HISTORY_JSONL = "metrics.jsonl"
PROBES_JSON = "probes.json"


@dataclass
class Run:
    """What one run directory holds."""

    path: Path
    frame: pd.DataFrame | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    history: History | None = None
    probes: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return self.path.resolve().name

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.metrics.get("run", {}))


def _json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON: {exc}") from None
    return value if isinstance(value, dict) else None


def load_run(path: str | Path) -> Run:
    """Read a run directory; DataError when it holds neither samples nor a training history."""
    root = Path(path)
    if not root.is_dir():
        raise DataError(
            f"no such run directory: {root}", hint="pass the --out folder of rft eval/train"
        )
    run = Run(path=root, frame=read_table(root))
    for folder in (root, root / "eval"):
        metrics = _json(folder / METRICS_JSON)
        if metrics is not None:
            run.metrics = metrics
            break
    if (root / HISTORY_JSONL).exists():
        history = read_history(root / HISTORY_JSONL)
        run.history = history if len(history) else None
    run.probes = _json(root / PROBES_JSON)
    if run.frame is None and run.history is None:
        raise DataError(
            f"{root} holds no samples.parquet/samples.csv and no metrics.jsonl",
            hint="point at the --out folder of `rft eval` or the run folder of `rft train`",
        )
    return run
