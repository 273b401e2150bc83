"""`benchmarks/vs_peers.py`: the adversarial answer set is well-formed and the benchmark runs."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPT = BENCH / "vs_peers.py"
DATA = BENCH / "data" / "adversarial_answers.jsonl"
GENERATOR = BENCH / "data" / "make_adversarial.py"
PEERS = ("math_verify", "reasoning_gym", "inspect_ai")
TOOLS = (
    "rft numeric (defaults)",
    "math-verify (default)",
    "math-verify (default, gold in $…$)",
    "math-verify (TRL accuracy_reward)",
    "Inspect AI math()",
)
# Every kind issue 12 lists, written out here rather than imported from the generator.
ISSUE_KINDS = {
    "interval",
    "union",
    "set",
    "tuple",
    "plus_minus",
    "several_solutions",
    "equation_vs_value",
    "marked_answer",
    "boxed_conflict",
    "tiny_values",
    "near_miss",
    "thousands_space",
    "mixed_number",
    "superscript",
    "minus_sign",
    "log",
    "binom",
    "factorial",
    "trig",
    "infinity",
    "emptyset",
    "percent",
    "units",
}


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vs_peers() -> ModuleType:
    return _load(SCRIPT, "vs_peers_under_test")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


def test_set_is_well_formed(rows: list[dict[str, object]]) -> None:
    assert len(rows) >= 1000
    assert all(list(r) == ["id", "kind", "gold", "answer", "label", "why"] for r in rows)
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(type(r["label"]) is bool for r in rows)
    assert all(isinstance(r[k], str) and r[k] for r in rows for k in ("gold", "answer", "why"))
    assert len({(r["gold"], r["answer"]) for r in rows}) == len(rows)
    per_kind = Counter(str(r["kind"]) for r in rows)
    assert set(per_kind) >= ISSUE_KINDS
    assert {k: n for k, n in per_kind.items() if k in ISSUE_KINDS and n < 20} == {}
    labels = {(r["kind"], r["label"]) for r in rows}
    assert {k for k in per_kind if (k, True) not in labels or (k, False) not in labels} == set()
    correct = sum(bool(r["label"]) for r in rows)
    assert 0.4 <= correct / len(rows) <= 0.6  # about half correct: false fails are measured too


def test_generator_reproduces_the_shipped_set() -> None:
    generator = _load(GENERATOR, "make_adversarial_under_test")
    lines = [json.dumps(case, ensure_ascii=False) for case in generator.build()]
    assert "\n".join(lines) + "\n" == DATA.read_text(encoding="utf-8")


def test_per_kind_slice_keeps_both_labels(vs_peers: ModuleType) -> None:
    cases = vs_peers.load_labelled(DATA, per_kind=4)
    counts = Counter((c.kind, c.label) for c in cases)
    kinds = {c.kind for c in cases}
    assert kinds >= ISSUE_KINDS
    assert {key: n for key, n in counts.items() if n != 2} == {}
    assert len(cases) == 4 * len(kinds)


def test_loader_names_the_bad_line(vs_peers: ModuleType, tmp_path: Path) -> None:
    bad = tmp_path / "set.jsonl"
    good = {"id": "a", "kind": "k", "gold": "1", "answer": "1", "label": True, "why": "same"}
    bad.write_text(
        json.dumps(good) + "\n" + json.dumps({**good, "id": "b", "label": "yes"}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(vs_peers.SetError) as info:
        vs_peers.load_labelled(bad)
    assert str(info.value) == (
        f"{bad}:2: a case needs id, kind, gold, answer, label, why with a boolean label"
    )
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--sections", "adversarial", "--set", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1].endswith(f"--set: {info.value}")
    assert "Traceback" not in run.stderr


def test_tool_metrics_count_false_passes_and_fails(vs_peers: ModuleType) -> None:
    case = vs_peers.Labelled
    cases = [
        case("a1", "a", "1", "1", True, ""),
        case("a2", "a", "1", "2", False, ""),
        case("a3", "a", "1", "3", False, ""),
        case("b1", "b", "3", "3", True, ""),
        case("b2", "b", "3", "4", False, ""),
    ]
    run = vs_peers.ToolRun("t", [True, True, True, False, False], seconds=0.002, errors=1)
    m = vs_peers.tool_metrics(run, cases)
    assert (m["accuracy"], m["false_passes"], m["false_fails"], m["errors"]) == (0.4, 2, 1, 1)
    assert m["false_pass_share"] == 0.4
    assert m["us_per_answer"] == pytest.approx(400.0)
    assert m["per_kind"] == {
        "a": {"n": 3, "accuracy": 1 / 3, "false_passes": 2, "false_fails": 0},
        "b": {"n": 2, "accuracy": 0.5, "false_passes": 0, "false_fails": 1},
    }
    assert (m["false_pass_ids"], m["false_fail_ids"]) == (["a2", "a3"], ["b1"])
    assert vs_peers.tool_metrics(vs_peers.ToolRun("t", None, skipped="gone"), cases) == {
        "skipped": "gone"
    }


@pytest.mark.slow
@pytest.mark.skipif(
    any(importlib.util.find_spec(n) is None for n in ("math_verify", "trl")),
    reason="needs math-verify and TRL",
)
def test_trl_config_is_trls_accuracy_reward(vs_peers: ModuleType) -> None:
    from trl.rewards import accuracy_reward  # heavy: only this test needs TRL

    # The slice, plus probes each of which one setting of TRL's config decides (anchor-free
    # extraction, unit normalization) and a gold TRL skips (None).
    pairs = [(c.gold, c.answer) for c in vs_peers.load_labelled(DATA, per_kind=2)] + [
        ("12", "$12\\text{ cm}$"),
        ("2", "\\[ 2 \\]"),
        ("12", "$12 \\mathrm{cm}$"),
        ("12", "\\boxed{12 \\text{ cm}}"),
        ("no gold here", "5"),
    ]
    ours = vs_peers.math_verify_trl()
    theirs = accuracy_reward(
        [[{"role": "assistant", "content": answer}] for _, answer in pairs],
        [gold for gold, _ in pairs],
    )
    mine = [None if (v := ours(gold, answer)) is None else float(v) for gold, answer in pairs]
    assert mine == theirs
    assert theirs[-5:] == [0.0, 0.0, 0.0, 1.0, None]


@pytest.mark.slow
def test_adversarial_slice_reports_every_kind_and_tool(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--sections",
            "adversarial",
            "--per-kind",
            "2",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode in (0, 1), run.stderr
    text = run.stdout
    per_kind_table = text.split("### Per kind")[1].split("\n\n")[1]
    header = per_kind_table.splitlines()[0]
    assert all(tool in header for tool in TOOLS)
    listed = {line.split("|")[1].strip() for line in per_kind_table.splitlines()[2:]}
    assert listed >= ISSUE_KINDS
    result = json.loads(out.read_text(encoding="utf-8"))["adversarial"]
    assert set(result["tools"]) == set(TOOLS)
    assert result["n"] == 2 * len(result["kinds"])
    for name, metrics in result["tools"].items():
        if "skipped" in metrics:  # a peer that is not installed says so
            assert name != TOOLS[0] and f"{name}: skipped" in text
            continue
        assert set(metrics["per_kind"]) == set(result["kinds"]), name
        assert metrics["false_passes"] + metrics["false_fails"] <= result["n"]


@pytest.mark.slow
@pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in PEERS),
    reason="needs the `bench` extra (math-verify, reasoning-gym, inspect-ai)",
)
def test_quick_run_prints_every_section(tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text(
        '{"step": 1, "time/step": 2.0, "time/grading": 0.01}\n'
        '{"step": 2, "time/step": 2.0, "time/grading": 0.01}\n'
        "not json\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--quick",
            "--items",
            "3",
            "--per-kind",
            "2",
            "--train-metrics",
            str(metrics),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode in (0, 1), run.stderr
    out = run.stdout
    for heading in (
        "Adversarial answer set",
        "Agreement matrix",
        "Disagreement classes",
        "Throughput",
        "String scorers",
        "Checks",
    ):
        assert heading in out
    assert "2 steps, grading 0.02 s of 4.00 s step time = 0.50%" in out
