"""Each RL method (and GRPO with LoRA adapters) trains the tiny arithmetic model past its warm-up.

One SFT warm-up (a warm-up-only run: 8 epochs at half the rate, settled rather than cut short)
is shared by every method, so they start from the same model. What is asserted holds across
CPUs and seeds, not on one lucky run:
- RL's own objective rises: the mean sampled training reward over the last fifth of the steps
  beats the first fifth by `TRAIN_MARGIN`. A fifth of a 400-step run holds 80 x 32 prompts
  x 8 completions; counting only prompts as independent, its mean has a standard error of
  ~0.008, so 0.05 is ~4 standard errors of the difference (measured gains: 0.11-0.17);
- the greedy validation reward does not collapse: the last eval is within `EVAL_TOLERANCE` of
  the start. One eval of 200 rows has a standard error of ~0.035, and greedy reward first dips
  when RL moves a settled SFT model, so a fixed greedy gain on one run is a knife-edge (it
  failed on another machine: start 0.365, best 0.395, asserted 0.445); the README gives the
  greedy curves measured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("trl", reason="needs the `train` extra")
from train_helpers import write_job

from rft.train.run import RunSummary, run
from rft.train.trl_config import ppo_available

pytestmark = pytest.mark.slow

SETTINGS: dict[str, dict[str, Any]] = {
    "grpo": {"max_steps": 400, "eval_interval": 100},
    "rloo": {"max_steps": 400, "eval_interval": 100},
    "ppo": {"max_steps": 100, "eval_interval": 50},
}
TRAIN_MARGIN = 0.05
EVAL_TOLERANCE = 0.15  # ~4 standard errors of one 200-row eval
# LoRA moves few weights and learns slower here: 400 steps at 5x and at 8x the rate raised the
# sampled reward by 0.044 and 0.040 (full weights: 0.11-0.13); 10x destabilised the first steps.
# The margin asks only that it rises: 0.005 is ~3 standard errors of the difference (~0.011)
# below the gains measured, where 0.02 was under 2 (a knife-edge on another CPU).
LORA_RATE = 8.0
LORA_TRAIN_MARGIN = 0.005
NO_PPO = 'PPO needs TRL 1.12.x (pip install "rft[ppo]"); the installed TRL has none'


@pytest.fixture(scope="module")
def warm(arithmetic: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warmed-up model every method starts from (a warm-up-only run's `final/`)."""
    root = tmp_path_factory.mktemp("warm")
    hp = {"max_steps": 0, "eval_interval": 1}
    warmup = {"n_epochs": 8, "learning_rate_multiplier": 0.5}
    job = _write(arithmetic, root, "warm", arithmetic["model"], hp, warmup=warmup)
    assert run(job).final_dir == root / "warm" / "final"
    return root / "warm" / "final"


def _write(
    arithmetic: dict[str, Path], root: Path, name: str, model: Path, hp: dict[str, Any], **more: Any
) -> Path:
    return write_job(
        root / f"{name}.yaml",
        model=str(model),
        train_file=str(arithmetic["train"]),
        valid_file=str(arithmetic["valid"]),
        grader=str(arithmetic["grader"]),
        hyperparameters={
            "n_epochs": 100,  # max_steps decides the length
            "batch_size": 32,
            "num_generations": 8,
            "max_completion_tokens": 5,
            "eval_samples": 200,
            "seed": 0,
            **hp,
        },
        output_dir=str(root / name),
        **more,
    )


def _records(summary: RunSummary) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (summary.output_dir / "metrics.jsonl").read_text().splitlines()]


def assert_learned(summary: RunSummary, margin: float = TRAIN_MARGIN) -> list[dict[str, Any]]:
    """The training reward rose by `margin`; the last eval is within EVAL_TOLERANCE."""
    records = _records(summary)
    evals = [(r["step"], r["reward"]) for r in records if r["type"] == "eval"]
    train = [r["reward"] for r in records if r["type"] == "train"]
    fifth = len(train) // 5
    first, last = sum(train[:fifth]) / fifth, sum(train[-fifth:]) / fifth
    print(summary.method, evals, f"train reward {first:.3f} -> {last:.3f}")
    assert last >= first + margin, (first, last, evals)
    assert summary.start_reward is not None and summary.final_reward is not None
    assert summary.final_reward >= summary.start_reward - EVAL_TOLERANCE, evals
    return records


@pytest.mark.parametrize(
    "method",
    [
        "grpo",
        "rloo",
        pytest.param("ppo", marks=pytest.mark.skipif(not ppo_available(), reason=NO_PPO)),
    ],
)
def test_rl_improves_on_the_warmup(
    arithmetic: dict[str, Path], warm: Path, tmp_path: Path, method: str
) -> None:
    job = _write(arithmetic, tmp_path, method, warm, SETTINGS[method], method=method)
    summary = run(job)
    records = assert_learned(summary)
    train = [r for r in records if r["type"] == "train"]
    assert [r["step"] for r in train] == list(range(1, SETTINGS[method]["max_steps"] + 1))
    assert all(r["time/step"] >= r["time/grading"] >= 0 for r in train)
    if method != "ppo":  # grouped sampling: the per-step reward-hacking signals are logged
        assert all(0.0 <= r["quality/zero_variance_share"] <= 1.0 for r in train)


def test_lora_with_a_trainer_block_learns_and_saves_adapters(
    arithmetic: dict[str, Path], warm: Path, tmp_path: Path
) -> None:
    pytest.importorskip("peft", reason="needs the `train` extra")
    import rft
    from rft.integrations.models import is_adapter, load_model
    from rft.train.evaluation import evaluate

    job = _write(
        arithmetic,
        tmp_path,
        "lora",
        warm,
        {**SETTINGS["grpo"], "learning_rate_multiplier": LORA_RATE},
        method="grpo",
        peft={"r": 16, "lora_alpha": 32, "lora_dropout": 0.0, "target_modules": "all-linear"},
        trainer={"scale_rewards": "group", "max_grad_norm": 1.0, "beta": 0.7},
    )
    summary = run(job)
    assert_learned(summary, LORA_TRAIN_MARGIN)
    # job.json records the merged TRL config: trainer: keys, rft's settings winning over them.
    trl = json.loads((summary.output_dir / "job.json").read_text())["trl"]["grpo"]
    assert trl["scale_rewards"] == "group" and trl["max_grad_norm"] == 1.0
    assert trl["beta"] == 0.0  # hyperparameters.beta (the default) wins over trainer.beta
    assert trl["per_device_train_batch_size"] == 32 * 8 and trl["top_k"] == 0
    # final/ holds an adapter (so does best/ once an RL eval beat the start); it loads with its
    # base model and scores what the run's last eval scored.
    assert summary.final_dir is not None and is_adapter(summary.final_dir)
    assert not (summary.final_dir / "model.safetensors").exists()
    assert summary.best_dir is not None and summary.best_step is not None
    assert is_adapter(summary.best_dir) == (summary.best_step > 0)
    model, tokenizer = load_model(summary.final_dir)
    rows = [json.loads(x) for x in arithmetic["valid"].read_text().splitlines()]
    again = evaluate(model, tokenizer, rows, rft.compile(arithmetic["grader"]), max_new_tokens=5)
    assert again["reward"] == pytest.approx(summary.final_reward)
