"""`output_dir/metrics.jsonl`: one JSON object per line, appended as training goes.

Records have a `type`:
- `train`: one per RL step: `step`, `reward` (mean over the step's completions), `graders`
  (per-grader means), `errors` (error-flag rates), `loss`/`kl`/`learning_rate` where the
  trainer reports them, `seconds: {sampling, grading, training, step}`, and the same
  seconds as flat keys `time/step`, `time/generation`, `time/grading`, `time/training`.
- `eval`: `step` (0 = before RL, after any warm-up), `phase` (`start` | `rl`, or `warmup`
  for the held-out evals a run asks for during SFT), validation `reward`, `graders`,
  `errors`, `n`, `seconds`.
- `warmup`: one per SFT log (`epoch`, `loss`).
Every record also carries `elapsed`: training seconds since its phase (the warm-up, or RL)
started, eval time left out, so two arms (RFT and SFT continued) share one time axis.
Steps of `train` records run 1, 2, 3, … with no gap or repeat, across `--resume` too.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any


def _clean(value: Any) -> Any:
    # JSON has no NaN/inf: write null so every line parses with strict readers.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class MetricsLog:
    """Append-only JSONL metrics file, flushed and fsynced per record (survives a kill)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(_clean(record), ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def read(self) -> list[dict[str, Any]]:
        """Every complete record (a line cut short by a kill is ignored)."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    def truncate_after(self, step: int) -> None:
        """Drop RL records after `step` (work lost with a kill), keeping warm-up/start records."""
        kept = [r for r in self.read() if r.get("type") == "warmup" or r.get("step", 0) <= step]
        tmp = self.path.with_suffix(".jsonl.tmp")
        tmp.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8"
        )
        tmp.replace(self.path)
