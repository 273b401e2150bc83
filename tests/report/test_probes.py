"""Adversarial probes: a weak bundle fails, the shipped bundles pass, answers take the bundle's shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from rft import compile_bundle, load_bundle
from rft.data import read_jsonl
from rft.report.probes import (
    NO_EXTRACTION,
    FilteredPath,
    answer_shape,
    filtered_paths,
    item_extractions,
    run_probes,
)
from rft.templates import compile_template

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
    items = read_jsonl(arithmetic["data"])
    assert by_name["reference"].answers[0] == f"<answer>{items[0]['answer']}</answer>"
    # Every variant scores 0; the first one tried (the prompt as is) is kept.
    assert by_name["echo_prompt"].answers[0] == items[0]["prompt"]
    saved = json.loads(report.save(tmp_path / "probes.json").read_text())
    assert [c["name"] for c in saved["classes"]] == [
        "empty",
        "echo_prompt",
        "all_candidates",
        "long",
        "injection",
        "broken_format",
        "missing_extraction",
        "reference",
    ]
    assert saved["passed"] and by_name["missing_extraction"].verdict == "n/a"


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
    if any(g.spec.calls_models for g in reward.graders().values()):
        pytest.skip("a judge bundle is probed against its live judge model, not in unit tests")
    report = run_probes(reward, _probe_items(bundle))
    assert report.passed, report.to_dict()
    control = {c.name: c for c in report.classes}["reference"]
    # Bundles without a `reference:` (python graders) have no control to shape.
    assert not control.applicable or control.mean > 0.5, f"no right answer shaped for {bundle.name}"


def test_filtered_paths_come_from_the_parsed_template() -> None:
    getter = compile_template("{{ sample.output_text | extract_tag('answer') | strip }}")
    assert filtered_paths(getter) == [
        FilteredPath(("sample", "output_text"), (("extract_tag", ("answer",)), ("strip", ())))
    ]
    expression = compile_template("{{ item.steps[0] | boxed | default('none', true) }}")
    assert filtered_paths(expression) == [
        FilteredPath(("item", "steps", 0), (("boxed", ()), ("default", ("none", True))))
    ]
    render = compile_template("Q: {{ item.q }} A: {{ sample.output_text | after('=') }}")
    assert filtered_paths(render) == [FilteredPath(("sample", "output_text"), (("after", ("=",)),))]
    assert filtered_paths(compile_template("plain text")) == []


def _check(input_: str, reference: str = "{{ item.answer }}", operation: str = "eq"):
    return compile_bundle(
        {
            "name": "check",
            "type": "string_check",
            "input": input_,
            "reference": reference,
            "operation": operation,
        }
    )


def test_answer_shape_reads_filters_not_template_text() -> None:
    # The tag argument left at its default is still a tag.
    assert answer_shape(_check("{{ sample.output_text | extract_tag }}")).tags == ["answer"]
    # Words in the template text are not filters: no box here, the answer is read as is.
    mention = _check("Put it in \\boxed{} or extract_tag('x'): {{ sample.output_text }}")
    shape = answer_shape(mention)
    assert (shape.boxed, shape.tags, shape.has_format) == (False, [], False)
    boxed = answer_shape(_check("Answer: {{ sample.output_text | boxed }}"))
    assert (boxed.boxed, boxed.tags) == (True, [])
    prefixed = answer_shape(_check("{{ sample.output_text | after('Final answer:') | strip }}"))
    assert prefixed.prefixes == ["Final answer:"]
    # An extraction from the item is not the answer's format.
    item_tag = _check("{{ sample.output_text }}", "{{ item.solution | extract_tag('final') }}")
    assert answer_shape(item_tag).tags == []
    assert item_extractions(item_tag) == [("solution",)]


SOLUTION_ITEMS = [
    {"prompt": f"What is {i} + {i}?", "solution": f"{i} + {i} = <answer>{2 * i}</answer>"}
    for i in range(6)
]
TAGGED = "{{ sample.output_text | extract_tag('answer') }}"


def test_default_cannot_turn_a_failed_extraction_into_a_matching_empty_reference() -> None:
    """`default('', true)` after a failed extraction used to give "", which the empty answer
    equals; an item extraction that finds nothing now flags the sample before `default` runs."""
    reward = _check(TAGGED, "{{ item.solution | extract_tag('answer') | default('', true) }}")
    report = run_probes(reward, SOLUTION_ITEMS)
    missing = {c.name: c for c in report.classes}["missing_extraction"]
    assert report.passed
    assert (missing.applicable, missing.mean, missing.max) == (True, 0.0, 0.0)
    blank = reward.score([""], [{"solution": NO_EXTRACTION}])
    assert blank.scores.tolist() == [0.0]
    assert blank.errors["invalid_variable_error"].tolist() == [True]


def test_a_reference_that_cannot_match_when_its_extraction_finds_nothing_passes() -> None:
    reward = _check(TAGGED, "{{ item.solution | extract_tag('answer') | default('<none>', true) }}")
    report = run_probes(reward, SOLUTION_ITEMS)
    missing = {c.name: c for c in report.classes}["missing_extraction"]
    assert report.passed
    assert (missing.applicable, missing.mean, missing.max) == (True, 0.0, 0.0)
    # The probe graded the right answer of the real item against the blanked one.
    assert missing.answers[0] == "<answer>0</answer>"
    assert reward.score(["<answer>0</answer>"], [{"solution": NO_EXTRACTION}]).scores.tolist() == [
        0.0
    ]


def test_the_issue_12_reference_extraction_does_not_let_the_empty_answer_pass() -> None:
    reward = _check(TAGGED, "{{ item.solution | extract_tag('answer') }}")
    missing = {c.name: c for c in run_probes(reward, SOLUTION_ITEMS).classes}["missing_extraction"]
    assert missing.verdict == "pass"
