"""`rft demo`: data, tiny model, warm-up, RFT and an SFT control, evaluated and reported."""

from __future__ import annotations

from pathlib import Path

import typer

from rft.cli.common import console, friendly_errors, make_progress
from rft.errors import ConfigError


def demo(
    task: str = typer.Option(
        "rare-disease", "--task", help="rare-disease (gene ranking) or arithmetic."
    ),
    out: Path = typer.Option(Path("runs/demo"), "--out", help="Folder for every file (replaced)."),
    seed: int = typer.Option(0, "--seed", help="Training seed (the data are fixed)."),
    quick: bool = typer.Option(False, "--quick", help="A tiny run (about a minute), for tests."),
    protocol: str = typer.Option(
        "label-for-label",
        "--protocol",
        help="label-for-label (default: warm-up and SFT control on every labelled row, as many "
        "labels as RL's reward reads) or scarce (a few labelled rows per disease).",
    ),
    profile: str = typer.Option(
        "noisy",
        "--profile",
        help="rare-disease cases: noisy (default: imprecise, unrelated and absent terms) or "
        "clean (only the disease's own terms).",
    ),
) -> None:
    """Run the rare-disease demo end to end on CPU, offline, and print the comparison table."""
    from rft.demo.pipeline import PROTOCOLS, TASKS, DemoConfig, run_demo
    from rft.demo.table import rich_table

    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    if protocol not in PROTOCOLS:
        raise ConfigError(
            f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}",
            hint="--protocol label-for-label (the default) or --protocol scarce",
        )
    config = DemoConfig(
        task=task,  # type: ignore[arg-type]
        out=out,
        seed=seed,
        quick=quick,
        profile=profile,
        protocol=protocol,  # type: ignore[arg-type]
    )
    progress = make_progress(transient=True)
    with progress:
        result = run_demo(
            config,
            say=lambda msg: console.print(f"[dim]·[/dim] {msg}"),
            progress=progress,
            console=console,
        )
    console.print(rich_table(result.rows, result.title))
    for note in result.notes:
        console.print(f"  {note}", highlight=False)
    console.print(
        f"done in {result.seconds:.0f}s; report: {out / 'demo.html'} (per model: "
        f"{out}/<run>/report.html)"
    )


def register(app: typer.Typer) -> None:
    """Add `rft demo` to the app."""
    app.command("demo")(friendly_errors(demo))
