"""Reading numbers out of model answers, and comparing them, for the `numeric` grader.

Three tiers, cheapest first, so that the RL hot path almost never leaves the first one:

1. **Plain forms** (regex + `fractions.Fraction`): integers, decimals, scientific notation,
   thousands separators (`1,234`), `a/b`, `\\frac{a}{b}`, percentages. Exact rationals.
2. **Constant expressions** (`2\\sqrt{2}`, `\\frac{\\pi}{4}`, `3 \\times 10^{5}`, `2^{10}`):
   parsed by the small recursive-descent parser below into a tuple tree and evaluated here,
   exactly (`Fraction`) where the value is rational, else with mpmath at 128 bits. Sizes are
   bounded before any power is computed, so `9^9^9^9` is refused in microseconds.
3. **Expressions with free symbols** (`2(x+1)` vs `2x+2`): sympy decides `simplify(a - r) == 0`
   in a reusable worker process with a wall-clock bound (`SympyWorker`), no signals.

User text is never passed to `eval` nor to sympy's `parse_expr` (which runs Python): the parser
accepts a fixed grammar (numbers, `+ - * / ^`, parentheses and braces, `\\frac`, `\\sqrt`, `pi`,
`e`, single-letter symbols, implicit multiplication) and builds values or sympy objects itself.
"""

from __future__ import annotations

import atexit
import functools
import json
import math
import os
import re
import select
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from mpmath.ctx_mp import MPContext

Real = Any  # Fraction | mpf (mpmath has no importable type alias worth the import cost)
Node = tuple[Any, ...]
Extract = Literal["auto", "whole", "last_number", "boxed"]

MAX_DIGITS = 10_000
"""Largest magnitude accepted, in decimal digits (10^±10000); beyond it a value is `too large`."""
_MAX_BITS = int(MAX_DIGITS * math.log2(10)) + 1
WHOLE_TEXT_MAX_CHARS = 200
"""The whole output is tried as an expression only when it is at most this long."""
_MAX_DEPTH = 60

_MP = MPContext()
_MP.prec = 128  # a private context: set once, never changed, so safe to share across threads


class TooLarge(ValueError):
    """A number or an intermediate result beyond 10^±MAX_DIGITS."""


class _ParseError(ValueError):
    pass


# -- plain forms ---------------------------------------------------------------------------

_INT = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)"
_DECIMAL = rf"(?:{_INT}(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_PLAIN = re.compile(
    rf"(?P<sign>[-+]?)\s*(?:(?P<num>{_DECIMAL})(?:\s*/\s*(?P<den>{_INT}))?"
    rf"|\\frac\{{\s*(?P<fnum>-?{_INT})\s*\}}\{{\s*(?P<fden>-?{_INT})\s*\}})\s*(?P<pct>%?)"
)
_LAST_NUMBER = re.compile(
    rf"\\[dt]?frac\{{\s*[-−]?{_INT}\s*\}}\{{\s*[-−]?{_INT}\s*\}}"
    rf"|(?:(?<![\w).])[-−])?(?:{_DECIMAL})(?:\s*/\s*{_INT}(?!\.?\d))?(?:\s*\\?%)?"
)


def _decimal(text: str) -> Fraction:
    """An exact Fraction from decimal text (commas already valid thousands separators)."""
    text = text.replace(",", "")
    mantissa, _, exponent = text.replace("E", "e").partition("e")
    if exponent:
        exp = int(exponent)
        if abs(exp) > MAX_DIGITS + len(mantissa):
            # Refuse before Fraction builds 10**exp (a '1e999999999' would hang here).
            if mantissa.strip("0.") == "":
                return Fraction(0)
            raise TooLarge(f"{text} is beyond 10^±{MAX_DIGITS}")
    if "." not in text and "e" not in text:
        return Fraction(int(text))
    return Fraction(text)


def _plain(text: str) -> Parsed | None:
    """Tier 1: `text` as a plain number / fraction / percentage, or None."""
    m = _PLAIN.fullmatch(text)
    if m is None:
        return None
    if m["num"] is not None:
        value = _decimal(m["num"])
        if m["den"] is not None:
            den = int(m["den"].replace(",", ""))
            if den == 0:
                return None
            value /= den
    else:
        den = int(m["fden"].replace(",", ""))
        if den == 0:
            return None
        value = Fraction(int(m["fnum"].replace(",", "")), den)
    if m["sign"] == "-":
        value = -value
    _check_size(value)
    return Parsed.number(value, percent=bool(m["pct"]), text=text)


# -- normalization -------------------------------------------------------------------------

_UNICODE = str.maketrans(
    {
        "−": "-",
        "﹣": "-",
        "➖": "-",
        "×": "*",
        "·": "*",
        "⋅": "*",
        "÷": "/",
        "⁄": "/",
        "π": " pi ",
        "√": "sqrt",
        "°": "",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)
_NON_ASCII_DIGIT = re.compile(r"[^\x00-\x7f]")
_TEXT_MACRO = re.compile(r"\\(?:text|textbf|textrm|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_LATEX_SUBS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\\\$", ""),
        (r"\$", ""),
        (r"\\[()\[\]]", " "),
        (r"\\(?:left|right|big|Big|bigg|Bigg)\b\s*", ""),
        (r"\\[!,;: ]|~", " "),
        (r"\{,\}", ","),
        (r"\\%", "%"),
        (r"\^\s*\{?\s*\\circ\s*\}?", ""),
        (r"\\[dt]frac", r"\\frac"),
        (r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}"),
        (r"\\sqrt\s*(\d)", r"\\sqrt{\1}"),
        (r"\\(?:cdot|times|ast)\b", "*"),
        (r"\\div\b", "/"),
        (r"\\pi\b", " pi "),
    )
)
_RELATION = re.compile(r"=|\\approx|\\equiv|\\Rightarrow|\\implies|≈")
_TRAILING_WORD = re.compile(r"\s*\b([A-Za-z]{2,})\b\.?\s*$")


def _digit(match: re.Match[str]) -> str:
    ch = match.group()
    value = unicodedata.decimal(ch, None)
    return str(value) if value is not None else ch


def normalize(text: str) -> str:
    """Map a candidate answer to the ASCII grammar of the parser.

    Drops math delimiters, `\\text{}` wrappers (keeping their content), spacing commands,
    degree signs and currency; rewrites unicode operators and digits; keeps the right-hand
    side of `x = 3`; strips trailing unit words (`12 dollars` -> `12`) and a final period.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_UNICODE)
        text = _NON_ASCII_DIGIT.sub(_digit, text)
    if "\\" in text or "$" in text or "{," in text:
        text = _TEXT_MACRO.sub(r" \1 ", _TEXT_MACRO.sub(r" \1 ", text))
        for pattern, replacement in _LATEX_SUBS:
            text = pattern.sub(replacement, text)
    if "**" in text:
        text = text.replace("**", "^")
    parts = _RELATION.split(text)
    text = parts[-1].strip()
    while (trailing := _TRAILING_WORD.search(text)) and trailing[1].lower() not in ("pi", "sqrt"):
        text = text[: trailing.start()]
    return text.strip().rstrip(".").strip()


# -- the expression parser -----------------------------------------------------------------

_TOKEN = re.compile(
    rf"\s*(?:(?P<num>{_DECIMAL})|(?P<cmd>\\[A-Za-z]+)|(?P<word>[A-Za-z]+)"
    r"|(?P<op>[-+*/^(){}\[\]%!]))"
)
_FUNCTIONS = {"\\sqrt", "\\frac"}


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos, end = 0, len(text)
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos:].isspace():
                break
            raise _ParseError(f"unexpected {text[pos]!r}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)  # type: ignore[arg-type]
        if kind == "num":
            out.append(("num", _decimal(value)))
        elif kind == "word":
            word = value.lower()
            if word == "pi":
                out.append(("const", "pi"))
            elif word == "sqrt":
                out.append(("func", "sqrt"))
            elif value == "e":
                out.append(("const", "e"))
            elif len(value) == 1:
                out.append(("sym", value))
            else:  # `nan`, `inf`, `dollars`: never numbers, never implicit products of letters
                raise _ParseError(f"unknown word {value!r}")
        elif kind == "cmd":
            if value in _FUNCTIONS:
                out.append(("func", value.lstrip("\\")))
            else:
                raise _ParseError(f"unsupported command {value}")
        else:
            out.append(("op", value))
    return out


class _Parser:
    """Recursive descent over the tokens; builds a tuple tree and records free symbols.

    Grammar: expr := term (('+'|'-') term)*;  term := unary (('*'|'/'|implicit) unary)*;
    unary := ('-'|'+') unary | power;  power := atom ('^' unary)?  (so -2^2 = -4, 2^3^2 = 2^9);
    atom := number | pi | e | symbol | (expr) | {expr} | \\frac{a}{b} | \\sqrt[n]{a} | sqrt(a).
    Two adjacent numbers are an error (`1 234` is not 1*234).
    """

    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.symbols: set[str] = set()

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, Any]:
        token = self.peek()
        if token is None or (op is not None and token != ("op", op)):
            raise _ParseError(f"expected {op or 'more input'}")
        self.i += 1
        return token

    def parse(self) -> Node:
        node = self.expr()
        if self.peek() is not None:
            raise _ParseError(f"unexpected {self.peek()}")
        return node

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _ParseError("expression nested too deeply")
        node = self.term()
        while (token := self.peek()) in (("op", "+"), ("op", "-")):
            self.i += 1
            node = ("add" if token[1] == "+" else "sub", node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.unary()
        while True:
            token = self.peek()
            if token in (("op", "*"), ("op", "/")):
                self.i += 1
                node = ("mul" if token[1] == "*" else "div", node, self.unary())
            elif token is not None and self._starts_atom(token):
                if token[0] == "num" and self._ends_with_number(node):
                    raise _ParseError("two numbers side by side")
                node = ("mul", node, self.power())
            else:
                return node

    @staticmethod
    def _starts_atom(token: tuple[str, Any]) -> bool:
        return token[0] in ("num", "const", "sym", "func") or token in (("op", "("), ("op", "{"))

    @staticmethod
    def _ends_with_number(node: Node) -> bool:
        while node[0] in ("mul", "neg"):
            node = node[-1]
        return node[0] == "num"

    def unary(self) -> Node:
        token = self.peek()
        if token in (("op", "-"), ("op", "+")):
            self.i += 1
            operand = self.unary()
            return ("neg", operand) if token[1] == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.peek() == ("op", "^"):
            self.i += 1
            return ("pow", base, self.unary())
        return base

    def group(self) -> Node:
        """A braced argument `{…}` (or a single atom, as in `\\sqrt x`)."""
        if self.peek() == ("op", "{"):
            self.i += 1
            node = self.expr()
            self.take("}")
            return node
        return self.atom()

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            return ("num", value)
        if kind == "const":
            return ("const", value)
        if kind == "sym":
            self.symbols.add(value)
            return ("sym", value)
        if kind == "func" and value == "frac":
            return ("div", self.group(), self.group())
        if kind == "func":  # sqrt
            if self.peek() == ("op", "["):
                self.i += 1
                index = self.expr()
                self.take("]")
                return ("root", self.group(), index)
            if self.peek() == ("op", "("):
                self.i += 1
                node = self.expr()
                self.take(")")
                return ("root", node, ("num", Fraction(2)))
            return ("root", self.group(), ("num", Fraction(2)))
        if (kind, value) == ("op", "("):
            node = self.expr()
            self.take(")")
            return node
        if (kind, value) == ("op", "{"):
            node = self.expr()
            self.take("}")
            return node
        raise _ParseError(f"unexpected {value!r}")


def parse_expression(text: str) -> tuple[Node, frozenset[str]]:
    """Parse normalized text into (tree, free symbols). Raises ValueError when it does not parse."""
    parser = _Parser(_tokens(text))
    try:
        return parser.parse(), frozenset(parser.symbols)
    except RecursionError:
        raise _ParseError("expression nested too deeply") from None


# -- evaluation of constant expressions ----------------------------------------------------


class _Undefined(ValueError):
    """Division by zero, a negative square root, a complex power: not a real number."""


def _check_size(value: Fraction) -> None:
    if value.numerator.bit_length() > _MAX_BITS or value.denominator.bit_length() > _MAX_BITS:
        raise TooLarge(f"a value beyond 10^±{MAX_DIGITS}")


def _log2_abs(x: Real) -> float:
    """log2|x| (finite; x != 0)."""
    if isinstance(x, Fraction):
        return _log2_int(abs(x.numerator)) - _log2_int(x.denominator)
    return float(_MP.log(abs(x), 2))


def _log2_int(n: int) -> float:
    bits = n.bit_length()
    if bits < 1000:
        return math.log2(n)
    return bits - 1000 + math.log2(n >> (bits - 1000))


def _mpf(x: Real) -> Any:
    if isinstance(x, Fraction):
        return _MP.mpf(x.numerator) / x.denominator
    return x


def _real(x: Any) -> Real:
    if not _MP.isfinite(x):
        raise TooLarge("a value beyond mpmath's range")
    if x != 0 and abs(float(_MP.log(abs(x), 10))) > MAX_DIGITS:
        raise TooLarge(f"a value beyond 10^±{MAX_DIGITS}")
    return x


def _power(base: Real, exp: Real) -> Real:
    if base == 0:
        if exp <= 0:
            raise _Undefined("0 to a non-positive power")
        return Fraction(0)
    if base < 0:
        # Real only for integer exponents or odd-denominator fractions: (-8)^(1/3) = -2.
        if isinstance(exp, Fraction) and exp.denominator % 2 == 1:
            magnitude = _power(-base, exp)
            return -magnitude if exp.numerator % 2 else magnitude
        raise _Undefined("a negative number to a fractional power")
    if base == 1 or exp == 0:
        return Fraction(1)
    # Bound |log2 result| = |exp| * |log2 base| before computing anything (9^9^9^9 stops here).
    log2_base = abs(_log2_abs(base))
    if log2_base and _log2_abs(exp) + math.log2(log2_base) > math.log2(_MAX_BITS):
        raise TooLarge(f"a power beyond 10^±{MAX_DIGITS}")
    if isinstance(base, Fraction) and isinstance(exp, Fraction):
        if exp.denominator == 1:
            result = base**exp.numerator
            _check_size(result)
            return result
        # Exact roots of perfect powers stay rational: 4^(1/2) = 2, (8/27)^(2/3) = 4/9.
        root = _exact_root(base, exp.denominator)
        if root is not None:
            return _power(root, Fraction(exp.numerator))
    return _real(_MP.power(_mpf(base), _mpf(exp)))


def _exact_root(x: Fraction, n: int) -> Fraction | None:
    def int_root(k: int) -> int | None:
        r = round(k ** (1.0 / n)) if k.bit_length() < 1000 else None
        if r is None:
            return None
        for c in (r - 1, r, r + 1):
            if c >= 0 and c**n == k:
                return c
        return None

    if x < 0 or n > 64:
        return None
    num, den = int_root(x.numerator), int_root(x.denominator)
    return Fraction(num, den) if num is not None and den is not None else None


def _binary(op: str, a: Real, b: Real) -> Real:
    if op == "pow":
        return _power(a, b)
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        if op == "div" and b == 0:
            raise _Undefined("division by zero")
        result = {"add": a.__add__, "sub": a.__sub__, "mul": a.__mul__, "div": a.__truediv__}[op](b)
        _check_size(result)
        return result
    x, y = _mpf(a), _mpf(b)
    if op == "div" and y == 0:
        raise _Undefined("division by zero")
    return _real(
        {"add": x.__add__, "sub": x.__sub__, "mul": x.__mul__, "div": x.__truediv__}[op](y)
    )


def evaluate(node: Node) -> Real:
    """Value of a constant tree: a Fraction where rational, else an mpmath mpf.

    Raises `TooLarge` past 10^±MAX_DIGITS and ValueError where the value is not real.
    """
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "const":
        return _MP.pi if node[1] == "pi" else _MP.e
    if kind == "neg":
        return -evaluate(node[1])
    if kind == "root":
        index = evaluate(node[2])
        if index == 0:
            raise _Undefined("a 0th root")
        return _power(evaluate(node[1]), 1 / index)
    if kind == "sym":
        raise _ParseError("a free symbol in a constant expression")
    return _binary(kind, evaluate(node[1]), evaluate(node[2]))


def to_sympy(node: Node) -> Any:
    """Build the sympy object of a tree directly (unevaluated powers: never `parse_expr`)."""
    import sympy

    kind = node[0]
    if kind == "num":
        return sympy.Rational(node[1].numerator, node[1].denominator)
    if kind == "const":
        return sympy.pi if node[1] == "pi" else sympy.E
    if kind == "sym":
        return sympy.Symbol(node[1], real=True)
    if kind == "neg":
        return -to_sympy(node[1])
    if kind == "root":
        return sympy.Pow(to_sympy(node[1]), 1 / to_sympy(node[2]), evaluate=False)
    a, b = to_sympy(node[1]), to_sympy(node[2])
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    if kind == "div":
        return a / b
    return sympy.Pow(a, b, evaluate=False)


# -- parsed answers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parsed:
    """A number read from text.

    `values` holds the candidate values: one, or two for a percentage (`50%` is both 50 and
    0.5, as math-verify counts it). `expression` is the normalized text of an expression with
    free symbols (`values` is empty then). `error` says why a value could not be computed.
    """

    text: str
    values: tuple[Real, ...] = ()
    expression: str | None = None
    error: str | None = None

    @staticmethod
    def number(value: Real, *, percent: bool = False, text: str = "") -> Parsed:
        if percent:
            return Parsed(text, (value, value / 100))
        return Parsed(text, (value,))


def _candidate(text: str, symbolic: bool) -> Parsed | None:
    """`text` as a whole: a plain number first, then (with `symbolic`) an expression."""
    try:
        found = _plain(text.strip())
        if found is not None:
            return found
        norm = normalize(text)
        if not norm:
            return None
        found = _plain(norm)
        if found is not None or not symbolic:
            return found
        percent = norm.endswith("%")
        tree, symbols = parse_expression(norm[:-1] if percent else norm)
        if symbols:
            return None if percent else Parsed(text, expression=norm)
        return Parsed.number(evaluate(tree), percent=percent, text=text)
    except TooLarge as exc:
        return Parsed(text, error=f"{text[:40]!r} is too large to evaluate ({exc})")
    except (ValueError, ZeroDivisionError, OverflowError):
        return None


@functools.lru_cache(maxsize=16384)
def _candidate_cached(text: str, symbolic: bool) -> Parsed | None:
    return _candidate(text, symbolic)


def parse_candidate(text: str, symbolic: bool = True) -> Parsed | None:
    """Parse one extracted answer (`\\frac{3}{4}`, `1,234`, `x = 3`); None when it is no number.

    Memoized: the same reference is parsed once per GRPO group, frequent answers once.
    """
    if len(text) > WHOLE_TEXT_MAX_CHARS:
        return _candidate(text, symbolic)
    return _candidate_cached(text, symbolic)


def last_number(text: str, symbolic: bool = True) -> Parsed | None:
    """The last number-like token of free text: `\\frac{a}{b}`, `a/b`, `50%`, `1,234`, `-3.5e2`."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_UNICODE)
        text = _NON_ASCII_DIGIT.sub(_digit, text)
    token = None
    for token in _LAST_NUMBER.finditer(text):  # noqa: B007 - only the last match is wanted
        pass
    return parse_candidate(token.group(), symbolic) if token is not None else None


_MATH_SEGMENT = re.compile(r"\$\$?([^$]+)\$\$?|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_DIGIT = re.compile(r"\d")


def _boxed(text: str) -> str | None:
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    i = text.find("{", start)
    if i < 0:
        return None
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j]
    return None


def _within(text: str, symbolic: bool) -> Parsed | None:
    """`text` as a whole, else its last number."""
    return parse_candidate(text, symbolic) or last_number(text, symbolic)


def extract_answer(text: str, mode: Extract = "auto", symbolic: bool = True) -> Parsed | None:
    """Read the answer out of a model's output.

    Args:
        text: the model output (or any rendered text).
        mode: `auto`: the last `\\boxed{}` when there is one (its content as a whole, else its
            last number; nothing outside the box counts); else the whole text when it is short
            (at most `WHOLE_TEXT_MAX_CHARS`) and parses; else the last `$…$`/`\\(…\\)` math
            segment when no digit follows it; else the last number-like token.
            `whole`: the whole text only. `boxed`: the last `\\boxed{}` only.
            `last_number`: the last number-like token only.
        symbolic: allow expressions (`2\\sqrt{2}`, `3x`); without it only plain numbers,
            fractions and percentages parse.
    """
    if mode == "whole":
        return parse_candidate(text, symbolic)
    if mode == "last_number":
        return last_number(text, symbolic)
    box = _boxed(text) if "\\boxed" in text or "\\fbox" in text else None
    if mode == "boxed" or box is not None:
        return _within(box, symbolic) if box is not None else None
    if len(text) <= WHOLE_TEXT_MAX_CHARS:
        found = parse_candidate(text, symbolic)
        if found is not None:
            return found
    if "$" in text or "\\(" in text or "\\[" in text:
        segments = list(_MATH_SEGMENT.finditer(text))
        if segments and not _DIGIT.search(text, segments[-1].end()):
            last = segments[-1]
            found = _within(next(g for g in last.groups() if g is not None), symbolic)
            if found is not None:
                return found
    return last_number(text, symbolic)


def parse_reference(value: Any, symbolic: bool = True) -> Parsed | None:
    """A reference from the item: a number as is, text through `extract_answer(auto)`."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        try:
            value = Fraction(value)
            _check_size(value)
        except TooLarge as exc:
            return Parsed(str(value)[:40], error=str(exc))
        return Parsed.number(value, text=str(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        # repr gives the shortest decimal that round-trips: 0.1 stays 1/10, not 0x1.999…p-4.
        return Parsed.number(Fraction(repr(value)), text=repr(value))
    if isinstance(value, Fraction):
        return Parsed.number(value, text=str(value))
    return extract_answer(str(value), "auto", symbolic)


# -- comparison ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tolerances:
    """`|a - r| <= abs + rel * |r|` passes; partial credit `exp(-rel_err / scale)` up to `max_rel`."""

    abs: float
    rel: float
    scale: float | None = None
    max_rel: float = 1.0


def _score_pair(a: Real, r: Real, tol: Tolerances) -> float:
    """Score of one candidate pair: 1 within tolerance, else partial credit or 0."""
    exact = isinstance(a, Fraction) and isinstance(r, Fraction)
    if exact:
        # Fast exits for the common case, integers that are equal or differ by >= 1.
        if a == r:
            return 1.0
        if (
            a.denominator == 1 == r.denominator
            and tol.scale is None
            and tol.rel == 0
            and tol.abs < 1
        ):
            return 0.0
    else:
        a, r = _mpf(a), _mpf(r)
    diff, size = abs(a - r), abs(r)
    # Exact rationals compare exactly: Fraction(1e-9) is the float's exact value.
    bound = (Fraction(tol.abs) + Fraction(tol.rel) * size) if exact else tol.abs + tol.rel * size
    if diff <= bound:
        return 1.0
    if tol.scale is None or size == 0:
        return 0.0
    rel_err = diff / size
    if rel_err > tol.max_rel:  # also keeps float() below away from huge values
        return 0.0
    return math.exp(-float(rel_err) / tol.scale)


def score_values(answer: Parsed, reference: Parsed, tol: Tolerances) -> float:
    """Best score over the candidate pairs (both sides numeric)."""
    best = 0.0
    for a in answer.values:
        for r in reference.values:
            best = max(best, _score_pair(a, r, tol))
            if best == 1.0:
                return best
    return best


# -- sympy in a worker process -------------------------------------------------------------


def _equivalent(answer: str, reference: str) -> bool | None:
    import sympy

    try:
        a = to_sympy(parse_expression(answer)[0])
        r = to_sympy(parse_expression(reference)[0])
    except (ValueError, ZeroDivisionError):
        return None
    difference = sympy.simplify(a - r)
    return bool(difference == 0)


def serve() -> None:
    """The worker's loop: one JSON `[answer, reference]` per stdin line, one JSON reply per line."""
    import sympy  # noqa: F401 - imported once, before the parent is told we are ready

    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    for line in sys.stdin.buffer:
        try:
            answer, reference = json.loads(line)
            reply: dict[str, Any] = {"ok": _equivalent(answer, reference)}
        except Exception as exc:  # anything sympy raises is a value for the parent
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply).encode() + b"\n")
        out.flush()


class SympyTimeout(TimeoutError):
    """sympy did not decide within the time bound (the worker was killed and will restart)."""


class SympyWorker:
    """One reusable sympy process with a wall-clock bound per job; thread-safe, no signals.

    A plain subprocess (`python -c "…serve()"`) speaking JSON lines, rather than
    multiprocessing: spawn/forkserver re-import the caller's `__main__`, which re-runs a user
    script that lacks an `if __name__ == "__main__"` guard, and fork is unsafe with threads.
    A job past its bound gets the process killed; the next job starts a fresh one (the start,
    about a second to import sympy, is not counted against any job's bound).
    """

    def __init__(self, startup_timeout: float = 60.0) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._pending = b""
        self._startup_timeout = startup_timeout

    def _readline(self, timeout: float) -> bytes | None:
        """One reply line, or None when none arrived within `timeout` seconds."""
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError("the sympy worker process exited")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line

    def _start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        self._pending = b""
        self._process = subprocess.Popen(
            [sys.executable, "-c", "from rft.numbers import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            ready = self._readline(self._startup_timeout)
        except EOFError:
            ready = None
        if ready != b"ready":
            self._stop()
            raise RuntimeError("the sympy worker process did not start")

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=5)
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    stream.close()
        self._process = None

    def equivalent(self, answer: str, reference: str, timeout: float) -> bool | None:
        """True when sympy simplifies `answer - reference` to 0; None when either does not parse.

        Raises `SympyTimeout` past `timeout` seconds and RuntimeError when sympy failed.
        """
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._stop()
                self._start()
            assert self._process is not None and self._process.stdin is not None
            try:
                self._process.stdin.write(json.dumps([answer, reference]).encode() + b"\n")
                self._process.stdin.flush()
                line = self._readline(timeout)
            except (OSError, EOFError):
                self._stop()
                raise RuntimeError("the sympy worker process died") from None
            if line is None:
                self._stop()
                raise SympyTimeout(f"sympy took more than {timeout:g}s")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply["ok"]

    def close(self) -> None:
        """Kill the worker process (a later job starts a new one)."""
        with self._lock:
            self._stop()


_WORKER: SympyWorker | None = None
_WORKER_LOCK = threading.Lock()


def sympy_worker() -> SympyWorker:
    """The process-wide sympy worker (started on first use, killed at exit)."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None:
            _WORKER = SympyWorker()
            atexit.register(_WORKER.close)
        return _WORKER


@functools.lru_cache(maxsize=4096)
def symbolic_equivalent(answer: str, reference: str, timeout: float) -> bool | None:
    """Memoized `SympyWorker.equivalent` (timeouts and failures raise and are not cached)."""
    return sympy_worker().equivalent(answer, reference, timeout)
