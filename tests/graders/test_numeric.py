"""numeric: surface forms, tolerance, partial credit, hostile input, bounded sympy, batch."""

from __future__ import annotations

import math
import threading
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rft
from rft.errors import BundleError
from rft.numbers import extract_answer, normalize, parse_reference
from rft.testing import run_bundle_tests

GRADERS = Path(__file__).resolve().parents[2] / "graders"


def grade(outputs: list, references: list, **spec: object) -> rft.Scores:
    reward = rft.compile({"type": "numeric", "name": "n", "reference": "{{ item.answer }}", **spec})
    return reward.score(outputs, [{"answer": r} for r in references])


def scores(outputs: list, references: list, **spec: object) -> list[float]:
    return grade(outputs, references, **spec).scores.tolist()


@pytest.mark.parametrize(
    ("output", "reference"),
    [
        ("42", 42),
        ("42", "42"),
        ("42.0", 42),
        ("  42 \n", 42),
        ("+42", 42),
        ("3/4", "0.75"),
        (r"\frac{3}{4}", "0.75"),
        (r"\dfrac{3}{4}", "3/4"),
        (r"\tfrac34", "3/4"),
        (r"-\frac{3}{4}", -0.75),
        (r"\frac{-3}{4}", -0.75),
        ("1,234", 1234),
        ("1,234,567.5", 1234567.5),
        ("1{,}234", 1234),
        ("−5", -5),
        ("x = 3", 3),
        (r"\boxed{x = 3}", 3),
        ("12 dollars", 12),
        (r"\boxed{12\text{ dollars}}", 12),
        (r"\$12", 12),
        ("1.5e3", 1500),
        ("1.5E+3", 1500),
        (r"1.5 \times 10^{3}", 1500),
        ("2.5 × 10^3", 2500),
        ("2^{10}", 1024),
        ("10**3", 1000),
        (r"\sqrt{16}", 4),
        (r"2\sqrt{2}", r"\sqrt{8}"),
        ("sqrt(2)", r"\sqrt{2}"),
        (r"\sqrt[3]{-8}", -2),
        (r"\frac{\pi}{2}", "pi/2"),
        ("π", r"\pi"),
        ("2\\pi", "2pi"),
        (r"\left(\frac{1}{2}\right)", 0.5),
        ("90^\\circ", 90),
        ("90°", 90),
        ("$244/607$", "244/607"),
        (r"\( \frac{1}{3} \)", "1/3"),
        ("The answer is 42.", 42),
        ("The answer is 40/293.", "$40/293$"),
        ("Step 1: 5 - 3 = 2. So the answer is 7", 7),
        ("so the answer is $\\frac{3}{4}$.", "0.75"),
        (r"It is \boxed{\frac{3}{4}} cups; check: 9", "3/4"),
        ("#### 72", 72),
        ("٤٢", 42),
        ("４２", 42),
        ("½", 0.5),
        ("1e308", "1e308"),
        ("10^400", "1" + "0" * 400),
        ("10**400", 10**400),
    ],
)
def test_surface_forms_pass(output: str, reference: object) -> None:
    assert scores([output], [reference]) == [1.0]


@pytest.mark.parametrize(
    ("output", "reference"),
    [
        ("41", 42),
        ("42.001", 42),
        ("-42", 42),
        ("3/5", "3/4"),
        (r"\boxed{41} and 42", 42),  # only the box counts
        ("1,23", 123),  # not a thousands separator: the last number is 23
        ("1 23", 123),  # two numbers side by side are not one (groups of 3 are thousands)
        (r"\sqrt{2}", 1.41421),
        ("12 dollars", 13),
        ("x = 4", 3),
        ("", 0),
        (r"\boxed{}", 0),
        ("no number here", 0),
        ("3x", 3),
    ],
)
def test_wrong_or_unreadable_answers_score_zero_without_flag(
    output: str, reference: object
) -> None:
    result = grade([output], [reference])
    assert result.scores.tolist() == [0.0]
    assert not result.any_error.any()


def test_percentages_equal_the_number_and_the_fraction() -> None:
    # Against a plain number g, `p%` is p/100, and also p when |g| > 1 (a "what percent"
    # reference written 50); against a percentage it is p only (`20%` is not `0.2%`).
    assert scores(["50%", "50%", r"50\%", "0.5", "50"], [50, 0.5, 0.5, "50%", "50%"]) == [1.0] * 5
    assert scores(["0.5%", "0.5", "1%"], [0.5, "0.5%", 1]) == [0.0, 0.0, 0.0]
    assert scores(["50%", "5%"], [5, 0.05 * 100]) == [0.0, 1.0]
    assert scores(["20%", "0.2%", "20 percent", "0.2"], ["0.2%", "20%", "20%", "20%"]) == [
        0.0,
        0.0,
        1.0,
        1.0,
    ]


def test_explicit_tolerance_applies_to_exact_values_too() -> None:
    assert scores(["42.4", "42.6"], [42, 42], tolerance={"abs": 0.5, "rel": 0}) == [1.0, 0.0]
    assert scores(["1010", "1011"], [1000, 1000], tolerance={"abs": 0, "rel": 0.01}) == [1.0, 0.0]
    # max(abs, rel * |r|): max(0.5, 1) = 1, so 101 is the edge.
    assert scores(["101", "101.01"], [100, 100], tolerance={"abs": 0.5, "rel": 0.01}) == [1.0, 0.0]
    assert scores([r"\sqrt{2}"], [1.41421], tolerance={"abs": 1e-5, "rel": 0}) == [1.0]
    # `exact: true` keeps exact pairs exact even with a tolerance set.
    assert scores(["42.4"], [42], tolerance={"abs": 0.5, "exact": True}) == [0.0]


def test_large_integers_compare_exactly_unless_rel_is_given() -> None:
    assert scores(["2049425731", "2049425730"], [2049425730] * 2) == [0.0, 1.0]
    assert scores(["2049425731"], [2049425730], tolerance={"rel": 1e-9}) == [1.0]


def test_default_tolerance_exact_pairs_are_exact_inexact_ones_relative() -> None:
    # Both exact: equal or not.
    assert scores(["0.333333333333", "71.9999999999", "72.0000"], ["1/3", 72, 72]) == [
        0.0,
        0.0,
        1.0,
    ]
    assert scores(["0.1"], [0.1]) == [1.0]  # float references compare by their decimal repr
    # A float reference that came from float arithmetic compares relatively (1e-9).
    assert scores(["0.3", "0.30001", "1/3"], [0.1 + 0.2, 0.1 + 0.2, 1 / 3]) == [1.0, 0.0, 1.0]
    # Irrational values: relative 1e-9 of the reference.
    assert scores(
        [r"\cos(\pi/3)", "1.4142135623", "1.4142136"], [0.5, r"\sqrt{2}", r"\sqrt{2}"]
    ) == [
        1.0,
        1.0,
        0.0,
    ]


def test_partial_credit_decays_with_relative_error() -> None:
    got = scores(["50", "45", "55", "40", "200"], [50] * 5, partial_credit=True)
    assert got[0] == 1.0
    assert got[1] == pytest.approx(math.exp(-1)) and got[2] == pytest.approx(math.exp(-1))
    assert got[3] == pytest.approx(math.exp(-2))
    assert got[4] == 0.0  # rel error 3 > max_rel_error 1
    custom = {"scale": 0.5, "max_rel_error": 0.15}
    got = scores(["45", "42"], [50, 50], partial_credit=custom)
    assert got == [pytest.approx(math.exp(-0.2)), 0.0]


def test_partial_credit_with_zero_reference_and_huge_values() -> None:
    assert scores(["1", "0", "1e400"], [0, 0, 1], partial_credit=True) == [0.0, 1.0, 0.0]


@pytest.mark.parametrize(
    "text", ["nan", "NaN", "inf", "-inf", "Infinity", "∞", r"\infty", "1e999999"]
)
def test_nan_and_inf_text_never_pass(text: str) -> None:
    result = grade([text, text], [1, 0], partial_credit=True)
    assert result.scores.tolist() == [0.0, 0.0]
    assert all(math.isfinite(s) for s in result.scores)


@pytest.mark.parametrize("reference", [float("nan"), float("inf"), "nan", "abc", None, True])
def test_reference_that_is_not_a_number_flags_other_error(reference: object) -> None:
    result = grade(["1"], [reference])
    assert result.scores.tolist() == [0.0]
    assert result.errors["other_error"].tolist() == [True]
    assert "not a number" in result.first_message(0)


def test_huge_numbers_do_not_crash_or_hang() -> None:
    start = time.perf_counter()
    outputs = ["1e308", "1" + "0" * 400, "10^400", "2^33000", "1e-308", "9" * 5000, "1e10000"]
    refs = ["1e308", "10^400", 10**400, 1, 0, 1, "1e10000"]
    got = scores(outputs, refs)
    assert got == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0]  # 1e-308 is exact, not 0
    assert time.perf_counter() - start < 2


def test_values_beyond_range_flag_other_error_fast() -> None:
    start = time.perf_counter()
    result = grade(["9^9^9^9", "2^(10^10)", "1e99999999", r"\frac{1}{10^{20000}}"], [1, 1, 1, 1])
    assert time.perf_counter() - start < 1
    assert result.scores.tolist() == [0.0] * 4
    assert result.errors["other_error"].tolist() == [True] * 4
    assert "too large" in result.first_message(0)


def test_undefined_values_are_wrong_answers() -> None:
    result = grade(["1/0", r"\sqrt{-4}", "0^{-1}", "(-8)^{1/2}"], [1, 2, 1, 1])
    assert result.scores.tolist() == [0.0] * 4
    assert not result.any_error.any()


def test_symbolic_expressions_go_to_sympy() -> None:
    assert scores(["2(x+1)", "(x-1)(x+1)", "2x+3"], ["2x+2", "x^2-1", "2x+2"]) == [1.0, 1.0, 0.0]


def test_pathological_sympy_input_is_bounded_and_flagged() -> None:
    start = time.perf_counter()
    result = grade(["(x+1)^40000", "2(x+1)"], ["x^40000+1", "2x+2"], timeout_s=0.5)
    elapsed = time.perf_counter() - start
    assert result.scores.tolist() == [0.0, 1.0]  # the worker restarts after the timeout
    assert result.errors["other_error"].tolist() == [True, False]
    assert "timed out" in result.first_message(0)
    assert elapsed < 0.5 + 30  # the bound plus at most one worker (re)start


def test_sympy_bound_works_from_threads() -> None:
    results: list[list[float]] = []

    def work() -> None:
        results.append(scores(["2(x+1)", "(y+1)^50000"], ["2x+2", "y"], timeout_s=0.5))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == [[1.0, 0.0], [1.0, 0.0]]


def test_symbolic_off_accepts_plain_forms_only() -> None:
    got = scores(
        ["3/4", r"\frac{3}{4}", "50%", "1,234", r"2\sqrt{2}", "2^3"],
        [0.75, 0.75, 0.5, 1234, r"\sqrt{8}", 8],
        symbolic=False,
    )
    assert got == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("extract", "output", "expected"),
    [
        ("auto", r"\boxed{7} then 8", 1.0),
        ("boxed", "7", 0.0),
        ("boxed", r"so \boxed{7}", 1.0),
        ("whole", "the answer is 7", 0.0),
        ("whole", "7", 1.0),
        ("last_number", r"\boxed{7} then 8", 0.0),
        ("last_number", "7 apples", 1.0),
    ],
)
def test_extract_modes(extract: str, output: str, expected: float) -> None:
    assert scores([output], [7], extract=extract) == [expected]


@pytest.mark.parametrize(
    "sample", [None, {"output_text": None}, [{"role": "assistant", "content": None}]]
)
def test_none_outputs_score_zero(sample: object) -> None:
    reward = rft.compile({"type": "numeric", "name": "n", "reference": "1"})
    result = reward.score([sample], [{}])
    assert result.scores.tolist() == [0.0]


def test_missing_item_field_flags_invalid_variable() -> None:
    reward = rft.compile({"type": "numeric", "name": "n", "reference": "{{ item.answer }}"})
    result = reward.score(["1"], [{"other": 1}])
    assert result.scores.tolist() == [0.0]
    assert result.errors["invalid_variable_error"].tolist() == [True]


def test_numeric_input_fields_and_details() -> None:
    reward = rft.compile(
        {
            "type": "numeric",
            "name": "n",
            "input": "{{ item.pred }}",
            "reference": "{{ item.answer }}",
        }
    )
    result = reward.score(["", ""], [{"pred": 3, "answer": 3.0}, {"pred": 2.5, "answer": "5/2"}])
    assert result.scores.tolist() == [1.0, 1.0]
    text = grade([r"work... \boxed{\frac{3}{4}}"], ["3/4"])
    assert text.details["n"]["answer"] == [r"\frac{3}{4}"]


@pytest.mark.parametrize(
    "text",
    [
        "(((((",
        ")",
        "{",
        r"\frac{",
        r"\frac{1}",
        r"\sqrt[",
        "1..2",
        "--",
        "^",
        "1^",
        "%",
        "$$",
        "\\",
        "=",
        "x = ",
        ("(" * 500) + "1" + (")" * 500),
        "1" + "+1" * 5000,
    ],
)
def test_malformed_input_never_raises(text: str) -> None:
    result = grade([text], [1])
    assert 0.0 <= result.scores[0] <= 1.0
    assert not result.errors["other_error"].any()


def test_invalid_spec_is_a_load_error() -> None:
    with pytest.raises(BundleError):
        rft.compile({"type": "numeric", "name": "n", "reference": "1", "tolerance": {"abs": -1}})


def test_batch_equals_one_sample_path() -> None:
    outputs = ["42", r"\boxed{3/4}", "50%", "x = 3", "nan", "12 dollars", "9^9^9^9", "41", ""]
    refs = [42, 0.75, 0.5, 3, 1, 12, 1, 42, 0]
    batch = grade(outputs, refs, partial_credit=True)
    for i, (out, ref) in enumerate(zip(outputs, refs, strict=True)):
        one = grade([out], [ref], partial_credit=True)
        assert one.scores[0] == batch.scores[i]
        assert one.errors["other_error"][0] == batch.errors["other_error"][i]


def test_normalize_and_reference_helpers() -> None:
    assert normalize(r"$x = \dfrac{3}{4}$ cups.") == r"x = \frac{3}{4} cups."
    assert extract_answer(r"$x = \dfrac{3}{4}$ cups.").value == Fraction(3, 4)
    assert parse_reference(0.1).value == Fraction(1, 10)
    assert parse_reference("The total is #### 1,234").value == Fraction(1234)
    # Words make the whole text unparseable; the last number is 3, not -3.
    assert extract_answer("I think 5-3").value == Fraction(3)
    assert extract_answer("5-3").value == Fraction(2)


def test_bundles_in_graders_folder_pass_their_tests() -> None:
    for name in ("numeric_answer.yaml", "exact_answer.yaml"):
        outcomes = run_bundle_tests(rft.load_bundle(GRADERS / name))
        assert outcomes, name
        failed = [o.title for o in outcomes if not o.passed]
        assert not failed, (name, failed)


# -- properties ------------------------------------------------------------------------------

_FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_NO_SYMBOLS = "0123456789+-*/^()[]{}.,%=$\\ efracsqrtpiboxedtimes−·×÷ \n"


@_FAST
@given(st.text(max_size=80))
def test_arbitrary_text_gives_a_finite_score_in_unit_interval(text: str) -> None:
    result = grade([text], [7], partial_credit=True)
    score = result.scores[0]
    assert math.isfinite(score) and 0.0 <= score <= 1.0


@_FAST
@given(st.text(alphabet=_NO_SYMBOLS, max_size=40))
def test_latexish_text_gives_a_finite_score(text: str) -> None:
    result = grade([text], ["3/4"], partial_credit=True)
    assert 0.0 <= result.scores[0] <= 1.0


@_FAST
@given(
    st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
        st.fractions(max_denominator=10**6),
    )
)
def test_reference_itself_as_answer_scores_one(value: int | float | Fraction) -> None:
    text = str(value) if not isinstance(value, float) else repr(value)
    boxed = rf"\boxed{{{text}}}"
    assert scores([text, boxed, f"The answer is {text}"], [value, value, text]) == [1.0] * 3


@_FAST
@given(st.integers(min_value=1000, max_value=10**15))
def test_thousands_separated_integers_match(value: int) -> None:
    assert scores([f"{value:,}", f"{-value:,}"], [value, -value]) == [1.0, 1.0]


def test_shipped_numeric_bundle_is_as_strict_as_the_grader_defaults() -> None:
    near_misses = ["71.9999999999", "72.001", "72.01", "71.99", r"\boxed{72.000001}", "0.72%"]
    bundle = rft.compile(rft.load_bundle(GRADERS / "numeric_answer.yaml"))
    items = [{"answer": 72}] * len(near_misses)
    assert bundle.score(near_misses, items).scores.tolist() == [0.0] * len(near_misses)
    assert scores(near_misses, [72] * len(near_misses)) == [0.0] * len(near_misses)
