"""Bad data and sample files for `rft graders run`: one located message each, exit 2, no traceback.

Runs the real CLI in a child process. `--out` problems are found before any grading.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUNDLE = (
    "type: string_check\nname: s\ninput: '{{ sample.output_text }}'\nreference: '{{ item.a }}'\n"
)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "rft.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "b.yaml").write_text(BUNDLE)
    (tmp_path / "items.jsonl").write_text('{"a": "x"}\n{"a": "y"}\n')
    return tmp_path


def run_graders(work: Path, samples: str | bytes, *extra: str) -> subprocess.CompletedProcess[str]:
    path = work / "samples.jsonl"
    if isinstance(samples, bytes):
        path.write_bytes(samples)
    else:
        path.write_text(samples)
    return run_cli(
        "graders",
        "run",
        "b.yaml",
        "--data",
        "items.jsonl",
        "--samples",
        "samples.jsonl",
        *extra,
        cwd=work,
    )


def assert_located(proc: subprocess.CompletedProcess[str], where: str, words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert where in proc.stderr, proc.stderr
    assert words in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("42", "a JSON number, not a sample"),
        ("[1, 2]", "a JSON list, not a sample"),
        ('{"text": "y"}', "has no `output_text`"),
        ('{"output_text": 7}', "`output_text` must be a string"),
        ("null", "a JSON null, not a sample"),
        ("true", "a JSON boolean, not a sample"),
    ],
)
def test_a_sample_line_that_is_not_a_sample(work: Path, line: str, words: str) -> None:
    proc = run_graders(work, f'"x"\n{line}\n')
    assert_located(proc, "samples.jsonl:2", words)


def test_chat_message_samples_are_still_accepted(work: Path) -> None:
    proc = run_graders(work, '[{"role": "assistant", "content": "x"}]\n{"content": "y"}\n')
    assert proc.returncode == 0, proc.stderr
    assert "1.0000" in proc.stdout


def test_data_is_a_directory(work: Path) -> None:
    (work / "folder").mkdir()
    (work / "samples.jsonl").write_text('"x"\n"y"\n')
    proc = run_cli(
        "graders", "run", "b.yaml", "--data", "folder", "--samples", "samples.jsonl", cwd=work
    )
    assert_located(proc, "folder", "is a directory, not a data file")


def test_samples_is_a_directory(work: Path) -> None:
    (work / "folder").mkdir()
    proc = run_cli(
        "graders", "run", "b.yaml", "--data", "items.jsonl", "--samples", "folder", cwd=work
    )
    assert_located(proc, "folder", "is a directory, not a data file")


def test_out_is_a_directory_is_refused_before_grading(work: Path) -> None:
    (work / "outdir").mkdir()
    proc = run_graders(work, '"x"\n"y"\n', "--out", "outdir")
    assert_located(proc, "outdir", "--out is a directory")
    assert "reward" not in proc.stdout  # nothing was graded


def test_out_under_a_file_is_refused_before_grading(work: Path) -> None:
    (work / "afile").write_text("")
    proc = run_graders(work, '"x"\n"y"\n', "--out", "afile/scores.csv")
    assert_located(proc, "afile/scores.csv", "cannot be written")
    assert "reward" not in proc.stdout


def test_empty_files_are_an_error_not_nan(work: Path) -> None:
    (work / "items.jsonl").write_text("")
    proc = run_graders(work, "\n\n")
    assert_located(proc, "samples.jsonl", "no samples")
    assert "nan" not in proc.stdout


@pytest.mark.parametrize("index", ["true", "1.0", '"1"', "-1", "2"])
def test_item_index_must_be_an_in_range_integer(work: Path, index: str) -> None:
    proc = run_graders(
        work,
        f'{{"output_text": "x", "item_index": 0}}\n{{"output_text": "y", "item_index": {index}}}\n',
    )
    assert_located(proc, "samples.jsonl:2", "item_index")


def test_item_index_still_pairs(work: Path) -> None:
    proc = run_graders(
        work, '{"output_text": "y", "item_index": 1}\n{"output_text": "x", "item_index": 0}\n'
    )
    assert proc.returncode == 0, proc.stderr
    assert "1.0000" in proc.stdout


def test_escape_sequences_in_a_bad_line_are_not_echoed_raw(work: Path) -> None:
    proc = run_graders(work, b'"x"\n\x1b[2J\x1b]0;pwned\x07 not json\r\n')
    assert_located(proc, "samples.jsonl:2", "not valid JSON")
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr and "\r" not in proc.stderr
    assert "\\x1b[2J" in proc.stderr


def test_escape_sequences_in_a_bundle_error_are_not_echoed_raw(work: Path) -> None:
    (work / "b.yaml").write_text('type: string_check\nname: s\nreference: "{{ \\x1b[2J }}"\n')
    proc = run_graders(work, '"x"\n"y"\n')
    assert proc.returncode == 2
    assert "\x1b" not in proc.stderr and "\\x1b" in proc.stderr


def test_grader_names_and_test_titles_cannot_drive_the_terminal(work: Path) -> None:
    (work / "b.yaml").write_text(
        'type: multi\nname: m\ngraders:\n  "x\\e[2J[bold]": {type: string_check, reference: x}\n'
        'tests:\n  - {name: "t\\e]0;title\\a", item: {}, sample: "x", expect: 0.5}\n'
    )
    proc = run_graders(work, '"x"\n"y"\n')
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[2J" not in proc.stdout and "x\\x1b[2J[bold]" in proc.stdout
    proc = run_cli("graders", "test", "b.yaml", cwd=work)
    assert proc.returncode == 1
    assert "\x1b]" not in proc.stdout and "\x07" not in proc.stdout
    assert "t\\x1b]0;title\\x07" in proc.stdout
