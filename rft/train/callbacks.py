"""The trainer callbacks that make a TRL run an rft run.

`RftCallback` (RL): per step it writes a `train` record (reward, per-grader means, error-flag
rates, loss, the seconds spent sampling / grading / training, and `elapsed`) to
`metrics.jsonl`; every `eval_interval` steps it grades greedy completions of the validation
rows, writes an `eval` record, asks the trainer for a checkpoint, and copies the model to
`best/` when validation reward improves. A SIGINT asks for a checkpoint at the end of the
current step, then stops the run.

`WarmupCallback` (SFT warm-up): its loss records, its time budget and, when asked, held-out
`eval` records every so many seconds.

`elapsed` in both is seconds of *training* since the phase started (evals left out), so an
SFT arm and an RL arm given the same seconds had the same clock, and their eval records lie on
one time axis.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from rft.train.evaluation import evaluate
from rft.train.metrics import MetricsLog
from rft.train.rewards import StepStats

# TRL's log keys (GRPO/RLOO, then PPO) for the few numbers every train record carries.
_LOG_KEYS = {
    "loss": ("loss", "loss/policy_avg"),
    "kl": ("kl", "objective/kl"),
    "entropy": ("entropy", "policy/entropy_avg"),
    "learning_rate": ("learning_rate", "lr"),
    "completion_length": ("completions/mean_length",),
    "value_loss": ("loss/value_avg",),
}


class TrainingInterrupted(Exception):
    """Raised after the checkpoint that a SIGINT asked for has been written."""

    def __init__(self, step: int) -> None:
        super().__init__(f"interrupted: saved a checkpoint at step {step}")
        self.step = step


class RftCallback(TrainerCallback):
    """Metrics, evals, best model, progress and SIGINT handling for GRPO, RLOO and PPO.

    Args:
        policy: the model being trained (evaluated in place).
        tokenizer: its tokenizer.
        reward: the compiled bundle.
        valid_rows: validation rows used at each eval.
        metrics: the run's metrics log.
        stats: the per-step sampling/grading record shared with the reward wrappers.
        eval_interval: steps between evals (and checkpoints).
        total_steps: the run's last step (always evaluated and checkpointed).
        max_new_tokens: generation budget at eval.
        best_dir: where the best model so far is saved.
        best_reward: the best validation reward so far (when resuming).
        start_step: the step the trainer starts from (PPO restarts its own counter at 0).
        on_progress: called after each step with (step, record) for the display.
        save_extra: called with (checkpoint folder) after the trainer saved one (PPO's value model).
        is_main: False in the processes of a multi-process run that are not the main one: they
            train and checkpoint (the trainer saves once), but write no records and no `best/`.
        gather: in a multi-process run, `Processes.gather`: each step's scores of every process
            go into the main process's `train` record (each process grades its share).
        tools: a `tools:` job's functions: each eval is then a greedy episode per row (turns
            and tool results, at most `max_tool_rounds` rounds of calls), as training grades.
    """

    def __init__(
        self,
        *,
        policy: Any,
        tokenizer: Any,
        reward: Any,
        valid_rows: Sequence[Mapping[str, Any]],
        metrics: MetricsLog,
        stats: StepStats,
        eval_interval: int,
        total_steps: int,
        max_new_tokens: int,
        best_dir: Path,
        best_reward: float | None = None,
        start_step: int | None = None,
        on_progress: Callable[[int, dict[str, Any]], None] | None = None,
        save_extra: Callable[[Path], None] | None = None,
        is_main: bool = True,
        gather: Callable[[Any], list[Any]] | None = None,
        tools: Sequence[Callable[..., Any]] = (),
        max_tool_rounds: int | None = None,
    ) -> None:
        self.tools = list(tools)
        self.max_tool_rounds = max_tool_rounds
        self.policy = policy
        self.tokenizer = tokenizer
        self.reward = reward
        self.valid_rows = list(valid_rows)
        self.metrics = metrics
        self.stats = stats
        self.eval_interval = eval_interval
        self.total_steps = total_steps
        self.max_new_tokens = max_new_tokens
        self.best_dir = best_dir
        self.best_reward = best_reward
        self.start_step = start_step
        self.on_progress = on_progress
        self.save_extra = save_extra
        self.is_main = is_main
        self.gather = gather
        self.interrupted = False
        self.stopping = False
        """Decided once per step (by every process together): stop after this step's save."""
        self._mark = time.perf_counter()
        self.elapsed = 0.0
        """Seconds of training so far (the steps' own time: evals and saves left out)."""
        self._logs: dict[int, dict[str, Any]] = {}
        self._timing: dict[int, dict[str, Any]] = {}
        self._previous_handler: Any = None

    # -- SIGINT ----------------------------------------------------------------------------
    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self.interrupted:  # a second Ctrl-C: stop now, without a checkpoint
            raise KeyboardInterrupt
        self.interrupted = True

    def install_signal_handler(self) -> None:
        self._previous_handler = signal.signal(signal.SIGINT, self._on_sigint)

    def restore_signal_handler(self) -> None:
        if self._previous_handler is not None:
            signal.signal(signal.SIGINT, self._previous_handler)
            self._previous_handler = None

    # -- trainer events --------------------------------------------------------------------
    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.start_step is not None:
            # PPO counts from 0 on every train(); continue the numbering of a resumed run.
            state.global_step = self.start_step
            if hasattr(state, "episode"):
                state.episode = self.start_step * args.batch_size
        self.stats.reset()
        self._mark = time.perf_counter()

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if not logs or "train_runtime" in logs:
            return
        step = state.global_step
        self._logs[step] = dict(logs)
        self._flush(step)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        step = state.global_step
        now = time.perf_counter()
        total = now - self._mark
        stop = self.interrupted
        if self.gather is not None:
            # Collective: every process calls on_step_end once per step, in the same order. A
            # Ctrl-C reaches the processes at different moments: all stop if any was asked to.
            parts = self.gather((self.stats, stop))
            stop = any(flag for _, flag in parts)
            if self.is_main:
                self.stats.absorb([stats for stats, _ in parts[1:]])  # [0]: the main's own
        self.stopping = stop
        self.elapsed += total
        summary = self.stats.summary()
        summary["elapsed"] = round(self.elapsed, 3)
        summary["seconds"] = {
            "sampling": round(self.stats.sampling, 4),
            "grading": round(self.stats.grading, 4),
            "training": round(max(total - self.stats.sampling - self.stats.grading, 0.0), 4),
            "step": round(total, 4),
        }
        self._timing[step] = summary
        self._flush(step)
        self.stats.reset()
        if step % self.eval_interval == 0 or step >= self.total_steps or self.stopping:
            if self.is_main and (step % self.eval_interval == 0 or step >= self.total_steps):
                self.run_eval(step)
            # Every process is asked to save: the trainer's save is collective, it writes once.
            control.should_save = True
        if self.stopping:
            control.should_training_stop = True
        # Eval time is not part of the next step's timing.
        self.stats.reset()
        self._mark = time.perf_counter()

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if self.save_extra is not None and self.is_main and checkpoint.is_dir():
            self.save_extra(checkpoint)
        if self.stopping:
            raise TrainingInterrupted(state.global_step)

    # -- helpers ---------------------------------------------------------------------------
    def _flush(self, step: int) -> None:
        # A step's record needs both the trainer's log and our timing; their order differs
        # between TRL trainers (GRPO logs after on_step_end, PPO before).
        if step not in self._logs or step not in self._timing:
            return
        logs = self._logs.pop(step)
        timing = self._timing.pop(step)
        if not self.is_main:
            return
        record: dict[str, Any] = {"type": "train", "step": step}
        record["reward"] = timing.get("reward")
        for key, names in _LOG_KEYS.items():
            for name in names:
                if name in logs:
                    record[key] = logs[name]
                    break
        record["graders"] = timing.get("graders", {})
        record["errors"] = timing.get("errors", {})
        # Reward hacking shows per step too: reward tracking length, groups with nothing to learn.
        record.update(timing.get("quality", {}))
        record["seconds"] = timing["seconds"]
        record["elapsed"] = timing["elapsed"]
        # Flat per-step timings, the names benchmarks read (`time/step`, `time/grading`, ...).
        seconds = timing["seconds"]
        record["time/step"] = seconds["step"]
        record["time/generation"] = seconds["sampling"]
        record["time/grading"] = seconds["grading"]
        record["time/training"] = seconds["training"]
        self.metrics.append(record)
        if self.on_progress is not None:
            self.on_progress(step, record)

    def run_eval(self, step: int, phase: str = "rl") -> dict[str, Any]:
        """Evaluate now, log an `eval` record, and save `best/` when the reward improved."""
        record = eval_record(
            self.policy,
            self.tokenizer,
            self.valid_rows,
            self.reward,
            max_new_tokens=self.max_new_tokens,
            step=step,
            phase=phase,
            elapsed=self.elapsed,
            tools=self.tools,
            max_tool_rounds=self.max_tool_rounds,
        )
        improved = record["reward"] is not None and (
            self.best_reward is None or record["reward"] > self.best_reward
        )
        record["best"] = bool(improved)
        self.metrics.append(record)
        if improved:
            self.best_reward = record["reward"]
            save_best(self.policy, self.tokenizer, self.best_dir, step, record["reward"])
        if self.on_progress is not None:
            self.on_progress(step, record)
        return record


def eval_record(
    model: Any,
    tokenizer: Any,
    rows: Sequence[Mapping[str, Any]],
    reward: Any,
    *,
    max_new_tokens: int,
    step: int,
    phase: str,
    elapsed: float,
    tools: Sequence[Callable[..., Any]] = (),
    max_tool_rounds: int | None = None,
) -> dict[str, Any]:
    """An `eval` record of `metrics.jsonl`: the model's greedy answers (or, with `tools`, greedy
    episodes) on `rows`, graded."""
    result = evaluate(
        model,
        tokenizer,
        rows,
        reward,
        max_new_tokens=max_new_tokens,
        tools=tools,
        max_tool_rounds=max_tool_rounds,
    )
    return {"type": "eval", "step": step, "phase": phase, "elapsed": round(elapsed, 3), **result}


class WarmupCallback(TrainerCallback):
    """The SFT warm-up's loss records, time budget and optional held-out evals.

    Its clock starts when training does and stops during evals: `budget` and `elapsed` are
    seconds of SFT, comparable with RL's (`RftCallback.elapsed`).

    Args:
        metrics: the run's metrics log (written by the main process only).
        budget: stop once this many seconds of SFT are spent (None: run every epoch).
        is_main: False in the other processes of a multi-process run.
        gather: `Processes.gather` in a multi-process run: all stop at the step where any
            process's clock ran out (each process keeps its own).
        on_eval: called with (model, step, elapsed) to log an `eval` record.
        eval_every: seconds of SFT between calls of `on_eval`, the first before any step
            (None: no evals).
    """

    def __init__(
        self,
        *,
        metrics: MetricsLog,
        budget: float | None,
        is_main: bool = True,
        gather: Callable[[Any], list[Any]] | None = None,
        on_eval: Callable[[Any, int, float], None] | None = None,
        eval_every: float | None = None,
    ) -> None:
        self.metrics = metrics
        self.budget = budget
        self.is_main = is_main
        self.gather = gather
        self.on_eval = on_eval
        self.eval_every = eval_every if on_eval is not None else None
        self._started = time.perf_counter()
        self._paused = 0.0
        self._next_eval = self.eval_every

    @property
    def elapsed(self) -> float:
        """Seconds of SFT so far (evals left out)."""
        return time.perf_counter() - self._started - self._paused

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.on_eval is not None and self.eval_every is not None:
            # The start model's eval, at 0 s: the SFT curve starts where RL's does.
            self.on_eval(kwargs["model"], state.global_step, 0.0)
        self._started = time.perf_counter()
        self._paused = 0.0

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        if logs and "loss" in logs and self.is_main:
            self.metrics.append(
                {
                    "type": "warmup",
                    "step": state.global_step,
                    "epoch": logs.get("epoch"),
                    "loss": logs["loss"],
                    "elapsed": round(self.elapsed, 3),
                }
            )

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        elapsed = self.elapsed
        if self.budget is not None:
            spent = elapsed >= self.budget
            if self.gather is not None:
                spent = any(self.gather(spent))
            if spent:
                control.should_training_stop = True
                return  # the run's own end-of-warm-up eval follows
        if self.on_eval is None or self.eval_every is None or self._next_eval is None:
            return
        if elapsed >= self._next_eval:
            paused = time.perf_counter()
            self.on_eval(kwargs["model"], state.global_step, elapsed)
            self._paused += time.perf_counter() - paused
            self._next_eval = elapsed + self.eval_every


def save_best(model: Any, tokenizer: Any, best_dir: Path, step: int, reward: float) -> None:
    """Replace `best_dir` with the model (full weights or a LoRA adapter: nothing of an earlier
    best is left beside it). Written to a sibling folder first, its marker file last."""
    staging = best_dir.with_name(best_dir.name + ".saving")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    (staging / "rft_best.json").write_text(json.dumps({"step": step, "reward": reward}) + "\n")
    shutil.rmtree(best_dir, ignore_errors=True)
    staging.rename(best_dir)


def read_best(best_dir: Path) -> float | None:
    """The validation reward of the saved best model, if any."""
    marker = best_dir / "rft_best.json"
    if not marker.is_file():
        return None
    return float(json.loads(marker.read_text())["reward"])
