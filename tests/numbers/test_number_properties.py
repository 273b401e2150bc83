"""Properties: an answer whose value differs from the reference never scores 1.

Values are drawn at random, written in random surface forms, wrapped in random outputs
(boxed, marked, followed by a check or a confidence note that mentions the reference), and
graded with the grader's defaults and with partial credit.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rft

_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
REWARD = rft.compile({"type": "numeric", "name": "n", "reference": "{{ item.answer }}"})
PARTIAL = rft.compile(
    {"type": "numeric", "name": "n", "reference": "{{ item.answer }}", "partial_credit": True}
)

values = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12).map(Fraction),
    st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**4),
    st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False).map(Fraction),
)


def _decimal_text(v: Fraction) -> str | None:
    """A finite decimal text of v, or None when v has no short one."""
    den = v.denominator
    for k in range(0, 13):
        if (10**k) % den == 0:
            digits = abs(v.numerator) * (10**k // den)
            text = str(digits).rjust(k + 1, "0")
            text = (text[:-k] + "." + text[-k:]) if k else text
            return ("-" if v < 0 else "") + text
    return None


@st.composite
def written(draw: st.DrawFn, v: Fraction) -> str:
    """v in one of several surface forms (all of which mean exactly v)."""
    forms = [f"{v.numerator}/{v.denominator}", rf"\frac{{{v.numerator}}}{{{v.denominator}}}"]
    if v < 0:
        forms.append(rf"-\frac{{{-v.numerator}}}{{{v.denominator}}}")
    dec = _decimal_text(v)
    if dec is not None:
        forms.append(dec)
        if v.denominator == 1 and abs(v) >= 1000:
            forms.append(f"{v.numerator:,}")
            forms.append(f"{v.numerator:,}".replace(",", " "))
            forms.append(f"{v.numerator:,}".replace(",", r"\,"))
        if v.denominator == 1:
            forms.append(f"{v.numerator}".replace("-", "−"))
    return draw(st.sampled_from(forms))


WRAPPERS = [
    "{a}",
    r"\boxed{{{a}}}",
    r"So the result is $\boxed{{{a}}}$. Check: {g} would give a different total.",
    "The answer is {a}. Check: {g} / 1 = {g}",
    "The answer is {a}, not {g}.",
    "Result: {a}\nConfidence: {g}%",
    "Final answer: {a}",
    "{g}? No, wait. The final answer is {a}.",
    "<answer>{a}</answer> ({g} was my first guess)",
    "First I thought {g}, but after redoing it: the answer is {a}",
    "$x = {a}$",
]
REFERENCE_FORMS = ["number", "text", "boxed", "gsm"]


def _reference(g: Fraction, form: str) -> object:
    if form == "number":
        return int(g) if g.denominator == 1 else f"{g.numerator}/{g.denominator}"
    text = _decimal_text(g) or f"{g.numerator}/{g.denominator}"
    return {"text": text, "boxed": rf"\boxed{{{text}}}", "gsm": f"work ...\n#### {text}"}[form]


deltas = st.builds(
    lambda k, sign: sign * Fraction(1, 10**k),
    st.integers(min_value=1, max_value=15),
    st.sampled_from([1, -1]),
)


@_SETTINGS
@given(
    data=st.data(),
    g=values,
    other=values,
    delta=deltas,
    near=st.booleans(),
    wrapper=st.sampled_from(WRAPPERS),
    reference_form=st.sampled_from(REFERENCE_FORMS),
)
def test_a_different_value_never_scores_one(
    data: st.DataObject,
    g: Fraction,
    other: Fraction,
    delta: Fraction,
    near: bool,
    wrapper: str,
    reference_form: str,
) -> None:
    a = g + delta if near else other  # a near miss (1e-15 .. 0.1 away) or any other value
    assume(a != g)
    g_text = _decimal_text(g) or f"{g.numerator}/{g.denominator}"
    output = wrapper.format(a=data.draw(written(a)), g=g_text)
    reference = _reference(g, reference_form)
    items = [{"answer": reference}]
    assert REWARD.score([output], items).scores.tolist() == [0.0], (output, reference)
    assert PARTIAL.score([output], items).scores[0] < 1.0, (output, reference)


@_SETTINGS
@given(
    data=st.data(),
    g=values,
    wrapper=st.sampled_from(WRAPPERS),
    reference_form=st.sampled_from(REFERENCE_FORMS),
)
def test_the_same_value_scores_one(
    data: st.DataObject, g: Fraction, wrapper: str, reference_form: str
) -> None:
    # The property above is not vacuous: the same forms and wrappers pass the right value.
    other = g + 1
    output = wrapper.format(a=data.draw(written(g)), g=_decimal_text(other) or str(other))
    items = [{"answer": _reference(g, reference_form)}]
    assert REWARD.score([output], items).scores.tolist() == [1.0], output


brackets = st.sampled_from(["(", "["]), st.sampled_from([")", "]"])
small = st.integers(min_value=-50, max_value=50)


@_SETTINGS
@given(
    lo=small,
    hi=small,
    lo2=small,
    hi2=small,
    o1=brackets[0],
    c1=brackets[1],
    o2=brackets[0],
    c2=brackets[1],
    boxed=st.booleans(),
)
def test_intervals_and_tuples_pass_only_when_brackets_and_items_agree(
    lo: int, hi: int, lo2: int, hi2: int, o1: str, c1: str, o2: str, c2: str, boxed: bool
) -> None:
    reference = f"{o1}{lo}, {hi}{c1}"
    answer = f"{o2}{lo2}, {hi2}{c2}"
    output = rf"\boxed{{{answer}}}" if boxed else f"The answer is {answer}."
    expected = 1.0 if (o1, c1, lo, hi) == (o2, c2, lo2, hi2) else 0.0
    assert REWARD.score([output], [{"answer": reference}]).scores.tolist() == [expected]


@_SETTINGS
@given(
    gold=st.sets(small, min_size=2, max_size=4),
    answer=st.lists(small, min_size=1, max_size=5),
    form=st.sampled_from([r"\{{{}\}}", "{}", "x = {}"]),
)
def test_sets_and_solutions_pass_only_with_the_same_elements(
    gold: set[int], answer: list[int], form: str
) -> None:
    sep = " or x = " if form.startswith("x =") else ", "
    output = form.format(sep.join(map(str, answer)))
    reference = r"\{" + ", ".join(map(str, sorted(gold))) + r"\}"
    expected = 1.0 if set(answer) == gold else 0.0
    assert REWARD.score([output], [{"answer": reference}]).scores.tolist() == [expected], output


def test_import_rft_loads_no_sympy() -> None:
    code = "import sys, rft, rft.numbers; print('sympy' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@_SETTINGS
@given(p=values, other=values, kind=st.sampled_from(["same", "times100", "over100", "other"]))
def test_a_percentage_equals_only_the_same_percentage(
    p: Fraction, other: Fraction, kind: str
) -> None:
    # `20%` is not `0.2%` (nor is `0.2%` `20%`): both sides percent compare the numbers.
    q = {"same": p, "times100": p * 100, "over100": p / 100, "other": other}[kind]
    p_text = _decimal_text(p) or f"{p.numerator}/{p.denominator}"
    q_text = _decimal_text(q) or f"{q.numerator}/{q.denominator}"
    expected = 1.0 if p == q else 0.0
    got = REWARD.score([f"The answer is {q_text}%"], [{"answer": f"{p_text}%"}]).scores.tolist()
    assert got == [expected]


UNITS = ["mm", "cm", "m", "km", "inches", "g", "kg", "seconds", "minutes", "hours", "dollars"]


@_SETTINGS
@given(
    v=st.integers(min_value=-(10**6), max_value=10**6),
    gold=st.sampled_from(UNITS),
    unit=st.sampled_from(UNITS),
)
def test_a_different_unit_never_scores_one(v: int, gold: str, unit: str) -> None:
    expected = 1.0 if gold == unit else 0.0
    got = REWARD.score([f"It is {v} {unit}."], [{"answer": f"{v} {gold}"}]).scores.tolist()
    assert got == [expected]
