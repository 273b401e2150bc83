"""`episode`: grading whole multi-turn conversations from a tiny offline calculator environment."""

from __future__ import annotations

import json
import operator

import pytest

import rft
from rft.graders.episode import episode_record
from rft.integrations.trl import TrlReward

OPS = {"add": operator.add, "mul": operator.mul}


def calculator(name: str, arguments: dict) -> str:
    """The environment's one tool: `add` or `mul` of `a` and `b`."""
    return str(OPS[name](arguments["a"], arguments["b"]))


def rollout(plan: list[tuple[str, dict]], answer: str | None, chatter: str = "") -> list[dict]:
    """An episode as TRL's GRPO with tools records it: each planned call is run by the
    calculator and its result fed back; then the final answer (None: the policy never stops)."""
    messages: list[dict] = []
    for k, (name, args) in enumerate(plan):
        call = {
            "id": f"c{k}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)},
        }
        messages.append({"role": "assistant", "content": chatter, "tool_calls": [call]})
        messages.append(
            {"role": "tool", "tool_call_id": f"c{k}", "content": calculator(name, args)}
        )
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    return messages


ITEM = {
    "question": "What is (2 + 3) * 4?",
    "answer": 20,
    "calls": [
        {"name": "add", "arguments": {"a": 2, "b": 3}},
        {"name": "mul", "arguments": {"a": 5, "b": 4}},
    ],
}
BUNDLE = {
    "type": "episode",
    "name": "calc",
    "max_steps": 4,
    "graders": {
        "answer": {
            "type": "numeric",
            "input": "{{ sample.output_text }}",
            "reference": "{{ item.answer }}",
        },
        "tools": {"type": "tool_call", "reference": "{{ item.calls }}", "order": "strict"},
    },
    "weights": {"answer": 3, "tools": 1},
}


def test_calculator_episodes_graded_as_a_whole():
    episodes = [
        rollout([("add", {"a": 2, "b": 3}), ("mul", {"a": 5, "b": 4})], "The answer is 20."),
        rollout([], "20"),  # right answer, no tool use
        rollout([("add", {"a": 2, "b": 3}), ("mul", {"a": 5, "b": 5})], "25"),  # wrong 2nd call
        rollout([("add", {"a": 2, "b": 3})] * 5, "20"),  # 6 assistant turns > max_steps 4
    ]
    with rft.compile(BUNDLE) as reward:
        s = reward.score(episodes, [ITEM] * 4)
    assert s.sub_scores["answer"].tolist() == [1.0, 1.0, 0.0, 1.0]
    # strict order: add matches; mul has the right name and b wrong -> 0.5 + 0.5 * 1/2
    # the 6-turn episode: add matches 1 of 5 calls made, 1 of 2 expected -> F1 2/7
    assert s.sub_scores["tools"].tolist() == pytest.approx([1.0, 0.0, (1 + 0.75) / 2, 2 / 7])
    assert s.scores.tolist() == pytest.approx([1.0, 0.75, 0.875 / 4, 0.0])
    assert s.details["calc"]["steps"] == [3, 1, 3, 6]
    assert s.details["calc"]["over_max_steps"] == [False, False, False, True]
    assert not s.any_error.any()


def test_trl_reward_over_tool_episodes():
    episodes = [
        rollout([("add", {"a": 2, "b": 3}), ("mul", {"a": 5, "b": 4})], "20"),
        rollout([], "19"),
    ]
    prompt = [{"role": "user", "content": ITEM["question"]}]
    with rft.compile(BUNDLE) as reward:
        fn = TrlReward(reward, log_metrics=False)
        rewards = fn(
            [prompt, prompt],
            episodes,
            answer=[20, 20],
            calls=[ITEM["calls"]] * 2,
            question=[ITEM["question"]] * 2,
        )
    assert rewards == [1.0, 0.0]


def test_a_judge_over_the_transcript(judge_spec):
    # The loopback judge answers the SCORE= it finds in the graded block: here the transcript.
    bundle = {
        "type": "episode",
        "name": "judged",
        "graders": {
            "judge": judge_spec(
                input=[
                    {"role": "system", "content": "Grade how the tools were used."},
                    {"role": "user", "content": "{{ sample.output_json.transcript }}"},
                ]
            )
        },
    }
    episode = rollout([("add", {"a": 2, "b": 3})], "5", chatter="SCORE=8")
    with rft.compile(bundle) as reward:
        s = reward.score([episode], [ITEM])
    assert s.scores.tolist() == [0.8]


def test_episode_record():
    record = episode_record(rollout([("add", {"a": 1, "b": 2})], "3"))
    assert record["final"] == "3" and record["steps"] == 2 and record["tool_calls"] == 1
    assert record["tool_results"] == ["3"]
    assert record["transcript"].splitlines() == [
        '[assistant] [tool calls: [{"name":"add","arguments":"{\\"a\\": 1, \\"b\\": 2}"}]]',
        "[tool] 3",
        "[assistant] 3",
    ]
