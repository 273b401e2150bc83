"""One number or expression: plain forms by regex + `Fraction`, the rest by a small parser.

User text is never passed to `eval` nor to sympy's `parse_expr` (which runs Python): the
parser accepts a fixed grammar (numbers, `+ - * / ^ !`, parentheses and braces, `\\frac`,
`\\sqrt`, `\\binom`, `\\log_b`, `\\ln`, trig functions, `pi`, `e`, `\\infty`, single-letter
symbols, implicit multiplication) and builds a tuple tree that `evaluate` computes or the
sympy worker turns into sympy objects itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from rft.numbers.evaluate import (
    FUNCTION_NAMES,
    MAX_DIGITS,
    MP,
    Node,
    Real,
    TooLarge,
    check_size,
    evaluate,
)
from rft.numbers.notation import unit_of

_MAX_DEPTH = 60
SHORT_FLOAT_DIGITS = 15
"""A float reference whose shortest repr has at most this many significant digits is the
decimal it prints (exact); a longer one (`0.30000000000000004`) came from float arithmetic
and is compared with the relative tolerance."""


class ParseError(ValueError):
    """Text outside the grammar."""


# -- plain forms ---------------------------------------------------------------------------

INT = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)"
DECIMAL = rf"(?:{INT}(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_PLAIN = re.compile(
    rf"(?P<sign>[-+]?)\s*(?:(?P<num>{DECIMAL})(?:\s*/\s*(?P<den>{INT}))?"
    rf"|\\frac\{{\s*(?P<fnum>-?{INT})\s*\}}\{{\s*(?P<fden>-?{INT})\s*\}})\s*(?P<pct>%?)"
)


def decimal(text: str) -> Fraction:
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


@dataclass(frozen=True, slots=True)
class Parsed:
    """One number or expression read from text.

    `value` is a `Fraction` (exact), an mpmath value (irrational, or a float reference that
    came from float arithmetic), or ±inf; `expression` is the normalized text of an
    expression with free symbols (`value` is None then). `percent` marks `p%` (value p);
    `unit` is the canonical unit of trailing words (`12 cm` -> `cm`) when it is a known one.
    `error` says why a value could not be computed (beyond 10^±10000). `variable` is the
    lone variable an equation assigned the value to (`x = 5` -> `x`), else None.
    """

    text: str
    value: Real = None
    expression: str | None = None
    percent: bool = False
    unit: str | None = None
    error: str | None = None
    variable: str | None = None


def plain(text: str) -> Parsed | None:
    """`text` as a plain number / fraction / percentage, or None."""
    m = _PLAIN.fullmatch(text)
    if m is None:
        return None
    if m["num"] is not None:
        value = decimal(m["num"])
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
    check_size(value)
    return Parsed(text, value, percent=bool(m["pct"]))


def from_python(value: int | float | Fraction) -> Parsed | None:
    """A number the item holds as a number (not text)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        text = repr(value)
        digits = text.lower().split("e")[0].replace("-", "").replace(".", "").strip("0")
        if len(digits) > SHORT_FLOAT_DIGITS:
            return Parsed(text, MP.mpf(value))  # float noise: compare with the tolerance
        # repr gives the shortest decimal that round-trips: 0.1 stays 1/10, not 0x1.999…p-4.
        return Parsed(text, Fraction(text))
    try:
        number = Fraction(value)
        check_size(number)
    except TooLarge as exc:
        return Parsed(str(value)[:40], error=str(exc))
    return Parsed(str(value), number)


# -- the expression parser -----------------------------------------------------------------

_TOKEN = re.compile(
    rf"\s*(?:(?P<num>{DECIMAL})|(?P<cmd>\\[A-Za-z]+)|(?P<word>[A-Za-z]+)"
    r"|(?P<op>[-+*/^(){}\[\]%!_]))"
)
_CONSTANT_WORDS = {"pi": "pi", "infinity": "inf", "oo": "inf"}
_COMMAND_CONSTANTS = {"\\infty": "inf", "\\pi": "pi"}


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos, end = 0, len(text)
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos:].isspace():
                break
            raise ParseError(f"unexpected {text[pos]!r}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)  # type: ignore[arg-type]
        if kind == "num":
            out.append(("num", decimal(value)))
        elif kind == "word":
            word = value.lower()
            if word in _CONSTANT_WORDS:
                out.append(("const", _CONSTANT_WORDS[word]))
            elif word in FUNCTION_NAMES:
                out.append(("func", word))
            elif value == "e":
                out.append(("const", "e"))
            elif len(value) == 1:
                out.append(("sym", value))
            else:  # `nan`, `inf`, `dollars`: never numbers, never implicit products of letters
                raise ParseError(f"unknown word {value!r}")
        elif kind == "cmd":
            name = value[1:]
            if value in _COMMAND_CONSTANTS:
                out.append(("const", _COMMAND_CONSTANTS[value]))
            elif name in FUNCTION_NAMES or name in ("frac", "binom"):
                out.append(("func", name))
            else:
                raise ParseError(f"unsupported command {value}")
        else:
            out.append(("op", value))
    return out


class _Parser:
    """Recursive descent over the tokens; builds a tuple tree and records free symbols.

    Grammar: expr := term (('+'|'-') term)*;  term := unary (('*'|'/'|implicit) unary)*;
    unary := ('-'|'+') unary | power;  power := postfix ('^' unary)?  (so -2^2 = -4,
    2^3^2 = 2^9);  postfix := atom '!'*;  atom := number | pi | e | \\infty | symbol | (expr)
    | {expr} | \\frac{a}{b} | \\binom{n}{k} | \\sqrt[n]{a} | sqrt(a) | \\log_b x | f(x).
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
            raise ParseError(f"expected {op or 'more input'}")
        self.i += 1
        return token

    def parse(self) -> Node:
        node = self.expr()
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek()}")
        return node

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ParseError("expression nested too deeply")
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
                    raise ParseError("two numbers side by side")
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
        while self.peek() == ("op", "!"):
            self.i += 1
            base = ("fact", base)
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

    def argument(self) -> Node:
        """A function's argument: `(…)`, `{…}`, or one power-level factor (`\\sin x`)."""
        if self.peek() == ("op", "("):
            self.i += 1
            node = self.expr()
            self.take(")")
            return node
        if self.peek() == ("op", "{"):
            return self.group()
        return self.power()

    def function(self, name: str) -> Node:
        if name == "frac":
            return ("div", self.group(), self.group())
        if name == "binom":
            return ("binom", self.group(), self.group())
        if name == "sqrt":
            if self.peek() == ("op", "["):
                self.i += 1
                index = self.expr()
                self.take("]")
                return ("root", self.group(), index)
            return ("root", self.argument(), ("num", Fraction(2)))
        if name in ("log", "ln"):
            base: Node | None = ("num", Fraction(10)) if name == "log" else None
            if name == "log" and self.peek() == ("op", "_"):
                self.i += 1
                base = self.group()
            return ("log", self.argument(), base)
        if self.peek() == ("op", "^"):  # `\sin^2 x` is (sin x)^2
            self.i += 1
            exponent = self.group()
            if exponent[0] == "neg":  # `\sin^{-1}` is arcsin, not 1/sin: refuse, never misread
                raise ParseError(f"inverse function notation {name}^-1")
            return ("pow", ("call", name, self.argument()), exponent)
        return ("call", name, self.argument())

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            return ("num", value)
        if kind == "const":
            return ("const", value)
        if kind == "sym":
            if self.peek() == ("op", "_"):  # x_1 is one symbol
                self.i += 1
                sub = self.group()
                value = f"{value}_{_subscript_name(sub)}"
            self.symbols.add(value)
            return ("sym", value)
        if kind == "func":
            return self.function(value)
        if (kind, value) == ("op", "("):
            node = self.expr()
            self.take(")")
            return node
        if (kind, value) == ("op", "{"):
            node = self.expr()
            self.take("}")
            return node
        raise ParseError(f"unexpected {value!r}")


def _subscript_name(node: Node) -> str:
    if node[0] == "num" and node[1].denominator == 1:
        return str(node[1].numerator)
    if node[0] == "sym":
        return node[1]
    raise ParseError("a subscript that is not a name")


def parse_expression(text: str) -> tuple[Node, frozenset[str]]:
    """Parse normalized text into (tree, free symbols). Raises ValueError when it does not parse."""
    parser = _Parser(_tokens(text))
    try:
        return parser.parse(), frozenset(parser.symbols)
    except RecursionError:
        raise ParseError("expression nested too deeply") from None


# -- one scalar answer ---------------------------------------------------------------------

_LETTER = re.compile(r"[A-Za-z]")
_UNIT_WORD = re.compile(r"[A-Za-z]+(?:\^\{?\d\}?)?|/")
_SPACE_BEFORE_POWER = re.compile(r"\s+\^")
_UNIT_SLASH = re.compile(r"(?<=[A-Za-z])/(?=[A-Za-z])")
_KEEP_WORDS = frozenset({"pi", "sqrt", "infinity", "oo", "e"} | FUNCTION_NAMES)
_SINGLE_LETTER_UNITS = frozenset("mgslhL")


def _split_unit(text: str) -> tuple[str, str | None, bool]:
    """(number text, canonical unit or None, percent-by-word) of `12 cm`, `20 percent`.

    Trailing words separated by spaces are the unit; a single letter only when it is a unit
    (`5 m`), never a variable (`3 x`). Linear time: no backtracking regex over the text.
    """
    if _LETTER.search(text) is None:
        return text, None, False
    words = _UNIT_SLASH.sub(" / ", _SPACE_BEFORE_POWER.sub("^", text)).split()
    k = len(words)
    while k > 0 and _UNIT_WORD.fullmatch(words[k - 1]):
        k -= 1
    if k == len(words) or k == 0:
        return text, None, False
    first = words[k].split("^")[0]
    if first.lower() in _KEEP_WORDS or (len(first) == 1 and first not in _SINGLE_LETTER_UNITS):
        return text, None, False
    unit = unit_of(" ".join(words[k:]))
    number = " ".join(words[:k])
    if unit == "%":
        return number, None, True
    return number, unit, False


def parse_scalar(norm: str, symbolic: bool) -> Parsed | None:
    """One normalized scalar (`\\frac{3}{4}`, `12 cm`, `2\\sqrt{2}`, `3x`), or None.

    Raises `TooLarge` for a value beyond the bound.
    """
    text = norm.strip().rstrip(".").strip()
    found = plain(text)
    if found is not None:
        return found
    number, unit, percent_word = _split_unit(text)
    if number != text:
        found = plain(number)
        if found is not None:
            return Parsed(norm, found.value, percent=found.percent or percent_word, unit=unit)
    if not symbolic or not number:
        return None
    percent = number.endswith("%") or percent_word
    expression = number[:-1] if number.endswith("%") else number
    try:
        tree, symbols = parse_expression(expression)
    except (ParseError, ZeroDivisionError, OverflowError):
        return None
    if symbols:
        return None if percent else Parsed(norm, expression=expression, unit=unit)
    try:
        return Parsed(norm, evaluate(tree), percent=percent, unit=unit)
    except TooLarge:
        raise
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
