"""Values of constant expression trees: exact `Fraction`s where rational, else mpmath at 128 bits.

Sizes are bounded before any power, factorial or binomial is computed, so `9^9^9^9` or
`1000000!` is refused in microseconds (`TooLarge`). A value that is not a real number
(`1/0`, `\\sqrt{-4}`, `\\log 0`) raises `Undefined`. Infinity is a value only on its own
(`\\infty`, `-\\infty`): arithmetic on it is undefined here.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from mpmath.ctx_mp import MPContext

Real = Any  # Fraction | mpf | float (±inf only); mpmath has no importable type alias worth it
Node = tuple[Any, ...]

MAX_DIGITS = 10_000
"""Largest magnitude accepted, in decimal digits (10^±10000); beyond it a value is `too large`."""
_MAX_BITS = int(MAX_DIGITS * math.log2(10)) + 1
_MAX_FACTORIAL = 3000  # 3000! has 9131 digits, under MAX_DIGITS

MP = MPContext()
MP.prec = 128  # a private context: set once, never changed, so safe to share across threads

INFINITY = float("inf")


class TooLarge(ValueError):
    """A number or an intermediate result beyond 10^±MAX_DIGITS."""


class Undefined(ValueError):
    """Division by zero, a negative square root, a complex power: not a real number."""


def check_size(value: Fraction) -> None:
    """Raise `TooLarge` when a Fraction's numerator or denominator is beyond the bound."""
    if value.numerator.bit_length() > _MAX_BITS or value.denominator.bit_length() > _MAX_BITS:
        raise TooLarge(f"a value beyond 10^±{MAX_DIGITS}")


def is_exact(value: Real) -> bool:
    """True for exact values: rationals and the two infinities."""
    return isinstance(value, Fraction | float)


def _log2_abs(x: Real) -> float:
    """log2|x| (finite; x != 0)."""
    if isinstance(x, Fraction):
        return _log2_int(abs(x.numerator)) - _log2_int(x.denominator)
    return float(MP.log(abs(x), 2))


def _log2_int(n: int) -> float:
    bits = n.bit_length()
    if bits < 1000:
        return math.log2(n)
    return bits - 1000 + math.log2(n >> (bits - 1000))


def to_mpf(x: Real) -> Any:
    """An mpmath value of a Fraction (mpf values pass through)."""
    if isinstance(x, Fraction):
        return MP.mpf(x.numerator) / x.denominator
    return x


def _real(x: Any) -> Real:
    if not MP.isfinite(x):
        raise TooLarge("a value beyond mpmath's range")
    if x != 0 and abs(float(MP.log(abs(x), 10))) > MAX_DIGITS:
        raise TooLarge(f"a value beyond 10^±{MAX_DIGITS}")
    return x


def _power(base: Real, exp: Real) -> Real:
    if base == 0:
        if exp <= 0:
            raise Undefined("0 to a non-positive power")
        return Fraction(0)
    if base < 0:
        # Real only for integer exponents or odd-denominator fractions: (-8)^(1/3) = -2.
        if isinstance(exp, Fraction) and exp.denominator % 2 == 1:
            magnitude = _power(-base, exp)
            return -magnitude if exp.numerator % 2 else magnitude
        raise Undefined("a negative number to a fractional power")
    if base == 1 or exp == 0:
        return Fraction(1)
    # Bound |log2 result| = |exp| * |log2 base| before computing anything (9^9^9^9 stops here).
    log2_base = abs(_log2_abs(base))
    if log2_base and _log2_abs(exp) + math.log2(log2_base) > math.log2(_MAX_BITS):
        raise TooLarge(f"a power beyond 10^±{MAX_DIGITS}")
    if isinstance(base, Fraction) and isinstance(exp, Fraction):
        if exp.denominator == 1:
            result = base**exp.numerator
            check_size(result)
            return result
        # Exact roots of perfect powers stay rational: 4^(1/2) = 2, (8/27)^(2/3) = 4/9.
        root = _exact_root(base, exp.denominator)
        if root is not None:
            return _power(root, Fraction(exp.numerator))
    return _real(MP.power(to_mpf(base), to_mpf(exp)))


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


def _log(x: Real, base: Real | None) -> Real:
    """log_base x (natural when base is None); exact when the result is an integer power."""
    if x <= 0 or (base is not None and (base <= 0 or base == 1)):
        raise Undefined("the logarithm of a non-positive number or to base 0 or 1")
    if base is None:
        return _real(MP.log(to_mpf(x)))
    value = MP.log(to_mpf(x)) / MP.log(to_mpf(base))
    if isinstance(x, Fraction) and isinstance(base, Fraction) and abs(value) < _MAX_BITS:
        k = int(MP.nint(value))
        if abs(k - value) < 1e-20 and _power(base, Fraction(k)) == x:
            return Fraction(k)  # log_2 8 = 3 exactly
    return _real(value)


def _integer(x: Real, what: str) -> int:
    if not isinstance(x, Fraction) or x.denominator != 1:
        raise Undefined(f"{what} of a non-integer")
    return x.numerator


def _factorial(x: Real) -> Fraction:
    n = _integer(x, "a factorial")
    if n < 0:
        raise Undefined("a factorial of a negative number")
    if n > _MAX_FACTORIAL:
        raise TooLarge(f"{n}! is beyond 10^{MAX_DIGITS}")
    return Fraction(math.factorial(n))


def _binomial(n_value: Real, k_value: Real) -> Fraction:
    n, k = _integer(n_value, "a binomial"), _integer(k_value, "a binomial")
    if n < 0 or k < 0:
        raise Undefined("a binomial coefficient of negative numbers")
    if min(k, n - k) > _MAX_FACTORIAL:
        raise TooLarge("a binomial coefficient beyond the bound")
    result = Fraction(math.comb(n, k))
    check_size(result)
    return result


_FUNCTIONS = {
    "sin": MP.sin,
    "cos": MP.cos,
    "tan": MP.tan,
    "sec": MP.sec,
    "csc": MP.csc,
    "cot": MP.cot,
    "arcsin": MP.asin,
    "arccos": MP.acos,
    "arctan": MP.atan,
    "exp": MP.exp,
}
FUNCTION_NAMES = frozenset(_FUNCTIONS) | {"ln", "log", "sqrt"}


def _apply(name: str, x: Real) -> Real:
    if name in ("arcsin", "arccos") and abs(x) > 1:
        raise Undefined(f"{name} outside [-1, 1]")
    if name == "exp" and x > 25_000:
        raise TooLarge("an exponential beyond the bound")
    if x == 0 and name in ("sin", "tan", "arcsin", "arctan"):
        return Fraction(0)
    if x == 0 and name in ("cos", "exp"):
        return Fraction(1)
    if name in ("tan", "sec", "csc", "cot") or abs(x) > 10**6:
        # A pole (tan(pi/2)) evaluates to a huge number at 128 bits: call it undefined.
        value = _FUNCTIONS[name](to_mpf(x))
        if abs(value) > MP.mpf(10) ** 30:
            raise Undefined(f"{name} at a pole")
        return _real(value)
    return _real(_FUNCTIONS[name](to_mpf(x)))


def _binary(op: str, a: Real, b: Real) -> Real:
    if isinstance(a, float) or isinstance(b, float):
        raise Undefined("arithmetic on infinity")
    if op == "pow":
        return _power(a, b)
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        if op == "div" and b == 0:
            raise Undefined("division by zero")
        result = {"add": a.__add__, "sub": a.__sub__, "mul": a.__mul__, "div": a.__truediv__}[op](b)
        check_size(result)
        return result
    x, y = to_mpf(a), to_mpf(b)
    if op == "div" and y == 0:
        raise Undefined("division by zero")
    return _real(
        {"add": x.__add__, "sub": x.__sub__, "mul": x.__mul__, "div": x.__truediv__}[op](y)
    )


def evaluate(node: Node) -> Real:
    """Value of a constant tree: a Fraction where rational, else an mpmath mpf (or ±inf alone).

    Raises `TooLarge` past 10^±MAX_DIGITS and `Undefined` where the value is not real.
    """
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "const":
        if node[1] == "inf":
            return INFINITY
        return MP.pi if node[1] == "pi" else MP.e
    if kind == "neg":
        return -evaluate(node[1])
    if kind == "sym":
        raise Undefined("a free symbol in a constant expression")
    if isinstance(value := _operand(node), float):
        raise Undefined("a function of infinity")
    if kind == "root":
        index = evaluate(node[2])
        if index == 0 or isinstance(index, float):
            raise Undefined("a 0th root")
        return _power(value, 1 / index)
    if kind == "fact":
        return _factorial(value)
    if kind == "call":
        return _apply(node[1], value)
    if kind == "log":
        base = None if node[2] is None else evaluate(node[2])
        if isinstance(base, float):
            raise Undefined("a logarithm to base infinity")
        return _log(value, base)
    if kind == "binom":
        return _binomial(value, evaluate(node[2]))
    return _binary(kind, value, evaluate(node[2]))


def _operand(node: Node) -> Real:
    """The first operand of a node (for `call` and `log`, the argument)."""
    if node[0] in ("call",):
        return evaluate(node[2])
    return evaluate(node[1])
