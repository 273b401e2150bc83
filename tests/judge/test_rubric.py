"""`rubric` against a real loopback chat-completions server: per-criterion scores and errors."""

from __future__ import annotations

import json

import pytest

import rft

ITEM = {"question": "What is 6 * 7?"}
CRITERIA = [
    {
        "name": "correct",
        "description": "Is the final answer right?",
        "choices": ["wrong", "partly", "right"],
        "weight": 3,
    },
    {
        "name": "concise",
        "description": "Is it short?",
        "choices": ["rambling", "concise"],
        "weight": 1,
    },
]


def reply(correct: str, concise: str, **extra: object) -> str:
    criteria = [
        {"name": "correct", "reason": "checked the product", "verdict": correct},
        {"name": "concise", "reason": "one line", "verdict": concise},
    ]
    return "REPLY[*]: " + json.dumps({"criteria": criteria, **extra})


@pytest.fixture
def rubric_spec(scripted_server, tmp_path):
    def make(**fields):
        spec = {
            "type": "rubric",
            "name": "rubric",
            "model": "fake-judge",
            "criteria": CRITERIA,
            "input": [
                {"role": "system", "content": "Grade the answer to: {{ item.question }}"},
                {"role": "user", "content": "{{ sample.output_text }}"},
            ],
            "endpoint": {"base_url": scripted_server.base_url(), "api_key_env": None},
            "max_retries": 0,
            "timeout_s": 2,
            "cache": str(tmp_path / "cache"),
        }
        spec.update(fields)
        return spec

    return make


def score(spec, texts):
    with rft.compile(spec) as reward:
        return reward.score(texts, [ITEM] * len(texts))


def test_weighted_criteria_and_per_criterion_details(rubric_spec):
    s = score(
        rubric_spec(),
        [reply("right", "concise"), reply("partly", "rambling"), reply("wrong", "concise")],
    )
    # (3 * choice score of `correct` + 1 * choice score of `concise`) / 4
    assert s.scores.tolist() == [1.0, 0.375, 0.25]
    assert not s.any_error.any()
    d = s.details["rubric"]
    assert d["criterion.correct"] == [1.0, 0.5, 0.0]
    assert d["criterion.concise"] == [1.0, 0.0, 1.0]
    assert d["result"][1] == {"correct": "partly", "concise": "rambling"}
    assert d["reasons"][0] == {"correct": "checked the product", "concise": "one line"}
    frame = s.to_frame()
    assert frame["rubric.criterion.correct"].tolist() == [1.0, 0.5, 0.0]


def test_malformed_criterion_flags_only_that_sample(rubric_spec):
    bad_verdict = reply("excellent", "concise")  # not one of the choices
    missing = "REPLY[*]: " + json.dumps(
        {"criteria": [{"name": "correct", "reason": "x", "verdict": "right"}]}
    )
    not_json = "REPLY[*]: the answer is right and concise"
    s = score(rubric_spec(), [bad_verdict, reply("right", "rambling"), missing, not_json])
    assert s.errors["model_grader_parse_error"].tolist() == [True, False, True, True]
    assert s.scores.tolist() == [0.0, 0.75, 0.0, 0.0]
    assert "`correct`: verdict 'excellent' is not one of ['wrong', 'partly', 'right']" in (
        s.first_message(0)
    )
    assert "`concise`: missing" in s.first_message(2)
    assert "no JSON object with `criteria`" in s.first_message(3)
    assert s.details["rubric"]["criterion.correct"] == [None, 1.0, None, None]


def test_request_is_deterministic_and_the_rubric_keys_the_cache(rubric_spec, scripted_server):
    texts = [reply("right", "concise")]
    score(rubric_spec(), texts)
    score(rubric_spec(), texts)
    assert scripted_server.requests == 1  # the second run is a cache hit
    changed = [dict(CRITERIA[0], description="Is the arithmetic right?"), CRITERIA[1]]
    score(rubric_spec(criteria=changed), texts)
    assert scripted_server.requests == 2  # a changed rubric is a new request


def test_rubric_text_temperature_and_order_in_the_request(rubric_spec):
    with rft.compile(rubric_spec()) as reward:
        body = reward.grader.judge.body([{"role": "user", "content": "x"}])
        note = reward.grader.reply_format()
    assert body["temperature"] == 0.0
    assert note.index("- correct:") < note.index("- concise:")
    assert 'choices (worst to best): "wrong" | "partly" | "right"' in note


def test_bad_rubric_specs_are_load_errors():
    base = {"type": "rubric", "model": "m", "input": [{"role": "user", "content": "x"}]}
    with pytest.raises(rft.BundleError, match="2 scores for 3 choices"):
        rft.load_bundle({**base, "criteria": [dict(CRITERIA[0], scores=[0, 1])]})
    with pytest.raises(rft.BundleError, match="unique"):
        rft.load_bundle({**base, "criteria": [CRITERIA[0], CRITERIA[0]]})
