"""Reply parsing: JSON `result` (fenced, embedded), bare values, patterns, refusals."""

from __future__ import annotations

import re

import pytest

from rft.judge.parsing import looks_like_refusal, parse_label, parse_score


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
    "text", ["", "great answer", '{"result": true}', '{"result": "NaN"}', "12", '{"result": -1}']
)
def test_score_errors(text):
    parsed = parse_score(text, (0, 10), None)
    assert parsed.value is None and parsed.error


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
