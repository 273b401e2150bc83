"""Surface notation: unicode and LaTeX to the parser's grammar, and the unit table."""

from __future__ import annotations

import pytest

from rft.numbers import normalize, unit_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10³", "10^{3}"),
        ("x²", "x^{2}"),
        ("1½", "(1+1/2)"),
        ("½", "(1/2)"),
        ("–5", "-5"),
        ("−5", "-5"),
        ("7 654 321", "7654321"),
        (r"4\,321", "4321"),
        ("1 1/2", "(1+1/2)"),
        (r"2\frac{1}{4}", "(2+1/4)"),
        (r"2\frac{5}{4}", r"2\frac{5}{4}"),  # not proper: a product, not a mixed number
        (r"\left[1, 3\right)", "[1, 3)"),
        (r"\{1, 2\}", "{1, 2}"),
        ("∞", r"\infty"),
        (r"\dbinom{5}{2}", r"\binom{5}{2}"),
        (r"x \leq 3", r"x \le 3"),
        ("1 23", "1 23"),  # not a group of three
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("words", "unit"),
    [
        ("cm", "cm"),
        ("centimeters", "cm"),
        ("Centimetres", "cm"),
        ("mm", "mm"),
        ("square meters", "m^2"),
        ("m^2", "m^2"),
        ("km / h", "km/h"),
        ("dollars", "dollar"),
        ("percent", "%"),
        ("apples", None),
        ("", None),
    ],
)
def test_unit_of(words: str, unit: str | None) -> None:
    assert unit_of(words) == unit
