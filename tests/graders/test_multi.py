"""multi: formulas, weights, mean, nesting, clipping, error propagation and skip."""

from __future__ import annotations

import json

import numpy as np
import pytest

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
    assert {
        g: {f: m.tolist() for f, m in flags.items()} for g, flags in result.grader_errors.items()
    } == {"eq": {"invalid_variable_error": [True]}}


def test_skip_policy_gives_none_rewards() -> None:
    reward = rft.compile(
        {"type": "multi", "graders": {"eq": {**EQ, "on_error": "skip"}, "like": LIKE}}
    )
    result = reward.score(["x", "x"], [{"a": "x"}, {}])
    assert result.rewards() == [1.0, None]
    assert result.skipped.tolist() == [False, True]
    assert result.mean == 1.0


def test_graders_as_a_list_are_keyed_by_name() -> None:
    # OpenAI's API reference writes `graders` as a list; names become the formula's variables.
    reward = rft.compile(
        {
            "type": "multi",
            "graders": [{**EQ, "name": "eq"}, {**LIKE, "name": "like"}],
            "calculate_output": "0.25 * eq + 0.75 * like",
        }
    )
    result = reward.score(["x", "the x", "y"], [{"a": "x"}] * 3)
    assert result.scores.tolist() == [1.0, 0.75, 0.0]
    assert list(result.sub_scores) == ["eq", "like"]
    assert result.sub_scores["eq"].tolist() == [1.0, 0.0, 0.0]


def _load_error(tmp_path, graders) -> str:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"type": "multi", "graders": graders}, indent=2))
    with pytest.raises(rft.BundleError) as info:
        rft.load_bundle(path)
    return str(info.value)


def test_a_multi_inside_a_listed_multi_is_refused_with_its_location(tmp_path) -> None:
    inner = {"type": "multi", "name": "inner", "graders": [{**EQ, "name": "x"}]}
    message = _load_error(tmp_path, [{**EQ, "name": "eq"}, inner])
    assert message.startswith(
        f"{tmp_path / 'bundle.json'}:3, field `graders`: graders[1] (`inner`) is a `multi` "
        "inside a `multi`, which OpenAI's grader JSON does not allow"
    )


def test_a_listed_grader_needs_a_unique_name(tmp_path) -> None:
    assert "graders[0] has no `name`" in _load_error(tmp_path, [EQ])
    twice = [{**EQ, "name": "a"}, {**LIKE, "name": "a"}]
    assert "graders[1]: the name `a` is used twice" in _load_error(tmp_path, twice)
