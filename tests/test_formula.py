"""multi's formula: OpenAI's operators and functions, parsed safely and vectorized."""

from __future__ import annotations

import numpy as np
import pytest

from rft.formula import Formula, FormulaError

A = np.array([0.0, 0.5, 1.0])
B = np.array([1.0, 0.5, 0.0])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a + b", A + B),
        ("(a + b) / 2", (A + B) / 2),
        ("a * b", A * B),
        ("a - b", A - B),
        ("a ^ 2", A**2),
        ("a ** 2", A**2),
        ("-a + 1", 1 - A),
        ("min(a, b)", np.minimum(A, B)),
        ("max(a, b, 0.7)", np.maximum(np.maximum(A, B), 0.7)),
        ("abs(a - b)", np.abs(A - B)),
        ("floor(a * 1.5)", np.floor(A * 1.5)),
        ("ceil(a)", np.ceil(A)),
        ("sqrt(a)", np.sqrt(A)),
        ("exp(a) - 1", np.exp(A) - 1),
        ("0.3 * a + 0.7 * b", 0.3 * A + 0.7 * B),
    ],
)
def test_formulas_evaluate_like_numpy(source: str, expected: np.ndarray) -> None:
    np.testing.assert_allclose(Formula(source, ["a", "b"]).evaluate({"a": A, "b": B}, 3), expected)


@pytest.mark.parametrize(
    ("source", "a", "expected"),
    [
        # `^` is power with math's precedence: above * / and unary minus, right-associative.
        ("0.5 * a ^ 2", 1.0, 0.5),
        ("0.5 * a ^ 2", 0.5, 0.125),
        ("a ^ 2 * 0.5", 0.5, 0.125),
        ("a ^ 2 / 2", 0.5, 0.125),
        ("2 ^ 3 ^ 2", 0.0, 512.0),
        ("(2 ^ 3) ^ 2", 0.0, 64.0),
        ("-2 ^ 2", 0.0, -4.0),
        ("(-2) ^ 2", 0.0, 4.0),
        ("-a ^ 2", 0.5, -0.25),
        ("2 ^ -1", 0.0, 0.5),
        ("1 + 2 ^ 2", 0.0, 5.0),
        ("2 * 3 ^ 2 + 1", 0.0, 19.0),
        ("2 ^ 3 * 2", 0.0, 16.0),
        ("a ** 2 ^ 2", 0.5, 0.0625),
        ("4 ^ 0.5", 0.0, 2.0),
    ],
)
def test_power_precedence_table(source: str, a: float, expected: float) -> None:
    assert Formula(source, ["a"]).evaluate({"a": np.array([a])}, 1).tolist() == [expected]


def test_constant_formula_broadcasts() -> None:
    assert Formula("1", ["a"]).evaluate({"a": A}, 3).tolist() == [1.0, 1.0, 1.0]


def test_log_of_zero_is_left_non_finite_for_the_caller_to_flag() -> None:
    out = Formula("log(a)", ["a"]).evaluate({"a": A}, 3)
    assert not np.isfinite(out[0]) and out[2] == 0.0


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a +", "does not parse"),
        ("c * a", "unknown grader `c`"),
        ("__import__('os').system('x')", "not allowed"),
        ("a.real", "not allowed"),
        ("[a, b]", "not allowed"),
        ("a if b else 1", "not allowed"),
        ("'x'", "only numbers"),
        ("pow(a, 2)", "function `pow` is not allowed"),
        ("sqrt(a, b)", "takes 1 argument"),
        ("a % b", "not allowed"),
        ("a < b", "not allowed"),
        ("lambda: 1", "not allowed"),
    ],
)
def test_bad_formulas_are_rejected(source: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message.replace("(", r"\(")):
        Formula(source, ["a", "b"])


def test_misspelt_name_gets_a_hint() -> None:
    with pytest.raises(FormulaError) as info:
        Formula("formt * rank", ["format", "rank"])
    assert info.value.hint == "did you mean `format`?"
