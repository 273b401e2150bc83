"""The real-model example job, dry-run on CPU with a tiny local model in place of the hub id."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from train_helpers import REPO

from rft.train.config import load_job

EXAMPLE = REPO / "examples" / "real_model"


def _build_data(out: Path) -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("real_model_data", EXAMPLE / "build_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(out, n_train=40, n_valid=8)


def test_example_names_an_instruct_model_and_a_gpu_sized_rate() -> None:
    job = load_job(EXAMPLE / "job.yaml")
    assert job.model == "Qwen/Qwen2.5-0.5B-Instruct"  # left as a hub id, not made a path
    assert job.grader == (REPO / "graders" / "numeric_answer.yaml").resolve()
    assert job.hyperparameters.max_completion_tokens >= 128


@pytest.mark.slow
def test_example_job_checks_and_trains_with_a_tiny_model(tmp_path: Path) -> None:
    pytest.importorskip("trl", reason="needs the `train` extra")
    from rft.train.run import run
    from rft.train.tiny_model import build_tiny_model, corpus_from_jsonl

    files = _build_data(tmp_path / "data")
    build_tiny_model(corpus_from_jsonl(files.values()), tmp_path / "tiny", level="word")
    fields = yaml.safe_load((EXAMPLE / "job.yaml").read_text())
    fields.update(
        model=str(tmp_path / "tiny"),
        train_file=files["train"],
        valid_file=files["valid"],
        grader=str(REPO / "graders" / "numeric_answer.yaml"),
        output_dir=str(tmp_path / "run"),
    )
    # The example's settings, shrunk to two tiny steps.
    fields["hyperparameters"].update(
        max_steps=2, eval_interval=2, batch_size=2, num_generations=2, max_completion_tokens=8
    )
    job = tmp_path / "job.yaml"
    job.write_text(yaml.safe_dump(fields, sort_keys=False))
    check = subprocess.run(
        [sys.executable, "-m", "rft.cli.main", "train", str(job), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert "ok: 40 train rows, 8 valid rows, grader `numeric_answer`" in check.stdout
    summary = run(job)
    assert summary.steps == 2 and summary.final_dir is not None
    assert (summary.final_dir / "config.json").is_file()
