"""string_check: OpenAI's four operations, rft's extras, normalizers, edge cases."""

from __future__ import annotations

import pytest

import rft
from rft.errors import BundleError


def score(spec: dict, outputs: list, items: list[dict] | None = None) -> list[float]:
    reward = rft.compile({"type": "string_check", "name": "s", **spec})
    return reward.score(outputs, items or [{}] * len(outputs)).scores.tolist()


@pytest.mark.parametrize(
    ("operation", "reference", "output", "expected"),
    [
        ("eq", "Paris", "Paris", 1.0),
        ("eq", "Paris", "paris", 0.0),
        ("eq", "Paris", "Paris ", 0.0),
        ("ne", "Paris", "London", 1.0),
        ("ne", "Paris", "Paris", 0.0),
        ("like", "Paris", "It is Paris.", 1.0),
        ("like", "Paris", "It is paris.", 0.0),
        ("ilike", "Paris", "IT IS PARIS.", 1.0),
        ("ilike", "Paris", "London", 0.0),
        ("regex", r"^\d+$", "123", 1.0),
        ("regex", r"^\d+$", "12a", 0.0),
        ("startswith", "Yes", "Yes, because", 1.0),
        ("endswith", "done.", "all done.", 1.0),
        ("endswith", "done.", "done. not", 0.0),
    ],
)
def test_operations(operation: str, reference: str, output: str, expected: float) -> None:
    assert score({"reference": reference, "operation": operation}, [output]) == [expected]


def test_in_with_accepted_answers_list_and_item_list() -> None:
    assert score({"reference": ["yes", "y"], "operation": "in"}, ["y", "no"]) == [1.0, 0.0]
    items = [{"ok": ["A", "B"]}, {"ok": ["C"]}]
    assert score({"reference": "{{ item.ok }}", "operation": "in"}, ["B", "B"], items) == [1.0, 0.0]
    # ne with several references passes only when the input differs from all of them.
    assert score({"reference": ["a", "b"], "operation": "ne"}, ["a", "c"]) == [0.0, 1.0]


def test_normalizers() -> None:
    spec = {
        "reference": "{{ item.name }}",
        "normalize": [
            "nfkc",
            "casefold",
            "remove_punctuation",
            "remove_articles",
            "collapse_whitespace",
        ],
    }
    items = [{"name": "The Beatles"}] * 3
    assert score(spec, ["  beatles!! ", "THE   BEATLES", "Ｂｅａｔｌｅｓ"], items) == [
        1.0,
        1.0,
        1.0,
    ]


def test_unicode_and_empty_and_none() -> None:
    assert score({"reference": "café"}, ["café", "cafe", ""]) == [1.0, 0.0, 0.0]
    assert score({"reference": ""}, [""]) == [1.0]
    assert score({"reference": "x"}, [None]) == [0.0]


def test_non_string_item_values_compare_as_text() -> None:
    assert score({"reference": "{{ item.n }}"}, ["42", "42.0"], [{"n": 42}, {"n": 42}]) == [
        1.0,
        0.0,
    ]


def test_missing_item_field_flags_invalid_variable() -> None:
    reward = rft.compile({"type": "string_check", "reference": "{{ item.answer }}"})
    result = reward.score(["a", "a"], [{"answer": "a"}, {}])
    assert result.scores.tolist() == [1.0, 0.0]
    assert result.errors["invalid_variable_error"].tolist() == [False, True]
    assert result.first_message(1) == "string_check: missing template variable `item.answer`"
    assert result.first_message(0) is None


def test_bad_constant_regex_fails_at_compile_time() -> None:
    with pytest.raises(BundleError, match="invalid regular expression"):
        rft.compile({"type": "string_check", "reference": "(unclosed", "operation": "regex"})


def test_bad_regex_from_data_flags_the_sample_only() -> None:
    reward = rft.compile(
        {"type": "string_check", "reference": "{{ item.p }}", "operation": "regex"}
    )
    result = reward.score(["abc", "abc"], [{"p": "a.c"}, {"p": "(x"}])
    assert result.scores.tolist() == [1.0, 0.0]
    assert result.errors["other_error"].tolist() == [False, True]


def test_extraction_filter_in_input() -> None:
    spec = {
        "input": "{{ sample.output_text | extract_tag('answer') }}",
        "reference": "{{ item.a }}",
        "normalize": ["strip"],
    }
    assert score(spec, ["think <answer> 7 </answer>", "7"], [{"a": "7"}, {"a": "7"}]) == [1.0, 0.0]


def test_neq_is_not_an_operation_and_the_error_points_to_ne(tmp_path) -> None:
    # OpenAI's reference has eq, ne, like, ilike; `neq` is a likely slip.
    path = tmp_path / "g.yaml"
    path.write_text("type: string_check\nreference: x\noperation: neq\n")
    with pytest.raises(BundleError) as info:
        rft.load_bundle(path)
    assert str(info.value) == (
        f"{path}:3, field `operation`: invalid value 'neq'; expected one of: 'eq', 'ne', "
        "'like', 'ilike', 'regex', 'startswith', 'endswith' or 'in'\n  fix: did you mean `ne`?"
    )
