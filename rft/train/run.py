"""`rft train JOB.yaml [--resume]`: checks, warm-up, RL, evals, checkpoints, resume.

Order of work: the job file, the grader bundle and both data files are validated first (one
clear error, before torch is even imported); then an optional SFT warm-up; an eval of the
start model (step 0); then RL with an eval + checkpoint every `eval_interval` steps
(`hyperparameters.max_steps: 0` stops after the step-0 eval: a warm-up-only run).

`run()` takes a job file or a `JobConfig` built in code (its relative paths are resolved
against `base_dir`, the working directory by default).
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
from rft.integrations.models import load_model
from rft.train.config import JobConfig, load_job
from rft.train.data import TrainData, check_data, render_targets, warmup_rows
from rft.train.layout import RunLayout
from rft.train.metrics import MetricsLog
from rft.train.processes import Processes
from rft.train.trainers import completions_per_process
from rft.train.trl_config import RFT_OWNED, check_method, check_passthrough, config_record


@dataclass
class Prepared:
    """A job that passed every check: config, compiled grader, data."""

    job: JobConfig
    reward: Any
    data: TrainData
    notes: list[str]
    """One line per `trainer:` key that rft's own setting replaces."""


@dataclass
class RunSummary:
    """What a finished (or interrupted) run reports (also written to `summary.json`).

    `start_reward` is the validation reward at step 0, i.e. of the warmed-up model when the
    job has a warm-up; `final_reward` the last eval's; `best_reward` the best eval's (the model
    in `best_dir`).
    """

    output_dir: Path
    method: str
    start_reward: float | None
    final_reward: float | None
    best_reward: float | None
    steps: int
    warmup_seconds: float
    rl_seconds: float
    interrupted: bool = False
    best_step: int | None = None
    warmup_rows: int = 0
    best_dir: Path | None = None
    final_dir: Path | None = None
    metrics_file: Path | None = None
    summary_file: Path | None = None
    main_process: bool = True
    """False in the other processes of a multi-process run: they report nothing."""


def _as_job(job: str | Path | JobConfig, base_dir: str | Path | None) -> JobConfig:
    if isinstance(job, JobConfig):
        # A job built in code: validate it as a file would be, relative paths from base_dir.
        checked = JobConfig.model_validate(job.model_dump())
        return checked.resolve_paths(Path(base_dir or Path.cwd()).resolve())
    return load_job(job)


def prepare(job: str | Path | JobConfig, *, base_dir: str | Path | None = None) -> Prepared:
    """Validate the job (a file or a `JobConfig`), compile its grader and check its data.

    No model is loaded. `base_dir` resolves a `JobConfig`'s relative paths (default: cwd).
    """
    import rft

    config = _as_job(job, base_dir)
    check_method(config, config.source)
    if not config.grader.is_file():
        raise ConfigError(f"grader bundle {config.grader} does not exist", hint="check `grader:`")
    reward = rft.compile(config.grader)
    warm = config.warmup
    data = check_data(
        config.train_file,
        config.valid_file,
        reward=reward,
        warmup_target=warm.target if warm.n_epochs > 0 else None,
        warmup_file=warm.train_file if warm.n_epochs > 0 else None,
    )
    check_passthrough(config, config.source)
    notes = [
        f"trainer.{key} is ignored: rft sets it from {RFT_OWNED[key]}"
        for key in config.trainer
        if key in RFT_OWNED
    ]
    return Prepared(job=config, reward=reward, data=data, notes=notes)


def quiet_transformers() -> None:
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


def _valid_subset(job: JobConfig, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    n = job.hyperparameters.eval_samples
    if n is None or n >= len(rows):
        return rows
    # A fixed seeded subset: every eval of the run (and of a resumed run) sees the same rows.
    return random.Random(job.hyperparameters.seed).sample(rows, n)


def run(
    job: str | Path | JobConfig,
    *,
    resume: bool = False,
    progress: Any = None,
    console: Any = None,
    base_dir: str | Path | None = None,
    warmup_eval_seconds: float | None = None,
) -> RunSummary:
    """Run (or resume) a training job; see `rft.train` for the run folder's layout.

    Args:
        job: the job YAML, or a `JobConfig` built in code.
        resume: continue from the last checkpoint of `output_dir` (and reuse its warm-up).
        progress: optional `rich.progress.Progress` to show steps on.
        console: optional `rich.console.Console` for one-line status messages.
        base_dir: folder a `JobConfig`'s relative paths are resolved against (default: cwd).
        warmup_eval_seconds: during the SFT warm-up, an `eval` record (phase `warmup`) before
            its first step and every this many seconds of SFT, and one when it ends (the step-0 eval, with the SFT's
            `elapsed`); the warm-up's clock (`warmup.max_seconds`) then leaves evals out, so
            an SFT run's validation curve lies on RL's time axis. Single-process runs only.
    """
    prepared = prepare(job, base_dir=base_dir)
    job, reward, data = prepared.job, prepared.reward, prepared.data
    layout = RunLayout(job.output_dir)
    metrics = MetricsLog(layout.metrics)
    procs = Processes(job)
    if warmup_eval_seconds is not None and procs.count > 1:
        raise ConfigError(
            "warm-up evals run in a single process",
            hint="drop warmup_eval_seconds, or run without `accelerate launch`",
        )
    if job.method != "ppo":
        completions_per_process(job, procs.count)  # an uneven split stops before any write
    if not resume and layout.has_run():
        raise ConfigError(
            f"{layout.root} already holds a run",
            hint="continue it with `rft train JOB --resume`, or choose another output_dir",
        )
    # Every process has checked the folder before the main one writes into it.
    procs.wait()
    if not procs.is_main:  # one display: the main process's
        console = progress = None
    say = console.print if console is not None else (lambda *a, **k: None)
    for note in prepared.notes:
        say(note)

    quiet_transformers()
    _seed(job.hyperparameters.seed)
    if procs.is_main:
        layout.root.mkdir(parents=True, exist_ok=True)
        layout.job.write_text(job.model_dump_json(indent=2) + "\n")  # + `trl` once trainers exist
    valid_rows = _valid_subset(job, data.valid.rows)

    # -- warm-up ---------------------------------------------------------------------------
    warmup_seconds = 0.0
    start_model = job.model
    sft_rows: list[dict[str, Any]] = []
    if job.warmup.n_epochs > 0:
        sft_rows = warmup_rows(data.warmup_split, job.warmup.max_rows, job.hyperparameters.seed)
        if layout.warmup_done():
            say(f"warm-up: reusing {layout.warmup}")
        else:
            # Nothing logged after an unfinished warm-up counts.
            if procs.is_main:
                metrics.path.unlink(missing_ok=True)
            evals = None
            if warmup_eval_seconds is not None:
                evals = (warmup_eval_seconds, reward, valid_rows)
            warmup_seconds = _warmup(job, sft_rows, layout, metrics, say, procs, evals)
        start_model = str(layout.warmup)
    checkpoint = layout.last_checkpoint() if resume else None
    # Every process has picked the checkpoint before the main one touches the folder again.
    procs.wait()
    if procs.is_main and resume:
        # Records of RL steps after the checkpoint describe work that is lost (a fresh run has
        # none; its warm-up evals, steps > 0, stay).
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
        procs=procs,
    )
    rl_seconds = time.perf_counter() - start
    # The main process's last eval and `final/` are written before anyone reads them.
    procs.wait()
    evals = [r for r in metrics.read() if r.get("type") == "eval"]
    scored = [r for r in evals if r["reward"] is not None]
    best = max(scored, key=lambda r: r["reward"], default=None)  # the first of equal bests
    summary = RunSummary(
        output_dir=layout.root,
        method=job.method,
        start_reward=next(
            (r["reward"] for r in evals if r["step"] == 0 and r.get("phase") != "warmup"), None
        ),
        final_reward=evals[-1]["reward"] if evals else None,
        best_reward=best["reward"] if best else None,
        steps=outcome.last_step,
        warmup_seconds=round(warmup_seconds, 2),
        rl_seconds=round(rl_seconds, 2),
        interrupted=outcome.interrupted,
        best_step=best["step"] if best else None,
        warmup_rows=len(sft_rows),
        best_dir=layout.best,
        final_dir=None if outcome.interrupted else layout.final,
        metrics_file=layout.metrics,
        summary_file=layout.summary,
        main_process=procs.is_main,
    )
    if procs.is_main:
        layout.summary.write_text(
            json.dumps(
                {k: str(v) if isinstance(v, Path) else v for k, v in summary.__dict__.items()},
                indent=2,
            )
            + "\n"
        )
    return summary


def _warmup(
    job: JobConfig,
    rows: list[dict[str, Any]],
    layout: RunLayout,
    metrics: MetricsLog,
    say: Any,
    procs: Processes,
    evals: tuple[float, Any, list[dict[str, Any]]] | None = None,
) -> float:
    """SFT the start model on the rows' rendered targets; saves `warmup/` and a done-marker.

    Every process trains (on its share of each batch); the main one logs and saves. `evals`
    (seconds between evals, compiled bundle, validation rows): held-out evals during SFT and
    one at its end, logged as the step-0 eval (RL then skips its own) and saved as `best/`.
    """
    from rft.train.callbacks import WarmupCallback, eval_record, save_best
    from rft.train.trainers import build_sft_trainer, drop_printer

    start = time.perf_counter()
    budget = job.warmup.max_seconds
    max_new_tokens = job.hyperparameters.max_completion_tokens
    model, tokenizer = load_model(job.model)
    every, eval_reward, eval_rows = evals if evals is not None else (None, None, [])

    def graded(policy: Any, step: int, elapsed: float, phase: str) -> dict[str, Any]:
        return eval_record(
            policy,
            tokenizer,
            eval_rows,
            eval_reward,
            max_new_tokens=max_new_tokens,
            step=step,
            phase=phase,
            elapsed=elapsed,
        )

    callback = WarmupCallback(
        metrics=metrics,
        budget=budget,
        is_main=procs.is_main,
        gather=procs.gather if procs.count > 1 else None,
        on_eval=lambda policy, step, elapsed: metrics.append(
            graded(policy, step, elapsed, "warmup")
        ),
        eval_every=every,
    )
    targets = render_targets(job.warmup.target, rows)
    epochs = job.warmup.n_epochs
    limit = "" if budget is None else f", or {budget:g}s of SFT if that comes first"
    if job.warmup.stop_loss is not None:
        limit += f", or until its training loss is <= {job.warmup.stop_loss:g}"
    say(f"warm-up: SFT for {epochs:g} epochs on {len(targets)} rows{limit}")
    if procs.is_main:
        shutil.rmtree(layout.warmup, ignore_errors=True)
    procs.wait()
    trainer = build_sft_trainer(
        job, model, tokenizer, rows, targets, layout.warmup / "trainer", procs.count
    )
    trainer.add_callback(callback)
    drop_printer(trainer)
    if procs.is_main:
        layout.record_trl_config("warmup", config_record(trainer.args))
    trainer.train()
    sft_seconds = callback.elapsed
    # Every process must be out of `train()` before the main one deletes `warmup/trainer`: the
    # trainer's end-of-training checkpoint scan globs that folder, and a folder removed between
    # pathlib's is_dir and its scandir raises FileNotFoundError in the slower process.
    procs.wait()
    if job.peft is not None:
        # RL starts from full weights: the warm-up adapter is merged; RL trains a fresh one.
        model = trainer.model.merge_and_unload()
    if evals is not None:
        # The warmed-up model's eval, as RL's step-0 eval would log it, at the SFT's elapsed.
        final = graded(model, 0, sft_seconds, "start")
        final["best"] = final["reward"] is not None
        metrics.append(final)
        if final["best"]:
            save_best(model, tokenizer, layout.best, 0, final["reward"])
    seconds = time.perf_counter() - start
    if procs.is_main:
        shutil.rmtree(layout.warmup / "trainer", ignore_errors=True)
        model.save_pretrained(layout.warmup)
        tokenizer.save_pretrained(layout.warmup)
        layout.mark_warmup_done(seconds)
    # RL loads `warmup/` in every process: it must be complete first.
    procs.wait()
    say(f"warm-up: done in {seconds:.1f}s")
    return seconds
