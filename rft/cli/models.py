"""`rft models init-tiny`: a tiny from-scratch model for offline examples and tests."""

from __future__ import annotations

from pathlib import Path
from typing import cast, get_args

import typer

from rft.cli.common import console, friendly_errors
from rft.errors import ConfigError

models_app = typer.Typer(help="Model utilities.", no_args_is_help=True)


@models_app.command("init-tiny")
@friendly_errors
def init_tiny(
    out: Path = typer.Argument(..., help="Folder to write the model and tokenizer to."),
    task: list[Path] = typer.Option(
        ..., "--task", help="JSONL file(s) of the task; the tokenizer is trained on their text."
    ),
    level: str = typer.Option(
        "char", help="Tokenizer level: char, word, or whitespace (one token per spaced chunk)."
    ),
    hidden_size: int = typer.Option(64, help="Model width."),
    layers: int = typer.Option(2, help="Transformer layers."),
    heads: int = typer.Option(4, help="Attention heads."),
    intermediate_size: int = typer.Option(256, help="MLP width."),
    seed: int = typer.Option(0, help="Initialisation seed."),
) -> None:
    """Build a small Llama + tokenizer from scratch (loads with AutoModelForCausalLM)."""
    from rft.train.tiny_model import Level, build_tiny_model, corpus_from_jsonl

    if level not in get_args(Level):
        raise ConfigError(f"--level must be one of {', '.join(get_args(Level))}, got {level!r}")
    missing = [str(p) for p in task if not p.is_file()]
    if missing:
        raise ConfigError(f"no such task file: {', '.join(missing)}")
    info = build_tiny_model(
        corpus_from_jsonl(task),
        out,
        level=cast(Level, level),
        hidden_size=hidden_size,
        num_layers=layers,
        num_heads=heads,
        intermediate_size=intermediate_size,
        seed=seed,
    )
    console.print(
        f"wrote {info['path']}: {info['parameters']:,} parameters, vocabulary {info['vocab_size']}"
    )


def register(app: typer.Typer) -> None:
    """Add `rft models ...` to the app."""
    app.add_typer(models_app, name="models")
