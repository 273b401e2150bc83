"""The OpenAI migration path: an OpenAI fine-tuning job body -> rft job + grader bundle.

Real files throughout: the JSON body, OpenAI-format JSONL rows (`messages` + item fields), the
grader JSON loaded by rft's loader, the written YAML loaded by rft's job loader, and (slow) a
tiny model trained for a few steps through `rft migrate` + `rft train`.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import rft
from rft.errors import BundleError, BundleErrors, ConfigError
from rft.train.config import Hyperparameters, load_job
from rft.train.openai_job import (
    is_openai_job,
    openai_train_job,
    read_openai_job,
    write_migration,
)
from rft.train.run import prepare

GRADER: dict[str, Any] = {
    "type": "multi",
    "name": "sum_grader",
    "graders": {
        "exact": {
            "type": "string_check",
            "name": "exact",
            "input": "{{ sample.output_text }}",
            "reference": "{{ item.answer }}",
            "operation": "eq",
        },
        "close": {
            "type": "text_similarity",
            "name": "close",
            "input": "{{ sample.output_text }}",
            "reference": "{{ item.answer }}",
            "evaluation_metric": "fuzzy_match",
        },
    },
    "calculate_output": "0.8 * exact + 0.2 * close",
}


def sum_rows(start: int, n: int) -> list[dict[str, Any]]:
    """OpenAI RFT rows as they are: a chat in `messages`, the grader's field beside it."""
    pairs = [(a, b) for a in range(10, 40) for b in range(10, 40)][start : start + n]
    return [
        {
            "messages": [
                {"role": "developer", "content": "Add."},
                {"role": "user", "content": f"{a}+{b}="},
            ],
            "answer": str(a + b),
        }
        for a, b in pairs
    ]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def body(**hyperparameters: Any) -> dict[str, Any]:
    return {
        "model": "o4-mini-2025-04-16",
        "training_file": "data/train.jsonl",
        "validation_file": "data/valid.jsonl",
        "suffix": "sums",
        "seed": 7,
        "method": {
            "type": "reinforcement",
            "reinforcement": {
                "grader": copy.deepcopy(GRADER),
                "hyperparameters": hyperparameters,
            },
        },
    }


@pytest.fixture
def job_dir(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    write_jsonl(tmp_path / "data" / "train.jsonl", sum_rows(0, 40))
    write_jsonl(tmp_path / "data" / "valid.jsonl", sum_rows(40, 10))
    return tmp_path


def write_body(folder: Path, data: Any, name: str = "openai_job.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


# -- the mapping table, one hyperparameter at a time ----------------------------------------

DEFAULTS = Hyperparameters()


@pytest.mark.parametrize(
    ("openai", "rft_field", "expected"),
    [
        ({"n_epochs": 3}, "n_epochs", 3.0),
        ({"n_epochs": "auto"}, "n_epochs", DEFAULTS.n_epochs),
        ({"batch_size": 16}, "batch_size", 16),
        ({"batch_size": "auto"}, "batch_size", DEFAULTS.batch_size),
        ({"learning_rate_multiplier": 0.5}, "learning_rate_multiplier", 0.5),
        ({"learning_rate_multiplier": "auto"}, "learning_rate_multiplier", 1.0),
        ({"eval_interval": 25}, "eval_interval", 25),
        ({"eval_interval": "auto"}, "eval_interval", DEFAULTS.eval_interval),
        ({"eval_samples": 5}, "eval_samples", 5),
        ({"eval_samples": "auto"}, "eval_samples", DEFAULTS.eval_samples),
        ({"compute_multiplier": 2}, "num_generations", 16),
        ({"compute_multiplier": 0.5}, "num_generations", 4),
        ({"compute_multiplier": 0.01}, "num_generations", 2),  # a group needs two
        ({"compute_multiplier": "auto"}, "num_generations", DEFAULTS.num_generations),
        ({"reasoning_effort": "high"}, "max_completion_tokens", DEFAULTS.max_completion_tokens),
    ],
)
def test_each_hyperparameter_maps_to_its_rft_field(
    job_dir: Path, openai: dict[str, Any], rft_field: str, expected: Any
) -> None:
    mapped = read_openai_job(write_body(job_dir, body(**openai)))
    assert getattr(mapped.job.hyperparameters, rft_field) == expected


def test_the_whole_body_maps(job_dir: Path) -> None:
    data = body(n_epochs=2, batch_size=4, compute_multiplier=0.5, reasoning_effort="low")
    data["metadata"] = {"team": "genomics"}
    path = write_body(job_dir, data)
    mapped = read_openai_job(path)
    job = mapped.job
    assert job.model == "o4-mini-2025-04-16"
    assert mapped.hosted_model is True
    assert job.train_file == job_dir / "data" / "train.jsonl"
    assert job.valid_file == job_dir / "data" / "valid.jsonl"
    assert job.method == "grpo"
    assert job.hyperparameters.seed == 7
    assert job.output_dir == job_dir / "runs" / "sums"
    assert job.grader == job_dir / "runs" / "sums" / "grader.json"
    assert mapped.grader == GRADER
    assert [n.openai_field for n in mapped.notes if n.ignored] == [
        "method.reinforcement.hyperparameters.reasoning_effort",
        "metadata",
    ]
    assert mapped.warnings()[0].startswith(
        "method.reinforcement.hyperparameters.reasoning_effort ignored: 'low' is a setting"
    )


def test_legacy_top_level_hyperparameters_map_and_the_methods_win(job_dir: Path) -> None:
    data = body(batch_size=4)
    data["hyperparameters"] = {"batch_size": 2, "n_epochs": 5}
    mapped = read_openai_job(write_body(job_dir, data))
    assert mapped.job.hyperparameters.batch_size == 4
    assert mapped.job.hyperparameters.n_epochs == 5.0
    assert "hyperparameters.batch_size ignored: overridden by method.reinforcement" in (
        "\n".join(mapped.warnings())
    )


def test_model_override_and_unsafe_suffix(job_dir: Path) -> None:
    data = body()
    data["suffix"] = "../../evil name"
    mapped = read_openai_job(write_body(job_dir, data), model="Qwen/Qwen2.5-0.5B-Instruct")
    assert mapped.job.model == "Qwen/Qwen2.5-0.5B-Instruct"
    assert mapped.hosted_model is False
    assert mapped.job.output_dir == job_dir / "runs" / "evil-name"


def test_detection(job_dir: Path) -> None:
    assert is_openai_job(write_body(job_dir, body())) is True
    # An rft job written as JSON has neither `method` nor `training_file`.
    assert not is_openai_job(write_body(job_dir, {"model": "m", "grader": "g.yaml"}, "rft.json"))
    (job_dir / "bad.json").write_text("{", encoding="utf-8")
    assert is_openai_job(job_dir / "bad.json") is True  # its syntax error is then reported
    (job_dir / "job.yaml").write_text("method: grpo\n", encoding="utf-8")
    assert is_openai_job(job_dir / "job.yaml") is False


def test_openai_rows_pass_rfts_data_checks(job_dir: Path) -> None:
    pytest.importorskip("trl")  # a job check validates TRL settings: the `train` extra
    job = openai_train_job(write_body(job_dir, body()), model="some/model")
    prepared = prepare(job)
    assert len(prepared.data.train.rows) == 40
    assert prepared.data.train.rows[0]["answer"] == "20"
    assert json.loads(job.grader.read_text()) == GRADER


def test_training_a_hosted_model_is_refused(job_dir: Path) -> None:
    with pytest.raises(ConfigError) as info:
        openai_train_job(write_body(job_dir, body()))
    assert str(info.value) == (
        f"{job_dir / 'openai_job.json'}, field `model`: `model` 'o4-mini-2025-04-16' is an "
        "OpenAI-hosted model: its weights cannot be trained locally\n"
        "  fix: pass --model with a local model folder or a Hugging Face id "
        "(e.g. --model Qwen/Qwen2.5-0.5B-Instruct)"
    )


# -- errors name the file, line and field ----------------------------------------------------


def test_an_invalid_grader_is_located_in_the_json(job_dir: Path) -> None:
    data = body()
    data["method"]["reinforcement"]["grader"]["graders"]["exact"]["operation"] = "equals"
    path = write_body(job_dir, data)
    with pytest.raises((BundleError, BundleErrors)) as info:
        read_openai_job(path)
    text = str(info.value)
    line = next(i for i, x in enumerate(path.read_text().splitlines(), 1) if '"operation"' in x)
    assert text.startswith(
        f"{path}:{line}, field `method.reinforcement.grader.graders.exact.operation`:"
    ), text


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [
        ("n_epochs", 0, "a number > 0"),
        ("learning_rate_multiplier", -1.0, "a number > 0"),
        ("compute_multiplier", "2", "a number > 0"),
        ("batch_size", 2.5, "a whole number >= 1"),
        ("eval_interval", True, "a whole number >= 1"),
        ("eval_samples", 0, "a whole number >= 1"),
    ],
)
def test_bad_hyperparameter_values(job_dir: Path, key: str, value: Any, kind: str) -> None:
    path = write_body(job_dir, body(**{key: value}))
    line = next(i for i, x in enumerate(path.read_text().splitlines(), 1) if f'"{key}"' in x)
    with pytest.raises(ConfigError) as info:
        read_openai_job(path)
    assert str(info.value) == (
        f"{path}:{line}, field `method.reinforcement.hyperparameters.{key}`: "
        f'`method.reinforcement.hyperparameters.{key}` must be {kind} or "auto", '
        f'got {value!r}\n  fix: e.g. "{key}": "auto"'
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("training_file"), "missing `training_file`"),
        (
            lambda d: d.update(validation_file="nope.jsonl"),
            "`validation_file` nope.jsonl does not exist",
        ),
        (lambda d: d.update(training_file="file-abc123"), "is an OpenAI file id (file-abc123)"),
        (lambda d: d["method"].update(type="supervised"), "method type `supervised` is not"),
        (
            lambda d: d["method"].update(type="reinforce"),
            "unknown method type 'reinforce' (did you mean `reinforcement`?)",
        ),
        (lambda d: d.update(n_epochs=3), "unknown field `n_epochs`"),
        (
            lambda d: d["method"]["reinforcement"]["hyperparameters"].update(batch_size=0),
            "must be a whole number >= 1",
        ),
        (
            lambda d: d["method"]["reinforcement"]["hyperparameters"].update(n_epoch=2),
            "(did you mean `n_epochs`?)",
        ),
        (
            lambda d: d["method"]["reinforcement"]["hyperparameters"].update(
                reasoning_effort="max"
            ),
            "must be one of default, low, medium, high",
        ),
    ],
)
def test_bad_bodies(job_dir: Path, edit: Any, message: str) -> None:
    data = body()
    edit(data)
    with pytest.raises(ConfigError) as info:
        read_openai_job(write_body(job_dir, data))
    assert message in str(info.value)
    assert str(info.value).startswith(str(job_dir / "openai_job.json"))
    assert "\n  fix: " in str(info.value)


# -- rft migrate: the written YAML loads and grades like the original -----------------------


def test_migration_round_trip(job_dir: Path) -> None:
    path = write_body(job_dir, body(n_epochs=2, batch_size=4, compute_multiplier=0.5))
    mapped = read_openai_job(path, model="some/model")
    job_path, bundle_path = write_migration(mapped, job_dir / "out")
    loaded = load_job(job_path)
    assert loaded.grader == bundle_path
    assert loaded.output_dir == job_dir / "out" / "runs" / "sums"
    same = ("model", "train_file", "valid_file", "method", "hyperparameters", "warmup")
    assert {k: getattr(loaded, k) for k in same} == {k: getattr(mapped.job, k) for k in same}
    assert job_path.read_text().startswith("# yaml-language-server")
    assert "#   method.reinforcement.hyperparameters.compute_multiplier -> hyperparameters" in (
        job_path.read_text()
    )
    original, written = rft.compile(GRADER), rft.compile(bundle_path)
    samples = ["20", "21", "2O", "", "twenty"]
    items = [{"answer": "20"}] * len(samples)
    expected = original.score(samples, items).rewards()
    assert written.score(samples, items).rewards() == expected
    assert expected[0] == 1.0 and expected[3] == 0.0


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(
        [sys.executable, "-m", "rft.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_cli_migrate_writes_loadable_files(job_dir: Path) -> None:
    path = write_body(job_dir, body(reasoning_effort="high"))
    done = run_cli("migrate", str(path), "out", cwd=job_dir)
    assert done.returncode == 0, done.stderr
    assert "warning: method.reinforcement.hyperparameters.reasoning_effort ignored" in done.stderr
    assert "is OpenAI-hosted: edit `model:`" in done.stderr
    written = yaml.safe_load((job_dir / "out" / "job.yaml").read_text())
    assert written["model"] == "o4-mini-2025-04-16"
    assert load_job(job_dir / "out" / "job.yaml").grader == job_dir / "out" / "grader.yaml"
    again = run_cli("migrate", str(path), "out", cwd=job_dir)
    assert again.returncode == 2
    assert "job.yaml already exists" in again.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"model": "m",\n "training_file": "x.jsonl",,\n}',
            "not valid JSON: Expecting property name enclosed in double quotes (line 2, column 29)",
        ),
        (
            '{"model": "m", "training_file": "missing.jsonl", "method": {"type": "dpo"}}',
            "method type `dpo` is not reinforcement",
        ),
        (
            '{"model": "m", "validation_file": "data/valid.jsonl", "method": {"type": "reinforcement", "reinforcement": {"grader": {"type": "string_check", "input": "x", "reference": "y", "operation": "eq"}}}}',
            "missing `training_file`",
        ),
        (
            '{"model": "m", "training_file": "data/train.jsonl", "validation_file": "data/valid.jsonl", "method": {"type": "reinforcement", "reinforcement": {"grader": {"type": "strng_check"}}}}',
            "field `method.reinforcement.grader",
        ),
    ],
)
def test_cli_errors_exit_2_without_a_traceback(job_dir: Path, text: str, message: str) -> None:
    (job_dir / "job.json").write_text(text, encoding="utf-8")
    done = run_cli("migrate", "job.json", "out", cwd=job_dir)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "job.json" in done.stderr
    assert "Traceback" not in done.stderr


# -- slow: a tiny model trained from an OpenAI job ------------------------------------------


def test_rft_train_takes_the_json(job_dir: Path) -> None:
    pytest.importorskip("trl")  # a job check validates TRL settings: the `train` extra
    path = write_body(job_dir, body())
    refused = run_cli("train", str(path), "--check", cwd=job_dir)
    assert refused.returncode == 2
    assert "is an OpenAI-hosted model: its weights cannot be trained locally" in refused.stderr
    checked = run_cli("train", str(path), "--model", "some/model", "--check", cwd=job_dir)
    assert checked.returncode == 0, checked.stderr
    assert "ok: 40 train rows, 10 valid rows, grader `sum_grader`, method grpo" in checked.stdout


# -- slow: a tiny model trained from an OpenAI job ------------------------------------------


@pytest.mark.slow
def test_an_openai_job_trains_the_tiny_model(job_dir: Path) -> None:
    """`rft migrate` + the written YAML checked, then ONE short run of the JSON itself."""
    pytest.importorskip("trl")  # training: the `train` extra
    from rft.train.tiny_model import build_tiny_model, corpus_from_jsonl

    data = job_dir / "data"
    write_jsonl(data / "train.jsonl", sum_rows(0, 12))  # 12 rows / 4 per step = 3 RL steps
    tiny = job_dir / "tiny"
    build_tiny_model(corpus_from_jsonl([data / "train.jsonl", data / "valid.jsonl"]), tiny)
    hp = {
        "n_epochs": 1,
        "batch_size": 4,
        "eval_interval": 2,
        "eval_samples": 4,
        "compute_multiplier": 0.25,  # 2 completions per prompt
        "reasoning_effort": "low",
    }
    path = write_body(job_dir, body(**hp))

    done = run_cli("migrate", str(path), "out", "--model", str(tiny), cwd=job_dir)
    assert done.returncode == 0, done.stderr
    checked = run_cli("train", str(job_dir / "out" / "job.yaml"), "--check", cwd=job_dir)
    assert checked.returncode == 0, checked.stderr
    migrated = load_job(job_dir / "out" / "job.yaml")
    direct = read_openai_job(path, model=str(tiny)).job
    same = ("model", "train_file", "valid_file", "method", "hyperparameters", "warmup")
    assert {k: getattr(migrated, k) for k in same} == {k: getattr(direct, k) for k in same}

    trained = run_cli("train", str(path), "--model", str(tiny), cwd=job_dir)
    assert trained.returncode == 0, trained.stdout + trained.stderr
    run_dir = job_dir / "runs" / "sums"
    records = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["type"] == "eval"] == [0, 2, 3]
    assert [r["step"] for r in records if r["type"] == "train"] == [1, 2, 3]
    assert json.loads((run_dir / "grader.json").read_text()) == GRADER
    assert json.loads((run_dir / "job.json").read_text())["hyperparameters"]["num_generations"] == 2
    assert (run_dir / "final" / "config.json").is_file()


def test_train_job_of_routes_only_openai_bodies(job_dir: Path) -> None:
    from rft.cli.migrate import train_job_of

    yaml_job = job_dir / "job.yaml"
    yaml_job.write_text("model: m\n", encoding="utf-8")
    assert train_job_of(yaml_job, None) == yaml_job
    with pytest.raises(ConfigError, match="--model is for OpenAI job JSON files"):
        train_job_of(yaml_job, "other/model")
    job = train_job_of(write_body(job_dir, body()), "some/model")
    assert job.model == "some/model"
    assert job.grader.is_file()


def test_a_python_graders_source_is_written_as_a_block(job_dir: Path) -> None:
    source = "def grade(sample, item):\n    return float(sample['output_text'] == item['answer'])\n"
    data = body()
    data["method"]["reinforcement"]["grader"] = {"type": "python", "name": "py", "source": source}
    mapped = read_openai_job(write_body(job_dir, data))
    _, bundle_path = write_migration(mapped, job_dir / "out")
    assert "source: |\n  def grade(sample, item):\n" in bundle_path.read_text()
    assert yaml.safe_load(bundle_path.read_text()) == data["method"]["reinforcement"]["grader"]
