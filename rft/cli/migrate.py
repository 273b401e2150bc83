"""`rft migrate OPENAI_JOB.json OUT/`: an OpenAI fine-tuning job body as an rft job + grader bundle.

`rft train openai_job.json --model M` runs the same mapping without writing the YAML
(see `rft.train.openai_job`); this command is for people who want to read and edit it.
"""

from __future__ import annotations

from pathlib import Path

import typer

from rft.cli.common import console, err_console, friendly_errors
from rft.errors import ConfigError
from rft.train.config import JobConfig
from rft.train.openai_job import is_openai_job, read_openai_job, train_job, write_migration


def migrate(
    job: Path = typer.Argument(..., help="JSON body of an OpenAI fine-tuning job create request."),
    out: Path = typer.Argument(..., help="Folder to write job.yaml and grader.yaml into."),
    model: str | None = typer.Option(
        None, "--model", help="Local model folder or Hugging Face id, replacing the body's `model`."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite job.yaml / grader.yaml in OUT."),
) -> None:
    """Convert an OpenAI RFT job (JSON body) into an rft job YAML and grader bundle YAML."""
    existing = [p for p in (out / "job.yaml", out / "grader.yaml") if p.exists()]
    if existing and not force:
        raise ConfigError(
            f"{existing[0]} already exists", hint="choose another OUT folder, or pass --force"
        )
    mapped = read_openai_job(job, model=model)
    job_path, bundle_path = write_migration(mapped, out)
    for line in mapped.warnings():
        err_console.print(f"warning: {line}", highlight=False, markup=False)
    if mapped.hosted_model:
        err_console.print(
            f"warning: model {mapped.job.model!r} is OpenAI-hosted: edit `model:` in {job_path} "
            "(or rerun with --model) before `rft train`",
            highlight=False,
            markup=False,
        )
    console.print(f"wrote {job_path} and {bundle_path}", highlight=False, markup=False)
    console.print(f"next: rft train {job_path}", highlight=False, markup=False)


def train_job_of(job: Path, model: str | None) -> Path | JobConfig:
    """What `rft train JOB [--model M]` runs: the job YAML as is, or an OpenAI job JSON mapped.

    An OpenAI body (a `.json` file with `method` or `training_file`) becomes a `JobConfig`
    with absolute paths, its grader written to `<run folder>/grader.json`; the ignored
    fields are printed as warnings. `--model` is refused for an rft job YAML (it has `model:`).
    """
    if not is_openai_job(job):
        if model is not None:
            raise ConfigError(
                f"--model is for OpenAI job JSON files; {job} is an rft job",
                hint=f"set `model:` in {job}",
            )
        return job
    mapped = read_openai_job(job, model=model)
    for line in mapped.warnings():
        err_console.print(f"warning: {line}", highlight=False, markup=False)
    return train_job(mapped)


def register(app: typer.Typer) -> None:
    """Add `rft migrate` to the app."""
    app.command("migrate")(friendly_errors(migrate))
