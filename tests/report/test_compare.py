"""`rft report compare`: paired deltas with intervals, flipped items, and the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

# Per-sample tables are Parquet files: the `report` extra.
pytest.importorskip("pyarrow")
from typer.testing import CliRunner

from rft.cli.main import app
from rft.report.compare import compare_runs


def _item_means(run: Path, data: Path) -> np.ndarray:
    """Per item, the share of its answers in `<run>.jsonl` that are right, from the raw files."""
    answers = {json.loads(line)["id"]: json.loads(line)["answer"] for line in data.open()}
    right: dict[str, list[bool]] = {key: [] for key in answers}
    for line in run.with_suffix(".jsonl").open():
        row = json.loads(line)
        value = re.search(r"<answer>(.*)</answer>", row["output_text"])[1]
        right[row["id"]].append(value == answers[row["id"]])
    return np.array([np.mean(right[key]) for key in answers])


def test_a_better_run_shows_an_improvement_whose_interval_excludes_zero(
    make_run, arithmetic
) -> None:
    before = make_run("warmup", accuracy=0.3, seed=1)
    after = make_run("rl", accuracy=0.9, seed=2)
    comparison = compare_runs(before, after)
    a, b = _item_means(before, arithmetic["data"]), _item_means(after, arithmetic["data"])
    assert len(comparison.paired) == 40 and comparison.unpaired == (0, 0)
    assert comparison.reward.estimate == pytest.approx(float(np.mean(b - a)))
    assert comparison.reward.low > 0 and comparison.reward.excludes_zero
    assert comparison.graders["exact"].estimate == pytest.approx(float(np.mean(b - a)))
    assert set(comparison.graders) == {"exact", "tagged"}
    assert comparison.graders["tagged"].estimate == 0.0  # both runs always tag their answers
    assert not comparison.graders["tagged"].excludes_zero
    assert len(comparison.improved) == int(np.sum((a < 0.5) & (b >= 0.5)))
    assert len(comparison.regressed) == int(np.sum((a >= 0.5) & (b < 0.5)))
    flipped = comparison.improved.iloc[0]
    assert flipped["a.score"] < 0.5 <= flipped["b.score"]
    assert "<answer>" in flipped["a.output"] and "<answer>" in flipped["b.output"]


def test_identical_runs_show_no_difference(make_run) -> None:
    a = make_run("a", accuracy=0.5, seed=3)
    comparison = compare_runs(a, a)
    assert comparison.reward.estimate == 0 and not comparison.reward.excludes_zero
    assert len(comparison.improved) == len(comparison.regressed) == 0


def test_compare_cli_writes_the_comparison(make_run, arithmetic, tmp_path) -> None:
    before = make_run("before", accuracy=0.2, seed=4)
    after = make_run("after", accuracy=0.8, seed=5)
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        app, ["report", "compare", str(before), str(after), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "excludes 0" in result.output and "improved items" in result.output
    data = json.loads((out / "compare.json").read_text())
    a, b = _item_means(before, arithmetic["data"]), _item_means(after, arithmetic["data"])
    assert data["reward_delta"]["estimate"] == pytest.approx(float(np.mean(b - a)))
    assert data["reward_delta"]["low"] > 0
    assert data["improved"] == int(np.sum((a < 0.5) & (b >= 0.5)))
    assert data["regressed"] == int(np.sum((a >= 0.5) & (b < 0.5)))
    html = (out / "compare.html").read_text()
    assert "Improved items" in html and "data:image/png;base64," in html
    assert (out / "compare.md").read_text().count("![") == 2


def test_compare_needs_per_sample_tables(tmp_path, make_run) -> None:
    train_dir = tmp_path / "train-run"
    train_dir.mkdir()
    (train_dir / "metrics.jsonl").write_text('{"step": 1, "train/reward": 0.1}\n')
    result = CliRunner().invoke(app, ["report", "compare", str(train_dir), str(make_run("b", 0.5))])
    assert result.exit_code == 2 and "no per-sample table" in result.output
