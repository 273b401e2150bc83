"""`rft eval` on answers files and on a tiny model: table, metrics.json and report files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

# Per-sample tables are Parquet files: the `report` extra.
pytest.importorskip("pyarrow")
from typer.testing import CliRunner

from rft.cli.main import app
from rft.data import read_jsonl
from rft.errors import ERROR_FLAGS, ConfigError, DataError
from rft.eval import EvalConfig, evaluate
from rft.eval.table import read_outputs
from rft.report.evaluation import evaluate_and_report


def _answers(items: list[dict], right: set[int]) -> list[str]:
    return [f"<answer>{it['answer'] if i in right else 'x'}</answer>" for i, it in enumerate(items)]


def test_eval_of_an_outputs_file_writes_table_metrics_and_report(task) -> None:
    items = read_jsonl(task["data"])
    rows = [
        {"item_index": i, "output_text": text}
        for _ in range(2)
        for i, text in enumerate(_answers(items, {0, 1, 2}))
    ]
    outputs = task["dir"] / "answers.jsonl"
    outputs.write_text("\n".join(json.dumps(r) for r in rows))
    out = task["dir"] / "run"
    result = evaluate_and_report(
        EvalConfig(
            data=task["data"], grader=task["bundle"], out=out, outputs=outputs, group_by=["level"]
        )
    )
    names = {p.name for p in result.files}
    assert names == {"samples.parquet", "samples.csv", "metrics.json", "report.md", "report.html"}
    frame = pd.read_parquet(out / "samples.parquet")
    assert len(frame) == 12
    assert list(frame.columns) == [
        "item_index",
        "sample_index",
        "item_id",
        "prompt",
        "reference",
        "output_text",
        "length_chars",
        "score",
        "skipped",
        "score.exact",
        "score.shown",
        *ERROR_FLAGS,
        "error_message",
        "item_json",
    ]
    assert frame.loc[frame["item_index"] == 1, "reference"].iloc[0] == "2"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["summary"]["reward"]["estimate"] == pytest.approx(0.5)
    assert metrics["summary"]["graders"]["exact"] == pytest.approx(0.5)
    assert metrics["summary"]["at_k"]["pass"]["2"] == pytest.approx(0.5)
    assert set(metrics["groups"]["level"]) == {"0", "1"}
    assert metrics["run"]["samples"] == 2 and metrics["kind"] == "eval"


def test_outputs_files_in_every_accepted_form(task, tmp_path: Path) -> None:
    items = read_jsonl(task["data"])
    texts = _answers(items, {0})
    by_id = tmp_path / "by_id.csv"
    pd.DataFrame({"id": [it["id"] for it in items][::-1], "completion": texts[::-1]}).to_csv(
        by_id, index=False
    )
    assert [a[0] for a in read_outputs(by_id, items)] == texts
    ordered = tmp_path / "ordered.json"
    ordered.write_text(
        json.dumps([{"output_text": [{"role": "assistant", "content": t}]} for t in texts])
    )
    assert [a[0] for a in read_outputs(ordered, items)] == texts
    missing = tmp_path / "missing.jsonl"
    missing.write_text(json.dumps({"item_index": 0, "output_text": "a"}))
    with pytest.raises(DataError, match="have no answer"):
        read_outputs(missing, items)
    no_text = tmp_path / "no_text.jsonl"
    no_text.write_text(json.dumps({"item_index": 0, "answer": "a"}))
    with pytest.raises(DataError, match="no answer column"):
        read_outputs(no_text, items)


def test_a_previous_eval_table_is_a_valid_outputs_file(task) -> None:
    items = read_jsonl(task["data"])
    first = task["dir"] / "first.jsonl"
    first.write_text("\n".join(json.dumps({"output_text": t}) for t in _answers(items, {1, 2})))
    a = evaluate_and_report(
        EvalConfig(task["data"], task["bundle"], task["dir"] / "a", outputs=first)
    )
    b = evaluate_and_report(
        EvalConfig(
            task["data"],
            task["bundle"],
            task["dir"] / "b",
            outputs=task["dir"] / "a" / "samples.parquet",
        )
    )
    assert b.metrics["summary"]["reward"] == a.metrics["summary"]["reward"]


def test_config_errors() -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        EvalConfig(Path("d"), Path("g"), Path("o"))
    with pytest.raises(ConfigError, match="samples"):
        EvalConfig(Path("d"), Path("g"), Path("o"), model="m", samples=0)


def test_eval_cli_reports_a_bad_outputs_file_cleanly(task) -> None:
    bad = task["dir"] / "bad.jsonl"
    bad.write_text("not json\n")
    args = ["eval", "--data", str(task["data"]), "--grader", str(task["bundle"])]
    result = CliRunner().invoke(
        app, [*args, "--outputs", str(bad), "--out", str(task["dir"] / "o")]
    )
    assert result.exit_code == 2 and "not valid JSON" in result.output


@pytest.mark.slow
def test_eval_cli_samples_k_answers_from_a_tiny_model(task) -> None:
    pytest.importorskip("torch")
    from rft.train.tiny_model import build_tiny_model, corpus_from_jsonl

    model = task["dir"] / "tiny"
    texts = [*corpus_from_jsonl([task["data"]]), "<answer></answer>"]
    build_tiny_model(texts, model, hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64)
    out = task["dir"] / "tiny-eval"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--model", str(model),
            "--data", str(task["data"]),
            "--grader", str(task["bundle"]),
            "--samples", "3",
            "--max-new-tokens", "6",
            "--batch-size", "4",
            "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "mean reward" in result.output
    frame = pd.read_parquet(out / "samples.parquet")
    assert len(frame) == 18 and frame.groupby("item_index").size().eq(3).all()
    assert frame["length_tokens"].between(0, 6).all()
    assert (frame["length_tokens"] > 0).any()  # a random model still writes something
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["run"]["model"] == str(model)
    assert list(metrics["summary"]["at_k"]["pass"]) == ["1", "2", "3"]
    item_means = frame.groupby("item_index")["score"].mean()
    assert metrics["summary"]["reward"]["estimate"] == pytest.approx(item_means.mean())
    assert (out / "report.html").stat().st_size > 10_000


@pytest.mark.slow
def test_eval_cli_loads_a_lora_adapter_folder(task) -> None:
    """`rft eval --model` on a `peft:` run's adapter folder: base + adapter, no merge needed."""
    pytest.importorskip("peft")
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from rft.train.tiny_model import build_tiny_model, corpus_from_jsonl

    base = task["dir"] / "tiny"
    texts = [*corpus_from_jsonl([task["data"]]), "<answer></answer>"]
    build_tiny_model(texts, base, hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64)
    lora = get_peft_model(
        AutoModelForCausalLM.from_pretrained(base),
        LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj", "down_proj", "up_proj"]),
    )
    with torch.no_grad():  # a non-zero B matrix, so the adapter changes the model's output
        for name, weight in lora.named_parameters():
            if "lora_B" in name:
                weight.fill_(3.0)
    adapter = task["dir"] / "adapter"
    lora.save_pretrained(adapter)
    (adapter / "config.json").unlink(missing_ok=True)
    assert (adapter / "adapter_config.json").is_file()
    for tok_file in [*base.glob("tokenizer*"), *base.glob("special_tokens_map.json")]:
        (adapter / tok_file.name).write_bytes(tok_file.read_bytes())  # as rft train saves it

    outs = {}
    for name, model in (("base", base), ("adapter", adapter)):
        out = task["dir"] / f"eval-{name}"
        args = [
            "eval",
            "--model",
            str(model),
            "--data",
            str(task["data"]),
            "--grader",
            str(task["bundle"]),
            "--max-new-tokens",
            "6",
            "--samples",
            "1",
            "--temperature",
            "0",
            "--out",
            str(out),
            "--no-report",
        ]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        outs[name] = pd.read_parquet(out / "samples.parquet")["output_text"].tolist()
    assert len(outs["adapter"]) == 6
    assert outs["adapter"] != outs["base"]  # the adapter was applied, not silently dropped


def test_evaluate_alone_writes_the_table_and_no_report(task) -> None:
    items = read_jsonl(task["data"])
    outputs = task["dir"] / "answers.jsonl"
    outputs.write_text("\n".join(json.dumps({"output_text": t}) for t in _answers(items, {0})))
    out = task["dir"] / "table-only"
    result = evaluate(EvalConfig(task["data"], task["bundle"], out, outputs=outputs))
    assert sorted(p.name for p in out.iterdir()) == ["samples.csv", "samples.parquet"]
    assert sorted(result.metrics) == ["kind", "run", "seconds"]
    assert result.frame["score"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_the_eval_layer_imports_nothing_above_it() -> None:
    """eval sits below report, demo and cli: none of its modules may import them."""
    import ast

    import rft.eval

    higher = ("rft.report", "rft.demo", "rft.cli")
    found = []
    for path in sorted(Path(rft.eval.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{path.name}: {n}" for n in names if n.startswith(higher)]
    assert found == []


def test_no_report_writes_metrics_but_no_report(task) -> None:
    items = read_jsonl(task["data"])
    outputs = task["dir"] / "answers.jsonl"
    outputs.write_text("\n".join(json.dumps({"output_text": t}) for t in _answers(items, {0})))
    out = task["dir"] / "no-report"
    result = evaluate_and_report(
        EvalConfig(task["data"], task["bundle"], out, outputs=outputs, report=False)
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "metrics.json",
        "samples.csv",
        "samples.parquet",
    ]
    assert [p.name for p in result.files] == ["samples.parquet", "samples.csv", "metrics.json"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert list(metrics) == [
        "kind",
        "run",
        "summary",
        "groups",
        "criteria",
        "panels",
        "checks",
        "seconds",
    ]
    assert metrics["criteria"] == {} and metrics["panels"] == {}  # no rubric or panel here
    assert metrics["summary"]["reward"]["estimate"] == pytest.approx(1 / 6)
