"""Where a run's files live (see the `rft.train` package docstring for the full layout)."""

from __future__ import annotations

import json
import re
from pathlib import Path


class RunLayout:
    """Paths inside `output_dir`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.metrics = self.root / "metrics.jsonl"
        self.warmup = self.root / "warmup"
        self.checkpoints = self.root / "checkpoints"
        self.best = self.root / "best"
        self.final = self.root / "final"
        self.summary = self.root / "summary.json"
        self.job = self.root / "job.json"

    def record_trl_config(self, phase: str, config: dict) -> None:
        """Add the TRL config a phase (`warmup`, `rl`) ran with to `job.json`, under `trl`."""
        record = json.loads(self.job.read_text())
        record.setdefault("trl", {})[phase] = config
        self.job.write_text(json.dumps(record, indent=2) + "\n")

    def has_run(self) -> bool:
        """True when a previous run wrote metrics or checkpoints here."""
        return (
            self.metrics.exists() and self.metrics.stat().st_size > 0
        ) or self.checkpoints.exists()

    def warmup_done(self) -> bool:
        return (self.warmup / "rft_warmup_done.json").is_file()

    def mark_warmup_done(self, seconds: float) -> None:
        (self.warmup / "rft_warmup_done.json").write_text(json.dumps({"seconds": seconds}) + "\n")

    def last_checkpoint(self) -> tuple[int, Path] | None:
        """(step, folder) of the newest complete checkpoint, or None."""
        found = []
        if self.checkpoints.is_dir():
            for path in self.checkpoints.iterdir():
                match = re.fullmatch(r"checkpoint-(\d+)", path.name)
                # trainer_state.json is written last: a folder without it is a cut-short save.
                if match and (path / "trainer_state.json").is_file():
                    found.append((int(match.group(1)), path))
        return max(found) if found else None
