"""The job file: defaults, errors with lines, and the JSON Schema kept in sync."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rft.errors import ConfigError
from rft.schema import render
from rft.train.config import JobConfig, base_learning_rate, job_json_schema, load_job

REPO = Path(__file__).resolve().parents[2]


def test_minimal_job_gets_cpu_friendly_defaults(tmp_path: Path) -> None:
    job_file = tmp_path / "job.yaml"
    job_file.write_text("model: m\ntrain_file: t.jsonl\nvalid_file: v.jsonl\ngrader: g.yaml\n")
    job = load_job(job_file)
    assert job.method == "grpo"
    assert job.hyperparameters.batch_size == 8
    assert job.hyperparameters.num_generations == 8
    assert job.warmup.n_epochs == 0
    # relative paths are resolved against the job file's folder
    assert job.train_file == (tmp_path / "t.jsonl").resolve()
    assert job.model == str((tmp_path / "m").resolve())


def test_hub_ids_are_left_alone(tmp_path: Path) -> None:
    job_file = tmp_path / "job.yaml"
    job_file.write_text(
        "model: Qwen/Qwen2.5-0.5B-Instruct\ntrain_file: t\nvalid_file: v\ngrader: g\n"
    )
    assert load_job(job_file).model == "Qwen/Qwen2.5-0.5B-Instruct"


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    job_file = tmp_path / "job.yaml"
    job_file.write_text(
        "model: m\ntrain_file: t\nvalid_file: v\ngrader: g\nmethod: dpo\n"
        "hyperparameters:\n  batch_sise: 4\n  learning_rate_multiplier: -1\n"
    )
    with pytest.raises(ConfigError) as info:
        load_job(job_file)
    text = str(info.value)
    assert "3 problems" in text
    assert f"{job_file}:5, field `method`" in text
    assert "did you mean `batch_size`?" in text
    assert f"{job_file}:8, field `hyperparameters.learning_rate_multiplier`" in text


def test_missing_required_field(tmp_path: Path) -> None:
    job_file = tmp_path / "job.yaml"
    job_file.write_text("model: m\ntrain_file: t\nvalid_file: v\n")
    with pytest.raises(ConfigError, match="missing required field `grader`"):
        load_job(job_file)


def test_not_yaml(tmp_path: Path) -> None:
    job_file = tmp_path / "job.yaml"
    job_file.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match=r"job.yaml:2: invalid YAML"):
        load_job(job_file)


def test_base_learning_rate_scales_with_model_size() -> None:
    assert base_learning_rate(150_000) == pytest.approx(3e-4)
    assert base_learning_rate(1_500_000_000) == pytest.approx(1e-6)
    assert 1e-6 < base_learning_rate(500_000_000) < 3e-6
    assert base_learning_rate(150_000, warmup=True) == pytest.approx(3e-3)


def test_schema_file_is_in_sync() -> None:
    path = REPO / "schemas" / "train_job.schema.json"
    assert path.read_text() == render(job_json_schema()), "regenerate schemas/train_job.schema.json"


def test_example_job_is_valid() -> None:
    job = load_job(REPO / "examples" / "arithmetic" / "job.yaml")
    assert isinstance(job, JobConfig)
    assert job.warmup.n_epochs > 0


def test_max_steps_overrides_epochs() -> None:
    from rft.train.trainers import rl_steps

    def job(**hp: object) -> JobConfig:
        return JobConfig(model="m", train_file="t", valid_file="v", grader="g", hyperparameters=hp)

    # 100 prompts, 8 a step: one epoch is 13 steps; max_steps is the length whatever n_epochs says.
    assert rl_steps(job(), 100) == 13
    assert rl_steps(job(n_epochs=2.5), 100) == 32
    assert rl_steps(job(max_steps=500), 100) == 500
    assert rl_steps(job(n_epochs=100, max_steps=7, eval_interval=7), 100) == 7
    assert rl_steps(job(max_steps=0), 100) == 0


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from rft.cli.main import app\n"
        "try:\n    app(sys.argv[1:])\nexcept SystemExit as e:\n"
        "    print('torch loaded:', 'torch' in sys.modules); raise\n"
    )
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)


def _job_file(tmp_path: Path, extra: str) -> Path:
    from train_helpers import GRADER, addition_rows, write_jsonl

    write_jsonl(tmp_path / "t.jsonl", addition_rows(8))
    write_jsonl(tmp_path / "v.jsonl", addition_rows(2, offset=8))
    job = tmp_path / "job.yaml"
    job.write_text(
        f"model: m\ntrain_file: t.jsonl\nvalid_file: v.jsonl\ngrader: {GRADER}\n" + extra
    )
    return job


def test_unknown_trainer_field_is_located_with_did_you_mean(tmp_path: Path) -> None:
    pytest.importorskip("trl", reason="needs the `train` extra")
    job = _job_file(tmp_path, "method: grpo\ntrainer:\n  bf16: false\n  los_type: dr_grpo\n")
    result = _cli("train", str(job), "--check")
    assert result.returncode == 2, result.stderr
    assert f"{job}:8, field `trainer.los_type`: `los_type` is not a field of GRPOConfig" in (
        result.stderr
    )
    assert "(did you mean `loss_type`?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_peft_field_is_located(tmp_path: Path) -> None:
    pytest.importorskip("peft", reason="needs the `train` extra")
    job = _job_file(tmp_path, "peft:\n  r: 4\n  lora_alpah: 8\n")
    result = _cli("train", str(job), "--check")
    assert result.returncode == 2, result.stderr
    assert f"{job}:7, field `peft.lora_alpah`: `lora_alpah` is not a field of peft.LoraConfig" in (
        result.stderr
    )
    assert "(did you mean `lora_alpha`?)" in result.stderr


def test_known_trainer_fields_pass_and_rft_owned_ones_are_named(tmp_path: Path) -> None:
    pytest.importorskip("trl", reason="needs the `train` extra")
    job = _job_file(tmp_path, "trainer:\n  loss_type: dr_grpo\n  beta: 0.3\n")
    result = _cli("train", str(job), "--check")
    assert result.returncode == 0, result.stderr
    assert "trainer.beta is ignored: rft sets it from hyperparameters.beta" in result.stdout


def test_merge_order_defaults_then_trainer_then_rft() -> None:
    from rft.train.trl_config import merge_args

    merged, overridden = merge_args(
        {"bf16": False, "top_k": 0},
        {"bf16": True, "beta": 0.3, "seed": 0},
        {"beta": 0.0, "seed": 0},
    )
    assert merged == {"bf16": True, "top_k": 0, "beta": 0.0, "seed": 0}
    assert overridden == ["beta"]


def test_ppo_on_a_trl_without_ppo_stops_before_loading_anything(tmp_path: Path) -> None:
    from rft.train.trl_config import ppo_available, trl_version

    if trl_version() is None or ppo_available():
        pytest.skip("needs a TRL of 1.13 or later (no PPO)")
    job = _job_file(tmp_path, "method: ppo\n")
    result = _cli("train", str(job))
    assert result.returncode == 2
    assert f"{job}:5, field `method`: method ppo needs TRL 1.12.x" in result.stderr
    assert 'pip install "rft[ppo]"' in result.stderr
    assert "torch loaded: False" in result.stdout
