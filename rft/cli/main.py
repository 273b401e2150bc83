"""The `rft` command. Each sub-module of `rft.cli` adds its commands through `register(app)`.

Sub-modules import heavy libraries (torch, transformers) inside their command functions,
never at module level, so `rft graders ...` starts fast.
"""

from __future__ import annotations

import importlib
import importlib.util

import typer

app = typer.Typer(
    name="rft",
    help="Reinforcement fine-tuning with declarative graders: author, test, train, evaluate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Order is the order of `rft --help`.
_COMMAND_MODULES = (
    "demo",
    "graders",
    "train",
    "migrate",
    "evaluate",
    "report",
    "serve",
    "models",
    "datasets",
)

for _name in _COMMAND_MODULES:
    _module_name = f"rft.cli.{_name}"
    if importlib.util.find_spec(_module_name) is not None:
        importlib.import_module(_module_name).register(app)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
