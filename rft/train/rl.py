"""The RL phase: build the method's trainer around the bundle, train, checkpoint, resume."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rft.integrations.models import load_model
from rft.train.callbacks import RftCallback, TrainingInterrupted, read_best
from rft.train.config import JobConfig
from rft.train.data import TrainData, prompt_of
from rft.train.layout import RunLayout
from rft.train.metrics import MetricsLog
from rft.train.processes import Processes
from rft.train.rewards import GraderRewardModel, StepStats, TrainReward, time_generation
from rft.train.trainers import (
    build_group_trainer,
    build_ppo_trainer,
    drop_printer,
    load_tools,
    rl_steps,
)
from rft.train.trl_config import config_record


@dataclass
class RlOutcome:
    last_step: int
    interrupted: bool


def train_rl(
    job: JobConfig,
    reward: Any,
    data: TrainData,
    valid_rows: list[dict[str, Any]],
    *,
    start_model: str,
    layout: RunLayout,
    metrics: MetricsLog,
    checkpoint: tuple[int, Path] | None,
    progress: Any,
    say: Callable[..., Any],
    procs: Processes,
) -> RlOutcome:
    """Train with `job.method` from `start_model` (or from `checkpoint`), logging to `metrics`.

    In a multi-process run every process trains; only the main one (`procs.is_main`) evaluates
    and writes `metrics.jsonl`, `best/` and `final/` (the trainer saves checkpoints once).
    """
    steps = rl_steps(job, len(data.train.rows))
    hp = job.hyperparameters
    start_step = checkpoint[0] if checkpoint else 0
    # PPO samples one completion per prompt: no groups, so no per-group quality signals.
    stats = StepStats(group_size=hp.num_generations if job.method != "ppo" else None)
    policy, tokenizer = load_model(start_model)
    if checkpoint and job.method == "ppo":
        # PPO cannot resume by itself: load the policy weights of the checkpoint here.
        from transformers import AutoModelForCausalLM

        policy = AutoModelForCausalLM.from_pretrained(checkpoint[1])

    task = None
    if progress is not None:
        task = progress.add_task(f"{job.method}", total=steps, completed=start_step, info="")

    def on_progress(step: int, record: dict[str, Any]) -> None:
        if progress is None:
            return
        if record["type"] == "train":
            progress.update(task, completed=step, train=record.get("reward"))
        else:
            progress.update(task, valid=record.get("reward"))
        r = getattr(progress, "_rft_values", {})
        r.update({record["type"]: record.get("reward")})
        progress._rft_values = r  # type: ignore[attr-defined]
        train_r, valid_r = r.get("train"), r.get("eval")
        info = (f"train {train_r:.2f}" if train_r is not None else "") + (
            f"  valid {valid_r:.2f}" if valid_r is not None else ""
        )
        progress.update(task, info=info)

    # Loaded once: GRPO calls these in training, and validation runs the same ones in episodes.
    tools = load_tools(job) if job.tools else []
    callback = RftCallback(
        tools=tools,
        max_tool_rounds=job.trainer.get("max_tool_calling_iterations"),
        policy=policy,
        tokenizer=tokenizer,
        reward=reward,
        valid_rows=valid_rows,
        metrics=metrics,
        stats=stats,
        eval_interval=hp.eval_interval,
        total_steps=steps,
        max_new_tokens=hp.max_completion_tokens,
        best_dir=layout.best,
        best_reward=read_best(layout.best) if checkpoint else None,
        start_step=start_step if job.method == "ppo" else None,
        on_progress=on_progress,
        is_main=procs.is_main,
        gather=procs.gather if procs.count > 1 else None,
    )
    if procs.is_main and start_step == 0:
        evals = (r for r in metrics.read() if r.get("type") == "eval")
        if not any(r.get("step") == 0 for r in evals):
            callback.run_eval(0, phase="start")
    if steps == 0:
        # Warm-up only: the evaluated start model is the final model (and `best/`).
        say("max_steps is 0: no RL, the start model is the final model")
        if procs.is_main:
            _save_final(policy, tokenizer, layout)
        return RlOutcome(last_step=0, interrupted=False)
    if start_step >= steps:
        say(f"nothing left to do: the run already reached step {start_step} of {steps}")
        return RlOutcome(last_step=start_step, interrupted=False)

    trainer: Any
    if job.method in ("grpo", "rloo"):
        trainer = build_group_trainer(
            job,
            policy,
            tokenizer,
            data.train.rows,
            TrainReward(reward, stats),
            steps,
            layout.checkpoints,
            [callback],
            processes=procs.count,
            tools=tools,
        )
    else:
        trainer = _build_ppo(
            job,
            reward,
            data,
            valid_rows,
            policy,
            tokenizer,
            start_model,
            checkpoint,
            steps - start_step,
            stats,
            layout,
            callback,
        )
    drop_printer(trainer)
    if procs.is_main:
        layout.record_trl_config(job.method, config_record(trainer.args))
    if job.peft is not None:
        # The trainer wrapped the policy in a PeftModel: evaluate and save that (adapters only).
        policy = callback.policy = trainer.model
    time_generation(policy, stats)
    say(
        f"{job.method}: {steps} steps of {hp.batch_size} prompts x {hp.num_generations} completions"
        + (f", resuming after step {start_step}" if start_step else "")
    )
    callback.install_signal_handler()
    interrupted = False
    try:
        if job.method == "ppo":
            trainer.train()
        else:
            trainer.train(resume_from_checkpoint=str(checkpoint[1]) if checkpoint else None)
    except TrainingInterrupted as exc:
        interrupted = True
        say(f"interrupted: checkpoint saved at step {exc.step}; continue with --resume")
    finally:
        callback.restore_signal_handler()
    # The main process may still be writing the last checkpoint when another one returns.
    procs.wait()
    last = layout.last_checkpoint()
    if not interrupted and procs.is_main:
        _save_final(policy, tokenizer, layout)
    return RlOutcome(last_step=last[0] if last else start_step, interrupted=interrupted)


def _save_final(policy: Any, tokenizer: Any, layout: RunLayout) -> None:
    layout.final.mkdir(parents=True, exist_ok=True)
    policy.save_pretrained(layout.final)
    tokenizer.save_pretrained(layout.final)


def _build_ppo(
    job: JobConfig,
    reward: Any,
    data: TrainData,
    valid_rows: list[dict[str, Any]],
    policy: Any,
    tokenizer: Any,
    start_model: str,
    checkpoint: tuple[int, Path] | None,
    remaining: int,
    stats: StepStats,
    layout: RunLayout,
    callback: RftCallback,
) -> Any:
    """PPO: a value model from the start model, the reference = the start model, the grader
    as reward model; on resume, value model and optimizer state come from the checkpoint."""
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    from rft.train.generation import prompt_token_ids

    tokenizer.padding_side = "left"  # PPO's collator pads queries; generation needs left pad
    value_source = checkpoint[1] / "value_model" if checkpoint else start_model
    value_model = AutoModelForSequenceClassification.from_pretrained(value_source, num_labels=1)
    ref_model = AutoModelForCausalLM.from_pretrained(start_model)
    prompt_ids = [prompt_token_ids(tokenizer, prompt_of(r)) for r in data.train.rows]
    valid_ids = [prompt_token_ids(tokenizer, prompt_of(r)) for r in valid_rows]
    reward_model = GraderRewardModel(reward, tokenizer, prompt_ids, data.train.rows, stats)

    def save_value(folder: Path) -> None:
        value_model.save_pretrained(folder / "value_model")

    callback.save_extra = save_value
    trainer = build_ppo_trainer(
        job,
        policy,
        ref_model,
        value_model,
        reward_model,
        tokenizer,
        prompt_ids,
        valid_ids,
        remaining,
        layout.checkpoints,
        [callback],
    )
    if checkpoint:
        state = torch.load(checkpoint[1] / "optimizer.pt", map_location="cpu", weights_only=False)
        trainer.optimizer.load_state_dict(state)
    return trainer
