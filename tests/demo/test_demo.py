"""`rft demo`: the quick flow end to end (real tiny model), and its pure helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rft.demo.pipeline import SPECS, DemoConfig, _job, labelled_subset, sft_rows
from rft.demo.table import ModelRow, invalid_share, list_length, table_rows


def test_labelled_subset_takes_k_per_group_seeded() -> None:
    rows = [{"d": g, "i": i} for g in "abc" for i in range(5)]
    first = labelled_subset(rows, "d", 2, seed=0)
    assert sorted(r["d"] for r in first) == ["a", "a", "b", "b", "c", "c"]
    assert first == labelled_subset(rows, "d", 2, seed=0)
    assert len(labelled_subset(rows, None, 4, seed=1)) == 4


def test_invalid_share_and_list_length() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "output_text": [' { "genes" : [ "A" , "B" ] }', "", "junk"],
            "score.format": [1.0, 0.0, 0.0],
        }
    )
    assert invalid_share(frame) == pytest.approx(2 / 3)
    assert list_length(frame["output_text"][0]) == 2
    assert list_length("junk") == 0


def test_table_has_ranking_columns_only_for_ranked_tasks() -> None:
    ranked = ModelRow("RFT", "x", 3.0, 0.5, 0.0, top1=0.5, top5=0.6, top_max=0.7, mrr=0.55)
    columns, cells = table_rows([ranked])
    assert columns[3:7] == ["top@1", "top@5", "top@max", "MRR"]
    assert cells[0][3] == "0.500"
    columns, _ = table_rows([ModelRow("RFT", "x", 3.0, 0.5, 0.0)], supervision=False)
    assert "accuracy" in columns and "top@1" not in columns


def test_rare_disease_sft_target_is_the_candidate_list_after_a_space() -> None:
    row = {"completion": '{ "genes" : [ "A" , "B" ] }', "gold_completion": '{ "genes" : [ "A" ] }'}
    assert sft_rows("rare-disease", [row])[0]["sft_target"] == ' { "genes" : [ "A" , "B" ] }'
    assert sft_rows("arithmetic", [row]) == [row]


def test_rl_job_carries_the_recipe(tmp_path: Path) -> None:
    from rft.train.trainers import rl_steps

    recipe = SPECS["rare-disease"].recipe
    job = _job(
        DemoConfig(),
        recipe,
        model=tmp_path,
        data_dir=tmp_path,
        out=tmp_path / "out",
        warmup=None,
        steps=recipe.rl_steps,
    )
    # Every recipe step runs even with fewer prompts than steps x batch (the prompts cycle).
    assert rl_steps(job, 50) == recipe.rl_steps
    hp = job.hyperparameters
    assert (hp.beta, hp.learning_rate_multiplier) == (recipe.beta, recipe.rl_lr) and hp.beta > 0
    assert job.method == "grpo" and job.grader.name == "gene_rank.yaml"


def test_quick_recipes_are_smaller() -> None:
    for spec in SPECS.values():
        assert spec.quick.rl_steps < spec.recipe.rl_steps


@pytest.mark.slow
def test_quick_demo_prints_the_table_and_writes_the_report(tmp_path: Path) -> None:
    pytest.importorskip("trl")  # trains: the `train` extra
    from typer.testing import CliRunner

    from rft.cli.main import app

    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--quick", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("baseline", "warm-up", "SFT-longer", "RFT", "top@1", "MRR", "invalid"):
        assert name in result.output
    for path in ("demo.html", "demo.md", "demo.json", "rft/report.html", "warmup/report.html"):
        assert (out / path).is_file(), path
    summary = json.loads((out / "demo.json").read_text())
    assert [r["name"] for r in summary["rows"]] == ["baseline", "warm-up", "SFT-longer", "RFT"]
    assert all(0.0 <= r["invalid"] <= 1.0 for r in summary["rows"])
    # Even the quick warm-up (1 labelled case per disease) answers with lists; a broken
    # prompt/target join at the tokenizer leaves it with no parseable list at all.
    warm = next(r for r in summary["rows"] if r["name"] == "warm-up")
    assert warm["invalid"] < 1.0 and warm["mean_items"] > 1.5


@pytest.mark.slow
def test_quick_demo_runs_the_arithmetic_task(tmp_path: Path) -> None:
    pytest.importorskip("trl")  # trains: the `train` extra
    from typer.testing import CliRunner

    from rft.cli.main import app

    out = tmp_path / "arith"
    result = CliRunner().invoke(app, ["demo", "--quick", "--task", "arithmetic", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "RFT" in result.output
    assert (out / "demo.html").is_file()


def test_unknown_task_is_one_clean_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from rft.cli.main import app

    result = CliRunner().invoke(app, ["demo", "--task", "chess", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown task" in result.output
