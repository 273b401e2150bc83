"""The jinja2 environment templates run in: immutable sandbox, bounded work, bounded size.

Templates come with shared grader bundles and run inside the training process, so a template
must not be able to hang it or exhaust its memory. On top of jinja2's immutable sandbox (no
dunder access, no mutation of lists/dicts, `range` capped), this environment:

- never folds constants at compile time (`{{ 9**999999999 }}` would hang the compiler) and
  checks constant arithmetic at load instead (`check_constants`);
- checks every arithmetic result, string method and filter whose result can grow (`*`, `**`,
  `+`, `%`, `~`, `center`, `ljust`, `replace`, `join`, `format`, ...) *before* it is computed;
- counts loop iterations and calls against a per-evaluation budget (`MAX_STEPS`), with a
  wall-clock deadline (`MAX_SECONDS`);
- counts every string/list it builds against a per-evaluation total (`MAX_TOTAL_CHARS`);
- has no globals (`range`, `lipsum`, `namespace`, ...): templates read `item` and `sample` only.

A limit hit while grading raises `TemplateLimitError` (the batch flags that sample
`other_error`, score 0); a limit hit by constants raises it at load.
"""

from __future__ import annotations

import functools
import operator
import re
import threading
import time
from collections.abc import Callable, Mapping, Sized
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_STEPS = 100_000
"""Loop iterations plus calls (macros, methods, filters) in one evaluation."""
MAX_CHARS = 10_000_000
"""Length of any one string, list or output a template builds (10 MB of text)."""
MAX_TOTAL_CHARS = 50_000_000
"""All strings and lists one evaluation builds, together."""
MAX_INT_BITS = 100_000
"""Size of an integer result (about 30,000 decimal digits)."""
MAX_SECONDS = 2.0
"""Wall-clock time of one evaluation (checked at each loop iteration and call)."""

_WIDTH_IN_FORMAT = re.compile(r"\d{7,}")  # a width/precision of 1,000,000 or more


class TemplateLimitError(RuntimeError):
    """A template went past one of the limits above (per sample at grading time)."""


class _Budget:
    __slots__ = ("chars", "deadline", "steps")

    def __init__(self) -> None:
        self.steps = MAX_STEPS
        self.chars = MAX_TOTAL_CHARS
        self.deadline = time.monotonic() + MAX_SECONDS


_state = threading.local()


def bounded(fn: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], Any]:
    """Run `fn(namespace)` under a fresh budget; its result must fit `MAX_CHARS` too."""

    def run(namespace: Mapping[str, Any]) -> Any:
        previous = getattr(_state, "budget", None)
        _state.budget = _Budget()
        try:
            value = fn(namespace)
        finally:
            _state.budget = previous
        _check_size(value)
        return value

    return run


def _step() -> None:
    budget: _Budget | None = getattr(_state, "budget", None)
    if budget is None:
        return
    budget.steps -= 1
    if budget.steps < 0:
        raise TemplateLimitError(f"template ran past {MAX_STEPS} steps (loop iterations and calls)")
    if budget.steps % 256 == 0 and time.monotonic() > budget.deadline:
        raise TemplateLimitError(f"template ran past {MAX_SECONDS:g} s")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict) else 0


def _check_size(value: Any) -> None:
    if _size(value) > MAX_CHARS:
        raise TemplateLimitError(f"template value too large: {_size(value)} > {MAX_CHARS}")


def _charge(value: Any) -> Any:
    """Count a value the template built against the evaluation's total."""
    size = _size(value)
    if size:
        _check_size(value)
        budget: _Budget | None = getattr(_state, "budget", None)
        if budget is not None:
            budget.chars -= size
            if budget.chars < 0:
                raise TemplateLimitError(
                    f"template built too much text: more than {MAX_TOTAL_CHARS} characters"
                )
    return value


def _refuse_if(condition: bool, what: str) -> None:
    if condition:
        raise TemplateLimitError(f"template result too large: {what}")


def _deep_size(value: Any, limit: int = MAX_CHARS) -> int:
    """Characters a list/tuple stands for (its strings, nested lists), counted up to `limit`."""
    if not isinstance(value, list | tuple):
        return _size(value)
    total = len(value)
    for item in value:
        if total > limit:
            break
        total += _deep_size(item, limit - total) if isinstance(item, list | tuple) else _size(item)
    return total


def _int_arg(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _check_args(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    # A width, count or fill size this large is never a real prompt, only a memory bomb.
    for value in (*args, *kwargs.values()):
        _refuse_if(_int_arg(value) > MAX_CHARS, f"argument {value} is too large")
        if isinstance(value, tuple):
            _check_args(value, {})


def _check_format(text: Any) -> None:
    if isinstance(text, str):
        _refuse_if(bool(_WIDTH_IN_FORMAT.search(text)), "format width/precision is too large")


def check_binop(op: str, left: Any, right: Any) -> None:
    """Refuse an arithmetic operation whose result would be too large (before computing it)."""
    if op == "**":
        base, exponent = _int_arg(left), _int_arg(right)
        if abs(base) > 1 and exponent > 0:
            _refuse_if(exponent * base.bit_length() > MAX_INT_BITS, f"{base} ** {exponent}")
    elif op == "*":
        if isinstance(left, int) and isinstance(right, int):
            _refuse_if(left.bit_length() + right.bit_length() > MAX_INT_BITS, "integer product")
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(count, int) and count > 0:
                size = _deep_size(seq, MAX_CHARS // count + 1)
                _refuse_if(size * count > MAX_CHARS, f"a sequence repeated {count} times")
    elif op == "+":
        if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
            _refuse_if(_deep_size(left) + _deep_size(right) > MAX_CHARS, "concatenation")
    elif op == "%":
        _check_format(left)
        _check_args(right if isinstance(right, tuple) else (right,), {})


def _estimate_method(obj: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Bound the result of the string methods whose output can outgrow their input."""
    target = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format
    owner = getattr(target, "__self__", None)
    name = getattr(target, "__name__", "")
    if not isinstance(owner, str):
        return
    size = len(owner)
    if name in ("format", "format_map"):
        # A width may come from an argument too: "{0:{1}}".format(x, "9999999999").
        for text in (owner, *args, *kwargs.values()):
            _check_format(text)
    elif name == "expandtabs":
        tab = _int_arg(args[0] if args else kwargs.get("tabsize", 8))
        _refuse_if(owner.count("\t") * tab > MAX_CHARS, "expandtabs")
    elif name == "replace" and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        slots = size + 1 if not old else owner.count(old)
        _refuse_if(size + slots * len(new) > MAX_CHARS, "replace")
    elif name == "join" and args:
        items = args[0]
        if isinstance(items, list | tuple):
            total = sum(_size(x) for x in items) + size * len(items)
            _refuse_if(total > MAX_CHARS, "join")
    elif name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((_size(v) for v in args[0].values()), default=1)
        _refuse_if(size * longest > MAX_CHARS, "translate")


def _guard_filter(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A jinja filter that counts a step, checks its arguments first and its result after."""

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _step()
        _check_args(args, kwargs)
        if name == "format" and args:
            _check_format(args[0])
        elif name == "wordwrap" and len(args) > 1 and isinstance(args[1], str):
            # (environment, s, width, break_long_words, wrapstring, ...)
            width = max(_int_arg(args[2]) if len(args) > 2 else 79, 1)
            wrap = args[4] if len(args) > 4 else kwargs.get("wrapstring", "\n")
            pieces = len(args[1]) // width + 1
            _refuse_if(len(args[1]) + pieces * _size(wrap) > MAX_CHARS, "wordwrap")
        elif name == "indent" and args and isinstance(args[0], str):
            prefix = args[1] if len(args) > 1 else kwargs.get("width", 4)
            width = _size(prefix) if isinstance(prefix, str) else _int_arg(prefix)
            _refuse_if((args[0].count("\n") + 1) * width > MAX_CHARS, "indent")
        elif name in ("join", "replace"):
            # jinja passes its eval context first to these two.
            values = [a for a in args if not hasattr(a, "autoescape")]
            if name == "join" and values and isinstance(values[0], list | tuple):
                sep = _size(values[1]) if len(values) > 1 else 0
                total = sum(_size(x) for x in values[0]) + sep * len(values[0])
                _refuse_if(total > MAX_CHARS, "join")
            elif name == "replace" and len(values) >= 3 and isinstance(values[0], str):
                text, old, new = values[0], str(values[1]), str(values[2])
                slots = len(text) + 1 if not old else text.count(old)
                _refuse_if(len(text) + slots * len(new) > MAX_CHARS, "replace")
        return _charge(fn(*args, **kwargs))

    return guarded


class _LoopCounter:
    """Wraps a for-loop's iterable: one step per iteration."""

    def __init__(self, iterable: Any) -> None:
        self._length = len(iterable) if isinstance(iterable, Sized) else None
        self._iterator = iter(iterable)

    def __iter__(self) -> _LoopCounter:
        return self

    def __next__(self) -> Any:
        value = next(self._iterator)
        _step()
        return value

    def __len__(self) -> int:  # jinja's `loop.length` asks for it
        if self._length is None:
            raise TypeError("length unknown")
        return self._length


def _loop_filter(iterable: Any) -> Any:
    return _LoopCounter(iterable)


def _concat_filter(parts: list[Any]) -> str:
    total = sum(len(p) if isinstance(p, str) else 0 for p in parts)
    _refuse_if(total > MAX_CHARS, "`~` concatenation")
    return _charge("".join(str(p) for p in parts))


LOOP_FILTER = "_rft_loop"
CONCAT_FILTER = "_rft_concat"


class _Harden(NodeTransformer):
    """Route every for-loop and `~` through the counting filters above."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, LOOP_FILTER, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(
            nodes.List(node.nodes, lineno=node.lineno),
            CONCAT_FILTER,
            [],
            [],
            None,
            None,
            lineno=node.lineno,
        )


def harden(tree: nodes.Template) -> nodes.Template:
    """Rewrite a parsed template so that its loops and concatenations are counted."""
    return _Harden().visit(tree)


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "**": operator.pow,
    "%": operator.mod,
}


class _NotConstant(Exception):
    pass


def _constant(node: nodes.Node) -> Any:
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.Neg):
        return -_constant(node.node)
    if isinstance(node, nodes.Pos):
        return +_constant(node.node)
    if isinstance(node, nodes.List | nodes.Tuple):
        values = [_constant(n) for n in node.items]
        return values if isinstance(node, nodes.List) else tuple(values)
    if isinstance(node, nodes.BinExpr):
        left, right = _constant(node.left), _constant(node.right)
        check_binop(node.operator, left, right)
        try:
            return _BINOPS[node.operator](left, right)
        except Exception:
            raise _NotConstant from None
    raise _NotConstant


def check_constants(tree: nodes.Template) -> None:
    """Raise `TemplateLimitError` for constant arithmetic that is too large (`9**999999999`)."""
    for node in tree.find_all(nodes.BinExpr):
        try:
            _constant(node)
        except _NotConstant:
            continue


class SandboxEnvironment(ImmutableSandboxedEnvironment):
    """Immutable sandbox with bounded work; `x.key` on a mapping means `x["key"]` first.

    jinja2 normally tries the attribute first, so `item.items` would be the dict method; rft
    data fields must win, and the fast path must agree with jinja exactly.
    """

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, optimized=False, **options)
        self.globals.clear()
        self.filters = {name: _guard_filter(name, fn) for name, fn in self.filters.items()}
        self.filters[LOOP_FILTER] = _loop_filter
        self.filters[CONCAT_FILTER] = _concat_filter

    def add_filters(self, filters: Mapping[str, Callable[..., Any]]) -> None:
        """Register more filters, guarded like the built-in ones."""
        for name, fn in filters.items():
            self.filters[name] = _guard_filter(name, fn)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        check_binop(op, left, right)
        return _charge(self.binop_table[op](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _step()
        _check_args(args, kwargs)
        _estimate_method(__obj, args, kwargs)
        return _charge(super().call(__context, __obj, *args, **kwargs))
