"""`rft train` under `accelerate launch` with two CPU processes (gloo): one run folder, written once.

`accelerate launch --multi_gpu` starts the processes with torchrun; on a machine without GPUs
rft's trainers run on the CPU and accelerate joins them over gloo. `--cpu` is not the form:
accelerate's CPU launcher starts one process unless MPI is set up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("trl", reason="needs the `train` extra")
pytest.importorskip("accelerate", reason="needs the `train` extra")
from train_helpers import write_job

from rft.errors import ConfigError
from rft.train.config import load_job
from rft.train.trainers import completions_per_process


def _job(
    arithmetic: dict[str, Path],
    out: Path,
    steps: int,
    eval_interval: int = 2,
    method: str = "grpo",
    warmup: dict | None = None,
) -> Path:
    return write_job(
        out.parent / "job.yaml",
        model=str(arithmetic["model"]),
        train_file=str(arithmetic["train"]),
        valid_file=str(arithmetic["valid"]),
        grader=str(arithmetic["grader"]),
        method=method,
        # The warm-up trains in both processes too: 32 rows of 8 a step is 4 steps, one log.
        warmup=warmup or {"n_epochs": 1, "batch_size": 8, "max_rows": 32},
        hyperparameters={
            "max_steps": steps,
            "eval_interval": eval_interval,
            "batch_size": 4,
            "num_generations": 4,
            "max_completion_tokens": 4,
            "eval_samples": 20,
        },
        output_dir=str(out),
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _command(job: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "--main_process_port",
        str(_free_port()),
        "-m",
        "rft.cli.main",
        "train",
        str(job),
        *extra,
    ]


_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}


def _launch(job: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        _command(job, *extra), capture_output=True, text=True, timeout=240, env=_ENV
    )


def _failure(stderr: str) -> str:
    """What a failed launch said: each non-main process's own lines first (torchrun's summary
    at the end hides which exception ended rank 1), then the tail."""
    others = [line for line in stderr.splitlines() if line.startswith("[rank1]")]
    return "\n".join(others[-60:]) + "\n--- tail ---\n" + stderr[-3000:]


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def _steps(out: Path, kind: str) -> list[int]:
    return [r["step"] for r in _records(out) if r["type"] == kind]


@pytest.mark.slow
@pytest.mark.parametrize("method", ["grpo", "rloo"])
def test_two_processes_write_one_run_and_resume(
    arithmetic: dict[str, Path], tmp_path: Path, method: str
) -> None:
    out = tmp_path / "run"
    job = _job(arithmetic, out, steps=4, method=method)
    first = _launch(job)
    assert first.returncode == 0, _failure(first.stderr)
    # One report, from the main process; each train step and each eval logged once.
    assert first.stdout.count("validation reward") == 1, first.stdout
    assert _steps(out, "train") == [1, 2, 3, 4]
    assert _steps(out, "eval") == [0, 2, 4]
    assert [(r["type"], r["step"]) for r in _records(out) if r["type"] == "warmup"] == [
        ("warmup", 4)
    ]
    assert sorted(p.name for p in out.iterdir()) == [
        "best",
        "checkpoints",
        "final",
        "job.json",
        "metrics.jsonl",
        "summary.json",
        "warmup",
    ]
    assert (out / "warmup" / "rft_warmup_done.json").is_file()
    checkpoint = out / "checkpoints" / "checkpoint-4"
    # Both processes took part (a random state each); the model and optimizer were saved once.
    assert sorted(p.name for p in checkpoint.glob("rng_state*")) == [
        "rng_state_0.pth",
        "rng_state_1.pth",
    ]
    assert len(list(checkpoint.glob("*.safetensors"))) == 1
    assert json.loads((out / "summary.json").read_text())["steps"] == 4
    # A step is still 4 prompts x 4 completions in all: 8 completions in each process.
    trl = json.loads((out / "job.json").read_text())["trl"][method]
    assert trl["per_device_train_batch_size"] == 8
    assert (
        json.loads((out / "job.json").read_text())["trl"]["warmup"]["per_device_train_batch_size"]
        == 4
    )

    # --resume in two processes continues from checkpoint-4 to the new last step.
    _job(arithmetic, out, steps=6, method=method)
    resumed = _launch(job, "--resume")
    assert resumed.returncode == 0, _failure(resumed.stderr)
    assert resumed.stdout.count("resuming after step 4") == 1, resumed.stdout
    assert _steps(out, "train") == [1, 2, 3, 4, 5, 6]
    assert _steps(out, "eval") == [0, 2, 4, 6]
    assert sorted(p.name for p in (out / "checkpoints").glob("checkpoint-*")) == [
        "checkpoint-4",
        "checkpoint-6",
    ]
    assert json.loads((out / "summary.json").read_text())["steps"] == 6


def test_a_step_that_cannot_be_split_across_the_processes_is_refused(
    arithmetic: dict[str, Path], tmp_path: Path
) -> None:
    path = _job(arithmetic, tmp_path / "run", steps=4)
    path.write_text(path.read_text().replace("batch_size: 4", "batch_size: 3"))
    job = load_job(path)
    assert completions_per_process(job, 3) == 4
    with pytest.raises(ConfigError) as caught:
        completions_per_process(job, 5)
    text = str(caught.value)
    assert "3 prompts x 4 completions per step cannot be split evenly across 5 processes" in text
    assert "batch_size" in text and str(path) in text


def _worker(launcher: int, rank: int) -> int:
    """The pid of the launcher's child process of that rank (Linux: read from /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            env = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent == launcher and f"RANK={rank}".encode() in env:
            return int(entry.name)
    raise AssertionError(f"no process of rank {rank} under {launcher}")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the workers in /proc")
def test_ctrl_c_stops_both_processes_at_one_checkpoint(
    arithmetic: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "run"
    # The warm-up's time budget runs out at a different moment in each process's clock: they
    # must still stop SFT at the same step (else the run hangs).
    warmup = {"n_epochs": 100, "batch_size": 8, "max_rows": 64, "max_seconds": 1}
    job = _job(arithmetic, out, steps=30, eval_interval=10, warmup=warmup)
    # A Ctrl-C reaches the processes at different moments (torchrun forwards it to each); the
    # extreme case: only the process of rank 1 is interrupted. Both must stop at one step.
    proc = subprocess.Popen(
        _command(job),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_ENV,
    )
    deadline = time.time() + 180
    while not (out / "metrics.jsonl").exists() or max(_steps(out, "train"), default=0) < 3:
        assert time.time() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    os.kill(_worker(proc.pid, rank=1), signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    stopped = max(_steps(out, "train"))
    assert 3 <= stopped < 30, stderr[-4000:]
    # Both processes stopped after the same step, and saved it (before: only the evals' steps).
    saved_steps = sorted(int(p.name[11:]) for p in (out / "checkpoints").glob("checkpoint-*"))
    assert saved_steps and saved_steps[-1] == stopped, (saved_steps, stderr[-4000:])
    assert all(step % 10 == 0 for step in saved_steps[:-1])
    saved = out / "checkpoints" / f"checkpoint-{stopped}"
    assert sorted(p.name for p in saved.glob("rng_state*")) == [
        "rng_state_0.pth",
        "rng_state_1.pth",
    ]
    assert not (out / "final").exists()
    assert (out / "warmup" / "rft_warmup_done.json").is_file()

    resumed = _launch(job, "--resume")
    assert resumed.returncode == 0, _failure(resumed.stderr)
    assert resumed.stdout.count(f"resuming after step {stopped}") == 1, resumed.stdout
    assert _steps(out, "train") == list(range(1, 31))
    assert _steps(out, "eval") == [0, 10, 20, 30]
