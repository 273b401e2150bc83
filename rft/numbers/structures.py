"""Answers with structure: intervals, unions, sets, tuples, several solutions, `\\pm`, equations.

`parse_answer` reads one candidate answer (a boxed content, the text after "the answer is",
a short whole output) into one of:

- `Parsed`: one number or expression (`x = 3` counts as 3: a lone variable on the left,
  kept in `variable` so `y = 3` does not answer `x = 3`);
- `Bracketed`: `(1, 3)`, `[1, 3)`, `(2, 3, 4)`: an interval, tuple or vector; brackets and
  order matter (an open interval and an ordered pair are written alike and compare alike);
- `Collection`: order-free: a set `\\{1, 2\\}`, several solutions (`2 and 3`, `x = 2 or
  x = -2`, `2, 3`, `x_1 = 2, x_2 = 3`), `\\pm 2`/`\\mp 2`, the empty set (`\\emptyset`,
  "no solution");
- `Union`: `(-\\infty, 1) \\cup (2, \\infty)`, order-free; complements are unions too
  (`\\mathbb{R} \\setminus [1, 2]`, `\\mathbb{R} \\setminus \\{0\\}`, `x \\ne 0`);
- `Equation`: `x^2 = 9` (the left side is not a lone variable): never equal to a value.

Inequalities are intervals: `x > 2` is `(2, \\infty)`, `-1 \\le x < 3` is `[-1, 3)`.
A text that looks structured but does not parse is no answer (None), never its last number.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from dataclasses import dataclass
from fractions import Fraction

from rft.numbers.evaluate import INFINITY, TooLarge, to_mpf
from rft.numbers.notation import normalize
from rft.numbers.parse import Parsed, ParseError, parse_expression, parse_scalar, plain

WHOLE_TEXT_MAX_CHARS = 200
"""The whole output is tried as an answer only when it is at most this long."""


@dataclass(frozen=True, slots=True)
class Bracketed:
    """An interval, tuple or vector: `open` and `close` brackets and ordered items."""

    text: str
    open: str
    close: str
    items: tuple[Parsed, ...]


@dataclass(frozen=True, slots=True)
class Collection:
    """A set or several solutions (numbers, or tuples: `(1, 2), (3, 4)`): order-free."""

    text: str
    items: tuple[Parsed | Bracketed, ...]


@dataclass(frozen=True, slots=True)
class Union:
    """A union of intervals, order-free."""

    text: str
    parts: tuple[Bracketed, ...]


@dataclass(frozen=True, slots=True)
class Equation:
    """`lhs = rhs` whose left side is not a lone variable (`x^2 = 9`); normalized texts."""

    text: str
    lhs: str
    rhs: str


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """Several marked answers that disagree (two `\\boxed{}` with different contents)."""

    text: str
    candidates: tuple[str, ...]


Answer = Parsed | Bracketed | Collection | Union | Equation
"""What one candidate answer reads as."""

_EMPTY = re.compile(
    r"(?:\\emptyset|\{\s*\}|(?:there\s+(?:is|are)\s+)?no\s+(?:real\s+)?(?:solutions?|roots?)"
    r"|(?:the\s+)?empty\s+set)",
    re.IGNORECASE,
)
_REALS = re.compile(
    r"\\mathbb\s*\{?R\}?|\\R|(?:all\s+)?real\s+numbers|\(-\\infty,\s*\\infty\)", re.IGNORECASE
)
_REALS_MINUS = re.compile(r"(?:\\mathbb\s*\{?R\}?|\\R)\s*\\setminus\s*(\S.*)")
_NOT_EQUAL = re.compile(r"[A-Za-z]\s*\\ne(?![A-Za-z])\s*(\S.*)")
_MEMBER = re.compile(r"[A-Za-z]\s*\\in(?![A-Za-z])\s*")
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_BRACKET = re.compile(r"[()\[\]{}]")
_CLOSERS = set(_OPENERS.values())
_LIST_SEPARATOR = re.compile(
    r"\s*;\s*|(?<!\d),\s*|,(?!\d{3}(?!\d))\s*|,\s+|\s+(?:and|or)\s+|\s*\\(?:text\s*\{\s*)?(?:and|or)\b\}?\s*",
    re.IGNORECASE,
)
_UNION = re.compile(r"\\cup(?![A-Za-z])|\s+U\s+")
_INEQUALITY = re.compile(r"\\le(?![A-Za-z])|\\ge(?![A-Za-z])|<=?|>=?")
_RELATION = re.compile(r"\\approx(?![A-Za-z])|\\equiv(?![A-Za-z])|=")
_PLUS_MINUS = re.compile(r"\\(?:pm|mp)(?![A-Za-z])|\+-|\+/-")
_INDEXED = re.compile(r"[A-Za-z]_\{?\d+\}?")
_LONE_VARIABLE = re.compile(r"[A-Za-z](?:_\{?\w+\}?)?(?:\([A-Za-z]\))?")
_STRUCTURE_HINT = re.compile(
    r"\\cup|\\pm|\\mp|\\le|\\ge|[<>,;{}\[\]]|\b(?:and|or)\b|=|\\emptyset", re.IGNORECASE
)


def looks_structured(text: str) -> bool:
    """Whether `text` has a mark of a structured answer (so its last number is not it)."""
    return _STRUCTURE_HINT.search(text) is not None


def _top_level_split(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split on `pattern` outside brackets."""
    if pattern.search(text) is None:
        return [text]
    if _BRACKET.search(text) is None:
        return pattern.split(text)
    parts: list[str] = []
    depth, start, pos = 0, 0, 0
    while pos < len(text):
        ch = text[pos]
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth -= 1
        elif depth == 0 and (m := pattern.match(text, pos)) is not None and m.end() > pos:
            parts.append(text[start:pos])
            start = pos = m.end()
            continue
        pos += 1
    parts.append(text[start:])
    return parts


def _enclosed(text: str) -> bool:
    """Whether the first character's bracket closes at the last character (any kinds)."""
    if len(text) < 2 or text[0] not in _OPENERS or text[-1] not in _CLOSERS:
        return False
    depth = 0
    for i, ch in enumerate(text):
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth -= 1
            if depth == 0:
                return i == len(text) - 1
    return False


def _value(text: str, symbolic: bool) -> Parsed | None:
    """One item: a scalar, or `x = 3` (a lone variable on the left), or a computation chain."""
    parts = _top_level_split(text, _RELATION)
    if len(parts) == 1:
        return parse_scalar(text, symbolic)
    if _LONE_VARIABLE.fullmatch(name := parts[0].strip()):
        value = parse_scalar(parts[-1], symbolic)
        return None if value is None else dataclasses.replace(value, variable=name)
    values = [parse_scalar(p, symbolic) for p in parts]
    if all(v is not None and v.value is not None for v in values):
        return values[-1]  # `48 + 24 = 72`: a computation ending in its result
    return None


def _items(text: str, symbolic: bool) -> tuple[Parsed, ...] | None:
    out: list[Parsed] = []
    for part in _top_level_split(text, re.compile(r"\s*[,;]\s*")):
        item = _value(part.strip(), symbolic)
        if item is None:
            return None
        out.append(item)
    return tuple(out)


def _inequality(text: str, symbolic: bool) -> Bracketed | None:
    """`x > 2` -> (2, ∞); `-1 \\le x < 3` -> [-1, 3); `3 > x` -> (-∞, 3)."""
    pieces = _INEQUALITY.split(text)
    ops = _INEQUALITY.findall(text)
    if len(pieces) not in (2, 3) or not all(p.strip() for p in pieces):
        return None
    var = [i for i, p in enumerate(pieces) if _LONE_VARIABLE.fullmatch(p.strip())]
    if len(var) != 1:
        return None
    lo, hi = Parsed("-oo", -INFINITY), Parsed("oo", INFINITY)
    lo_closed = hi_closed = False
    for k, op in enumerate(ops):
        left, right = k, k + 1
        less = op.startswith("<") or op == "\\le"
        closed = op in ("<=", ">=", "\\le", "\\ge")
        if var[0] == right:  # bound op x
            bound = parse_scalar(pieces[left], symbolic)
            if bound is None or bound.value is None:
                return None
            if less:
                lo, lo_closed = bound, closed
            else:
                hi, hi_closed = bound, closed
        elif var[0] == left:  # x op bound
            bound = parse_scalar(pieces[right], symbolic)
            if bound is None or bound.value is None:
                return None
            if less:
                hi, hi_closed = bound, closed
            else:
                lo, lo_closed = bound, closed
        else:
            return None
    return Bracketed(text, "[" if lo_closed else "(", "]" if hi_closed else ")", (lo, hi))


def _structure(norm: str, symbolic: bool) -> Answer | None:
    text = norm.strip().rstrip(".").strip()
    if not text:
        return None
    if (number := plain(text)) is not None:
        return number
    if _EMPTY.fullmatch(text):
        return Collection(text, ())
    if _REALS.fullmatch(text):
        return Bracketed(text, "(", ")", (Parsed("-oo", -INFINITY), Parsed("oo", INFINITY)))
    if (minus := _REALS_MINUS.fullmatch(text)) is not None:
        return _complement(_structure(minus[1], symbolic))  # `\\mathbb{R} \\setminus [1, 3]`
    if (unequal := _NOT_EQUAL.fullmatch(text)) is not None:
        return _complement(_structure(unequal[1], symbolic))  # `x \\ne 0`
    if (member := _MEMBER.match(text)) is not None:
        return _structure(text[member.end() :], symbolic)  # `x \in [1, 3]`
    if len(unions := _top_level_split(text, _UNION)) > 1:
        parts = [_structure(p, symbolic) for p in unions]
        if all(isinstance(p, Bracketed) and len(p.items) == 2 for p in parts):
            return Union(text, tuple(parts))  # type: ignore[arg-type]
        return None
    if _enclosed(text):
        items = _items(text[1:-1], symbolic)
        if items is None:
            return None
        if text[0] == "{":
            return Collection(text, items) if len(items) != 1 else items[0]
        if len(items) == 1:
            return items[0] if text[0] == "(" else None
        return Bracketed(text, text[0], text[-1], items)
    parts = [p.strip() for p in _top_level_split(text, _LIST_SEPARATOR)]
    if len(parts) > 1:
        answers = [_structure(p, symbolic) for p in parts if p]
        if any(a is None or isinstance(a, Union | Equation) for a in answers):
            return None
        if _INEQUALITY.search(text) and all(isinstance(a, Bracketed) for a in answers):
            return Union(text, tuple(answers))  # type: ignore[arg-type]  # `x < 1 or x > 2`
        if (pair := _assignment(parts, answers)) is not None:
            return pair
        items: list[Answer] = []
        for a in answers:
            if isinstance(a, Collection):
                items.extend(a.items)
            else:
                items.append(a)  # type: ignore[arg-type]
        return Collection(text, tuple(items))
    if _PLUS_MINUS.search(text):
        plus = _value(_PLUS_MINUS.sub("+", text, count=1), symbolic)
        minus = _value(_PLUS_MINUS.sub("-", text, count=1), symbolic)
        if plus is None or minus is None or _PLUS_MINUS.search(plus.text):
            return None
        return Collection(text, (plus, minus))
    if _INEQUALITY.search(text):
        return _inequality(text, symbolic)
    relation = _top_level_split(text, _RELATION)
    if len(relation) > 1:
        value = _value(text, symbolic)
        if value is not None or len(relation) != 2 or not symbolic:
            return value
        lhs, rhs = (p.strip() for p in relation)
        if not lhs or not rhs or (_LONE_VARIABLE.fullmatch(rhs) and _constant(lhs)):
            return parse_scalar(lhs, symbolic) if lhs and rhs else None
        if _parses(lhs) and _parses(rhs):
            return Equation(text, lhs, rhs)
        return None
    return parse_scalar(text, symbolic)


def _complement(removed: Answer | None) -> Union | None:
    """The reals without `removed` (points, or one interval) as a union of intervals."""
    lo, hi = Parsed("-oo", -INFINITY), Parsed("oo", INFINITY)
    if isinstance(removed, Bracketed) and len(removed.items) == 2 and removed.open in "([":
        a, b = removed.items
        left = Bracketed("", "(", ")" if removed.open == "[" else "]", (lo, a))
        right = Bracketed("", "(" if removed.close == "]" else "[", ")", (b, hi))
        return Union(removed.text, (left, right))
    points = removed.items if isinstance(removed, Collection) else (removed,)
    if not points or not all(
        isinstance(p, Parsed) and p.value is not None and not isinstance(p.value, float)
        for p in points
    ):
        return None
    ordered = sorted(points, key=lambda p: to_mpf(p.value))  # type: ignore[union-attr]
    ends = [lo, *ordered, hi]
    parts = tuple(Bracketed("", "(", ")", (x, y)) for x, y in itertools.pairwise(ends))  # type: ignore[arg-type]
    return Union(removed.text if removed is not None else "", parts)  # type: ignore[union-attr]


def _assignment(parts: list[str], answers: list[Answer | None]) -> Bracketed | Collection | None:
    """`x = 2, y = 3` (distinct variables): the tuple (2, 3), ordered by variable name;
    `x_1 = 2, x_2 = 3` (one variable, numbered roots): the solutions {2, 3}, order-free."""
    names = [p.split("=", 1)[0].strip() if "=" in p else "" for p in parts if p]
    if (
        len(names) > 1
        and all(_INDEXED.fullmatch(n) for n in names)
        and len({n.split("_", 1)[0] for n in names}) == 1
        and all(isinstance(a, Parsed) for a in answers)
    ):
        roots = tuple(dataclasses.replace(a, variable=None) for a in answers)  # type: ignore[arg-type]
        return Collection(", ".join(parts), roots)
    if (
        len(names) > 1
        and all(_LONE_VARIABLE.fullmatch(n) for n in names)
        and len(set(names)) == len(names)
        and all(isinstance(a, Parsed) for a in answers)
    ):
        ordered = tuple(a for _, a in sorted(zip(names, answers, strict=True)))
        return Bracketed(", ".join(parts), "(", ")", ordered)  # type: ignore[arg-type]
    return None


def _parses(text: str) -> bool:
    try:
        parse_expression(text)
    except (ParseError, ValueError, ZeroDivisionError, OverflowError):
        return False
    return True


def _constant(text: str) -> bool:
    try:
        return not parse_expression(text)[1]
    except (ParseError, ValueError, ZeroDivisionError, OverflowError):
        return False


def _parse(text: str, symbolic: bool) -> Answer | Parsed | None:
    try:
        if (number := plain(text.strip())) is not None:
            return number
        return _structure(normalize(text), symbolic)
    except TooLarge as exc:
        return Parsed(text, error=f"{text[:40]!r} is too large to evaluate ({exc})")
    except (ValueError, ZeroDivisionError, OverflowError, RecursionError):
        return None


@functools.lru_cache(maxsize=16384)
def _parse_cached(text: str, symbolic: bool) -> Answer | None:
    return _parse(text, symbolic)


def parse_answer(text: str, symbolic: bool = True) -> Answer | None:
    """Read one candidate answer (already selected from the output) into its structure.

    Memoized: the same reference is parsed once per GRPO group, frequent answers once.
    """
    if len(text) > WHOLE_TEXT_MAX_CHARS:
        return _parse(text, symbolic)
    return _parse_cached(text, symbolic)


def clear_cache() -> None:
    """Forget memoized parses (benchmarks time cold parses)."""
    _parse_cached.cache_clear()


def same_structure_key(answer: Answer | None) -> object:
    """A hashable key under which two parses of equal answers agree (for repeated boxes)."""
    if answer is None:
        return None
    if isinstance(answer, Parsed):
        value = answer.value
        if value is not None and not isinstance(value, Fraction | float):
            value = str(value)
        return ("scalar", value, answer.expression, answer.percent, answer.unit)
    if isinstance(answer, Bracketed):
        return (
            "bracketed",
            answer.open,
            answer.close,
            tuple(map(same_structure_key, answer.items)),
        )
    if isinstance(answer, Collection):
        return ("collection", frozenset(map(same_structure_key, answer.items)))
    if isinstance(answer, Union):
        return ("union", frozenset(map(same_structure_key, answer.parts)))
    return ("equation", answer.lhs, answer.rhs)
