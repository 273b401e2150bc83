"""Is an answer the reference? Numbers within a tolerance, structures item by item.

The tolerance rule (the defaults of `Tolerances`):

- **Both exact** (integers, decimals, fractions, rational results like `\\sqrt{16}`,
  `\\log_2 8`, `5!`): equal or not, exactly; `71.9999999999` is not `72`, `1e-320` is not
  `0`. (`exact=False`, which an explicit `tolerance:` in a bundle implies, applies the
  tolerance below to exact pairs too.)
- **Otherwise** (an irrational value computed at 128 bits, `\\cos(\\pi/3)`; a float reference
  that came from float arithmetic, `0.30000000000000004`): passes when
  `|a - r| <= max(abs, rel * |r|)`: `rel` (1e-9) is relative to the reference; `abs`
  (1e-30) is only the floor that lets a computed `\\cos(\\pi/2)` equal a reference 0 (its
  128-bit noise is ~1e-39; no answer a model writes is that small without being exact).
- Infinities equal only the same infinity. A percentage against a percentage compares the
  numbers (`20%` is not `0.2%`). Against a plain number g, `p%` passes when p/100 equals g,
  and when p equals g only if |g| > 1 (a "what percent" reference written `20`): `50%` passes
  for 0.5, `20%` for 20 and for 0.2, but `0.2%` fails for 0.2 (it is 0.002). Two known
  units of one dimension convert exactly (`120 mm` is `12 cm`; length, area, volume, mass,
  time, money); units of different dimensions, or without an exact factor (`year`, `gallon`),
  never pass; an answer without a unit is read in the reference's. Degrees and radians
  convert (within the tolerance, through pi): `\\frac{\\pi}{3}` or `1.047 rad` for `60^\\circ`.

Structures: a set or several solutions pass when each side's items all match the other's
(order-free); intervals, tuples and vectors when the brackets are the same and the items
match in order; unions of intervals order-free; an equation only equals an equation whose
two sides differ by a nonzero constant factor (sympy); a value given for a variable
(`y = 2x + 3`) is that equation when the other side is an equation (`2x - y + 3 = 0`). A structure never equals a number.
Partial credit (numbers only) is below 1 for any answer that does not pass.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction

from rft.numbers.evaluate import MP, Real, to_mpf
from rft.numbers.notation import unit_scale
from rft.numbers.parse import Parsed
from rft.numbers.structures import Answer, Bracketed, Collection, Equation, Union
from rft.numbers.sympy_worker import sympy_decide

PARTIAL_MAX = 0.999
"""The highest partial credit: an answer outside the tolerance never scores 1."""


@dataclass(frozen=True, slots=True)
class Tolerances:
    """How close a number must be; see the module docstring for the rule."""

    abs: float = 1e-30
    rel: float = 1e-9
    exact: bool = True
    scale: float | None = None
    max_rel: float = 1.0
    timeout: float = 1.0


def _score_pair(a: Real, r: Real, tol: Tolerances) -> float:
    """Score of one pair of values: 1 when they pass, else partial credit or 0."""
    if isinstance(a, float) or isinstance(r, float):  # ±inf: equal only to itself
        return 1.0 if a == r else 0.0
    both_exact = isinstance(a, Fraction) and isinstance(r, Fraction)
    if both_exact:
        if a == r:
            return 1.0
        diff, size = abs(a - r), abs(r)
        if not tol.exact and diff <= max(Fraction(tol.abs), Fraction(tol.rel) * size):
            return 1.0
    else:
        x, y = to_mpf(a), to_mpf(r)
        diff, size = abs(x - y), abs(y)
        if diff <= max(tol.abs, tol.rel * size):
            return 1.0
    if tol.scale is None or size == 0:
        return 0.0
    rel_err = diff / size
    if rel_err > tol.max_rel:  # also keeps float() below away from huge values
        return 0.0
    return min(math.exp(-float(rel_err) / tol.scale), PARTIAL_MAX)


def _pairs(a: Parsed, r: Parsed) -> list[tuple[Real, Real]]:
    if a.percent == r.percent:
        return [(a.value, r.value)]
    if a.percent:
        pairs = [(_hundredth(a.value), r.value)]
        return [*pairs, (a.value, r.value)] if _over_one(r.value) else pairs
    pairs = [(a.value, _hundredth(r.value))]
    return [*pairs, (a.value, r.value)] if _over_one(a.value) else pairs


def _over_one(x: Real) -> bool:
    """A plain number that may be a percentage written without `%` (`20` for `20%`)."""
    return x is not None and abs(x) > 1


def _hundredth(x: Real) -> Real:
    return x if isinstance(x, float) else x / 100


def score_scalar(a: Parsed, r: Parsed, tol: Tolerances) -> float:
    """One number or expression against one."""
    if "deg" in (a.unit, r.unit) and (angle := _angle_in(a, r)) is not None:
        a = angle
    if a.unit is not None and r.unit is not None and a.unit != r.unit:
        a = _converted(a, r.unit)
        if a is None:
            return 0.0  # units of different dimensions (or without an exact factor)
    if a.variable is not None and r.variable is not None and a.variable != r.variable:
        return 0.0  # `y = 5` does not answer `x = 5`; a bare `5` does
    if a.value is not None and r.value is not None:
        best = 0.0
        for x, y in _pairs(a, r):
            best = max(best, _score_pair(x, y, tol))
            if best == 1.0:
                break
        return best
    if a.expression is not None and r.expression is not None:
        # Both have free symbols: only sympy can tell (bounded, in its worker process).
        return 1.0 if sympy_decide("equal", a.expression, r.expression, tol.timeout) else 0.0
    return 0.0  # a number against an expression in x: not the same answer


def _converted(a: Parsed, unit: str) -> Parsed | None:
    """`a` in `unit` when both measure one dimension (`120 mm` -> 12 for `cm`), else None."""
    have, want = unit_scale(a.unit or ""), unit_scale(unit)
    if have is None or want is None or have[0] != want[0] or a.value is None:
        return None
    factor = have[1] / want[1]
    if isinstance(a.value, Fraction):
        value: Real = a.value * factor
    elif isinstance(a.value, float):
        value = a.value  # an infinity stays itself
    else:
        value = to_mpf(a.value) * to_mpf(factor)
    return dataclasses.replace(a, value=value, unit=unit)


def _in_radians(p: Parsed) -> bool:
    return p.unit == "rad" or (p.unit is None and "pi" in p.text)


def _angle_in(a: Parsed, r: Parsed) -> Parsed | None:
    """`a` in the angle unit of `r` when one side is in degrees and the other in radians
    (`rad`, or a value written with pi: `\\frac{\\pi}{3}` for `60^\\circ`), else None."""
    if a.value is None or isinstance(a.value, float) or a.unit == r.unit:
        return None
    if r.unit == "deg" and _in_radians(a):
        return dataclasses.replace(a, value=to_mpf(a.value) * 180 / MP.pi, unit="deg")
    if a.unit == "deg" and _in_radians(r):
        return dataclasses.replace(a, value=to_mpf(a.value) * MP.pi / 180, unit=r.unit)
    return None


def _as_equation(p: Parsed) -> Equation | None:
    """`y = 2x + 3` (read as a value of y) as the equation it is, to compare with one."""
    if p.variable is None or p.unit is not None or p.percent:
        return None
    rhs = p.expression if p.expression is not None else p.text
    return Equation(f"{p.variable} = {rhs}", p.variable, rhs)


def _equal(a: Answer, r: Answer, tol: Tolerances) -> bool:
    exact = Tolerances(tol.abs, tol.rel, tol.exact, None, tol.max_rel, tol.timeout)
    return score(a, r, exact) == 1.0


def _same_items(a: tuple[Answer, ...], r: tuple[Answer, ...], tol: Tolerances) -> bool:
    return all(any(_equal(x, y, tol) for y in r) for x in a) and all(
        any(_equal(x, y, tol) for x in a) for y in r
    )


def score(answer: Answer, reference: Answer, tol: Tolerances) -> float:
    """Score of an answer against the reference, in [0, 1]."""
    if isinstance(answer, Equation) and isinstance(reference, Parsed):
        reference = _as_equation(reference) or reference  # `y = 2x + 3` vs `2x - y + 3 = 0`
    elif isinstance(reference, Equation) and isinstance(answer, Parsed):
        answer = _as_equation(answer) or answer
    if isinstance(reference, Parsed):
        return score_scalar(answer, reference, tol) if isinstance(answer, Parsed) else 0.0
    if type(answer) is not type(reference):
        return 0.0
    if isinstance(reference, Bracketed):
        assert isinstance(answer, Bracketed)
        same = (
            answer.open == reference.open
            and answer.close == reference.close
            and len(answer.items) == len(reference.items)
            and all(_equal(x, y, tol) for x, y in zip(answer.items, reference.items, strict=True))
        )
        return 1.0 if same else 0.0
    if isinstance(reference, Collection):
        assert isinstance(answer, Collection)
        return 1.0 if _same_items(answer.items, reference.items, tol) else 0.0
    if isinstance(reference, Union):
        assert isinstance(answer, Union)
        return 1.0 if _same_items(answer.parts, reference.parts, tol) else 0.0
    assert isinstance(answer, Equation) and isinstance(reference, Equation)
    a = f"({answer.lhs})-({answer.rhs})"
    r = f"({reference.lhs})-({reference.rhs})"
    return 1.0 if sympy_decide("proportional", a, r, tol.timeout) else 0.0
