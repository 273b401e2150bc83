"""Shared CLI plumbing: one place that turns rft's errors into a clean message and exit code 2."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from rft.errors import RftError

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2


def friendly_errors(func: F) -> F:
    """Print `RftError`s (bad bundle, bad data, bad config) as one message; exit 2, no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RftError as exc:
            err_console.print(Text("error: ", style="bold red") + Text(str(exc)), highlight=False)
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper  # type: ignore[return-value]
