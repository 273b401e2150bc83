"""Label-scarce and time-boxed warm-ups, warm-up-only runs, and jobs built in code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("trl", reason="needs the `train` extra")
from train_helpers import addition_rows, write_jsonl

from rft.errors import DataError
from rft.train.config import JobConfig
from rft.train.run import RunSummary, run

pytestmark = pytest.mark.slow  # every test here trains (an SFT warm-up)


def _job(arithmetic: dict[str, Path], out: Path, **warmup: object) -> JobConfig:
    return JobConfig(
        model=str(arithmetic["model"]),
        train_file=arithmetic["train"],
        valid_file=arithmetic["valid"],
        grader=arithmetic["grader"],
        warmup={"n_epochs": 1, "batch_size": 8, **warmup},
        hyperparameters={"max_steps": 0, "eval_samples": 20, "max_completion_tokens": 4},
        output_dir=out,
    )


def test_warmup_only_run_from_a_job_object(arithmetic: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    summary = run(_job(arithmetic, out, max_rows=24))
    assert isinstance(summary, RunSummary)
    assert summary.steps == 0 and summary.warmup_rows == 24
    assert summary.start_reward == summary.final_reward == summary.best_reward is not None
    assert summary.best_dir == out / "best" and (out / "best" / "rft_best.json").is_file()
    assert (out / "final" / "config.json").is_file()
    records = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["type"] == "eval"] == [0]
    assert not any(r["type"] == "train" for r in records)
    assert json.loads((out / "summary.json").read_text())["best_reward"] == summary.best_reward


def test_warmup_file_and_time_budget(arithmetic: dict[str, Path], tmp_path: Path) -> None:
    labelled = write_jsonl(tmp_path / "labelled.jsonl", addition_rows(16, offset=4000))
    job = _job(arithmetic, tmp_path / "run", train_file=labelled, n_epochs=1000, max_seconds=1.0)
    summary = run(job)
    assert summary.warmup_rows == 16
    # 1000 epochs of 2 steps would take far longer than the 1 s budget.
    assert summary.warmup_seconds < 30
    steps = [
        json.loads(x)
        for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
        if '"warmup"' in x
    ]
    # Under load the budget can run out before the first per-epoch log line: none is fine too.
    assert all(r["epoch"] < 1000 for r in steps)


def test_warmup_file_shares_no_prompt_with_valid(
    arithmetic: dict[str, Path], tmp_path: Path
) -> None:
    leaked = write_jsonl(tmp_path / "leak.jsonl", addition_rows(2, offset=3000))  # valid rows
    with pytest.raises(DataError, match=r"leak\.jsonl:1 has the same prompt as"):
        run(_job(arithmetic, tmp_path / "run", train_file=leaked))
