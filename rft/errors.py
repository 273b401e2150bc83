"""Errors raised at load/validate time, and the per-sample error flags used on the hot path.

Load-time problems are exceptions with a location (file, line, field path) and a fix;
grading-time problems are never exceptions: they are boolean flags per sample.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

import numpy as np


class ErrorFlag(StrEnum):
    """Per-sample error flags, named as OpenAI's grader run endpoint names them."""

    sample_parse_error = "sample_parse_error"
    invalid_variable_error = "invalid_variable_error"
    formula_parse_error = "formula_parse_error"
    python_grader_runtime_error = "python_grader_runtime_error"
    python_grader_server_error = "python_grader_server_error"
    model_grader_parse_error = "model_grader_parse_error"
    model_grader_server_error = "model_grader_server_error"
    model_grader_refusal_error = "model_grader_refusal_error"
    other_error = "other_error"


ERROR_FLAGS: tuple[str, ...] = tuple(f.value for f in ErrorFlag)


def any_flag(flags: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Per sample, True where any of the boolean `flags` masks (each of length `n`) is set."""
    out = np.zeros(n, dtype=bool)
    for mask in flags.values():
        out |= mask
    return out


class RftError(Exception):
    """Base class of every error rft reports to a user (the CLI prints it and exits 2)."""


class Location:
    """Where a problem is: a file, a line (1-based) and a field path such as `graders.rank.scoring`."""

    def __init__(
        self, file: str | None = None, line: int | None = None, field: Sequence[str | int] = ()
    ) -> None:
        self.file = file
        self.line = line
        self.field = tuple(field)

    @property
    def field_path(self) -> str:
        out = ""
        for part in self.field:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file + (f":{self.line}" if self.line else ""))
        elif self.line:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(f"field `{self.field_path}`")
        return ", ".join(parts)


class LocatedError(RftError):
    """An error with a location and an optional hint on how to fix it."""

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None):
        self.message = message
        self.location = location or Location()
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        where = str(self.location)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  fix: {self.hint}"
        return text


class BundleError(LocatedError):
    """A grader bundle that cannot be loaded: bad YAML/JSON, unknown type or field, bad formula."""


class BundleErrors(RftError):
    """Several bundle problems found at once (all are reported, not just the first)."""

    def __init__(self, errors: Sequence[BundleError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class TemplateError(BundleError):
    """A template that does not parse, or names a variable outside `item` / `sample`."""


class DataError(LocatedError):
    """A dataset or samples file with a bad line (not JSON, not an object, missing fields)."""


class ConfigError(LocatedError):
    """A bad job configuration (train/eval)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return a ' did you mean `x`?' hint for a misspelt name, or None."""
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None
