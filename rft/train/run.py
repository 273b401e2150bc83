"""`rft train JOB.yaml [--resume]`: checks, warm-up, RL, evals, checkpoints, resume.

Order of work: the job file, the grader bundle and both data files are validated first (one
clear error, before torch is even imported); then an optional SFT warm-up; an eval of the
start model (step 0); then RL with an eval + checkpoint every `eval_interval` steps.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rft.errors import ConfigError
from rft.train.config import JobConfig, load_job
from rft.train.data import TrainData, check_data, render_targets
from rft.train.layout import RunLayout
from rft.train.metrics import MetricsLog


@dataclass
class Prepared:
    """A job that passed every check: config, compiled grader, data."""

    job: JobConfig
    reward: Any
    data: TrainData


@dataclass
class RunSummary:
    """What a finished (or interrupted) run reports."""

    output_dir: Path
    method: str
    start_reward: float | None
    final_reward: float | None
    best_reward: float | None
    steps: int
    warmup_seconds: float
    rl_seconds: float
    interrupted: bool = False


def prepare(job_path: str | Path) -> Prepared:
    """Validate the job, compile its grader and check its data (no model is loaded)."""
    import rft

    job = load_job(job_path)
    if not job.grader.is_file():
        raise ConfigError(f"grader bundle {job.grader} does not exist", hint="check `grader:`")
    reward = rft.compile(job.grader)
    target = job.warmup.target if job.warmup.n_epochs > 0 else None
    data = check_data(job.train_file, job.valid_file, reward=reward, warmup_target=target)
    return Prepared(job=job, reward=reward, data=data)


def _quiet() -> None:
    """Silence library chatter (progress bars, advice) so rft's display is the only output."""
    import warnings

    import transformers

    import datasets

    # transformers 5 renames (gradient -> activation checkpointing) warn on every config.
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers\..*")

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")


def _seed(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _load(model: str) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return AutoModelForCausalLM.from_pretrained(model), tokenizer


def _valid_subset(job: JobConfig, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    n = job.hyperparameters.eval_samples
    if n is None or n >= len(rows):
        return rows
    # A fixed seeded subset: every eval of the run (and of a resumed run) sees the same rows.
    return random.Random(job.hyperparameters.seed).sample(rows, n)


def run(
    job_path: str | Path,
    *,
    resume: bool = False,
    progress: Any = None,
    console: Any = None,
) -> RunSummary:
    """Run (or resume) a training job; see `rft.train` for the run folder's layout.

    Args:
        job_path: the job YAML.
        resume: continue from the last checkpoint of `output_dir` (and reuse its warm-up).
        progress: optional `rich.progress.Progress` to show steps on.
        console: optional `rich.console.Console` for one-line status messages.
    """
    prepared = prepare(job_path)
    job, reward, data = prepared.job, prepared.reward, prepared.data
    layout = RunLayout(job.output_dir)
    metrics = MetricsLog(layout.metrics)
    if not resume and layout.has_run():
        raise ConfigError(
            f"{layout.root} already holds a run",
            hint="continue it with `rft train JOB --resume`, or choose another output_dir",
        )
    say = console.print if console is not None else (lambda *a, **k: None)

    _quiet()
    _seed(job.hyperparameters.seed)
    layout.root.mkdir(parents=True, exist_ok=True)
    (layout.root / "job.json").write_text(job.model_dump_json(indent=2) + "\n")
    valid_rows = _valid_subset(job, data.valid.rows)

    # -- warm-up ---------------------------------------------------------------------------
    warmup_seconds = 0.0
    start_model = job.model
    if job.warmup.n_epochs > 0:
        if layout.warmup_done():
            say(f"warm-up: reusing {layout.warmup}")
        else:
            metrics.path.unlink(
                missing_ok=True
            )  # nothing logged after an unfinished warm-up counts
            warmup_seconds = _warmup(job, data, layout, metrics, say)
        start_model = str(layout.warmup)
    checkpoint = layout.last_checkpoint() if resume else None
    metrics.truncate_after(checkpoint[0] if checkpoint else 0)

    # -- RL --------------------------------------------------------------------------------
    from rft.train.rl import train_rl

    start = time.perf_counter()
    outcome = train_rl(
        job,
        reward,
        data,
        valid_rows,
        start_model=start_model,
        layout=layout,
        metrics=metrics,
        checkpoint=checkpoint,
        progress=progress,
        say=say,
    )
    rl_seconds = time.perf_counter() - start
    evals = [r for r in metrics.read() if r.get("type") == "eval"]
    summary = RunSummary(
        output_dir=layout.root,
        method=job.method,
        start_reward=next((r["reward"] for r in evals if r["step"] == 0), None),
        final_reward=evals[-1]["reward"] if evals else None,
        best_reward=max((r["reward"] for r in evals if r["reward"] is not None), default=None),
        steps=outcome.last_step,
        warmup_seconds=round(warmup_seconds, 2),
        rl_seconds=round(rl_seconds, 2),
        interrupted=outcome.interrupted,
    )
    layout.summary.write_text(
        json.dumps(
            {k: str(v) if isinstance(v, Path) else v for k, v in summary.__dict__.items()}, indent=2
        )
        + "\n"
    )
    return summary


def _warmup(
    job: JobConfig, data: TrainData, layout: RunLayout, metrics: MetricsLog, say: Any
) -> float:
    """SFT the start model on the rendered targets; saves `warmup/` and a done-marker."""
    from transformers import TrainerCallback

    from rft.train.trainers import build_sft_trainer

    class _LogWarmup(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if logs and "loss" in logs:
                metrics.append(
                    {
                        "type": "warmup",
                        "step": state.global_step,
                        "epoch": logs.get("epoch"),
                        "loss": logs["loss"],
                    }
                )

    start = time.perf_counter()
    model, tokenizer = _load(job.model)
    targets = render_targets(job.warmup.target, data.train.rows)
    say(f"warm-up: SFT for {job.warmup.n_epochs:g} epochs on {len(targets)} rows")
    shutil.rmtree(layout.warmup, ignore_errors=True)
    trainer = build_sft_trainer(
        job, model, tokenizer, data.train.rows, targets, layout.warmup / "trainer"
    )
    trainer.add_callback(_LogWarmup())
    _drop_printer(trainer)
    trainer.train()
    shutil.rmtree(layout.warmup / "trainer", ignore_errors=True)
    model.save_pretrained(layout.warmup)
    tokenizer.save_pretrained(layout.warmup)
    seconds = time.perf_counter() - start
    layout.mark_warmup_done(seconds)
    say(f"warm-up: done in {seconds:.1f}s")
    return seconds


def _drop_printer(trainer: Any) -> None:
    """Remove transformers' stdout printer: rft shows its own progress."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
