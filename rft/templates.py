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
from jinja2 import TemplateSyntaxError, Undefined, UndefinedError, nodes
from jinja2.environment import TemplateExpression

from rft.errors import Location, TemplateError, did_you_mean
from rft.extraction import FILTERS
from rft.safe_regex import RegexError, compile_regex
from rft.template_limits import (
    SandboxEnvironment,
    TemplateLimitError,
    bounded,
    check_constants,
    harden,
)

NAMESPACES = ("item", "sample")
SAMPLE_FIELDS = ("output_text", "output_json", "output_tools", "choices", "output_audio")

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


class MissingExtraction(MissingVariable):
    """An extraction filter applied to item data found nothing (e.g. no `<answer>` tag).

    An empty reference would match every answer under `like`/`ilike`, so the sample is
    flagged `invalid_variable_error` (score 0) instead, like any other missing item value.
    A *sample* whose answer lacks the format is a wrong answer instead: its value is None.
    """


EXTRACTIONS = ("extract_tag", "boxed", "last_number", "regex", "after")
"""Filters that return None when there is nothing to extract."""
_REQUIRED = "_rft_required_"


def _required(name: str, fn: Callable[..., Any], where: str) -> Callable[..., Any]:
    """`fn` that raises `MissingExtraction` instead of returning None."""

    def required(value: Any, *args: Any, **kwargs: Any) -> Any:
        found = fn(value, *args, **kwargs)
        if found is None:
            raise MissingExtraction(f"{where} (`{name}` found nothing)")
        return found

    column = getattr(fn, "column", None)
    if column is not None:

        def required_column(values: list[Any], *args: Any) -> list[Any]:
            found = column(values, *args)
            if any(v is None for v in found):
                raise MissingExtraction(where)  # the caller retries per sample for the flags
            return found

        required.column = required_column  # type: ignore[attr-defined]
    required.filter_name = name  # type: ignore[attr-defined]
    return required


_FILTER_NAMES = {id(fn): name for name, fn in FILTERS.items()}


def filter_name(fn: Callable[..., Any]) -> str:
    """The DSL name of a getter step's filter function (`extract_tag`, `boxed`, ...)."""
    return getattr(fn, "filter_name", None) or _FILTER_NAMES[id(fn)]


ENV = SandboxEnvironment(finalize=_finalize)
ENV.add_filters(FILTERS)
ENV.add_filters(
    {_REQUIRED + name: _required(name, FILTERS[name], "an item value") for name in EXTRACTIONS}
)


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

    Raises `TemplateError` (with `location`) on a syntax error, a namespace other than
    `item` / `sample`, constant arithmetic past the template limits, or nesting too deep.
    """
    if not isinstance(source, str) or ("{{" not in source and "{%" not in source):
        return CompiledTemplate(source=str(source), kind="constant", _fn=lambda ns, v=source: v)
    try:
        return _compile(source, location)
    except RecursionError:
        raise TemplateError(
            f"template nests too deeply ({len(source)} characters)",
            location,
            hint="flatten the template: nest fewer brackets, filters and blocks",
        ) from None
    except TemplateLimitError as exc:
        raise TemplateError(
            f"{exc} in {_clip(source)!r}",
            location,
            hint="templates may not build huge numbers or texts; compute the value in the data",
        ) from None


def _clip(source: str) -> str:
    return source if len(source) <= 80 else source[:77] + "..."


def _compile(source: str, location: Location | None) -> CompiledTemplate:
    try:
        tree = ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(
            f"template does not parse: {exc.message} in {_clip(source)!r}",
            location,
            hint="templates look like `{{ item.field }}` or `{{ sample.output_text | boxed }}`",
        ) from None

    # Names bound inside the template (`{% for x in … %}`, `{% set %}`), found once: a
    # per-name search was quadratic in the template's size.
    local = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in NAMESPACES and name.name not in local:
            hint = did_you_mean(name.name, NAMESPACES) or "use `item.<field>` or `sample.<field>`"
            raise TemplateError(
                f"unknown template variable `{name.name}` in {_clip(source)!r}:"
                " only `item` and `sample` exist",
                location,
                hint=hint,
            )
    for unknown_filter in tree.find_all(nodes.Filter):
        if unknown_filter.name not in ENV.filters or unknown_filter.name.startswith("_"):
            hint = (
                did_you_mean(unknown_filter.name, ENV.filters)
                or f"rft filters: {', '.join(FILTERS)}"
            )
            raise TemplateError(
                f"unknown filter `{unknown_filter.name}` in {_clip(source)!r}", location, hint=hint
            )

        if unknown_filter.name == "regex" and unknown_filter.args:
            _check_pattern(unknown_filter.args[0], source, location)

    paths = _paths(tree)
    for path in paths:
        if path[0] == "sample" and len(path) > 1 and path[1] not in SAMPLE_FIELDS:
            hint = (
                did_you_mean(str(path[1]), SAMPLE_FIELDS)
                or f"sample fields: {', '.join(SAMPLE_FIELDS)}"
            )
            raise TemplateError(
                f"unknown sample field `{path[1]}` in {_clip(source)!r}", location, hint=hint
            )
    check_constants(tree)

    single = _SINGLE_EXPRESSION.match(source)
    body = tree.body
    expr = (
        body[0].nodes[0]
        if len(body) == 1 and isinstance(body[0], nodes.Output) and len(body[0].nodes) == 1
        else None
    )
    if single and "{{" not in single["expr"] and "{%" not in source and expr is not None:
        fast = _fast_steps(expr)
        if fast is not None:
            root, steps = fast
            key_path = [root] + [arg for kind, arg, _ in steps if kind == "key"]
            if root == "item":
                steps = _require_extractions(steps, single["expr"].strip())
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
        _mark_item_extractions(expr)
        assign = nodes.Assign(nodes.Name("result", "store"), expr, lineno=1)
        compiled = TemplateExpression(
            ENV.from_string(harden(nodes.Template([assign], lineno=1))), False
        )
        evaluate = bounded(lambda namespace: compiled(**namespace))

        def evaluate_expression(namespace: Mapping[str, Any]) -> Any:
            try:
                value = evaluate(namespace)
            except UndefinedError as exc:
                raise MissingVariable(str(exc)) from None
            if isinstance(value, Undefined):
                raise MissingVariable(single["expr"].strip())
            return value

        return CompiledTemplate(
            source=source, kind="expression", paths=paths, _fn=evaluate_expression
        )

    _mark_item_extractions(tree)
    template = ENV.from_string(harden(tree))
    render_bounded = bounded(template.render)

    def render(namespace: Mapping[str, Any]) -> str:
        try:
            return render_bounded(namespace)
        except UndefinedError as exc:
            raise MissingVariable(str(exc)) from None

    return CompiledTemplate(source=source, kind="render", paths=paths, _fn=render)


def _check_pattern(node: nodes.Node, source: str, location: Location | None) -> None:
    """A constant `regex(...)` pattern must compile with RE2 (at load, not per sample)."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        try:
            compile_regex(node.value, dotall=True)
        except RegexError as exc:
            raise TemplateError(
                f"invalid regular expression {node.value!r} in {_clip(source)!r}: {exc}",
                location,
                hint="escape special characters (\\. \\( \\[); use a group instead of a lookaround",
            ) from None


def _require_extractions(steps: list[Step], where: str) -> list[Step]:
    """Getter steps over item data, with extraction filters that may not find nothing."""
    extraction_fns = {id(FILTERS[name]): name for name in EXTRACTIONS}
    out: list[Step] = []
    for kind, arg, args in steps:
        name = extraction_fns.get(id(arg)) if kind == "filter" else None
        out.append((kind, _required(name, arg, where), args) if name else (kind, arg, args))
    return out


def _root_name(node: nodes.Node) -> str | None:
    while isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Filter):
        node = node.node
    return node.name if isinstance(node, nodes.Name) else None


def _mark_item_extractions(tree: nodes.Node) -> None:
    """Make extraction filters over item data raise `MissingExtraction` (jinja paths)."""
    nodes_ = [tree] if isinstance(tree, nodes.Filter) else []
    for node in [*nodes_, *tree.find_all(nodes.Filter)]:
        if node.name in EXTRACTIONS and node.node is not None and _root_name(node) == "item":
            node.name = _REQUIRED + node.name


def resolve_path(value: Any, path: Sequence[str | int]) -> Any:
    """Follow a path from `_paths` (without its namespace) through data; raises MissingVariable."""
    text = _format_path(path)
    for key in path:
        value = _lookup(value, key, text)
    return value


def as_text(value: Any) -> str:
    """The text form of a rendered value: None -> "", lists/dicts -> JSON, else str()."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | dict | tuple):
        try:
            return orjson.dumps(value).decode()
        except TypeError:
            return str(value)
    return str(value)
