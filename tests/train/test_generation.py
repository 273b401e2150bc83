"""Batched generation from an in-memory model, and the PPO reward-model adapter."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="needs the `train` extra")
transformers = pytest.importorskip("transformers", reason="needs the `train` extra")
from train_helpers import GRADER  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

import rft  # noqa: E402
from rft.train.generation import generate_completions, prompt_token_ids  # noqa: E402
from rft.train.rewards import GraderRewardModel, StepStats, TrainReward  # noqa: E402
from rft.train.trl_config import ppo_available  # noqa: E402


def _model(path: Path) -> tuple[AutoModelForCausalLM, AutoTokenizer]:
    return AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)


def test_greedy_is_deterministic_and_batch_independent(arithmetic: dict[str, Path]) -> None:
    model, tok = _model(arithmetic["model"])
    prompts = ["12+34=", "5+5=", [{"role": "user", "content": "99+99="}]]
    a = generate_completions(model, tok, prompts, max_new_tokens=4, batch_size=1)
    b = generate_completions(model, tok, prompts, max_new_tokens=4, batch_size=3)
    assert a == b
    assert all(len(c) == 1 for c in a)


def test_sampling_returns_k_per_prompt(arithmetic: dict[str, Path]) -> None:
    model, tok = _model(arithmetic["model"])
    out = generate_completions(
        model,
        tok,
        ["12+34=", "1+2="],
        max_new_tokens=3,
        do_sample=True,
        num_return_sequences=4,
        seed=1,
    )
    assert [len(c) for c in out] == [4, 4]
    again = generate_completions(
        model,
        tok,
        ["12+34=", "1+2="],
        max_new_tokens=3,
        do_sample=True,
        num_return_sequences=4,
        seed=1,
    )
    assert out == again


@pytest.mark.skipif(not ppo_available(), reason='PPO needs TRL 1.12.x: pip install "rft[ppo]"')
def test_ppo_reward_adapter_grades_decoded_responses(arithmetic: dict[str, Path]) -> None:
    from trl.experimental.utils import get_reward

    _, tok = _model(arithmetic["model"])
    items = [{"prompt": "12+34=", "answer": "46"}, {"prompt": "1+2=", "answer": "3"}]
    prompt_ids = [prompt_token_ids(tok, i["prompt"]) for i in items]
    stats = StepStats()
    adapter = GraderRewardModel(rft.compile(GRADER), tok, prompt_ids, items, stats)
    pad = tok.pad_token_id
    # left-padded queries, right-padded responses, as PPO builds them
    width = max(len(p) for p in prompt_ids)
    responses = [tok("46")["input_ids"] + [tok.eos_token_id], tok("4")["input_ids"] + [pad, pad]]
    rows = [[pad] * (width - len(p)) + p + r for p, r in zip(prompt_ids, responses, strict=True)]
    _, scores, _ = get_reward(adapter, torch.tensor(rows), pad, width)
    assert scores.tolist() == [1.0, 0.0]
    assert stats.summary()["reward"] == 0.5 and stats.grading > 0


def test_trl_reward_records_step_stats() -> None:
    stats = StepStats()
    fn = TrainReward(rft.compile(GRADER), stats)
    out = fn(prompts=["1+1=", "1+1="], completions=["2", "3"], answer=["2", "2"])
    assert out == [1.0, 0.0]
    assert fn.__name__ == "sum_exact"
    assert stats.summary()["graders"] == {"sum_exact": 0.5}
    assert "quality" not in stats.summary()  # no group size: no per-group signals


def test_trl_reward_logs_reward_hacking_signals_per_step() -> None:
    stats = StepStats(group_size=2)
    fn = TrainReward(rft.compile(GRADER), stats)
    # Group 1 all right (nothing to learn); group 2 split; the right answers are the longer ones.
    fn(
        prompts=["1+1="] * 4,
        completions=["2", "2", "2", "33"],
        completion_ids=[[5, 6], [5, 6], [5, 6], [7]],
        answer=["2"] * 4,
    )
    quality = stats.summary()["quality"]
    assert quality["quality/zero_variance_share"] == 0.5
    assert quality["quality/length_correlation"] > 0.5
    stats.reset()
    assert "quality" not in stats.summary()


def test_step_stats_of_two_processes_sum_to_those_of_one() -> None:
    import pickle

    reward = rft.compile(GRADER)
    grade = {"prompts": ["1+1="] * 4, "answer": ["2"] * 4}
    one, main, other = StepStats(group_size=2), StepStats(group_size=2), StepStats(group_size=2)
    first = {"completions": ["2", "2", "2", "33"], "completion_ids": [[5], [5], [5], [7, 7]]}
    second = {"completions": ["3", "3", "2", "2"], "completion_ids": [[6], [6], [5], [5]]}
    TrainReward(reward, one)(**grade, **first)
    TrainReward(reward, one)(**grade, **second)
    TrainReward(reward, main)(**grade, **first)
    TrainReward(reward, other)(**grade, **second)
    # What `gather_object` hands the main process: a pickled copy of the other's record.
    main.absorb([pickle.loads(pickle.dumps(other))])
    assert main.summary() == one.summary()
    assert main.summary()["reward"] == 0.625
    assert main.summary()["quality"]["quality/zero_variance_share"] == 0.75
