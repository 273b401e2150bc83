"""Templates: jinja2's sandbox with strict undefined, rft's extraction filters, and a fast path.

A template is compiled once into a `CompiledTemplate`, then evaluated per sample against the
namespace ``{"item": ..., "sample": ...}``. Four kinds, fastest first:

- ``constant``: no ``{{`` at all; the text itself.
- ``getter``: one ``{{ path | filter(...) }}`` over ``item``/``sample`` with rft's filters: a
  direct Python getter, no jinja on the hot path. Keeps native types (a list stays a list).
- ``expression``: one ``{{ expr }}`` of any other form: jinja's compiled expression (native value).
- ``render``: text mixed with expressions: a full jinja render to a string (lists/dicts as JSON).

A missing variable raises `MissingVariable`; the caller turns it into a per-sample flag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, UndefinedError, nodes
from jinja2.sandbox import SandboxedEnvironment

from rft.errors import Location, TemplateError, did_you_mean
from rft.extraction import FILTERS

NAMESPACES = ("item", "sample")
SAMPLE_FIELDS = ("output_text", "output_json", "output_tools")

_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>.*?)\}\}\s*$", re.DOTALL)


class MissingVariable(LookupError):
    """A template path that does not resolve for this sample/item."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def _finalize(value: Any) -> Any:
    # In text templates, render lists/dicts as JSON (what a judge prompt wants) and None as "".
    if value is None:
        return ""
    if isinstance(value, list | dict | tuple):
        return orjson.dumps(value).decode()
    return value


class _Environment(SandboxedEnvironment):
    """Sandboxed environment in which `x.key` on a mapping means `x["key"]` first.

    jinja2 normally tries the attribute first, so `item.items` would be the dict method; rft
    data fields must win, and the fast path must agree with jinja exactly.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


ENV = _Environment(undefined=StrictUndefined, autoescape=False, finalize=_finalize)
ENV.filters.update(FILTERS)


Step = tuple[Literal["key", "filter"], Any, tuple[Any, ...]]


@dataclass
class CompiledTemplate:
    """A template ready to evaluate. Call it with a namespace ``{"item":…, "sample":…}``."""

    source: str
    kind: Literal["constant", "getter", "expression", "render"]
    paths: list[tuple[str | int, ...]] = field(default_factory=list)
    """Variable paths the template reads, e.g. ``("item", "gene")`` (for validation)."""
    _fn: Callable[[Mapping[str, Any]], Any] = field(repr=False, default=lambda ns: None)
    root: tuple[str, ...] = ()
    """Getters only: the column the path starts from: ``("item",)`` or ``("sample", field)``."""
    steps: list[Step] = field(default_factory=list)
    """Getters only: the key lookups and filters applied after `root`."""

    @property
    def path_text(self) -> str:
        """`item.a.b` form of a getter's key path (for error messages)."""
        keys = [arg for kind, arg, _ in self.steps if kind == "key"]
        return _format_path([*self.root, *keys]) if self.root else self.source

    @property
    def uses_output_json(self) -> bool:
        return any(p[:2] == ("sample", "output_json") for p in self.paths)

    def __call__(self, namespace: Mapping[str, Any]) -> Any:
        return self._fn(namespace)


def _lookup(value: Any, key: str | int, path: str) -> Any:
    try:
        if isinstance(value, Mapping):
            return value[key]
        if isinstance(value, Sequence) and isinstance(key, int):
            return value[key]
    except (KeyError, IndexError):
        raise MissingVariable(path) from None
    if isinstance(key, str) and not key.startswith("_") and hasattr(value, key):
        return getattr(value, key)
    raise MissingVariable(path)


def _make_getter(
    root: str, steps: list[Step], path_text: str
) -> Callable[[Mapping[str, Any]], Any]:
    def get(namespace: Mapping[str, Any]) -> Any:
        value = namespace[root]
        for kind, arg, args in steps:
            if kind == "key":
                value = _lookup(value, arg, path_text)
            else:
                value = arg(value, *args)
        return value

    return get


def apply_steps(
    column: list[Any], steps: Sequence[Step], path_text: str, errors: dict[int, BaseException]
) -> list[Any]:
    """Apply getter steps to a whole column at once; per-element failures go into `errors`.

    Each step is first tried as one list comprehension (the common case: every element has
    the key); only when that raises does it fall back to element-wise work that records
    which samples failed. Entries already in `errors` stay failed (value None).
    """
    for kind, arg, args in steps:
        if not errors:
            try:
                if kind == "key":
                    column = [v[arg] for v in column]
                elif hasattr(arg, "column"):
                    column = arg.column(column, *args)
                else:
                    column = [arg(v, *args) for v in column]
                continue
            except Exception:
                pass
        out: list[Any] = []
        for i, value in enumerate(column):
            if i in errors:
                out.append(None)
                continue
            try:
                out.append(_lookup(value, arg, path_text) if kind == "key" else arg(value, *args))
            except Exception as exc:
                errors[i] = (
                    exc
                    if isinstance(exc, MissingVariable) or kind == "filter"
                    else MissingVariable(path_text)
                )
                out.append(None)
        column = out
    return column


def _fast_steps(expr: nodes.Node) -> tuple[str, list[Step]] | None:
    """Translate `item.a[0] | filter('x')` into (root, steps), or None if not that simple."""
    steps: list[Step] = []
    node = expr
    while True:
        if isinstance(node, nodes.Name):
            return (node.name, steps[::-1]) if node.name in NAMESPACES else None
        if isinstance(node, nodes.Getattr):
            steps.append(("key", node.attr, ()))
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            if not isinstance(node.arg.value, str | int):
                return None
            steps.append(("key", node.arg.value, ()))
            node = node.node
        elif isinstance(node, nodes.Filter) and node.name in FILTERS and node.node is not None:
            if node.kwargs or node.dyn_args or node.dyn_kwargs:
                return None
            if not all(isinstance(a, nodes.Const) for a in node.args):
                return None
            steps.append(("filter", FILTERS[node.name], tuple(a.value for a in node.args)))
            node = node.node
        else:
            return None


def _paths(tree: nodes.Node) -> list[tuple[str | int, ...]]:
    """Every `item.…`/`sample.…` access path with constant keys (longest form only)."""
    found: list[tuple[str | int, ...]] = []

    def chain(node: nodes.Node) -> tuple[str | int, ...] | None:
        if isinstance(node, nodes.Name):
            return (node.name,)
        if isinstance(node, nodes.Getattr):
            base = chain(node.node)
            return None if base is None else (*base, node.attr)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            base = chain(node.node)
            return None if base is None else (*base, node.arg.value)
        return None

    parents: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        inner = node.node
        parents.add(id(inner))
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        if id(node) in parents:
            continue
        path = chain(node)
        if path and path[0] in NAMESPACES:
            found.append(path)
    return found


def _format_path(path: Sequence[str | int]) -> str:
    out = str(path[0])
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def compile_template(source: Any, location: Location | None = None) -> CompiledTemplate:
    """Compile a template string; non-strings (numbers, lists) become constants.

    Raises `TemplateError` (with `location`) on a syntax error or a namespace other than
    `item` / `sample`.
    """
    if not isinstance(source, str) or ("{{" not in source and "{%" not in source):
        return CompiledTemplate(source=str(source), kind="constant", _fn=lambda ns, v=source: v)

    try:
        tree = ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(
            f"template does not parse: {exc.message} in {source!r}",
            location,
            hint="templates look like `{{ item.field }}` or `{{ sample.output_text | boxed }}`",
        ) from None

    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in NAMESPACES and not _is_local(tree, name.name):
            hint = did_you_mean(name.name, NAMESPACES) or "use `item.<field>` or `sample.<field>`"
            raise TemplateError(
                f"unknown template variable `{name.name}` in {source!r}: only `item` and `sample` exist",
                location,
                hint=hint,
            )
    for unknown_filter in tree.find_all(nodes.Filter):
        if unknown_filter.name not in ENV.filters:
            hint = (
                did_you_mean(unknown_filter.name, ENV.filters)
                or f"rft filters: {', '.join(FILTERS)}"
            )
            raise TemplateError(
                f"unknown filter `{unknown_filter.name}` in {source!r}", location, hint=hint
            )

    paths = _paths(tree)
    for path in paths:
        if path[0] == "sample" and len(path) > 1 and path[1] not in SAMPLE_FIELDS:
            hint = (
                did_you_mean(str(path[1]), SAMPLE_FIELDS)
                or f"sample fields: {', '.join(SAMPLE_FIELDS)}"
            )
            raise TemplateError(
                f"unknown sample field `{path[1]}` in {source!r}", location, hint=hint
            )

    single = _SINGLE_EXPRESSION.match(source)
    if single and "{{" not in single["expr"] and "{%" not in source:
        body = tree.body
        expr = (
            body[0].nodes[0]
            if len(body) == 1 and isinstance(body[0], nodes.Output) and len(body[0].nodes) == 1
            else None
        )
        fast = _fast_steps(expr) if expr is not None else None
        if fast is not None:
            root, steps = fast
            key_path = [root] + [arg for kind, arg, _ in steps if kind == "key"]
            fn = _make_getter(root, steps, _format_path(key_path))
            column_root: tuple[str, ...] = (root,)
            column_steps = steps
            if root == "sample" and steps and steps[0][0] == "key":
                column_root, column_steps = ("sample", str(steps[0][1])), steps[1:]
            return CompiledTemplate(
                source=source,
                kind="getter",
                paths=paths,
                _fn=fn,
                root=column_root,
                steps=column_steps,
            )
        compiled = ENV.compile_expression(single["expr"], undefined_to_none=False)

        def evaluate_expression(namespace: Mapping[str, Any]) -> Any:
            try:
                value = compiled(**namespace)
            except UndefinedError as exc:
                raise MissingVariable(str(exc)) from None
            if isinstance(value, Undefined):
                raise MissingVariable(single["expr"].strip())
            return value

        return CompiledTemplate(
            source=source, kind="expression", paths=paths, _fn=evaluate_expression
        )

    template = ENV.from_string(source)

    def render(namespace: Mapping[str, Any]) -> str:
        try:
            return template.render(namespace)
        except UndefinedError as exc:
            raise MissingVariable(str(exc)) from None

    return CompiledTemplate(source=source, kind="render", paths=paths, _fn=render)


def _is_local(tree: nodes.Template, name: str) -> bool:
    """True when `name` is bound inside the template (a `{% for x in … %}` or `{% set %}`)."""
    return any(n.name == name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param"))


def resolve_path(value: Any, path: Sequence[str | int]) -> Any:
    """Follow a path from `_paths` (without its namespace) through data; raises MissingVariable."""
    text = _format_path(path)
    for key in path:
        value = _lookup(value, key, text)
    return value
