"""Kill a real `rft train` subprocess, `--resume` it, and check the metrics file is seamless."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("trl", reason="needs the `train` extra")
from train_helpers import write_job


def _job(arithmetic: dict[str, Path], out: Path, steps: int) -> Path:
    return write_job(
        out.parent / f"{out.name}.yaml",
        model=str(arithmetic["model"]),
        train_file=str(arithmetic["train"]),
        valid_file=str(arithmetic["valid"]),
        grader=str(arithmetic["grader"]),
        method="grpo",
        hyperparameters={
            "max_steps": steps,
            "eval_interval": 10,
            "batch_size": 4,
            "num_generations": 4,
            "max_completion_tokens": 4,
            "eval_samples": 20,
        },
        output_dir=str(out),
    )


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def _wait_for(predicate, timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def _train_steps(out: Path) -> list[int]:
    if not (out / "metrics.jsonl").exists():
        return []
    return [r["step"] for r in _records(out) if r["type"] == "train"]


def _start(job: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rft.cli.main", "train", str(job), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_kill_then_resume_loses_and_repeats_nothing(
    arithmetic: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "run"
    job = _job(arithmetic, out, steps=40)
    proc = _start(job)
    # kill -9 once a checkpoint exists and some steps past it were logged
    _wait_for(
        lambda: (
            (out / "checkpoints" / "checkpoint-10" / "trainer_state.json").exists()
            and max(_train_steps(out), default=0) >= 13
        )
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert max(_train_steps(out)) > 10

    resumed = subprocess.run(
        [sys.executable, "-m", "rft.cli.main", "train", str(job), "--resume"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after step" in resumed.stdout
    steps = _train_steps(out)
    last_ckpt = max(int(p.name.split("-")[1]) for p in (out / "checkpoints").glob("checkpoint-*"))
    assert steps == list(range(1, 41)), steps
    assert last_ckpt == 40
    evals = [r["step"] for r in _records(out) if r["type"] == "eval"]
    assert evals == [0, 10, 20, 30, 40]
    assert (out / "best" / "rft_best.json").exists() and (out / "final" / "config.json").exists()


@pytest.mark.slow
def test_sigint_saves_then_resume_finishes(arithmetic: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    job = _job(arithmetic, out, steps=30)
    proc = _start(job)
    _wait_for(lambda: max(_train_steps(out), default=0) >= 3)
    os.kill(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    stopped = max(_train_steps(out))
    assert (out / "checkpoints" / f"checkpoint-{stopped}" / "trainer_state.json").exists()

    resumed = subprocess.run(
        [sys.executable, "-m", "rft.cli.main", "train", str(job), "--resume"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert _train_steps(out) == list(range(1, 31))


@pytest.mark.slow
def test_a_second_run_in_the_same_folder_is_refused(
    arithmetic: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.jsonl").write_text('{"type": "eval", "step": 0}\n')
    result = subprocess.run(
        [sys.executable, "-m", "rft.cli.main", "train", str(_job(arithmetic, out, 10))],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "already holds a run" in result.stderr
