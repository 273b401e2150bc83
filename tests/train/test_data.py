"""Data checks: every problem up front, with line numbers, before any model loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from train_helpers import GRADER, addition_rows, write_job, write_jsonl

import rft
from rft.errors import DataError
from rft.train.data import check_data


def test_good_data_passes(tmp_path: Path) -> None:
    train = write_jsonl(tmp_path / "t.jsonl", addition_rows(20))
    valid = write_jsonl(tmp_path / "v.jsonl", addition_rows(5, offset=20))
    data = check_data(train, valid, reward=rft.compile(GRADER), warmup_target="{{ item.answer }}")
    assert len(data.train.rows) == 20 and len(data.valid.rows) == 5


def test_all_problems_in_one_message(tmp_path: Path) -> None:
    rows = addition_rows(6)
    train = tmp_path / "t.jsonl"
    train.write_text(
        "\n".join(
            [
                '{"prompt": "1+1=", "answer": "2"}',
                "{not json",
                '["a list"]',
                '{"answer": "3"}',
                '{"prompt": "2+2="}',
                '{"messages": [{"role": "user"}], "answer": "1"}',
                f'{{"prompt": "{rows[0]["prompt"]}", "answer": "{rows[0]["answer"]}"}}',
            ]
        )
        + "\n"
    )
    valid = write_jsonl(tmp_path / "v.jsonl", rows[:2])
    with pytest.raises(DataError) as info:
        check_data(train, valid, reward=rft.compile(GRADER), warmup_target="{{ item.answer }}")
    text = str(info.value)
    assert f"{train}:2: not valid JSON" in text
    assert f"{train}:3: row is a JSON list" in text
    assert f"{train}:4: row has neither `messages` nor `prompt`" in text
    assert f"{train}:6: row `messages[0]` must be an object with `role` and `content`" in text
    # the grader reads item.answer, which line 5 lacks; so does the warm-up target
    assert "line 5: grader `sum_exact` reads `item.answer`, which is missing" in text
    assert f"{train}:5: warm-up target" in text
    assert f"{train}:7 has the same prompt as {valid}:1" in text


def test_empty_split(tmp_path: Path) -> None:
    train = write_jsonl(tmp_path / "t.jsonl", addition_rows(3))
    valid = tmp_path / "v.jsonl"
    valid.write_text("\n")
    with pytest.raises(DataError, match="valid split needs at least one row"):
        check_data(train, valid)


def test_chat_rows_are_accepted(tmp_path: Path) -> None:
    rows = [
        {"messages": [{"role": "user", "content": r["prompt"]}], "answer": r["answer"]}
        for r in addition_rows(4)
    ]
    train = write_jsonl(tmp_path / "t.jsonl", rows[:3])
    valid = write_jsonl(tmp_path / "v.jsonl", rows[3:])
    assert len(check_data(train, valid, reward=rft.compile(GRADER)).train.rows) == 3


def test_cli_reports_bad_data_before_loading_a_model(tmp_path: Path) -> None:
    pytest.importorskip("trl")  # a job check validates TRL settings: the `train` extra
    train = tmp_path / "t.jsonl"
    train.write_text('{"prompt": "1+1="}\n')
    valid = write_jsonl(tmp_path / "v.jsonl", addition_rows(2))
    # the model folder does not exist: reaching the model would be a different error
    job = write_job(
        tmp_path / "job.yaml",
        model=str(tmp_path / "no-model"),
        train_file=str(train),
        valid_file=str(valid),
        grader=str(GRADER),
        output_dir=str(tmp_path / "out"),
    )
    code = (
        "import sys; from rft.cli.main import app\n"
        "try:\n    app([ 'train', sys.argv[1]])\nexcept SystemExit as e:\n"
        "    print('torch loaded:', 'torch' in sys.modules); raise\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(job)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "reads `item.answer`, which is missing" in result.stderr
    assert "torch loaded: False" in result.stdout
    assert not (tmp_path / "out").exists()


def test_cli_reports_bad_job(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text(
        "model: m\ntrain_file: t\nvalid_file: v\ngrader: g\nhyperparameters: {seeed: 1}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "rft.cli.main", "train", str(job)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "job.yaml:5, field `hyperparameters.seeed`: unknown field" in result.stderr
    assert "did you mean `seed`?" in result.stderr
    assert "Traceback" not in result.stderr
