"""Reply parsing: JSON `result` (fenced, embedded), bare values, patterns, refusals."""

from __future__ import annotations

import re

import pytest

from rft.judge.parsing import Parsed, looks_like_refusal, parse_label, parse_score
from rft.judge.reply import Reply


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"steps": [{"description": "d", "conclusion": "c"}], "result": 7}', 7.0),
        ('```json\n{"result": 3.5}\n```', 3.5),
        ('Here is my grade: {"result": "8"} done.', 8.0),
        ('<think>maybe 2? {"result": 2}</think> 9', 9.0),
        (" 10 ", 10.0),
    ],
)
def test_score_forms(text, value):
    assert parse_score(text, (0, 10), None).value == value


@pytest.mark.parametrize(
    "text", ["", "great answer", '{"result": true}', '{"result": "NaN"}', '{"result": [3]}']
)
def test_score_errors(text):
    parsed = parse_score(text, (0, 10), None)
    assert parsed.value is None and parsed.error


@pytest.mark.parametrize("text", ["great answer", "1_0", "0x5", " 7 points"])
def test_a_bare_reply_must_be_a_plain_number(text):
    # Python's float() reads "1_0" as 10: a bare reply is held to the plain-number form.
    parsed = parse_score(text, (0, 10), None)
    assert parsed == Parsed(
        error=f"reply is neither JSON with `result` nor a number: {text.strip()!r}"
    )


@pytest.mark.parametrize(
    ("text", "value", "note"),
    [
        ("12", 10.0, "result 12 is outside range [0, 10]: truncated to 10"),
        ('{"result": -1}', 0.0, "result -1 is outside range [0, 10]: truncated to 0"),
        ('{"result": 1e300}', 10.0, "result 1e+300 is outside range [0, 10]: truncated to 10"),
    ],
)
def test_score_outside_the_range_is_truncated_with_a_note(text, value, note):
    parsed = parse_score(text, (0, 10), None)
    assert (parsed.value, parsed.error, parsed.note) == (value, None, note)


def test_score_inside_the_range_has_no_note():
    assert parse_score("10", (0, 10), None) == Parsed(value=10.0)


@pytest.mark.parametrize(
    "text",
    [
        '... {"result": 10} Actually, on reflection... {"result": 0}',
        '```json\n{"result": 3}\n```\nCorrection: ```json\n{"result": 4}\n```',
        '{"result": 3} {"result": "3"}',
    ],
)
def test_two_different_results_are_ambiguous_not_the_first(text):
    parsed = parse_score(text, (0, 10), None)
    assert parsed.value is None
    assert parsed.error.startswith("ambiguous reply: several different results")


def test_a_repeated_identical_result_and_nested_results_are_not_ambiguous():
    assert parse_score('{"result": 7} To repeat: {"result": 7}', (0, 10), None).value == 7.0
    nested = '{"steps": [{"description": "d", "result": 2}], "result": 6}'
    assert parse_score(nested, (0, 10), None).value == 6.0


def test_two_different_labels_are_ambiguous():
    parsed = parse_label('{"result": "yes"} no wait {"result": "no"}', ["yes", "no"], None)
    assert parsed.value is None and parsed.error.startswith("ambiguous reply")


@pytest.mark.parametrize(
    "text",
    [
        '<think>the answer is {"result": 9}',
        "<think>9",
        '<THINK>I think 9 because {"result": 9} and',
    ],
)
def test_an_unclosed_think_is_not_the_answer(text):
    parsed = parse_score(text, (0, 10), None)
    assert parsed.value is None
    assert parsed.error.startswith("reply has no answer outside its <think> reasoning")


def test_text_before_an_unclosed_think_and_after_a_lone_close_is_the_answer():
    assert parse_score('{"result": 4} <think>or maybe {"result": 9}', (0, 10), None).value == 4.0
    assert parse_score('maybe {"result": 9}?</think>{"result": 3}', (0, 10), None).value == 3.0
    assert parse_label("<think>yes?</think> no <think>yes", ["yes", "no"], None).value == "no"


def test_pattern_is_the_only_form_when_set():
    pattern = re.compile(r"Score: (\d+)")
    assert parse_score("Score: 4/10", (0, 10), pattern).value == 4.0
    assert parse_score('{"result": 4}', (0, 10), pattern).error


def test_labels():
    labels = ["yes", "no"]
    assert parse_label('"Yes".', labels, None).value == "yes"
    assert parse_label('{"result": "no"}', labels, None).value == "no"
    assert parse_label("maybe", labels, None).error


def test_refusal_heuristic():
    assert looks_like_refusal("I'm sorry, but I can't help with that.")
    assert looks_like_refusal("I cannot evaluate this content.")
    assert not looks_like_refusal("The answer is sorry-looking but scores 3")


def test_a_cached_list_content_is_joined_text():
    record = {"text": [{"type": "text", "text": '{"result"'}, {"type": "text", "text": ": 3}"}]}
    assert Reply.from_cache(record).text == '{"result": 3}'
    assert Reply.from_cache({"text": [{"type": "image_url"}]}).text == "[{'type': 'image_url'}]"
