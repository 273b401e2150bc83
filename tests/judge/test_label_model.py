"""`label_model` against the loopback server: labels, passing labels, aggregation."""

from __future__ import annotations

import pytest

import rft


@pytest.fixture
def label_spec(judge_spec):
    def make(mode: str = "", **fields):
        spec = judge_spec(mode, **fields)
        spec.pop("range")
        spec.update(
            type="label_model",
            name="label",
            labels=["good", "ok", "bad"],
            passing_labels=["good", "ok"],
        )
        return spec

    return make


def test_labels_map_to_pass_and_fail(label_spec):
    with rft.compile(label_spec()) as reward:
        s = reward.score(
            ["LABEL=good", "LABEL=ok", "LABEL=bad", "LABEL=Good"], [{"question": "q"}] * 4
        )
    assert s.scores.tolist() == [1.0, 1.0, 0.0, 1.0]
    assert s.details["label"]["result"] == ["good", "ok", "bad", "good"]


def test_unknown_label_is_a_parse_error(label_spec):
    with rft.compile(label_spec()) as reward:
        s = reward.score(["LABEL=great", "LABEL=bad"], [{"question": "q"}] * 2)
    assert s.errors["model_grader_parse_error"].tolist() == [True, False]
    assert "not one of the labels" in s.first_message(0)


def test_bare_label_replies_and_refusals(label_spec):
    with rft.compile(label_spec("bare")) as reward:
        assert reward.score(["LABEL=ok"], [{"question": "q"}]).scores[0] == 1.0
    with rft.compile(label_spec("refusal-text")) as reward:
        s = reward.score(["LABEL=ok"], [{"question": "q"}])
    assert s.errors["model_grader_refusal_error"][0]


def test_majority_of_several_draws(label_spec, judge_server):
    with rft.compile(label_spec(samples=3, aggregate="majority", cache=False)) as reward:
        s = reward.score(["LABEL=bad", "LABEL=good"], [{"question": "q"}] * 2)
    assert judge_server.requests == 6
    assert s.scores.tolist() == [0.0, 1.0]
    assert s.details["label"]["votes"] == [["bad"] * 3, ["good"] * 3]
