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


# -- ranked lists: paired MRR and top@1 ---------------------------------------------------------
def _ranked_run(run_dir: Path, ranks: list[int], *, reverse: bool = False) -> Path:
    """Answers graded by the shipped gene_rank bundle, putting item i's gene at ranks[i]
    (0: absent); no `id` field, like the demo's held-out cases. `reverse`: the items (and
    their answers) in the opposite order, as from a shuffled copy of the data file."""
    from rft.eval import grade_answers
    from rft.eval.table import write_table
    from rft.reward import compile_bundle
    from rft.shipped import bundle_path

    items = [{"prompt": f"HP:{i:07d} ->", "gene": f"G{i}"} for i in range(len(ranks))]
    if reverse:
        items, ranks = items[::-1], ranks[::-1]
    answers = []
    for item, rank in zip(items, ranks, strict=True):
        genes = ["X1", "X2", "X3", "X4"]
        if rank:
            genes.insert(rank - 1, item["gene"])
        answers.append([json.dumps({"genes": genes})])
    reward = compile_bundle(bundle_path("gene_rank"))
    with reward:
        frame = grade_answers(reward, items, [i["prompt"] for i in items], answers)
    write_table(frame, run_dir / "eval")
    return run_dir


RANKS_A = [1 if i % 3 == 0 else 3 if i % 3 == 1 else 0 for i in range(30)]
RANKS_B = [1 if i % 3 != 2 else 2 if i % 2 else 0 for i in range(30)]


def _rr(ranks: list[int]) -> np.ndarray:
    return np.array([1 / r if r else 0.0 for r in ranks])


def test_ranked_runs_get_paired_mrr_and_top1_intervals_by_held_out_row(tmp_path) -> None:
    from rft.report.metrics import paired_bootstrap

    a = _ranked_run(tmp_path / "sft", RANKS_A)
    b = _ranked_run(tmp_path / "rft", RANKS_B)
    comparison = compare_runs(a, b, seed=7)
    assert comparison.paired_on == "item_index" and len(comparison.paired) == 30
    mrr = paired_bootstrap(_rr(RANKS_A), _rr(RANKS_B), seed=7)
    top1 = paired_bootstrap(np.array(RANKS_A) == 1, (np.array(RANKS_B) == 1).astype(float), seed=7)
    assert comparison.ranking["mrr"] == mrr
    assert comparison.ranking["top@1"] == top1
    assert comparison.ranking["mrr"].estimate == pytest.approx(
        _rr(RANKS_B).mean() - _rr(RANKS_A).mean()
    )
    data = comparison.to_dict()
    assert data["metrics"]["mrr"] == {
        "a": pytest.approx(_rr(RANKS_A).mean()),
        "b": pytest.approx(_rr(RANKS_B).mean()),
        "delta": mrr.to_dict(),
    }
    assert data["seed"] == 7 and data["a_name"] == "sft" and data["b_name"] == "rft"
    assert list(data["ranking_deltas"]) == ["mrr", "top@1", "top@5"]
    # Deterministic under the seed; another seed resamples differently.
    assert compare_runs(a, b, seed=7).to_dict() == data
    assert compare_runs(a, b, seed=8).ranking["mrr"] != mrr


def test_rows_in_another_order_pair_on_prompt_and_reference(tmp_path) -> None:
    a = _ranked_run(tmp_path / "a", RANKS_A)
    b = _ranked_run(tmp_path / "b", RANKS_B, reverse=True)
    comparison = compare_runs(a, b)
    assert comparison.paired_on == "prompt+reference" and len(comparison.paired) == 30
    assert comparison.unpaired == (0, 0)
    deltas = comparison.paired["b.mrr"] - comparison.paired["a.mrr"]
    expected = dict(
        zip([f"HP:{i:07d} ->" for i in range(30)], _rr(RANKS_B) - _rr(RANKS_A), strict=True)
    )
    assert dict(zip(comparison.paired["prompt"], deltas, strict=True)) == pytest.approx(expected)


def test_compare_cli_prints_the_ranking_deltas(tmp_path) -> None:
    a = _ranked_run(tmp_path / "sft", RANKS_A)
    b = _ranked_run(tmp_path / "rft", RANKS_B)
    out = tmp_path / "cmp"
    args = ["report", "compare", str(a), str(b), "--out", str(out), "--seed", "3"]
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    interval = compare_runs(a, b, seed=3).ranking["mrr"]
    assert "paired by item_index; 95% paired bootstrap over items, seed 3" in result.output
    row = f"│ MRR    │ {interval.estimate:+.3f} │ [{interval.low:+.3f}, {interval.high:+.3f}] │ yes"
    assert row in result.output, result.output
    data = json.loads((out / "compare.json").read_text())
    assert data["ranking_deltas"]["mrr"] == interval.to_dict()
    markdown = (out / "compare.md").read_text()
    assert (
        f"| MRR | {_rr(RANKS_A).mean():.3f} | {_rr(RANKS_B).mean():.3f} | {interval} | yes |"
        in markdown
    )
