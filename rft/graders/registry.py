"""The registry that maps a spec's `type:` to its grader implementation.

Built-in graders are imported lazily (a bundle of string checks never imports the judge's
HTTP client); third-party graders call `register` with their own spec type.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

from rft.graders.base import CompileContext, Grader
from rft.spec.base import GraderSpecBase

G = TypeVar("G", bound=type[Grader])

_GRADERS: dict[str, type[Grader]] = {}

_BUILTIN_MODULES = {
    "string_check": "rft.graders.string_check",
    "text_similarity": "rft.graders.text_similarity",
    "ranked_list": "rft.graders.ranked_list",
    "numeric": "rft.graders.numeric",
    "json_schema": "rft.graders.json_schema",
    "score_model": "rft.graders.score_model",
    "label_model": "rft.graders.label_model",
    "python": "rft.graders.python_grader",
    "multi": "rft.graders.multi",
}


def register(type_name: str) -> Callable[[G], G]:
    """Class decorator: make `type_name` specs build this grader."""

    def decorate(cls: G) -> G:
        _GRADERS[type_name] = cls
        return cls

    return decorate


def grader_class(type_name: str) -> type[Grader]:
    """The implementation of `type_name` (imports the built-in module on first use)."""
    if type_name not in _GRADERS and type_name in _BUILTIN_MODULES:
        importlib.import_module(_BUILTIN_MODULES[type_name])
    try:
        return _GRADERS[type_name]
    except KeyError:
        raise LookupError(f"no grader implementation registered for type `{type_name}`") from None


def build_grader(spec: GraderSpecBase, context: CompileContext | None = None) -> Grader:
    """Instantiate the grader for a validated spec."""
    return grader_class(spec.type)(spec, context or CompileContext())  # type: ignore[attr-defined]
