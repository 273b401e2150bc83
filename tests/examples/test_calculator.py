"""The calculator example trains end to end on CPU: GRPO with a tool, an rft episode reward.

Builds the example's data and tiny model, warms it up on demonstrations, then runs two GRPO
steps in which TRL executes the policy's calculator calls; the reward is the example's
`episode` bundle through rft's TRL adapter. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from rft.cli.main import app

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


@pytest.mark.slow  # builds a model, an SFT warm-up and two GRPO steps (about a minute)
def test_grpo_with_the_calculator_tool_trains_on_an_episode_reward(tmp_path: Path) -> None:
    build, train = example_module("build_data"), example_module("train")
    calculator = example_module("calculator").calculator
    build.build(tmp_path, n_train=240, n_valid=20)
    valid = train.read_jsonl(tmp_path / "data" / "valid.jsonl")[:8]
    trainer, log = train.train(
        tmp_path, warmup_epochs=3, steps=2, prompts_per_step=4, num_generations=4, valid_rows=valid
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
    # The greedy tool-loop evaluation graded 8 episodes after the warm-up and after GRPO.
    assert list(log.valid) == ["after_warmup", "after_grpo"]
    assert all(set(v) == {"reward", "answer", "calls"} for v in log.valid.values())
    episode = train.rollout(trainer.model, trainer.processing_class, valid[0]["messages"])
    for call, result in calls_and_results(episode):
        arguments = call["function"]["arguments"]
        if call["function"]["name"] == "calculator" and set(arguments) == {"expression"}:
            assert result["content"] == calculator(**arguments)
    # TRL trained on exactly these rewards and counted the tool calls.
    history = [h for h in trainer.state.log_history if "reward" in h]
    assert [h["rewards/calculator_episode/mean"] for h in history] == pytest.approx(
        [s["reward"] for s in log.steps]
    )
    assert history[-1]["tools/call_frequency"] == pytest.approx(
        sum(details["tool_calls"]) / len(episodes)
    )


# -- `rft train` with a `tools:` job field --------------------------------------------------
JOB = """\
model: model
train_file: data/train.jsonl
valid_file: data/valid.jsonl
grader: grader.yaml
tools: [{tool}]
warmup:
  n_epochs: 3
  batch_size: 16
  learning_rate_multiplier: 3
  target: |-
    <call>{{"name": "calculator", "arguments": {{"expression": "{{{{ item.expression }}}}"}}}}</call></s>
    tool: {{{{ item.answer }}}}
    assistant: {{{{ item.answer }}}}
hyperparameters: {{max_steps: 2, batch_size: 4, num_generations: 4, max_completion_tokens: 24,
                  eval_interval: 2, eval_samples: 8}}
trainer: {{max_tool_calling_iterations: 2}}
method: {method}
output_dir: run
"""

# A real tool that also writes down each call it served (the example's calculator inside).
RECORDING_TOOL = f"""\
import json, sys
sys.path.insert(0, {str(EXAMPLE)!r})
from calculator import calculator as _calculator

def calculator(expression: str) -> str:
    \"\"\"Evaluate an arithmetic expression of integers.

    Args:
        expression: integers with +, - and * and parentheses, for example 12+34.
    \"\"\"
    result = _calculator(expression)
    with open(__file__ + ".calls.jsonl", "a") as log:
        log.write(json.dumps({{"expression": expression, "result": result}}) + "\\n")
    return result
"""


def job_folder(root: Path, tool: str = "tool.py:calculator", method: str = "grpo") -> Path:
    folder = root / "job"
    folder.mkdir()
    (folder / "job.yaml").write_text(JOB.format(tool=tool, method=method))
    (folder / "tool.py").write_text(RECORDING_TOOL)
    shutil.copy(EXAMPLE / "grader.yaml", folder / "grader.yaml")
    return folder / "job.yaml"


@pytest.mark.parametrize(
    ("tool", "method", "message"),
    [
        (
            "../outside.py:calculator",
            "grpo",
            "tools[0]: ../outside.py is not a file inside the job's folder",
        ),
        (
            "missing.py:calculator",
            "grpo",
            "tools[0]: missing.py is not a file inside the job's folder",
        ),
        ("tool.py", "grpo", "tools[0]: 'tool.py' is not `file.py:function`"),
        ("tool.py:calculator", "rloo", "tools: TRL runs tools with method grpo only, not rloo"),
    ],
)
def test_bad_tools_entries_are_config_errors(
    tmp_path: Path, tool: str, method: str, message: str
) -> None:
    (tmp_path / "outside.py").write_text("def calculator(expression: str) -> str: ...\n")
    job = job_folder(tmp_path, tool, method)
    result = CliRunner().invoke(app, ["train", str(job)])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.slow  # builds a model, an SFT warm-up and two GRPO steps (about a minute)
def test_rft_train_runs_the_jobs_tool_between_turns(tmp_path: Path) -> None:
    build = example_module("build_data")
    job = job_folder(tmp_path)
    build.build(job.parent, n_train=240, n_valid=20)
    shutil.move(job.parent / "tiny-model", job.parent / "model")
    result = CliRunner().invoke(app, ["train", str(job)])
    assert result.exit_code == 0, result.output
    calls = [
        json.loads(line) for line in (job.parent / "tool.py.calls.jsonl").read_text().splitlines()
    ]
    calculator = example_module("calculator").calculator
    assert calls  # TRL called the job's tool with the policy's arguments
    assert all(c["result"] == calculator(c["expression"]) for c in calls)
    rows = [
        json.loads(line) for line in (job.parent / "run" / "metrics.jsonl").read_text().splitlines()
    ]
    train = [r for r in rows if r.get("type") == "train"]
    assert [r["step"] for r in train] == [1, 2]
    # The episode grader scored the calls: some earned credit for calling the calculator.
    assert max(r["graders"]["calls"] for r in train) > 0
    # Validation grades greedy episodes too (turns and tool results, as training graded),
    # not one completion cut at the first call.
    evals = [r for r in rows if r.get("type") == "eval"]
    assert [r["step"] for r in evals] == [0, 2]
    assert all(r["episodes"]["turns"] >= 1 for r in evals), evals
    assert all(r["n"] == 8 for r in evals)
