"""`rft graders` commands, run as a user would (real files, the real CLI app)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rft.cli.main import app

runner = CliRunner()

BUNDLE = """# yaml-language-server: $schema=../schemas/bundle.schema.json
name: answer
type: multi
graders:
  exact: {type: string_check, input: "{{ sample.output_text | extract_tag('answer') }}", reference: "{{ item.answer }}"}
  mention: {type: string_check, reference: "{{ item.answer }}", operation: like}
calculate_output: 0.9 * exact + 0.1 * mention
tests:
  - {name: right, item: {answer: "4"}, sample: "<answer>4</answer>", expect: 1.0}
  - {name: mention only, item: {answer: "4"}, sample: "4", expect: {min: 0.05, max: 0.15}}
  - name: sub-scores
    item: {answer: "4"}
    sample: {output_text: "5"}
    expect: {score: 0, sub_scores: {exact: 0, mention: 0}}
"""


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "answer.yaml"
    path.write_text(BUNDLE)
    return path


def test_validate_ok_and_against_data(bundle: Path, tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"answer": "1"}\n{"answer": "2"}\n')
    result = runner.invoke(app, ["graders", "validate", str(bundle), "--data", str(rows)])
    assert result.exit_code == 0, result.output
    assert "valid against 2 rows" in result.output


def test_validate_reports_rows_missing_fields(bundle: Path, tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"answer": "1"}\n{"question": "2"}\n')
    result = runner.invoke(app, ["graders", "validate", str(bundle), "--data", str(rows)])
    assert result.exit_code == 2
    assert "row 2" in result.output and "item.answer" in result.output


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("type: multi\ngraders:\n  a: {type: string_check\n", "invalid YAML"),
        ("type: strng_check\nreference: x\n", "did you mean `string_check`"),
        ('type: string_check\nreference: "{{ item.x }"\n', "does not parse"),
        (
            "type: multi\ngraders:\n  a: {type: string_check, reference: x}\ncalculate_output: a +* 2\n",
            "formula",
        ),
        ("type: string_check\nreference: '[a-'\noperation: regex\n", "invalid regular expression"),
    ],
)
def test_bad_bundles_exit_2_with_one_clear_message(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["graders", "validate", str(path)])
    assert result.exit_code == 2
    assert needle in result.output and str(path) in result.output
    assert "Traceback" not in result.output


def test_bad_jsonl_line_exit_2(bundle: Path, tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"answer": "1"}\n{"answer": 2,}\n')
    result = runner.invoke(app, ["graders", "validate", str(bundle), "--data", str(rows)])
    assert result.exit_code == 2
    assert f"{rows}:2" in result.output and "not valid JSON" in result.output


def test_test_command_passes_and_fails(bundle: Path) -> None:
    result = runner.invoke(app, ["graders", "test", str(bundle)])
    assert result.exit_code == 0, result.output
    assert "3 passed, 0 failed" in result.output
    bundle.write_text(BUNDLE.replace("expect: 1.0", "expect: 0.5"))
    result = runner.invoke(app, ["graders", "test", str(bundle)])
    assert result.exit_code == 1
    assert "2 passed, 1 failed" in result.output and "expected 0.5" in result.output


def test_run_prints_means_and_writes_table(bundle: Path, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"answer": "4"}\n{"answer": "5"}\n{"answer": "6"}\n')
    samples = tmp_path / "samples.jsonl"
    samples.write_text('"<answer>4</answer>"\n{"output_text": "5"}\n{"output_text": "x"}\n')
    out = tmp_path / "scores.csv"
    result = runner.invoke(
        app,
        [
            "graders",
            "run",
            str(bundle),
            "--data",
            str(items),
            "--samples",
            str(samples),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "0.3667" in result.output  # (1 + 0.1 + 0) / 3
    assert out.read_text().count("\n") == 4


def test_run_json_matches_openai_shape(bundle: Path, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"answer": "4"}\n')
    samples = tmp_path / "samples.jsonl"
    samples.write_text(
        '{"output_text": "<answer>4</answer>", "item_index": 0}\n{"output_text": "no", "item_index": 0}\n'
    )
    result = runner.invoke(
        app,
        ["graders", "run", str(bundle), "--data", str(items), "--samples", str(samples), "--json"],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [line["reward"] for line in lines] == [1.0, 0.0]
    assert lines[0]["sub_rewards"] == {"exact": 1.0, "mention": 1.0}
    assert lines[0]["metadata"]["errors"]["sample_parse_error"] is False


def test_run_rejects_unpaired_samples(bundle: Path, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"answer": "4"}\n')
    samples = tmp_path / "samples.jsonl"
    samples.write_text('"a"\n"b"\n')
    result = runner.invoke(
        app, ["graders", "run", str(bundle), "--data", str(items), "--samples", str(samples)]
    )
    assert result.exit_code == 2 and "2 samples but 1 items" in result.output


def test_schema_command_writes_files(tmp_path: Path) -> None:
    result = runner.invoke(app, ["graders", "schema", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert json.loads((tmp_path / "bundle.schema.json").read_text())["title"] == "rft grader bundle"


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("type: nope\n")
    proc = subprocess.run(
        [sys.executable, "-m", "rft.cli.main", "graders", "validate", str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "unknown grader type `nope`" in proc.stderr and "Traceback" not in proc.stderr


def test_progress_prints_plain_lines_when_not_a_terminal() -> None:
    import io

    from rich.console import Console

    from rft.cli.common import PlainProgress, make_progress

    buffer = io.StringIO()
    out = Console(file=buffer, force_terminal=False, width=200)
    progress = make_progress(out=out)
    assert isinstance(progress, PlainProgress)
    with progress:
        task = progress.add_task("grpo", total=100, completed=0, info="")
        for step in range(1, 101):
            progress.update(task, completed=step, train=0.5)
        progress.update(task, info="best 0.9")
    lines = [line.split(" [")[0] for line in buffer.getvalue().splitlines()]
    assert lines == [
        "grpo: 0/100",
        *[f"grpo: {k}/100" for k in range(10, 101, 10)],
        "grpo: 100/100 best 0.9",
    ]
    assert "\x1b" not in buffer.getvalue()


def test_progress_is_rich_on_a_terminal() -> None:
    import io

    from rich.console import Console
    from rich.progress import Progress

    from rft.cli.common import make_progress

    out = Console(file=io.StringIO(), force_terminal=True)
    assert isinstance(make_progress(out=out), Progress)


def test_check_endpoints_names_each_panel_judge_once(repo: Path) -> None:
    # Nothing listens on the panel's three loopback ports: one problem per judge, none twice.
    result = runner.invoke(
        app,
        ["graders", "validate", str(repo / "graders" / "panel_example.yaml"), "--check-endpoints"],
    )
    assert result.exit_code == 2, result.output
    problems = [line for line in result.output.splitlines() if "cannot reach the judge" in line]
    assert [line.split("grader `")[1].split("`")[0] for line in problems] == [
        "qwen",
        "llama",
        "strict",
    ]
