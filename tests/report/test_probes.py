"""Adversarial probes: a weak bundle fails, the shipped bundles pass, answers take the bundle's shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from rft import compile_bundle, load_bundle
from rft.data import read_jsonl
from rft.report.probes import answer_shape, run_probes

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "graders").glob("*.yaml")) + sorted((REPO / "graders").glob("*.json"))


def test_weak_two_way_substring_bundle_fails(arithmetic) -> None:
    reward = compile_bundle(arithmetic["weak"])
    report = run_probes(reward, read_jsonl(arithmetic["data"]))
    assert not report.passed
    by_name = {c.name: c for c in report.classes}
    assert by_name["empty"].mean == 1.0 and by_name["empty"].verdict == "FAIL"
    assert by_name["all_candidates"].mean == 1.0
    assert {c.name for c in report.failed} == {"empty", "all_candidates"}
    console = Console(record=True, width=140)
    report.render(console, details=False)
    text = console.export_text()
    assert "FAIL" in text and "an empty answer" in text


def test_strict_bundle_passes_and_its_control_scores_high(arithmetic, tmp_path) -> None:
    reward = compile_bundle(arithmetic["bundle"])
    report = run_probes(reward, read_jsonl(arithmetic["data"]))
    assert report.passed, report.to_dict()
    by_name = {c.name: c for c in report.classes}
    assert by_name["reference"].mean == 1.0 and by_name["reference"].verdict == "control ok"
    assert by_name["broken_format"].applicable  # the bundle reads <answer> tags
    assert "<answer>" in by_name["reference"].answers[0]
    assert len(by_name["echo_prompt"].answers[0]) > 10
    saved = json.loads(report.save(tmp_path / "probes.json").read_text())
    assert saved["passed"] and len(saved["classes"]) == 7


def test_answers_are_shaped_like_the_json_the_bundle_reads() -> None:
    reward = compile_bundle(
        {
            "name": "json_answer",
            "type": "multi",
            "graders": {
                "answer": {
                    "type": "string_check",
                    "input": "{{ sample.output_json.result.value }}",
                    "reference": "{{ item.answer }}",
                },
                "tags": {
                    "type": "string_check",
                    "input": "{{ sample.output_json.tags[0] }}",
                    "reference": "ok",
                },
            },
            "calculate_output": "answer",
        }
    )
    shape = answer_shape(reward)
    assert [(s.keys, s.is_list) for s in shape.json_slots] == [
        (("result", "value"), False),
        (("tags",), True),
    ]
    assert json.loads(shape.wrap(["x"], {"answer": "42"})) == {
        "result": {"value": "42"},
        "tags": ["ok"],
    }
    items = [{"prompt": f"q{i}", "answer": str(i)} for i in range(20)]
    report = run_probes(reward, items)
    assert report.passed
    assert {c.name: c.mean for c in report.classes}["reference"] == 1.0


def _probe_items(bundle_path: Path, n: int = 60) -> list[dict]:
    """Items with distinct reference values, shaped like the bundle's own test items."""
    base = [test.item for _, _, test in load_bundle(bundle_path).tests()]
    items = []
    for i in range(n):
        fields = base[i % len(base)]
        item = {
            key: f"{value}{i}"
            if isinstance(value, str)
            else value + i
            if isinstance(value, int | float) and not isinstance(value, bool)
            else value
            for key, value in fields.items()
        }
        items.append({"prompt": f"Question {i}: answer it.", **item})
    return items


@pytest.mark.parametrize("bundle", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_bundles_pass(bundle: Path) -> None:
    reward = compile_bundle(bundle)
    if any(g.spec.type in ("score_model", "label_model") for g in reward.graders().values()):
        pytest.skip("a judge bundle is probed against its live judge model, not in unit tests")
    report = run_probes(reward, _probe_items(bundle))
    assert report.passed, report.to_dict()
    control = {c.name: c for c in report.classes}["reference"]
    # Bundles without a `reference:` (python graders) have no control to shape.
    assert not control.applicable or control.mean > 0.5, f"no right answer shaped for {bundle.name}"
