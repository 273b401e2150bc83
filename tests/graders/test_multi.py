"""multi: formulas, weights, mean, nesting, clipping, error propagation and skip."""

from __future__ import annotations

import numpy as np

import rft

EQ = {"type": "string_check", "reference": "{{ item.a }}"}
LIKE = {"type": "string_check", "reference": "{{ item.a }}", "operation": "like"}


def test_formula_and_sub_scores() -> None:
    reward = rft.compile(
        {
            "type": "multi",
            "name": "m",
            "graders": {"eq": EQ, "like": LIKE},
            "calculate_output": "0.25 * eq + 0.75 * like",
        }
    )
    result = reward.score(["x", "the x", "y"], [{"a": "x"}] * 3)
    assert result.scores.tolist() == [1.0, 0.75, 0.0]
    assert result.sub_scores["eq"].tolist() == [1.0, 0.0, 0.0]
    assert result.sub_scores["like"].tolist() == [1.0, 1.0, 0.0]


def test_weights_and_default_mean() -> None:
    weighted = rft.compile(
        {"type": "multi", "graders": {"eq": EQ, "like": LIKE}, "weights": {"eq": 3, "like": 1}}
    )
    assert weighted.score(["the x"], [{"a": "x"}]).scores.tolist() == [0.25]
    mean = rft.compile({"type": "multi", "graders": {"eq": EQ, "like": LIKE}})
    assert mean.score(["the x"], [{"a": "x"}]).scores.tolist() == [0.5]


def test_formula_result_is_clipped_and_non_finite_is_flagged() -> None:
    over = rft.compile({"type": "multi", "graders": {"eq": EQ}, "calculate_output": "eq * 5 - 1"})
    assert over.score(["x", "y"], [{"a": "x"}] * 2).scores.tolist() == [1.0, 0.0]
    division = rft.compile({"type": "multi", "graders": {"eq": EQ}, "calculate_output": "1 / eq"})
    result = division.score(["x", "y"], [{"a": "x"}] * 2)
    assert result.scores.tolist() == [1.0, 0.0]
    assert result.errors["other_error"].tolist() == [False, True]
    assert np.isfinite(result.scores).all()


def test_nested_multi_dotted_sub_scores() -> None:
    inner = {
        "type": "multi",
        "graders": {"eq": EQ, "like": LIKE},
        "calculate_output": "max(eq, like)",
    }
    reward = rft.compile(
        {
            "type": "multi",
            "graders": {"inner": inner, "eq": EQ},
            "calculate_output": "inner * 0.5 + eq * 0.5",
        }
    )
    result = reward.score(["the x"], [{"a": "x"}])
    assert set(result.sub_scores) == {"inner", "inner.eq", "inner.like", "eq"}
    assert result.scores.tolist() == [0.5]


def test_failing_sub_grader_zero_policy_keeps_the_rest() -> None:
    reward = rft.compile(
        {
            "type": "multi",
            "graders": {
                "eq": EQ,
                "const": {"type": "string_check", "reference": "z", "operation": "ne"},
            },
            "calculate_output": "(eq + const) / 2",
        }
    )
    result = reward.score(["x"], [{}])  # item.a missing: eq errors, scores 0
    assert result.scores.tolist() == [0.5]
    assert result.errors["invalid_variable_error"].tolist() == [True]
    assert result.skipped.tolist() == [False]
    assert "eq" in result.grader_errors


def test_skip_policy_gives_none_rewards() -> None:
    reward = rft.compile(
        {"type": "multi", "graders": {"eq": {**EQ, "on_error": "skip"}, "like": LIKE}}
    )
    result = reward.score(["x", "x"], [{"a": "x"}, {}])
    assert result.rewards() == [1.0, None]
    assert result.skipped.tolist() == [False, True]
    assert result.mean == 1.0
