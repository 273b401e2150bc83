"""OpenAI grader JSON, as their graders guide writes it, loads unchanged and scores as documented.

The guide's examples: a `string_check` per operation (eq, ne, like = contains, ilike =
case-insensitive contains), a `text_similarity` with `fuzzy_match` and `pass_threshold`, and a
`multi` combining a name similarity and an exact e-mail check through `calculate_output`.
"""

from __future__ import annotations

import json

import pytest

import rft

STRING_CHECK = """{
  "type": "string_check",
  "name": "Example string check grader",
  "input": "{{sample.output_text}}",
  "reference": "{{item.label}}",
  "operation": "eq"
}"""

TEXT_SIMILARITY = """{
  "type": "text_similarity",
  "name": "Example text similarity grader",
  "input": "{{sample.output_text}}",
  "reference": "{{item.reference_answer}}",
  "evaluation_metric": "fuzzy_match",
  "pass_threshold": 0.8
}"""

MULTI = """{
  "type": "multi",
  "graders": {
    "name": {
      "name": "name",
      "type": "text_similarity",
      "input": "{{sample.output_json.name}}",
      "reference": "{{item.name}}",
      "evaluation_metric": "fuzzy_match",
      "pass_threshold": 0.9
    },
    "email": {
      "name": "email",
      "type": "string_check",
      "input": "{{sample.output_json.email}}",
      "reference": "{{item.email}}",
      "operation": "eq"
    }
  },
  "calculate_output": "(name + email) / 2"
}"""


@pytest.mark.parametrize(
    ("operation", "output", "label", "expected"),
    [
        ("eq", "positive", "positive", 1.0),
        ("eq", "Positive", "positive", 0.0),
        ("ne", "negative", "positive", 1.0),
        ("ne", "positive", "positive", 0.0),
        ("like", "the sentiment is positive", "positive", 1.0),
        ("like", "the sentiment is POSITIVE", "positive", 0.0),
        ("ilike", "the sentiment is POSITIVE", "positive", 1.0),
        ("ilike", "negative", "positive", 0.0),
    ],
)
def test_string_check_operations_as_documented(
    operation: str, output: str, label: str, expected: float
) -> None:
    grader = json.loads(STRING_CHECK)
    grader["operation"] = operation
    assert rft.compile(grader).score([output], [{"label": label}]).scores[0] == expected


def test_text_similarity_fuzzy_match_with_pass_threshold() -> None:
    reward = rft.compile(json.loads(TEXT_SIMILARITY))
    item = {"reference_answer": "fuzzy wuzzy had no hair"}
    result = reward.score(
        ["fuzzy wuzzy had no hair", "fuzzy wuzzy had no hairs", "a bear"], [item] * 3
    )
    # pass_threshold marks pass/fail; the score stays the similarity (46/47 and 8/29 here).
    assert result.scores.tolist() == [1.0, 1 - 1 / 47, 8 / 29]
    assert result.details["Example text similarity grader"]["passed"].tolist() == [
        True,
        True,
        False,
    ]


def test_multi_with_calculate_output() -> None:
    reward = rft.compile(json.loads(MULTI))
    item = {"name": "Ada Lovelace", "email": "ada@example.com"}
    outputs = [
        json.dumps({"name": "Ada Lovelace", "email": "ada@example.com"}),
        json.dumps({"name": "Ada Lovelace", "email": "ada@example.org"}),
        json.dumps({"name": "Grace Hopper", "email": "ada@example.com"}),
        json.dumps({"name": "Ada Lovelac", "email": "ada@example.com"}),
        "not json",
    ]
    result = reward.score(outputs, [item] * 5)
    # The name similarity stays continuous under pass_threshold (Indel: 16/24 and 1/23 edits).
    assert result.sub_scores["name"].tolist() == pytest.approx([1, 1, 1 / 3, 22 / 23, 0], abs=1e-15)
    assert result.scores.tolist() == pytest.approx([1, 0.5, 2 / 3, 45 / 46, 0], abs=1e-15)
    assert result.details["name"]["passed"].tolist() == [True, True, False, True, False]
    assert result.sub_scores["email"].tolist() == [1.0, 0.0, 1.0, 1.0, 0.0]
    assert result.errors["sample_parse_error"].tolist() == [False, False, False, False, True]


def test_run_endpoint_payload_shape() -> None:
    payload = {"grader": json.loads(STRING_CHECK), "item": {"label": "x"}, "model_sample": "x"}
    reward = rft.compile({"grader": payload["grader"]})
    result = reward.score([payload["model_sample"]], [payload["item"]]).to_openai(0)
    assert result["reward"] == 1.0
    assert set(result["metadata"]["errors"]) == {
        "sample_parse_error",
        "invalid_variable_error",
        "formula_parse_error",
        "python_grader_runtime_error",
        "python_grader_server_error",
        "model_grader_parse_error",
        "model_grader_server_error",
        "model_grader_refusal_error",
        "other_error",
    }


def test_sample_choices_and_output_audio_read_empty_when_absent() -> None:
    from rft.batch import Batch

    batch = Batch(["x", {"output_text": "y", "choices": [{"index": 0}]}], [{}, {}])
    assert [s["choices"] for s in batch.samples] == [[], [{"index": 0}]]
    assert [s["output_audio"] for s in batch.samples] == [None, None]
    errors: dict = {}
    assert batch._root_column(("sample", "choices"), errors) == [[], [{"index": 0}]]
    assert batch._root_column(("sample", "output_audio"), errors) == [None, None]
    assert errors == {}
    # A field OpenAI's namespace lacks is still missing.
    batch._root_column(("sample", "output_video"), errors)
    assert sorted(errors) == [0, 1]
