"""The compiled reward function: batch contract, crash containment, TRL adapter, check_items."""

from __future__ import annotations

import asyncio
import json
from typing import Literal

import numpy as np
import pytest

import rft
from rft.batch import Batch
from rft.errors import ERROR_FLAGS
from rft.graders.base import Grader, GraderOutput
from rft.graders.registry import register
from rft.spec.string import StringCheckSpec

BUNDLE = {
    "type": "multi",
    "name": "answer_check",
    "graders": {
        "exact": {
            "type": "string_check",
            "input": "{{ sample.output_text | extract_tag('answer') }}",
            "reference": "{{ item.answer }}",
        },
        "mentions": {"type": "string_check", "reference": "{{ item.answer }}", "operation": "like"},
    },
    "calculate_output": "0.8 * exact + 0.2 * mentions",
}


def test_scores_object_shape_and_frame() -> None:
    reward = rft.compile(BUNDLE)
    result = reward.score(["<answer>4</answer>", "it is 4", "5"], [{"answer": "4"}] * 3)
    assert result.scores.dtype == np.float64
    np.testing.assert_allclose(result.scores, [1.0, 0.2, 0.0])
    frame = result.to_frame()
    assert list(frame["score"]) == pytest.approx([1.0, 0.2, 0.0])
    assert list(frame.columns) == [
        "score",
        "skipped",
        "score.exact",
        "score.mentions",
        *ERROR_FLAGS,
        "error_message",
    ]
    assert result.timing["total"] > 0 and "exact" in result.timing
    openai = result.to_openai(1)
    assert openai["reward"] == pytest.approx(0.2)
    assert openai["sub_rewards"] == {"exact": 0.0, "mentions": 1.0}
    assert [flag for flag, value in openai["metadata"]["errors"].items() if value] == []
    json.dumps(openai)  # serializable


def test_batch_equals_one_by_one() -> None:
    reward = rft.compile(BUNDLE)
    outputs = ["<answer>4</answer>", "4", "", "<answer>5</answer> 4", None]
    items = [{"answer": "4"}, {"answer": "4"}, {"answer": ""}, {"answer": "4"}, {"answer": "x"}]
    batch = reward.score(outputs, items).scores
    single = [reward.score_one(o, i).scores[0] for o, i in zip(outputs, items, strict=True)]
    np.testing.assert_array_equal(batch, single)


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="pair up"):
        rft.compile(BUNDLE).score(["a"], [])


class _CrashingSpec(StringCheckSpec):
    type: Literal["test_crashing"] = "test_crashing"  # type: ignore[assignment]


class _NanSpec(StringCheckSpec):
    type: Literal["test_nan"] = "test_nan"  # type: ignore[assignment]


@register
class _CrashingGrader(Grader):
    spec_type = _CrashingSpec

    def grade(self, batch: Batch) -> GraderOutput:
        raise RuntimeError("boom")


@register
class _NanGrader(Grader):
    spec_type = _NanSpec

    def grade(self, batch: Batch) -> GraderOutput:
        return GraderOutput(scores=np.array([np.nan, np.inf, -3.0, 7.0][: len(batch)]))


def _bundle_with(type_name: str) -> rft.RewardFunction:
    reward = rft.compile(
        {
            "type": "multi",
            "graders": {
                "ok": {"type": "string_check", "reference": "a"},
                "bad": {"type": "string_check", "reference": "a"},
            },
        }
    )
    # Swap the implementation of one sub-grader for a misbehaving one (registry plugin path).
    from rft.graders.registry import grader_class

    multi = reward.grader
    multi._children["bad"] = grader_class(type_name)(multi._children["bad"].spec)
    return reward


def test_a_crashing_grader_flags_the_batch_and_does_not_raise() -> None:
    result = _bundle_with("test_crashing").score(["a", "b"], [{}, {}])
    assert result.scores.tolist() == [0.5, 0.0]
    assert result.errors["other_error"].tolist() == [True, True]
    assert result.messages["bad"] == ["grader `bad` raised RuntimeError: boom"] * 2
    assert result.sub_scores["ok"].tolist() == [1.0, 0.0]


def test_non_finite_and_out_of_range_scores_are_sanitized() -> None:
    result = _bundle_with("test_nan").score(["a", "a", "a", "a"], [{}] * 4)
    # nan and inf become 0 and are flagged; -3 and 7 are clipped to 0 and 1 (no flag).
    assert result.sub_scores["bad"].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert result.sub_scores["ok"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert result.scores.tolist() == [0.5, 0.5, 0.5, 1.0]
    assert {flag: mask.tolist() for flag, mask in result.errors.items() if mask.any()} == {
        "other_error": [True, True, False, False]
    }
    assert result.messages["bad"] == ["score is not a finite number"] * 2 + [None, None]


def test_trl_reward_function_contract() -> None:
    reward = rft.compile(BUNDLE)
    fn = rft.trl_reward(reward)
    assert fn.__name__ == "answer_check"
    logged: dict[str, float] = {}
    extra: dict[str, list] = {}
    rewards = fn(
        prompts=[[{"role": "user", "content": "2+2?"}]] * 2,
        completions=[
            [{"role": "assistant", "content": "<answer>4</answer>"}],
            [{"role": "assistant", "content": "5"}],
        ],
        completion_ids=[[1], [2]],
        answer=["4", "4"],
        trainer_state=object(),
        log_metric=lambda name, value: logged.__setitem__(name, value),
        log_extra=lambda name, values: extra.__setitem__(name, values),
    )
    assert rewards == [1.0, 0.0]
    assert logged == {"answer_check/exact": 0.5, "answer_check/mentions": 0.5}
    assert extra["answer_check/exact"] == [1.0, 0.0]


def test_trl_items_include_prompt() -> None:
    reward = rft.compile({"type": "string_check", "input": "{{ item.prompt }}", "reference": "q"})
    assert rft.trl_reward(reward)(prompts=["q", "r"], completions=["", ""]) == [1.0, 0.0]


def test_async_scoring_matches_sync() -> None:
    reward = rft.compile(BUNDLE)
    outputs, items = ["<answer>4</answer>", "4"], [{"answer": "4"}] * 2
    assert (
        asyncio.run(reward.ascore(outputs, items)).scores.tolist()
        == reward.score(outputs, items).scores.tolist()
    )


def test_check_items_reports_rows_and_fields() -> None:
    reward = rft.compile(BUNDLE)
    assert reward.check_items([{"answer": 1}]) == []
    assert reward.check_items([{"answer": 1}, {"answr": 1}]) == [
        "row 2: grader `exact` reads `item.answer`, which is missing",
        "row 2: grader `mentions` reads `item.answer`, which is missing",
    ]


def test_every_grader_type_is_named_once_and_has_its_implementation() -> None:
    from rft.graders.registry import grader_class
    from rft.spec.bundle import BUILTIN_SPECS, GRADER_TYPES, SPEC_CLASSES

    assert GRADER_TYPES == (
        "string_check",
        "text_similarity",
        "ranked_list",
        "numeric",
        "json_schema",
        "score_model",
        "label_model",
        "python",
        "multi",
        "rubric",
        "panel",
        "tool_call",
        "episode",
    )
    for name in GRADER_TYPES:
        implementation = grader_class(name)
        assert implementation.spec_type is SPEC_CLASSES[name]
        assert implementation.__module__ == BUILTIN_SPECS[SPEC_CLASSES[name]]
    with pytest.raises(LookupError, match="no grader implementation registered for type `nope`"):
        grader_class("nope")


def test_trl_reward_is_async_for_io_bound_bundles_and_logs_once() -> None:
    import inspect

    source = (
        "def grade(sample, item):\n    return 1.0 if sample['output_text'] == item['a'] else 0.0\n"
    )
    with rft.compile({"type": "python", "name": "py", "source": source}) as reward:
        fn = rft.trl_reward(reward)
        assert inspect.iscoroutinefunction(fn) and fn.__name__ == "py"
        logged: dict[str, float] = {}
        rewards = asyncio.run(
            fn(
                prompts=["p", "p"],
                completions=["a", "b"],
                a=["a", "a"],
                log_metric=lambda name, value: logged.__setitem__(name, value),
            )
        )
    assert rewards == [1.0, 0.0]
    assert logged == {"py/py": 0.5}
    sync = rft.trl_reward(rft.compile(BUNDLE), log_metrics=False)
    assert not inspect.iscoroutinefunction(sync) and sync.__name__ == "answer_check"


def test_check_items_reports_an_item_extraction_that_finds_nothing() -> None:
    reward = rft.compile(
        {
            "type": "string_check",
            "name": "m",
            "operation": "like",
            "input": "{{ sample.output_text }}",
            "reference": "{{ item.solution | extract_tag('answer') }}",
        }
    )
    rows = [{"solution": "<answer>4</answer>"}, {"solution": "no tag"}, {}]
    assert reward.check_items(rows) == [
        "row 2: grader `m`'s `{{ item.solution | extract_tag('answer') }}` found nothing in this "
        "item (every sample of it would score 0 with invalid_variable_error)",
        "row 3: grader `m` reads `item.solution`, which is missing",
    ]
    # What the report warns about is what grading does: the empty reference never matches.
    scores = reward.score(["4", "anything"], rows[:2])
    assert scores.scores.tolist() == [1.0, 0.0]
    assert scores.errors["invalid_variable_error"].tolist() == [False, True]
