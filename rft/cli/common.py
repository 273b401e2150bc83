"""Shared CLI plumbing: clean error messages and exit code 2, and one progress display."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from rft.data import printable
from rft.errors import RftError

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2


def print_error(message: str) -> None:
    """Print `error: message` on stderr, control characters escaped (messages quote user data)."""
    err_console.print(Text("error: ", style="bold red") + Text(printable(message)), highlight=False)


def friendly_errors(func: F) -> F:
    """Print `RftError`s (bad bundle, bad data, bad config) as one message; exit 2, no traceback.

    A RecursionError that escapes every located check (input nested past Python's limits)
    gets one message and exit 2 too, never a thousand-line traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RftError as exc:
            print_error(str(exc))
            raise typer.Exit(EXIT_USAGE) from None
        except RecursionError:
            print_error("the input nests too deeply to read (a bundle, template or data line)")
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper  # type: ignore[return-value]


class PlainProgress:
    """What rft uses of `rich.progress.Progress`, as plain lines for logs and pipes.

    A line is printed when a task starts, passes each tenth of its total, finishes, or
    changes its `info`; no cursor movement, so the output reads well in a CI log.
    """

    def __init__(self, out: Console) -> None:
        self.console = out
        self._tasks: dict[int, dict[str, Any]] = {}
        self._start = time.monotonic()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def start(self) -> None:
        """Nothing to start: lines are printed as tasks move."""

    def stop(self) -> None:
        """Nothing to stop."""

    def add_task(
        self, description: str, total: float | None = None, completed: float = 0, **fields: Any
    ) -> int:
        task_id = len(self._tasks)
        self._tasks[task_id] = {
            "description": description,
            "total": total,
            "completed": completed,
            "bucket": -1,
            **fields,
        }
        self._emit(task_id, force=True)
        return task_id

    def update(
        self,
        task_id: int,
        *,
        completed: float | None = None,
        advance: float | None = None,
        total: float | None = None,
        description: str | None = None,
        **fields: Any,
    ) -> None:
        task = self._tasks[task_id]
        changed_info = "info" in fields and fields["info"] != task.get("info")
        task.update(fields)
        if total is not None:
            task["total"] = total
        if description is not None:
            task["description"] = description
        if completed is not None:
            task["completed"] = completed
        if advance is not None:
            task["completed"] += advance
        self._emit(task_id, force=changed_info)

    def advance(self, task_id: int, advance: float = 1) -> None:
        self.update(task_id, advance=advance)

    def _emit(self, task_id: int, *, force: bool) -> None:
        task = self._tasks[task_id]
        total, done = task["total"], task["completed"]
        bucket = int(10 * done / total) if total else -1
        if not force and bucket == task["bucket"]:
            return
        task["bucket"] = bucket
        count = f" {done:g}/{total:g}" if total else ""
        info = f" {task['info']}" if task.get("info") else ""
        elapsed = time.monotonic() - self._start
        self.console.print(
            f"{task['description']}:{count}{info} [{elapsed:.0f}s]", markup=False, highlight=False
        )


def make_progress(*, transient: bool = False, out: Console | None = None) -> Any:
    """A rich progress bar on a terminal; plain progress lines when stdout is not one."""
    out = out or console
    if not out.is_terminal:
        return PlainProgress(out)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[info]}"),
        console=out,
        transient=transient,
    )
