"""`benchmarks/vs_peers.py --quick` runs end to end when the peers (the `bench` extra) are installed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "vs_peers.py"
PEERS = ("math_verify", "reasoning_gym", "inspect_ai")


@pytest.mark.slow
@pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in PEERS),
    reason="needs the `bench` extra (math-verify, reasoning-gym, inspect-ai)",
)
def test_quick_run_prints_every_section(tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text(
        '{"step": 1, "time/step": 2.0, "time/grading": 0.01}\n'
        '{"step": 2, "time/step": 2.0, "time/grading": 0.01}\n'
        "not json\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--items", "3", "--train-metrics", str(metrics)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode in (0, 1), run.stderr
    out = run.stdout
    for heading in (
        "Agreement matrix",
        "Disagreement classes",
        "Throughput",
        "String scorers",
        "Checks",
    ):
        assert heading in out
    assert "2 steps, grading 0.02 s of 4.00 s step time = 0.50%" in out
