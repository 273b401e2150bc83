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


@app.callback()
def _options(
    allow_unsandboxed_python: bool = typer.Option(
        False,
        "--allow-unsandboxed-python",
        help="Run `type: python` graders even where the kernel jail (bubblewrap + seccomp) is "
        "unavailable: they then keep only rlimits and an audit hook, which stop accidents, not "
        "hostile code. Same as RFT_ALLOW_UNSANDBOXED_PYTHON=1.",
    ),
) -> None:
    """Reinforcement fine-tuning with declarative graders: author, test, train, evaluate."""
    if allow_unsandboxed_python:
        from rft.sandbox import allow_unsandboxed_python as allow  # only when asked for

        allow(True)


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
