"""Templates: fast-path getters, jinja fallback, strict variables, extraction filters."""

from __future__ import annotations

import pytest

from rft.batch import Batch
from rft.errors import TemplateError
from rft.extraction import after, boxed, extract_tag, last_number, lines, regex
from rft.templates import MissingVariable, compile_template

NS = {
    "item": {
        "gene": "FBN1",
        "answers": ["a", "b"],
        "nested": {"x": {"y": 3}},
        "items": "field-not-method",
    },
    "sample": {
        "output_text": "Reasoning... <answer> 42 </answer> so \\boxed{\\frac{1}{2}}",
        "output_json": {"genes": ["FBN1", "TGFBR2"], "meta": {"k": [10, 20]}},
        "output_tools": [{"function": {"name": "lookup"}}],
    },
}


@pytest.mark.parametrize(
    ("source", "kind", "expected"),
    [
        ("{{ item.gene }}", "getter", "FBN1"),
        ("{{item.gene}}", "getter", "FBN1"),
        ("{{ item.answers }}", "getter", ["a", "b"]),
        ("{{ item.nested.x.y }}", "getter", 3),
        ("{{ item['gene'] }}", "getter", "FBN1"),
        ("{{ sample.output_json.genes }}", "getter", ["FBN1", "TGFBR2"]),
        ("{{ sample.output_json.meta.k[1] }}", "getter", 20),
        ("{{ sample.output_tools[0].function.name }}", "getter", "lookup"),
        ("{{ sample.output_text | extract_tag('answer') }}", "getter", "42"),
        ("{{ sample.output_text | boxed }}", "getter", "\\frac{1}{2}"),
        ("{{ sample.output_text | extract_tag('answer') | last_number }}", "getter", "42"),
        ("{{ item.items }}", "getter", "field-not-method"),
        ("{{ item.gene ~ '-x' }}", "expression", "FBN1-x"),
        ("{{ item.answers | length }}", "expression", 2),
        ("{{ item.items }}!", "render", "field-not-method!"),
        ("Gene {{ item.gene }} in {{ item.answers }}", "render", 'Gene FBN1 in ["a","b"]'),
        ("no braces", "constant", "no braces"),
    ],
)
def test_kinds_and_values(source: str, kind: str, expected: object) -> None:
    template = compile_template(source)
    assert template.kind == kind
    assert template(NS) == expected


def test_fast_path_agrees_with_jinja_render() -> None:
    # The same path evaluated by the getter and by a full jinja render must agree.
    for path in ("item.gene", "item.nested.x.y", "sample.output_json.meta.k[0]", "item.items"):
        fast = compile_template("{{ " + path + " }}")
        slow = compile_template("{{ " + path + " }}{{ '' }}")
        assert fast.kind == "getter" and slow.kind == "render"
        assert str(fast(NS)) == slow(NS)


@pytest.mark.parametrize(
    "source",
    [
        "{{ item.missing }}",
        "{{ item.gene.deeper }}",
        "{{ item.answers[5] }}",
        "{{ item.missing ~ 'x' }}",
        "x {{ item.missing }}",
    ],
)
def test_missing_variables_raise(source: str) -> None:
    with pytest.raises(MissingVariable):
        compile_template(source)(NS)


@pytest.mark.parametrize(
    ("source", "hint"),
    [
        ("{{ itme.gene }}", "did you mean `item`"),
        ("{{ sample.output_txt }}", "did you mean `output_text`"),
        ("{{ sample.output_text | boxd }}", "did you mean `boxed`"),
        ("{{ item.gene ", "templates look like"),
    ],
)
def test_bad_templates_fail_at_compile_time(source: str, hint: str) -> None:
    with pytest.raises(TemplateError) as info:
        compile_template(source)
    assert hint in str(info.value)


def test_sandbox_blocks_attribute_escapes() -> None:
    template = compile_template("{{ item.gene.__class__.__mro__ }}")
    with pytest.raises(Exception):  # noqa: B017 - sandbox raises SecurityError or MissingVariable
        template(NS)


def test_batch_flags_missing_variables_and_parse_errors() -> None:
    batch = Batch(['{"genes": ["A"]}', "not json", '{"other": 1}'], [{}, {}, {}])
    rendered = batch.render(compile_template("{{ sample.output_json.genes }}"))
    assert rendered.values[0] == ["A"]
    assert rendered.flags["sample_parse_error"].tolist() == [False, True, False]
    assert rendered.flags["invalid_variable_error"].tolist() == [False, False, True]
    assert batch.render(compile_template("{{ sample.output_json.genes }}")) is rendered  # cached


def test_output_json_accepts_a_fenced_block() -> None:
    batch = Batch(['```json\n{"genes": ["A"]}\n```'], [{}])
    assert batch.render(compile_template("{{ sample.output_json.genes }}")).values == [["A"]]


def test_chat_message_samples_use_the_last_message() -> None:
    batch = Batch(
        [[{"role": "assistant", "content": "hi"}], {"role": "assistant", "content": "yo"}], [{}, {}]
    )
    assert batch.render(compile_template("{{ sample.output_text }}")).values == ["hi", "yo"]


def test_json_filter_failure_is_a_parse_error() -> None:
    batch = Batch(["x"], [{"payload": "{bad"}])
    rendered = batch.render(compile_template("{{ item.payload | json }}"))
    assert rendered.flags["sample_parse_error"].tolist() == [True]


def test_extraction_functions() -> None:
    assert extract_tag("<answer>1</answer> then <answer> 2 </answer>") == "2"
    assert extract_tag("no tag") is None
    assert boxed("\\boxed{a{b}c} and \\boxed{\\frac{1}{2}}") == "\\frac{1}{2}"
    assert boxed("\\boxed{unclosed") is None
    assert last_number("pay 1,234.5 then −7 dollars") == "−7"
    assert last_number("1,234,567 total") == "1,234,567"
    assert last_number("nothing") is None
    assert regex("id: 77", r"id: (\d+)", 1) == "77"
    assert after("Work.\nAnswer: 12", "Answer:") == "12"
    assert lines(" a \n\n b ") == ["a", "b"]
    assert boxed(None) is None and last_number(None) is None


# -- issue 12: an extraction that finds nothing in item data is a flag, never an empty match --


@pytest.mark.parametrize(
    "reference",
    [
        "{{ item.answer | extract_tag('answer') }}",  # fast path (getter)
        "{{ item.answer | extract_tag('answer') | lower }}",
        "{{ (item.answer | extract_tag('answer')) ~ '' }}",  # jinja expression
        "{{ item.answer | boxed }}",
        "{{ item.answer | regex('=(\\\\d+)', 1) }}",
        "{{ item.answer | after('Answer:') }}",
        "{{ item.answer | last_number }}",
        "Answer: {{ item.answer | extract_tag('answer') }}",  # jinja render
    ],
)
def test_missing_item_extraction_flags_and_scores_zero(reference: str) -> None:
    import rft

    reward = rft.compile(
        {
            "type": "string_check",
            "name": "s",
            "input": "{{ sample.output_text }}",
            "reference": reference,
            "operation": "like",
        }
    )
    scores = reward.score(["anything at all", "x"], [{"answer": "no tag here"}, {"answer": "-"}])
    assert scores.scores.tolist() == [0.0, 0.0]
    assert scores.errors["invalid_variable_error"].tolist() == [True, True]
    assert "found nothing" in (scores.first_message(0) or "")


def test_found_item_extraction_still_passes() -> None:
    import rft

    reward = rft.compile(
        {
            "type": "string_check",
            "name": "s",
            "input": "{{ sample.output_text }}",
            "reference": "{{ item.answer | extract_tag('answer') }}",
            "operation": "like",
        }
    )
    scores = reward.score(["it is 42", "it is 41"], [{"answer": "<answer>42</answer>"}] * 2)
    assert scores.scores.tolist() == [1.0, 0.0]
    assert not scores.any_error.any()


def test_missing_sample_extraction_is_a_wrong_answer_not_a_flag() -> None:
    template = compile_template("{{ sample.output_text | extract_tag('answer') }}")
    rendered = Batch(["no tag"], [{}]).render(template)
    assert rendered.values == [None]
    assert rendered.flags == {}
