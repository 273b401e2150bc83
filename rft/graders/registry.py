"""The registry that maps a spec's `type:` to its grader implementation.

`@register` takes the type name from the grader's `spec_type` (the spec class's
`type: Literal[...]`), so the name is written once. Built-in graders are imported lazily,
from the module `rft.spec.bundle.BUILTIN_SPECS` names for each spec class (a bundle of string
checks never imports the judge's HTTP client); third-party graders subclass a spec with their
own `type` literal and decorate their implementation with `@register`.
"""

from __future__ import annotations

import importlib
from typing import TypeVar

from rft.graders.base import CompileContext, Grader
from rft.spec.base import GraderSpecBase, spec_type_name
from rft.spec.bundle import BUILTIN_SPECS

G = TypeVar("G", bound=type[Grader])

_GRADERS: dict[str, type[Grader]] = {}

_BUILTIN_MODULES = {spec_type_name(cls): module for cls, module in BUILTIN_SPECS.items()}


def register(cls: G) -> G:
    """Class decorator: specs of `cls.spec_type`'s `type` build this grader."""
    _GRADERS[spec_type_name(cls.spec_type)] = cls
    return cls


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
    return grader_class(spec_type_name(type(spec)))(spec, context or CompileContext())
