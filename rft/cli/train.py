"""`rft train JOB.yaml [--resume]`: reinforcement fine-tuning with a grader bundle."""

from __future__ import annotations

from pathlib import Path

import typer

from rft.cli.common import console, friendly_errors, make_progress
from rft.cli.migrate import train_job_of
from rft.train.config import JobConfig


def train(
    job: Path = typer.Argument(
        ...,
        help="Job YAML (see schemas/train_job.schema.json), or an OpenAI fine-tuning job JSON.",
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue from the last checkpoint."),
    check: bool = typer.Option(
        False, "--check", help="Only validate the job, grader and data; load no model."
    ),
    model: str | None = typer.Option(
        None, "--model", help="With an OpenAI job JSON: the local model folder or HF id to train."
    ),
) -> None:
    """Train a model against a grader bundle: SFT warm-up, then GRPO, RLOO or PPO."""
    from rft.train.run import prepare

    job = train_job_of(job, model)  # an OpenAI job JSON becomes a JobConfig
    if check:
        prepared = prepare(job)
        for note in prepared.notes:
            console.print(note)
        console.print(
            f"ok: {len(prepared.data.train.rows)} train rows, {len(prepared.data.valid.rows)} "
            f"valid rows, grader `{prepared.reward.name}`, method {prepared.job.method}"
        )
        return
    _run(job, resume)


@friendly_errors
def _run(job: Path | JobConfig, resume: bool) -> None:
    from rft.train.run import run

    progress = make_progress()
    with progress:
        summary = run(job, resume=resume, progress=progress, console=console)

    if not summary.main_process:  # one report per run: the main process prints it
        if summary.interrupted:
            raise typer.Exit(130)
        return

    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    console.print(
        f"{summary.method}: validation reward {fmt(summary.start_reward)} at start -> "
        f"{fmt(summary.final_reward)} after {summary.steps} steps (best {fmt(summary.best_reward)}); "
        f"warm-up {summary.warmup_seconds:.0f}s, RL {summary.rl_seconds:.0f}s"
    )
    console.print(f"run folder: {summary.output_dir}  (metrics.jsonl, best/, final/, checkpoints/)")
    if summary.interrupted:
        raise typer.Exit(130)


def register(app: typer.Typer) -> None:
    """Add `rft train` to the app."""
    app.command("train")(friendly_errors(train))
