"""`rft demo`: the quick flow end to end (real tiny model), and its pure helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rft.demo.pipeline import (
    PROTOCOLS,
    SPECS,
    DemoConfig,
    _job,
    control_warmup,
    labelled_subset,
    sft_rows,
)
from rft.demo.table import ModelRow, invalid_share, list_length, table_rows


def test_labelled_subset_takes_k_per_group_seeded() -> None:
    rows = [{"d": g, "i": i} for g in "abc" for i in range(5)]
    first = labelled_subset(rows, "d", 2, seed=0)
    assert sorted(r["d"] for r in first) == ["a", "a", "b", "b", "c", "c"]
    assert first == labelled_subset(rows, "d", 2, seed=0)
    assert len(labelled_subset(rows, None, 4, seed=1)) == 4
    # Label for label: every row, in order.
    assert labelled_subset(rows, "d", None, seed=0) == rows


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

    recipe = SPECS["rare-disease"].recipes["scarce"]
    job = _job(
        DemoConfig(protocol="scarce"),
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
        for protocol in PROTOCOLS:
            assert spec.quick[protocol].rl_steps < spec.recipes[protocol].rl_steps


def test_label_for_label_recipes_sft_on_every_row_and_log_evals() -> None:
    for spec in SPECS.values():
        assert spec.recipes["label-for-label"].labelled_per_group is None
        assert spec.recipes["scarce"].labelled_per_group is not None
        for recipes in (spec.recipes, spec.quick):
            assert all(r.eval_interval for r in recipes.values())
    assert DemoConfig().protocol == "label-for-label"


def test_control_gets_the_clock_and_decays_over_it_when_asked(tmp_path: Path) -> None:
    from dataclasses import replace

    recipe = replace(SPECS["rare-disease"].recipes["label-for-label"], control_decay=False)
    flat = control_warmup(recipe, tmp_path, "{{ x }}", clock=120.0, pace=30.0)
    assert (flat["max_seconds"], flat["n_epochs"]) == (120.0, 100_000.0)
    assert flat["learning_rate_multiplier"] == recipe.warmup_lr
    decay = replace(recipe, control_decay=True, control_lr=0.1)
    # 120 s at 30 s an epoch: 4 epochs, so the linear schedule reaches 0 with the clock.
    shaped = control_warmup(decay, tmp_path, "{{ x }}", clock=120.0, pace=30.0)
    assert (shaped["n_epochs"], shaped["learning_rate_multiplier"]) == (4.0, 0.1)


@pytest.mark.slow
def test_quick_demo_prints_the_table_and_writes_the_report(tmp_path: Path) -> None:
    pytest.importorskip("trl")  # trains: the `train` extra
    from typer.testing import CliRunner

    from rft.cli.main import app

    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--quick", "--protocol", "scarce", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("baseline", "warm-up", "SFT-longer", "RFT", "top@1", "MRR", "invalid"):
        assert name in result.output
    for path in ("demo.html", "demo.md", "demo.json", "rft/report.html", "warmup/report.html"):
        assert (out / path).is_file(), path
    summary = json.loads((out / "demo.json").read_text())
    assert (summary["protocol"], summary["seed"], summary["task"]) == ("scarce", 0, "rare-disease")
    assert [r["name"] for r in summary["rows"]] == ["baseline", "warm-up", "SFT-longer", "RFT"]
    assert [r["run"] for r in summary["rows"]] == ["baseline", "warmup", "sft_longer", "rft"]
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
    summary = json.loads((out / "demo.json").read_text())
    assert summary["protocol"] == "label-for-label"
    assert [r["name"] for r in summary["rows"]] == ["warm-up", "SFT continued", "RFT"]
    # Every training row is a labelled row (3000 sums), and no rank metric exists here.
    assert summary["rows"][0]["labels"] == "3000 labelled"
    assert summary["rows"][0]["mrr"] is None
    assert set(summary["comparison"]["metrics"]) == {"reward"}


def test_unknown_task_is_one_clean_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from rft.cli.main import app

    result = CliRunner().invoke(app, ["demo", "--task", "chess", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown task" in result.output


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.slow
def test_quick_label_for_label_demo_writes_both_arms_on_one_clock(tmp_path: Path) -> None:
    pytest.importorskip("trl")  # trains: the `train` extra
    from typer.testing import CliRunner

    from rft.cli.main import app

    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--quick", "--out", str(out)])  # the default
    assert result.exit_code == 0, result.output
    for name in ("SFT continued", "RFT", "label-for-label", "paired bootstrap"):
        assert name in result.output
    summary = json.loads((out / "demo.json").read_text())
    assert (summary["protocol"], summary["seed"], summary["task"]) == (
        "label-for-label",
        0,
        "rare-disease",
    )
    rows = {r["name"]: r for r in summary["rows"]}
    assert list(rows) == ["baseline", "warm-up", "SFT continued", "RFT"]
    assert [r["run"] for r in rows.values()] == ["baseline", "warmup", "sft_continued", "rft"]
    for row in rows.values():
        assert (out / row["report"]).is_file() and row["report"] == f"{row['run']}/report.html"
        assert (out / row["run"] / "eval" / "metrics.json").is_file()
        assert {"top1", "top5", "top_max", "mrr", "invalid", "seconds", "labels"} <= set(row)
    # Label for label: the warm-up and the control saw every training row, as RFT's reward did.
    assert rows["warm-up"]["labels"] == rows["SFT continued"]["labels"] == "3200 labelled"
    # Both arms: eval records on one clock (elapsed training seconds), the control's budget
    # being the RL phase's own seconds of training.
    rl = _records(out / "rft" / "metrics.jsonl")
    control = _records(out / "sft_continued" / "metrics.jsonl")
    rl_evals = [r for r in rl if r["type"] == "eval"]
    assert [r["step"] for r in rl_evals] == [0, 3, 6] and rl_evals[0]["elapsed"] == 0.0
    clock = [r for r in rl if r["type"] == "train"][-1]["elapsed"]
    assert all(r["elapsed"] > 0 and r["reward"] is not None for r in rl_evals[1:])
    control_evals = [r for r in control if r["type"] == "eval"]
    assert [r["phase"] for r in control_evals][-1] == "start"
    assert {r["phase"] for r in control_evals[:-1]} == {"warmup"} and control_evals[:-1]
    times = [r["elapsed"] for r in control_evals]
    assert times == sorted(times) and times[-1] >= clock
    assert rows["SFT continued"]["seconds"] == pytest.approx(rows["warm-up"]["seconds"] + times[-1])
    assert rows["RFT"]["seconds"] == pytest.approx(rows["warm-up"]["seconds"] + clock)
    # The paired comparison: RFT minus the control, on MRR, top@1 and the mean reward.
    comparison = summary["comparison"]
    assert (comparison["a_name"], comparison["b_name"]) == ("sft_continued", "rft")
    assert (comparison["paired_items"], comparison["paired_on"]) == (60, "item_index")
    mrr = comparison["metrics"]["mrr"]
    assert (mrr["a"], mrr["b"]) == pytest.approx((rows["SFT continued"]["mrr"], rows["RFT"]["mrr"]))
    assert mrr["delta"]["estimate"] == pytest.approx(mrr["b"] - mrr["a"])
    assert comparison["metrics"]["top@1"]["b"] == pytest.approx(rows["RFT"]["top1"])
    # The page is written from demo.json: the control's curve and the comparison are on it.
    page = (out / "demo.md").read_text()
    assert "SFT continued" in page and "RFT" in page


def test_unknown_protocol_is_one_clean_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from rft.cli.main import app

    result = CliRunner().invoke(app, ["demo", "--protocol", "lots", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown protocol 'lots'" in result.output and "label-for-label" in result.output
