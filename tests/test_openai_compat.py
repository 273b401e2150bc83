"""OpenAI grader JSON, as their graders guide writes it, loads unchanged and scores as documented.

The guide's examples: a `string_check` per operation (eq, ne, like = contains, ilike =
case-insensitive contains), a `text_similarity` with `fuzzy_match` and `pass_threshold`, and a
`multi` combining a name similarity and an exact e-mail check through `calculate_output`.
"""

from __future__ import annotations

import json

import numpy as np
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


# The response of `POST /fine_tuning/alpha/graders/run`, as OpenAI's API reference documents
# it (https://developers.openai.com/api/reference/resources/fine_tuning/subresources/alpha/
# subresources/graders/methods/run, "Returns Examples"); values trimmed, keys as documented.
DOCUMENTED_RUN_RESPONSE = {
    "reward": 1.0,
    "metadata": {
        "name": "Example score model grader",
        "type": "score_model",
        "errors": {
            "formula_parse_error": False,
            "sample_parse_error": False,
            "truncated_observation_error": False,
            "unresponsive_reward_error": False,
            "invalid_variable_error": False,
            "other_error": False,
            "python_grader_server_error": False,
            "python_grader_server_error_type": None,
            "python_grader_runtime_error": False,
            "python_grader_runtime_error_details": None,
            "model_grader_server_error": False,
            "model_grader_refusal_error": False,
            "model_grader_parse_error": False,
            "model_grader_server_error_details": None,
        },
        "execution_time": 4.365238428115845,
        "scores": {},
        "token_usage": {
            "prompt_tokens": 190,
            "total_tokens": 324,
            "completion_tokens": 134,
            "cached_tokens": 0,
        },
        "sampled_model_name": "gpt-4o-2024-08-06",
    },
    "sub_rewards": {},
    "model_grader_token_usage_per_model": {},
}


def _key_paths(value: object, prefix: str = "") -> set[str]:
    """Dotted paths of every key of nested dicts (dicts keyed by grader or model excluded)."""
    if not isinstance(value, dict):
        return set()
    paths = set()
    for key, child in value.items():
        path = f"{prefix}{key}"
        paths.add(path)
        if key not in ("scores", "sub_rewards", "model_grader_token_usage_per_model"):
            paths |= _key_paths(child, path + ".")
    return paths


def test_run_endpoint_payload_shape() -> None:
    payload = {"grader": json.loads(STRING_CHECK), "item": {"label": "x"}, "model_sample": "x"}
    reward = rft.compile({"grader": payload["grader"]})
    result = reward.score([payload["model_sample"]], [payload["item"]]).to_openai(0)
    # Without a model grader `token_usage` is null (nullable in the API's schema).
    usage_keys = {
        f"metadata.token_usage.{k}" for k in DOCUMENTED_RUN_RESPONSE["metadata"]["token_usage"]
    }
    assert _key_paths(result) == _key_paths(DOCUMENTED_RUN_RESPONSE) - usage_keys
    assert result["reward"] == 1.0
    metadata = result["metadata"]
    assert (metadata["name"], metadata["type"]) == ("Example string check grader", "string_check")
    assert metadata["token_usage"] is None and metadata["sampled_model_name"] is None
    assert result["sub_rewards"] == {} and metadata["scores"] == {}
    assert result["model_grader_token_usage_per_model"] == {}
    assert not any(metadata["errors"].values())
    json.dumps(result)


def test_run_endpoint_shape_of_a_multi_with_a_judge_and_errors() -> None:
    from rft.judge.fake_server import FakeJudgeServer

    with FakeJudgeServer() as server:
        judge = {
            "type": "score_model",
            "model": "fake-judge",
            "range": [0, 10],
            "input": [{"role": "user", "content": "Answer: {{ sample.output_text }}"}],
            "endpoint": {"base_url": server.base_url(""), "api_key_env": None},
            "cache": False,
        }
        grader = {
            "type": "multi",
            "name": "combo",
            "graders": {"judge": judge, "exact": json.loads(STRING_CHECK)},
            "calculate_output": "0.5 * judge + 0.5 * exact",
        }
        with rft.compile(grader) as reward:
            scores = reward.score(["SCORE=10", "SCORE=5"], [{"label": "SCORE=10"}, {}])
    first, second = scores.to_openai(0), scores.to_openai(1)
    assert _key_paths(first) == _key_paths(DOCUMENTED_RUN_RESPONSE)
    assert first["reward"] == 1.0
    assert first["sub_rewards"] == {"judge": 1.0, "exact": 1.0}
    assert first["metadata"]["scores"] == first["sub_rewards"]
    assert (first["metadata"]["type"], first["metadata"]["sampled_model_name"]) == (
        "multi",
        "fake-judge",
    )
    assert list(first["model_grader_token_usage_per_model"]) == ["fake-judge"]
    usage = first["model_grader_token_usage_per_model"]["fake-judge"]
    assert usage == first["metadata"]["token_usage"]
    # The fake server bills 20 prompt tokens per call; the batch's usage is shared per sample.
    assert usage["prompt_tokens"] == 20.0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert second["reward"] == 0.25  # the failed check scores 0; the judge still counts
    assert second["metadata"]["errors"]["invalid_variable_error"] is True
    assert second["sub_rewards"] == {"judge": 0.5, "exact": 0.0}


def test_error_details_carry_the_grader_message() -> None:
    from rft.results import Scores

    n = 2
    flag = np.array([False, True])
    scores = Scores(
        name="p",
        scores=np.zeros(n),
        errors={"python_grader_runtime_error": flag},
        grader_errors={"p": {"python_grader_runtime_error": flag}},
        messages={"p": [None, "ZeroDivisionError: division by zero"]},
        skipped=np.zeros(n, dtype=bool),
        grader_type="python",
    )
    errors = scores.to_openai(1)["metadata"]["errors"]
    assert errors["python_grader_runtime_error"] is True
    assert errors["python_grader_runtime_error_details"] == "ZeroDivisionError: division by zero"
    assert errors["model_grader_server_error_details"] is None
    assert scores.to_openai(0)["metadata"]["errors"]["python_grader_runtime_error_details"] is None


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
