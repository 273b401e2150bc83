"""The calculator example trains end to end on CPU: GRPO with a tool, an rft episode reward.

Builds the example's data and tiny model, warms it up on demonstrations, then runs two GRPO
steps in which TRL executes the policy's calculator calls; the reward is the example's
`episode` bundle through rft's TRL adapter. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow  # builds a model, an SFT warm-up and two GRPO steps (minutes)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "calculator"


def example_module(name: str) -> ModuleType:
    """A module of the example folder, by file (its folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"calculator_example_{name}", EXAMPLE / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def calls_and_results(episode: list[dict]) -> list[tuple[dict, dict]]:
    """(tool call, the tool message answering it) pairs, in order."""
    pairs = []
    for i, message in enumerate(episode):
        calls = message.get("tool_calls") or []
        results = [m for m in episode[i + 1 : i + 1 + len(calls)] if m["role"] == "tool"]
        pairs += list(zip(calls, results, strict=False))
    return pairs


def test_grpo_with_the_calculator_tool_trains_on_an_episode_reward(tmp_path: Path) -> None:
    build, train = example_module("build_data"), example_module("train")
    calculator = example_module("calculator").calculator
    build.build(tmp_path, n_train=240, n_valid=20)
    trainer, log = train.train(
        tmp_path, warmup_epochs=3, steps=2, prompts_per_step=4, num_generations=4
    )
    assert trainer.state.global_step == 2
    assert len(log.steps) == 2  # one graded batch per step
    graded = log.last
    episodes = [list(c) for c in graded.completions]
    assert len(episodes) == 16
    # Real tool calls: TRL ran the calculator on the policy's own calls and fed each result
    # back as a tool message; after one, the policy wrote another turn.
    pairs = [p for e in episodes for p in calls_and_results(e)]
    assert pairs, "the warmed-up policy made no tool call"
    for call, result in pairs:
        function = call["function"]
        expected = (
            calculator(**function["arguments"])
            if function["name"] == "calculator" and set(function["arguments"]) == {"expression"}
            else None
        )
        if expected is not None:
            assert result == {"role": "tool", "name": "calculator", "content": expected}
    assert any(
        m["role"] == "assistant" and i > 0 and e[i - 1]["role"] == "tool"
        for e in episodes
        for i, m in enumerate(e)
    )
    # The episode grader saw those trajectories: its counts are the episodes' own.
    scores = graded.scores
    details = scores.details["calculator_episode"]
    assert details["tool_calls"] == [
        sum(len(m.get("tool_calls") or []) for m in e if m["role"] == "assistant") for e in episodes
    ]
    assert details["steps"] == [sum(m["role"] == "assistant" for m in e) for e in episodes]
    assert not scores.any_error.any()  # the items (expression, answer) came through TRL's columns
    calls = scores.sub_scores["calls"]
    for e, value in zip(episodes, calls, strict=True):
        names = [c["function"]["name"] for m in e for c in m.get("tool_calls") or []]
        if not names:
            assert value == 0.0
        elif names == ["calculator"]:
            assert value >= 0.5  # the right tool, with arguments right or not
    # TRL trained on exactly these rewards and counted the tool calls.
    history = [h for h in trainer.state.log_history if "reward" in h]
    assert [h["rewards/calculator_episode/mean"] for h in history] == pytest.approx(
        [s["reward"] for s in log.steps]
    )
    assert history[-1]["tools/call_frequency"] == pytest.approx(
        sum(details["tool_calls"]) / len(episodes)
    )
