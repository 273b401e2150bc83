"""`tool_call`: calls compared by name and arguments; OpenAI's graders-guide example."""

from __future__ import annotations

import json

import pytest

import rft
from rft.integrations.trl import TrlReward

# OpenAI's graders guide, "Grading tool calls" (developers.openai.com/api/docs/guides/graders):
# a `multi` of two `string_check`s on `sample.output_tools[0]`, weighted 0.5 / 0.5. The guide
# notes that the `arguments` check under-rewards subtly different but equal arguments (`1`
# for `1.0`, other formatting): string equality on the JSON text.
GUIDE_MULTI = {
    "type": "multi",
    "graders": {
        "function_name": {
            "name": "function_name",
            "type": "string_check",
            "input": "get_acceptors",
            "reference": "{{sample.output_tools[0].function.name}}",
            "operation": "eq",
        },
        "arguments": {
            "name": "arguments",
            "type": "string_check",
            "input": '{"smiles": "{{item.smiles}}"}',
            "reference": "{{sample.output_tools[0].function.arguments}}",
            "operation": "eq",
        },
    },
    "calculate_output": "0.5 * function_name + 0.5 * arguments",
}
TOOL_CALL = {
    "type": "tool_call",
    "name": "calls",
    "reference": [{"name": "get_acceptors", "arguments": {"smiles": "{{ item.smiles }}"}}],
}
ITEM = {"smiles": "CCO"}


def sample(name: str, arguments: str) -> dict:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
    return {"output_text": "", "output_tools": [call]}


def tool_call_spec(**fields):
    return {
        "type": "tool_call",
        "name": "calls",
        "reference": "{{ item.calls }}",
        **fields,
    }


def scores(spec, samples, items):
    with rft.compile(spec) as reward:
        return reward.score(samples, items)


def test_openai_guide_example_scores_as_the_guide_says():
    samples = [
        sample("get_acceptors", '{"smiles": "CCO"}'),  # right name, right arguments
        sample("get_acceptors", '{"smiles": "CCC"}'),  # right name, wrong arguments
        sample("get_donors", '{"smiles": "CCO"}'),  # wrong name, right arguments
        sample("get_acceptors", '{ "smiles" : "CCO" }'),  # same arguments, other spacing
    ]
    guide = scores(GUIDE_MULTI, samples, [ITEM] * 4)
    assert guide.scores.tolist() == [1.0, 0.5, 0.5, 0.5]  # the guide's under-reward
    expected = {"calls": [{"name": "get_acceptors", "arguments": {"smiles": "CCO"}}]}
    ours = scores(tool_call_spec(), samples, [expected] * 4)
    # Same 0.5 name / 0.5 arguments weighting; the arguments compare as JSON, so spacing is
    # no mismatch, and a wrong function earns nothing for its arguments.
    assert ours.scores.tolist() == [1.0, 0.5, 0.0, 1.0]


def test_numbers_within_tolerance_and_per_argument_rules():
    item = {"calls": [{"name": "move", "arguments": {"x": 1.0, "y": 2, "city": "Paris"}}]}
    spec = tool_call_spec(
        tolerance={"abs": 0.01},
        arguments={"city": {"casefold": True}, "move.y": {"schema": {"type": "integer"}}},
    )
    samples = [
        sample("move", '{"x": 1, "y": 7, "city": "paris"}'),  # 1 == 1.0; y any integer
        sample("move", '{"x": 1.005, "y": 2.5, "city": "Paris"}'),  # y is not an integer
        sample("move", '{"x": 1.5, "y": 2, "city": "Paris", "z": 0}'),  # x off; z extra
        sample("move", '{"x": 1, "y":'),  # arguments are not JSON: the name earns its share
    ]
    s = scores(spec, samples, [item] * 4)
    assert s.scores.tolist() == pytest.approx([1.0, 0.5 + 0.5 * 2 / 3, 0.5 + 0.5 * 2 / 4, 0.5])
    assert s.details["calls"]["notes"][3] == ["call 0 (`move`): arguments are not JSON"]
    assert not s.any_error.any()
    ignoring = scores(tool_call_spec(extra_arguments="ignore"), samples[2:3], [item])
    assert ignoring.scores.tolist() == pytest.approx([0.5 + 0.5 * 2 / 3])


def test_f1_over_a_set_of_calls_any_order_and_strict_order():
    want = [
        {"name": "a", "arguments": {}},
        {"name": "b", "arguments": {}},
        {"name": "c", "arguments": {}},
    ]
    item = {"calls": want}
    made = {
        "output_text": "",
        "output_tools": [
            {"function": {"name": "b", "arguments": "{}"}},
            {"function": {"name": "a", "arguments": "{}"}},
        ],
    }
    any_order = scores(tool_call_spec(), [made], [item])
    # precision 2/2, recall 2/3 -> F1 0.8
    assert any_order.scores.tolist() == pytest.approx([0.8])
    assert any_order.details["calls"]["precision"] == [1.0]
    assert any_order.details["calls"]["recall"] == [pytest.approx(2 / 3)]
    strict = scores(tool_call_spec(order="strict"), [made], [item])
    assert strict.scores.tolist() == [0.0]  # b vs a, a vs b
    none_made = scores(tool_call_spec(), [{"output_text": "no calls"}], [item])
    assert none_made.scores.tolist() == [0.0] and not none_made.any_error.any()
    none_wanted = scores(tool_call_spec(), ["plain text"], [{"calls": []}])
    assert none_wanted.scores.tolist() == [1.0]


def test_chat_format_completion_from_trl_reads_every_assistant_turn():
    completion = [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"type": "function", "function": {"name": "add", "arguments": {"a": 2, "b": 3}}}
            ],
        },
        {"role": "tool", "name": "add", "content": "5"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"type": "function", "function": {"name": "mul", "arguments": '{"a": 5, "b": 4}'}}
            ],
        },
        {"role": "tool", "name": "mul", "content": "20"},
        {"role": "assistant", "content": "The answer is 20."},
    ]
    item = {
        "calls": json.dumps(
            [
                {"name": "add", "arguments": {"a": 2, "b": 3}},
                {"name": "mul", "arguments": {"a": 5, "b": 4}},
            ]
        )
    }
    s = scores(tool_call_spec(order="strict"), [completion], [item])
    assert s.scores.tolist() == [1.0]
    assert s.details["calls"]["calls"] == [2] and s.details["calls"]["exact"] == [2]
    # As TRL's GRPO calls a reward function: prompts, completions and the dataset's columns.
    with rft.compile(tool_call_spec()) as reward:
        trl_reward = TrlReward(reward, log_metrics=False)
        prompt = [{"role": "user", "content": "What is (2 + 3) * 4?"}]
        assert trl_reward([prompt], [completion], calls=[item["calls"]]) == [1.0]


def test_bad_reference_is_flagged_and_bad_schema_is_a_load_error():
    s = scores(tool_call_spec(), [sample("a", "{}")], [{"calls": "not json"}])
    assert s.errors["invalid_variable_error"].tolist() == [True]
    assert "reference is not a list of calls" in s.first_message(0)
    with pytest.raises(rft.BundleError, match="not a JSON Schema"):
        rft.load_bundle(tool_call_spec(arguments={"x": {"schema": {"type": 5}}}))
