"""Build `adversarial_answers.jsonl`: math answers a numeric grader must get right, with truth labels.

Every case is `{"id", "kind", "gold", "answer", "label", "why"}`; `label` is True when the
answer states the gold value (or structure: interval brackets, tuple order, the full solution
set) unambiguously as its final answer, as a careful human grader would decide. Labels were
set by mathematical truth, independently of any grader's code.

Cases come in two ways:

- hand-written tables (the tricky ones: intervals, units, near misses, conflicting boxes, ...);
- families generated from random values whose label is true by construction: a rendering that
  keeps the value (thousands grouped with thin spaces, a unicode minus, `\\dfrac`, a mixed
  number) is right; a perturbation that changes it (a digit, a sign, a bracket, a unit of
  another magnitude, the number a careless reader would take: `103` for `10³`) is wrong.

Presentation wrappers (`\\boxed{}`, "The answer is ...", a `$...$`) never add a number, so they
never change a label; plain-space renderings (`1 1/2`, unicode) only get text wrappers, because
inside `$...$` TeX drops the space (`$1 1/2$` renders as 11/2).

    python benchmarks/data/make_adversarial.py      # rewrites adversarial_answers.jsonl
"""

from __future__ import annotations

import json
import math
import random
from fractions import Fraction
from pathlib import Path

OUT = Path(__file__).with_name("adversarial_answers.jsonl")
SEED = 12

# The kinds issue 12 lists (each must have >= 20 cases), then ordinary answers in many formats.
ISSUE_KINDS = (
    "interval",
    "union",
    "set",
    "tuple",
    "plus_minus",
    "several_solutions",
    "equation_vs_value",
    "marked_answer",
    "boxed_conflict",
    "tiny_values",
    "near_miss",
    "thousands_space",
    "mixed_number",
    "superscript",
    "minus_sign",
    "log",
    "binom",
    "factorial",
    "trig",
    "infinity",
    "emptyset",
    "percent",
    "units",
)
ORDINARY_KINDS = (
    "ordinary_integer",
    "ordinary_fraction",
    "ordinary_decimal",
    "ordinary_scientific",
    "ordinary_symbolic",
)
KINDS = ISSUE_KINDS + ORDINARY_KINDS

# Wrappers: "@" is the answer. None adds a digit.
TEXT = (
    "@",
    "The answer is @.",
    "Answer: @",
    "Final answer: @",
    "So the final answer is @.",
    "After simplifying, we get:\n\n@",
    "Let me work through this carefully, collecting terms.\nTherefore the answer is @.",
)
MATH = (
    "\\boxed{@}",
    "The answer is $@$.",
    "Therefore, the final answer is $\\boxed{@}$.",
    "$$@$$",
    "**Answer:** $@$",
    "So we get \\(@\\).",
    "We simplify step by step.\n\nThe final answer is $\\boxed{@}$",
)
ANY = TEXT + MATH


class Builder:
    """Collects cases; each (gold, answer) pair once."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.cases: list[dict[str, object]] = []
        self.seen: set[tuple[str, str]] = set()
        self.count: dict[str, int] = {}

    def add(self, kind: str, gold: str, answer: str, label: bool, why: str) -> None:
        assert kind in KINDS, kind
        assert isinstance(label, bool)
        if (gold, answer) in self.seen:
            return
        self.seen.add((gold, answer))
        n = self.count.get(kind, 0) + 1
        self.count[kind] = n
        self.cases.append(
            {
                "id": f"{kind}-{n:03d}",
                "kind": kind,
                "gold": gold,
                "answer": answer,
                "label": label,
                "why": why,
            }
        )

    def wrapped(
        self,
        kind: str,
        gold: str,
        core: str,
        label: bool,
        why: str,
        wraps: tuple[str, ...] = ANY,
        times: int = 1,
    ) -> None:
        """Add `core` inside `times` different wrappers drawn from `wraps`."""
        for template in self.rng.sample(wraps, min(times, len(wraps))):
            self.add(kind, gold, template.replace("@", core), label, why)


# -- rendering helpers ----------------------------------------------------------------------


def plain(value: Fraction) -> str:
    """An integer, a terminating decimal, else `p/q`."""
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = 0
    while (value * 10**digits).denominator != 1:
        digits += 1
    scaled = abs(value.numerator) * 10**digits // value.denominator
    text = f"{scaled:0{digits + 1}d}"
    return ("-" if value < 0 else "") + f"{text[:-digits]}.{text[-digits:]}"


def terminating(value: Fraction) -> bool:
    return "/" not in plain(value)


def frac(value: Fraction, cmd: str = "frac") -> str:
    sign = "-" if value < 0 else ""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{sign}\\{cmd}{{{abs(value.numerator)}}}{{{value.denominator}}}"


def group(n: int, sep: str) -> str:
    """`n` with its thousands grouped by `sep`."""
    text = f"{abs(n):,}".replace(",", sep)
    return ("-" if n < 0 else "") + text


def change_digit(rng: random.Random, n: int) -> int:
    """`n` with one digit changed (never the leading digit to 0)."""
    digits = list(str(n))
    i = rng.randrange(len(digits))
    choices = [d for d in "0123456789" if d != digits[i] and not (i == 0 and d == "0")]
    digits[i] = rng.choice(choices)
    return int("".join(digits))


# -- structured answers ---------------------------------------------------------------------


def intervals(b: Builder) -> None:
    k = "interval"
    base = [
        ("1", "3", "(", ")"),
        ("1", "3", "[", "]"),
        ("-2", "5", "(", "]"),
        ("0", "1", "[", ")"),
        ("-3", "-1", "(", ")"),
        ("\\frac{1}{2}", "4", "[", ")"),
        ("-7", "2", "[", "]"),
        ("2", "9", "(", "]"),
    ]
    flip = {"(": "[", "[": "(", ")": "]", "]": ")"}
    for lo, hi, lb, rb in base:
        gold = f"{lb}{lo}, {hi}{rb}"
        b.wrapped(k, gold, gold, True, "the same interval", times=1)
        b.wrapped(k, gold, f"{lb}{lo},{hi}{rb}", True, "the same interval, no space", MATH)
        left = "\\left[" if lb == "[" else "\\left("
        right = "\\right]" if rb == "]" else "\\right)"
        b.wrapped(k, gold, f"{left} {lo}, {hi} {right}", True, "\\left/\\right brackets", MATH)
        lo_rel = "\\le" if lb == "[" else "<"
        hi_rel = "\\le" if rb == "]" else "<"
        b.wrapped(
            k, gold, f"{lo} {lo_rel} x {hi_rel} {hi}", True, "the same set as inequalities", MATH
        )
        b.wrapped(k, gold, f"x \\in {lb}{lo}, {hi}{rb}", True, "membership in the interval", MATH)
        b.wrapped(k, gold, f"{flip[lb]}{lo}, {hi}{rb}", False, "left bracket type differs", ANY, 2)
        b.wrapped(k, gold, f"{lb}{lo}, {hi}{flip[rb]}", False, "right bracket type differs")
        b.wrapped(k, gold, f"{flip[lb]}{lo}, {hi}{flip[rb]}", False, "both bracket types differ")
        wrong_lo = lo[1:] if lo.startswith("-") else ("-" + lo if lo != "0" else "-1")
        b.wrapped(k, gold, f"{lb}{wrong_lo}, {hi}{rb}", False, "lower endpoint differs")
        b.wrapped(k, gold, hi, False, "only the upper endpoint, not the interval", MATH)
        bad_rel = "<" if lb == "[" else "\\le"
        b.wrapped(
            k, gold, f"{lo} {bad_rel} x {hi_rel} {hi}", False, "inequality has the wrong strictness"
        )
    # Rays and the whole line.
    rays = [
        ("(-\\infty, 3]", ["x \\le 3", "(-\\infty,3]", "x \\leq 3"], ["(-\\infty, 3)", "x < 3"]),
        ("[2, \\infty)", ["x \\ge 2", "[2,\\infty)", "[2, ∞)"], ["(2, \\infty)", "x > 2"]),
        ("(-\\infty, -1)", ["x < -1", "(-∞, -1)"], ["(-\\infty, -1]", "(-\\infty, 1)", "x > -1"]),
        ("(0, \\infty)", ["x > 0", "(0,\\infty)"], ["[0, \\infty)", "x \\ge 0", "(0, 1)"]),
        ("(-\\infty, \\infty)", ["\\mathbb{R}", "(-∞, ∞)", "all real numbers"], ["(0, \\infty)"]),
        ("\\left[ \\frac{1}{2}, 4 \\right)", ["[0.5, 4)", "[1/2, 4)"], ["(0.5, 4)", "[0.5, 4]"]),
    ]
    for gold, rights, wrongs in rays:
        for r in rights:
            wraps = TEXT if "all" in r or not r.isascii() else MATH
            b.wrapped(k, gold, r, True, "the same set, another notation", wraps)
        for w in wrongs:
            b.wrapped(k, gold, w, False, "a different set (bracket or endpoint)", MATH)


def unions(b: Builder) -> None:
    k = "union"
    table = [
        (
            "(-\\infty, -2) \\cup (3, \\infty)",
            [
                "(-\\infty,-2)\\cup(3,\\infty)",
                "(3, \\infty) \\cup (-\\infty, -2)",
                "(-∞, -2) ∪ (3, ∞)",
                "x < -2 \\text{ or } x > 3",
                "\\mathbb{R} \\setminus [-2, 3]",
            ],
            [
                ("(-\\infty, -2]  \\cup (3, \\infty)", "one bracket differs"),
                ("(-\\infty, -2)", "only one piece"),
                ("(3, \\infty)", "only one piece"),
                ("(-\\infty, 2) \\cup (3, \\infty)", "an endpoint differs"),
                ("(-2, 3)", "the complement"),
                ("\\infty", "the last symbol only"),
                ("(-\\infty, -2) \\cap (3, \\infty)", "intersection (empty), not union"),
            ],
        ),
        (
            "[0, 1] \\cup [2, 3]",
            ["[0,1]\\cup[2,3]", "[2, 3] \\cup [0, 1]", "[0, 1] ∪ [2, 3]"],
            [
                ("[0, 3]", "the gap (1, 2) is missing"),
                ("(0, 1) \\cup (2, 3)", "open instead of closed"),
                ("[0, 1] \\cup (2, 3]", "one bracket differs"),
                ("[0, 1]", "only one piece"),
                ("3", "the last number only"),
            ],
        ),
        (
            "(-\\infty, 1] \\cup [4, \\infty)",
            [
                "(-\\infty,1]\\cup[4,\\infty)",
                "x \\le 1 \\text{ or } x \\ge 4",
                "[4, \\infty) \\cup (-\\infty, 1]",
                "\\mathbb{R} \\setminus (1, 4)",
            ],
            [
                ("(-\\infty, 1) \\cup (4, \\infty)", "open instead of closed ends"),
                ("[1, 4]", "the complement"),
                ("(-\\infty, 1] \\cup [-4, \\infty)", "an endpoint differs"),
                ("4", "the last number only"),
            ],
        ),
        (
            "(-3, -1) \\cup (1, 3)",
            ["(-3,-1)\\cup(1,3)", "(1, 3) \\cup (-3, -1)", "(-3, -1) ∪ (1, 3)"],
            [
                ("(-3, 3)", "includes [-1, 1]"),
                ("(1, 3)", "only one piece"),
                ("(-3, -1) \\cup (1, 3]", "one bracket differs"),
                ("(-3, 1) \\cup (1, 3)", "an endpoint differs"),
            ],
        ),
        (
            "(-\\infty, 0) \\cup (0, \\infty)",
            [
                "\\mathbb{R} \\setminus \\{0\\}",
                "x \\neq 0",
                "(-\\infty,0)\\cup(0,\\infty)",
                "(0, \\infty) \\cup (-\\infty, 0)",
            ],
            [
                ("(0, \\infty)", "only one piece"),
                ("(-\\infty, \\infty)", "includes 0"),
                ("(-\\infty, 0] \\cup (0, \\infty)", "includes 0"),
                ("0", "the excluded point, not the set"),
            ],
        ),
        (
            "[-5, -2) \\cup (2, 5]",
            ["[-5,-2)\\cup(2,5]", "(2, 5] \\cup [-5, -2)"],
            [
                ("[-5, -2] \\cup [2, 5]", "both inner brackets differ"),
                ("(-5, -2) \\cup (2, 5)", "both outer brackets differ"),
                ("[-5, 5]", "the gap is missing"),
                ("5", "the last number only"),
            ],
        ),
    ]
    for gold, rights, wrongs in table:
        for r in rights:
            b.wrapped(k, gold, r, True, "the same union of intervals", MATH, 2)
        for w, why in wrongs:
            b.wrapped(k, gold, w, False, why, MATH, 2)


def sets(b: Builder) -> None:
    k = "set"
    golds = [
        ["1", "2", "3"],
        ["-1", "0", "1"],
        ["2", "5"],
        ["\\frac{1}{2}", "3"],
        ["-3", "3"],
        ["0", "4", "8", "12"],
        ["-2", "7"],
    ]
    for elems in golds:
        gold = "\\{" + ", ".join(elems) + "\\}"
        perm = elems[::-1]
        b.wrapped(k, gold, gold, True, "the same set", MATH)
        b.wrapped(
            k, gold, "\\{" + ", ".join(perm) + "\\}", True, "same elements, other order", MATH
        )
        b.wrapped(k, gold, "{" + ", ".join(perm) + "}", True, "plain braces, other order", TEXT)
        b.wrapped(k, gold, "\\left\\{" + ",".join(elems) + "\\right\\}", True, "\\left\\{", MATH)
        b.wrapped(k, gold, ", ".join(perm), True, "the elements listed", TEXT)
        b.wrapped(k, gold, "\\{" + ", ".join(elems[:-1]) + "\\}", False, "an element missing", MATH)
        b.wrapped(k, gold, "\\{" + ", ".join([*elems, "10"]) + "\\}", False, "an extra element")
        last = elems[-1]
        changed = str(int(last) + 1) if last.lstrip("-").isdigit() else "-" + last
        b.wrapped(
            k, gold, "\\{" + ", ".join([*elems[:-1], changed]) + "\\}", False, "an element differs"
        )
        b.wrapped(k, gold, last, False, "one element, not the set", MATH)
    b.wrapped(k, "\\{1, 2, 3\\}", "6", False, "the sum, not the set", MATH)


def tuples(b: Builder) -> None:
    k = "tuple"
    golds = [
        ("1", "2"),
        ("3", "-4"),
        ("2", "3", "5"),
        ("-1", "\\frac{1}{2}"),
        ("0", "7"),
        ("6", "-1"),
        ("-2", "-5"),
        ("4", "0", "-3"),
    ]
    names = ("x", "y", "z")
    for coords in golds:
        gold = "(" + ", ".join(coords) + ")"
        b.wrapped(k, gold, gold, True, "the same tuple", ANY, 2)
        b.wrapped(k, gold, "(" + ",".join(coords) + ")", True, "no spaces", MATH)
        b.wrapped(k, gold, "\\left(" + ", ".join(coords) + "\\right)", True, "\\left(", MATH)
        named = ", ".join(f"{n} = {c}" for n, c in zip(names, coords, strict=False))
        b.wrapped(k, gold, named, True, "the coordinates named in order", MATH)
        swapped = (coords[1], coords[0], *coords[2:])
        b.wrapped(k, gold, "(" + ", ".join(swapped) + ")", False, "order differs", ANY, 2)
        c0 = coords[0]
        neg = c0[1:] if c0.startswith("-") else ("-" + c0 if c0 != "0" else "1")
        b.wrapped(k, gold, "(" + ", ".join((neg, *coords[1:])) + ")", False, "a coordinate differs")
        b.wrapped(k, gold, coords[-1], False, "the last coordinate only", MATH)
        b.wrapped(k, gold, "(" + ", ".join(coords[:-1]) + ")", False, "a coordinate missing", MATH)
        b.wrapped(
            k, gold, "\\{" + ", ".join(coords) + "\\}", False, "an unordered set, not a tuple"
        )
    b.wrapped(k, "(-1, \\frac{1}{2})", "(-1, 0.5)", True, "1/2 as a decimal", ANY, 2)
    b.wrapped(k, "(2, 3, 5)", "(2, 5, 3)", False, "order differs", MATH)


def plus_minus(b: Builder) -> None:
    k = "plus_minus"
    table = [
        (
            "1 \\pm \\sqrt{2}",
            [
                "1 + \\sqrt{2}, 1 - \\sqrt{2}",
                "1 - \\sqrt{2}, 1 + \\sqrt{2}",
                "x = 1 \\pm \\sqrt{2}",
                "1 \\mp \\sqrt{2}",
                "1\\pm\\sqrt2",
                "x = 1 + \\sqrt{2} \\text{ or } x = 1 - \\sqrt{2}",
            ],
            [
                ("1 + \\sqrt{2}", "only one of the two values"),
                ("-1 \\pm \\sqrt{2}", "the centre differs"),
                ("1 \\pm \\sqrt{3}", "the offset differs"),
                ("\\sqrt{2}", "the last term only"),
                ("1 \\pm 2", "the offset differs"),
            ],
        ),
        (
            "\\pm 3",
            ["3, -3", "-3, 3", "x = \\pm 3", "x = 3 \\text{ or } x = -3", "\\{-3, 3\\}", "±3"],
            [
                ("3", "only one of the two values"),
                ("-3", "only one of the two values"),
                ("\\pm 9", "a different pair"),
                ("\\pm \\sqrt{3}", "a different pair"),
            ],
        ),
        (
            "2 \\pm i",
            ["2 + i, 2 - i", "2 - i, 2 + i", "x = 2 \\pm i"],
            [("2 + i", "only one root"), ("-2 \\pm i", "the centre differs"), ("2", "real part")],
        ),
        (
            "\\frac{3 \\pm \\sqrt{5}}{2}",
            [
                "\\frac{3}{2} \\pm \\frac{\\sqrt{5}}{2}",
                "\\frac{3 + \\sqrt{5}}{2}, \\frac{3 - \\sqrt{5}}{2}",
                "x = \\frac{3\\pm\\sqrt{5}}{2}",
            ],
            [
                ("\\frac{3 + \\sqrt{5}}{2}", "only one root"),
                ("\\frac{-3 \\pm \\sqrt{5}}{2}", "the centre differs"),
                ("3 \\pm \\sqrt{5}", "not halved"),
                ("2", "the last number only"),
            ],
        ),
        (
            "\\pm \\frac{1}{2}",
            ["\\frac{1}{2}, -\\frac{1}{2}", "\\pm 0.5", "x = \\pm \\frac12", "±1/2"],
            [("\\frac{1}{2}", "only one value"), ("\\pm 2", "a different pair")],
        ),
        (
            "-1 \\pm \\sqrt{5}",
            ["-1 + \\sqrt{5}, -1 - \\sqrt{5}", "x = -1 \\pm \\sqrt{5}", "−1 ± √5"],
            [
                ("1 \\pm \\sqrt{5}", "the centre differs"),
                ("-1 + \\sqrt{5}", "only one root"),
                ("5", "the last number only"),
            ],
        ),
    ]
    for gold, rights, wrongs in table:
        for r in rights:
            wraps = TEXT if any(ord(c) > 127 for c in r) else MATH
            b.wrapped(k, gold, r, True, "the same pair of values", wraps, 2)
        for w, why in wrongs:
            b.wrapped(k, gold, w, False, why, MATH, 2)


def several_solutions(b: Builder) -> None:
    k = "several_solutions"
    table = [
        (["2", "3"], ["x = 2 \\text{ or } x = -2", "2, -3", "5"]),
        (["-2", "2"], ["4", "-4, 4"]),
        (["1", "-5"], ["x = -1 \\text{ or } x = 5", "-4"]),
        (["0", "1", "4"], ["0, 4", "1, 4", "5"]),
        (["-3", "\\frac{1}{2}"], ["3, -\\frac{1}{2}", "-\\frac{5}{2}"]),
        (["6", "7"], ["13", "42"]),
    ]
    for sols, wrong_answers in table:
        gold = ", ".join(sols)
        rev = sols[::-1]
        rights = [
            gold,
            " and ".join(sols) if len(sols) == 2 else ", ".join(sols[:-1]) + " and " + sols[-1],
            " \\text{ or } ".join(f"x = {s}" for s in sols),
            ", ".join(rev),
            ", ".join(f"x = {s}" for s in rev),
            "x \\in \\{" + ", ".join(sols) + "\\}",
            "\\{" + ", ".join(rev) + "\\}",
            ", ".join(f"x_{i + 1} = {s}" for i, s in enumerate(sols)),
        ]
        for r in rights:
            wraps = TEXT if " and " in r else MATH
            b.wrapped(k, gold, r, True, "the same solutions (order does not matter)", wraps)
        for s in sols:
            b.wrapped(k, gold, s, False, "only one of the solutions", ANY, 2)
        b.wrapped(k, gold, f"x = {sols[0]}", False, "only one of the solutions", MATH)
        b.wrapped(k, gold, ", ".join([*sols, "9"]), False, "an extra solution", MATH)
        for w in wrong_answers:
            b.wrapped(k, gold, w, False, "a different set of solutions", MATH)
    b.wrapped(k, "-2, 2", "x = 2 \\text{ or } x = -2", True, "both solutions", MATH, 2)
    b.wrapped(k, "-2, 2", "\\pm 2", True, "both solutions as ±", MATH, 2)
    b.wrapped(k, "-2, 2", "x^2 = 4", False, "the equation, not its solutions", MATH)


def equation_vs_value(b: Builder) -> None:
    k = "equation_vs_value"
    for v in ("9", "-4", "12", "\\frac{3}{2}", "0", "25"):
        b.wrapped(k, v, f"x = {v}", True, "x equals the gold value", ANY, 2)
        b.wrapped(k, v, f"{v} = x", True, "the gold value equals x", MATH)
        b.wrapped(k, v, f"x={v}", True, "x equals the gold value", MATH)
        if v != "0":  # x^2 = 0 and 2x = 0 have the gold as their only root
            b.wrapped(k, v, f"x^2 = {v}", False, "an equation for x^2, not the value of x", ANY, 2)
            b.wrapped(k, v, f"2x = {v}", False, "an equation for 2x; x is half of it", MATH)
        b.wrapped(k, v, f"x = {v} + 1", False, "x is one more than the gold", MATH)
    b.wrapped(k, "3", "x^2 = 9", False, "an unsolved equation with two roots", MATH, 2)
    b.wrapped(k, "81", "x^2 = 81", False, "x^2 = 81 means x = ±9", MATH)
    b.wrapped(k, "81", "x = 9", False, "9, not 81", MATH)
    table = [
        (
            "y = 2x + 3",
            ["y = 3 + 2x", "y=2x+3", "2x - y + 3 = 0", "y - 3 = 2x"],
            ["y = 2x - 3", "y = 3x + 2", "x = 2y + 3", "3", "2"],
        ),
        (
            "x = 5",
            ["x=5", "5 = x"],
            ["y = 5", "x = -5", "x^2 = 5"],
        ),
        (
            "x^2 + y^2 = 25",
            ["x^2+y^2=25", "y^2 + x^2 = 25", "x^2 + y^2 = 5^2"],
            ["x^2 + y^2 = 5", "25", "x + y = 25", "x^2 - y^2 = 25"],
        ),
        (
            "y = -x + 1",
            ["y = 1 - x", "x + y = 1", "y=-x+1"],
            ["y = x + 1", "y = -x - 1", "1"],
        ),
    ]
    for gold, rights, wrongs in table:
        for r in rights:
            b.wrapped(k, gold, r, True, "the same equation", MATH, 2)
        for w in wrongs:
            b.wrapped(k, gold, w, False, "a different equation or only a number", MATH, 2)


# -- which number is the answer --------------------------------------------------------------


def marked_answer(b: Builder) -> None:
    k = "marked_answer"
    rng = b.rng
    for _ in range(8):
        a = rng.randrange(2, 60) * 2
        half, other, dbl = a // 2, a + rng.randrange(3, 30), 2 * a
        cases = [
            (f"The answer is {a}. Check: {a} / 2 = {half}", [str(half)]),
            (f"Result: {a}\nConfidence: 95%", ["95"]),
            (f"{a}, not {other}", [str(other)]),
            (f"Final answer: {a}\n\n(This took me 3 attempts.)", ["3"]),
            (f"\\boxed{{{a}}}\n\nVerification: {a} \\times 2 = {dbl}.", [str(dbl)]),
            (
                f"Let's try {other}: that fails. Trying {a}: it works. The answer is {a}.",
                [str(other)],
            ),
            (
                f"**Answer:** {a}\n\nNote: if the rate doubled, the total would be {dbl}.",
                [str(dbl)],
            ),
            (f"Answer: {a}. The other root, {-other}, is extraneous.", [str(-other)]),
            (f"The answer is {a} apples; Tom keeps {other} for later.", [str(other)]),
            (
                f"Final answer: $\\boxed{{{a}}}$. (Sanity check: {half} + {half} = {a}.)",
                [str(half)],
            ),
        ]
        for text, distractors in rng.sample(cases, 4):
            b.add(k, str(a), text, True, "the marked answer is the gold; later numbers are a check")
            for d in distractors:
                b.add(k, d, text, False, f"{d} appears only in a check/remark; the answer is {a}")


def boxed_conflict(b: Builder) -> None:
    k = "boxed_conflict"
    rng = b.rng
    for _ in range(7):
        x = rng.randrange(2, 40)
        y = x + rng.randrange(1, 20)
        texts = [
            f"First attempt: \\boxed{{{x}}}. Second approach: \\boxed{{{y}}}.",
            f"The answer is \\boxed{{{x}}} or \\boxed{{{y}}}.",
            f"Answer: \\boxed{{{y}}}\n\nAnswer: \\boxed{{{x}}}",
            f"\\boxed{{{x}}}\n\nThe answer is {y}.",
        ]
        text = rng.choice(texts)
        b.add(k, str(x), text, False, "two final answers disagree: no single answer is stated")
        b.add(k, str(y), text, False, "two final answers disagree: no single answer is stated")
        same = rng.choice(
            [
                f"We get \\boxed{{{x}}}. Double-checking, the answer is again \\boxed{{{x}}}.",
                f"\\boxed{{{x}}}\n\nFinal answer: \\boxed{{{x}}}",
                f"So \\boxed{{{x}}}, i.e. $\\boxed{{{x}.0}}$.",
            ]
        )
        b.add(k, str(x), same, True, "every boxed answer agrees on the gold")
        b.add(
            k,
            str(y),
            f"\\boxed{{{y}}}\n\nSo the answer is {y}.",
            True,
            "the boxed and the stated answer agree",
        )
        b.add(k, str(y), same, False, "the boxed answers agree on another value")
    agree = [
        ("\\frac{1}{2}", "\\boxed{0.5}, that is, \\boxed{\\frac{1}{2}}."),
        ("\\frac{3}{4}", "\\boxed{\\frac{3}{4}} (equivalently \\boxed{0.75})"),
        ("1000", "\\boxed{1000} written with a separator: \\boxed{1{,}000}"),
    ]
    for gold, text in agree:
        b.add(k, gold, text, True, "two boxes, the same value")
    disagree = [
        ("\\frac{1}{2}", "\\boxed{\\frac{1}{2}} ... or rather \\boxed{\\frac{1}{3}}"),
        ("\\frac{1}{3}", "\\boxed{\\frac{1}{2}} ... or rather \\boxed{\\frac{1}{3}}"),
        ("7", "The answer is \\boxed{7}. Hmm, maybe \\boxed{8}."),
        ("8", "The answer is \\boxed{7}. Hmm, maybe \\boxed{8}."),
        ("(1, 2)", "\\boxed{(1, 2)} or \\boxed{(2, 1)}"),
        ("12", "\\boxed{12}\n\\boxed{21}"),
    ]
    for gold, text in disagree:
        b.add(k, gold, text, False, "boxed answers disagree: no single final answer")


# -- tolerance -------------------------------------------------------------------------------


def tiny_values(b: Builder) -> None:
    k = "tiny_values"
    table = [
        (
            "1e-10",
            ["10^{-10}", "1 \\times 10^{-10}", "0.0000000001", "1.0 \\times 10^{-10}", "1e-10"],
            ["0", "1e-9", "1e-11", "-1e-10", "10^{-9}", "0.000000001"],
        ),
        (
            "0",
            ["0", "0.0", "-0", "0.00", "0 \\text{ m}"],
            ["1e-320", "10^{-12}", "0.000001", "1e-15", "-1e-300", "10^{-100}"],
        ),
        (
            "2.5 \\times 10^{-7}",
            ["0.00000025", "2.5e-7", "25 \\times 10^{-8}", "2.5 \\cdot 10^{-7}"],
            ["2.5e-6", "2.5 \\times 10^{7}", "0", "2.4 \\times 10^{-7}", "0.0000025"],
        ),
        (
            "1.6 \\times 10^{-19}",
            ["1.6e-19", "1.6 \\cdot 10^{-19}", "16 \\times 10^{-20}"],
            ["0", "1.6e-18", "-1.6e-19", "1.6 \\times 10^{19}"],
        ),
        (
            "0.00003",
            ["3 \\times 10^{-5}", "3e-05", "0.000030", "3 \\cdot 10^{-5}"],
            ["0.0003", "0", "3 \\times 10^{-6}", "0.00002"],
        ),
        (
            "0.001",
            ["10^{-3}", "1e-3", "0.0010", "\\frac{1}{1000}"],
            ["0.01", "0", "0.0001", "0.002"],
        ),
        (
            "1e-300",
            ["1 \\times 10^{-300}", "10^{-300}"],
            ["0", "1e-299", "1e-301"],
        ),
        (
            "5 \\times 10^{-12}",
            ["5e-12", "0.000000000005"],
            ["0", "5e-13", "5e-11", "-5e-12"],
        ),
    ]
    for gold, rights, wrongs in table:
        for r in rights:
            b.wrapped(k, gold, r, True, "the same value", ANY, 2)
        for w in wrongs:
            b.wrapped(k, gold, w, False, "a different value, however small the difference", ANY, 2)


def near_miss(b: Builder) -> None:
    k = "near_miss"
    table = [
        (
            "72",
            ["72.0", "72.000", "72.00000", "72"],
            ["71.9999999999", "72.0000000001", "71.99", "72.5", "71.999999"],
        ),
        (
            "\\frac{1}{3}",
            ["\\frac{2}{6}", "0.\\overline{3}", "1/3", "\\dfrac{1}{3}"],
            ["0.333", "0.3333333333", "0.33", "0.3334"],
        ),
        (
            "\\frac{2}{3}",
            ["0.\\overline{6}", "4/6", "\\frac{2}{3}"],
            ["0.667", "0.6666666667", "0.67", "0.666"],
        ),
        (
            "100",
            ["100.0", "10^2", "1e2", "100.00"],
            ["99.99999999", "99.999", "100.00001", "100.1"],
        ),
        (
            "\\sqrt{2}",
            ["\\sqrt{2}", "2^{1/2}", "\\frac{2}{\\sqrt{2}}", "\\sqrt 2"],
            ["1.41421356", "1.414", "\\sqrt{3}", "1.4142135623"],
        ),
        (
            "\\pi",
            ["\\pi", "π"],
            ["3.14159", "3.14", "\\frac{22}{7}", "3.1415926536"],
        ),
        (
            "0.1",
            ["\\frac{1}{10}", "0.10", "1/10"],
            ["0.1000000001", "0.09999999999", "0.11", "0.01"],
        ),
        (
            "1000000",
            ["10^6", "1,000,000", "1e6", "1000000.0"],
            ["999999.9999", "1000001", "999999", "1000000.5"],
        ),
        ("3.5", ["3.50", "7/2", "\\frac{7}{2}"], ["3.4999999", "3.5000001", "3.49", "3.6"]),
        ("-8", ["-8.0", "-8.00"], ["-7.99999999", "-8.00000001", "-7.9"]),
        ("12.5", ["\\frac{25}{2}", "12.50"], ["12.49999999", "12.500001", "12.4"]),
        ("1", ["1.0", "\\frac{5}{5}"], ["0.9999999999", "1.0000000001", "0.99"]),
    ]
    for gold, rights, wrongs in table:
        for r in rights:
            b.wrapped(k, gold, r, True, "the same exact value", ANY, 2)
        for w in wrongs:
            b.wrapped(k, gold, w, False, "close to the exact gold but not equal", ANY, 2)


# -- notation --------------------------------------------------------------------------------

THIN = "\u2009"
NNBSP = "\u202f"
NBSP = "\u00a0"


def thousands_space(b: Builder) -> None:
    k = "thousands_space"
    rng = b.rng
    for gold, rights, wrongs in [
        ("7654321", ["7 654 321", "7\\,654\\,321", "7,654,321"], ["7 654 322", "654 321", "321"]),
        ("4321", ["4\\,321", "4 321", "4{,}321"], ["4\\,312", "321", "4"]),
        ("12345", ["12 345", "12\\,345"], ["345", "12 354"]),
        ("1234567.5", ["1 234 567.5", "1\\,234\\,567.5"], ["567.5", "1 234 567"]),
    ]:
        for r in rights:
            b.wrapped(k, gold, r, True, "thousands grouped: the same number", ANY, 2)
        for w in wrongs:
            b.wrapped(k, gold, w, False, "a different number", ANY, 2)
    seps = [(" ", ANY), (THIN, TEXT), (NNBSP, TEXT), (NBSP, TEXT), ("\\,", MATH), ("\\ ", MATH)]
    for _ in range(22):
        n = rng.choice([rng.randrange(1000, 100_000), rng.randrange(100_000, 100_000_000)])
        if rng.random() < 0.2:
            n = -n
        sep, wraps = rng.choice(seps)
        b.wrapped(
            k, str(n), group(n, sep), True, "thousands grouped by a space: the same number", wraps
        )
        wrong = change_digit(rng, abs(n)) * (-1 if n < 0 else 1)
        sep, wraps = rng.choice(seps)
        b.wrapped(k, str(n), group(wrong, sep), False, "one digit differs", wraps)
        last_group = str(abs(n))[-3:].lstrip("0") or "0"
        if rng.random() < 0.5 and int(last_group) != abs(n):
            b.wrapped(k, str(n), last_group, False, "the last group only", TEXT)


VULGAR = {
    Fraction(1, 2): "½",
    Fraction(1, 4): "¼",
    Fraction(3, 4): "¾",
    Fraction(1, 3): "⅓",
    Fraction(2, 3): "⅔",
    Fraction(1, 8): "⅛",
    Fraction(3, 8): "⅜",
    Fraction(1, 5): "⅕",
}


def mixed_number(b: Builder) -> None:
    k = "mixed_number"
    rng = b.rng
    fracs = [*VULGAR, Fraction(2, 5), Fraction(5, 6), Fraction(3, 7)]
    for _ in range(24):
        w = rng.randrange(1, 10)
        f = rng.choice(fracs)
        value = w + f
        neg = rng.random() < 0.2
        sign = "-" if neg else ""
        v = -value if neg else value
        gold = rng.choice([frac(v), f"{v.numerator}/{v.denominator}", plain(v)])
        n, d = f.numerator, f.denominator
        form = rng.randrange(4)
        rights = [
            (f"{sign}{w} {n}/{d}", "a mixed number: w + n/d", TEXT),
            (f"{sign}{w}\\frac{{{n}}}{{{d}}}", "a LaTeX mixed number", MATH),
            (f"{sign}{w} \\frac{{{n}}}{{{d}}}", "a LaTeX mixed number", MATH),
        ]
        if f in VULGAR:
            rights.append((f"{sign}{w}{VULGAR[f]}", "a unicode mixed number", TEXT))
        for core, why, wraps in rng.sample(rights, 3):
            b.wrapped(k, gold, core, True, why, wraps)
        # What a careless reader takes: the product, the concatenation, the fraction alone.
        product = w * f
        concat = Fraction(int(f"{w}{n}"), d)
        for wrong_v, why in [
            (product, "read as a product w·n/d; the mixed number is w + n/d"),
            (concat, "digits run together; the mixed number is w + n/d"),
            (f, "the fractional part alone"),
            (value + 1, "the whole part is off by one"),
        ]:
            if wrong_v == value:
                continue
            wrong_v = -wrong_v if neg else wrong_v
            g = frac(wrong_v)
            form = rng.randrange(3)
            if form == 0:
                b.wrapped(k, g, f"{sign}{w} {n}/{d}", False, why, TEXT)
            elif form == 1:
                b.wrapped(k, g, f"{sign}{w}\\frac{{{n}}}{{{d}}}", False, why, MATH)
            elif f in VULGAR:
                b.wrapped(k, g, f"{sign}{w}{VULGAR[f]}", False, why, TEXT)
    b.wrapped(k, "\\frac{3}{2}", "1 and 1/2", True, "one and a half", TEXT)
    b.wrapped(k, "\\frac{3}{2}", "1½", True, "one and a half", TEXT, 2)
    b.wrapped(k, "\\frac{9}{4}", "2\\frac{1}{4}", True, "two and a quarter", MATH, 2)
    b.wrapped(k, "\\frac{1}{2}", "2\\frac{1}{4}", False, "9/4, not 2·1/4", MATH)
    b.wrapped(k, "\\frac{11}{2}", "1 1/2", False, "3/2, not 11/2", TEXT)


SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def superscript(b: Builder) -> None:
    k = "superscript"
    rng = b.rng
    pairs = set()
    while len(pairs) < 20:
        base, exp = rng.randrange(2, 13), rng.randrange(2, 8)
        if base**exp > 10**9:
            continue
        pairs.add((base, exp))
    for base, exp in sorted(pairs):
        text = f"{base}{str(exp).translate(SUP)}"
        value = base**exp
        b.wrapped(k, str(value), text, True, f"{base} to the power {exp}", TEXT)
        concat = int(f"{base}{exp}")
        if concat != value:
            b.wrapped(k, str(concat), text, False, f"a superscript, not the digits {concat}", TEXT)
        if base * exp != value and rng.random() < 0.5:
            b.wrapped(k, str(base * exp), text, False, "a power, not a product", TEXT)
    table = [
        ("1000", "10³", True),
        ("103", "10³", False),
        ("x^2", "x²", True),
        ("2x", "x²", False),
        ("x^2 + 1", "x² + 1", True),
        ("2x + 1", "x² + 1", False),
        ("3x^2 + 1", "3x² + 1", True),
        ("3x^3 + 1", "3x² + 1", False),
        ("(x+1)^2", "(x+1)²", True),
        ("x^2 + 2x + 1", "(x + 1)²", True),
        ("2(x+1)", "(x+1)²", False),
        ("x^4", "x⁴", True),
        ("4x", "x⁴", False),
        ("\\frac{1}{8}", "2⁻³", True),
        ("-8", "2⁻³", False),
        ("0.001", "10⁻³", True),
        ("10^{-3}", "10⁻³", True),
        ("-30", "10⁻³", False),
        ("1000000", "10⁶", True),
        ("106", "10⁶", False),
        ("e^2", "e²", True),
        ("2e", "e²", False),
        ("a^2 + b^2", "a² + b²", True),
        ("2a + 2b", "a² + b²", False),
        ("1024", "2¹⁰", True),
        ("210", "2¹⁰", False),
    ]
    for gold, answer, label in table:
        b.wrapped(k, gold, answer, label, "superscripts are exponents", TEXT, 2)


MINUSES = [
    ("\u2212", "U+2212 minus sign"),
    ("\u2013", "en dash"),
    ("\ufe63", "small hyphen-minus"),
    ("\uff0d", "fullwidth hyphen-minus"),
]


def minus_sign(b: Builder) -> None:
    k = "minus_sign"
    rng = b.rng
    for i in range(26):
        kind = rng.randrange(3)
        if kind == 0:
            v = Fraction(rng.randrange(1, 500))
        elif kind == 1:
            v = Fraction(rng.randrange(1, 9999), 100)
        else:
            v = Fraction(rng.randrange(1, 12), rng.randrange(2, 13))
            if v.denominator == 1:
                v += Fraction(1, 7)
        mark, name = MINUSES[0] if i % 2 == 0 else rng.choice(MINUSES)
        body = plain(v)
        gold = "-" + (frac(v) if "/" in body else body)
        b.wrapped(k, gold, mark + body, True, f"the same negative number ({name})", TEXT)
        b.wrapped(k, gold[1:], mark + body, False, f"negative ({name}); the gold is positive", TEXT)
        if rng.random() < 0.5:
            b.wrapped(k, gold, body, False, "the sign is missing", TEXT)
        else:
            b.wrapped(
                k, gold, f"x = {mark}{body}", True, f"x equals the negative gold ({name})", TEXT
            )
    table = [
        ("−5", "-5", True, "ASCII minus against a unicode-minus gold"),
        ("−5", "5", False, "sign differs"),
        ("-\\frac{1}{2}", "−\\frac{1}{2}", True, "unicode minus before \\frac"),
        ("-\\frac{1}{2}", "\\frac{1}{2}", False, "sign differs"),
        ("-3", "x = −3", True, "unicode minus"),
        ("3", "x = −3", False, "sign differs"),
        ("-0.25", "–0.25", True, "en dash as a minus"),
        ("0.25", "–0.25", False, "en dash as a minus: negative"),
        ("-12", "−12", True, "unicode minus"),
        ("-12", "−21", False, "a different number"),
    ]
    for gold, answer, label, why in table:
        b.wrapped(k, gold, answer, label, why, TEXT, 2)


def log(b: Builder) -> None:
    k = "log"
    combos = [(2, 3), (2, 5), (3, 4), (10, 3), (5, 3), (4, 3), (2, 10), (3, 2), (10, 2), (7, 2)]
    for base, exp in combos:
        arg = base**exp
        # `\\log_10` would be log base 1 of 0...: bare subscripts only for one-digit bases.
        bare = f"\\log_{base} {arg}" if base < 10 else f"\\log_{{{base}}}{arg}"
        forms = [bare, f"\\log_{{{base}}} {arg}", f"\\log_{{{base}}}({arg})"]
        for form in forms[:2]:
            b.wrapped(k, str(exp), form, True, f"{base}^{exp} = {arg}", MATH)
        b.wrapped(k, str(arg), forms[2], False, f"the logarithm is {exp}, not its argument", MATH)
        b.wrapped(k, str(base), forms[0], False, f"the logarithm is {exp}, not its base", MATH)
        concat = f"{base}{arg}"
        b.wrapped(k, concat, forms[0], False, f"the logarithm is {exp}", MATH)
    table = [
        ("3", "\\ln(e^3)", True, "ln e^3 = 3"),
        ("-2", "\\log_2 \\frac{1}{4}", True, "2^-2 = 1/4"),
        ("4", "\\log_2 \\frac{1}{4}", False, "the logarithm is -2"),
        ("\\frac{1}{2}", "\\log_4 2", True, "4^(1/2) = 2"),
        ("2", "\\log_4 2", False, "the logarithm is 1/2"),
        ("\\frac{1}{2}", "\\log_9 3", True, "9^(1/2) = 3"),
        ("\\log_2 5", "\\frac{\\ln 5}{\\ln 2}", True, "change of base"),
        ("\\log_2 5", "\\log_5 2", False, "the reciprocal"),
        ("\\log_2 5", "2.321928", False, "a rounded approximation of an exact gold"),
        ("\\log_2 8", "3", True, "log_2 8 = 3"),
        ("\\log_2 8", "8", False, "log_2 8 = 3"),
        ("3", "log2(8)", True, "log base 2 of 8"),
        ("0", "\\log_7 1", True, "log of 1 is 0"),
        ("1", "\\log_7 1", False, "log of 1 is 0"),
    ]
    for gold, answer, label, why in table:
        b.wrapped(k, gold, answer, label, why, TEXT if "log2(" in answer else MATH, 2)


def binom(b: Builder) -> None:
    k = "binom"
    combos = [
        (5, 2),
        (10, 3),
        (6, 3),
        (7, 2),
        (8, 4),
        (9, 1),
        (12, 5),
        (4, 2),
        (15, 2),
        (20, 3),
        (6, 0),
        (7, 7),
    ]
    templates = ["\\binom{%d}{%d}", "\\dbinom{%d}{%d}", "{%d \\choose %d}", "\\tbinom{%d}{%d}"]
    for i, (n, r) in enumerate(combos):
        value = math.comb(n, r)
        t = templates[i % len(templates)]
        b.wrapped(k, str(value), t % (n, r), True, f"C({n},{r}) = {value}", MATH, 2)
        for wrong, why in [
            (n, "the top number"),
            (r, "the bottom number"),
            (int(f"{n}{r}"), "the digits run together"),
            (math.perm(n, r), "permutations, not combinations"),
        ]:
            if wrong != value:
                b.wrapped(k, str(wrong), t % (n, r), False, f"{why}; C({n},{r}) = {value}", MATH)
    b.wrapped(k, "10", "\\binom52", True, "TeX shorthand \\binom52 = C(5,2)", MATH)
    b.wrapped(k, "\\binom{5}{2}", "10", True, "C(5,2) = 10", ANY, 2)
    b.wrapped(k, "\\binom{5}{2}", "20", False, "C(5,2) = 10", ANY)


def factorial(b: Builder) -> None:
    k = "factorial"
    for n in range(0, 11):
        value = math.factorial(n)
        b.wrapped(k, str(value), f"{n}!", True, f"{n}! = {value}", MATH, 2)
        if value != n:
            b.wrapped(k, str(n), f"{n}!", False, f"{n}! = {value}, not {n}", MATH, 2)
        if n >= 3:
            b.wrapped(k, str(value), f"{n}! = {value}", True, "factorial and its value", MATH)
    table = [
        ("30", "\\frac{6!}{4!}", True, "720/24 = 30"),
        ("\\frac{3}{2}", "\\frac{6!}{4!}", False, "720/24 = 30, not 6/4"),
        ("30", "6!/4!", True, "720/24 = 30"),
        ("12", "2 \\cdot 3!", True, "2·6 = 12"),
        ("6", "2 \\cdot 3!", False, "2·6 = 12"),
        ("720", "(3!)!", True, "6! = 720"),
        ("6", "(3!)!", False, "(3!)! = 720"),
        ("3628800", "10!", True, "10! = 3628800"),
        ("1", "0!", True, "0! = 1"),
        ("0", "0!", False, "0! = 1"),
        ("\\frac{1}{6}", "\\frac{1}{3!}", True, "1/6"),
        ("\\frac{1}{3}", "\\frac{1}{3!}", False, "1/3! = 1/6"),
    ]
    for gold, answer, label, why in table:
        b.wrapped(k, gold, answer, label, why, MATH, 2)


def trig(b: Builder) -> None:
    k = "trig"
    table = [
        ("\\cos(\\pi/3)", "\\frac{1}{2}", ["3", "\\frac{\\sqrt{3}}{2}", "\\pi/3"]),
        ("\\cos\\frac{\\pi}{3}", "0.5", ["3", "-0.5"]),
        ("\\sin(\\pi/6)", "\\frac{1}{2}", ["6", "\\frac{\\sqrt{3}}{2}"]),
        ("\\tan(\\pi/4)", "1", ["4", "0"]),
        ("\\cos(\\pi)", "-1", ["1", "0"]),
        ("\\sin(\\pi/2)", "1", ["2", "0"]),
        ("\\cos(0)", "1", ["0"]),
        ("\\sin(\\pi/3)", "\\frac{\\sqrt{3}}{2}", ["\\frac{1}{2}", "3"]),
        ("\\cos(2\\pi/3)", "-\\frac{1}{2}", ["\\frac{1}{2}", "3"]),
        ("\\tan(\\pi/3)", "\\sqrt{3}", ["3", "\\frac{\\sqrt{3}}{3}"]),
        ("\\sin 30^\\circ", "\\frac{1}{2}", ["30", "\\frac{\\sqrt{3}}{2}"]),
        ("\\cos 60^{\\circ}", "\\frac{1}{2}", ["60"]),
        ("\\cos 45^\\circ", "\\frac{\\sqrt{2}}{2}", ["45", "\\frac{1}{2}"]),
        ("\\cos(\\pi/4)", "\\frac{1}{\\sqrt{2}}", ["4", "\\frac{1}{2}"]),
        ("\\sin(\\pi)", "0", ["1", "-1"]),
        ("\\cos(\\pi/6)", "\\frac{\\sqrt{3}}{2}", ["\\frac{1}{2}", "6"]),
        ("\\arccos(1/2)", "\\frac{\\pi}{3}", ["\\frac{\\pi}{6}", "2"]),
        ("\\sin^2(x) + \\cos^2(x)", "1", ["2", "0"]),
        ("\\tan(0)", "0", ["1"]),
        ("\\sec(\\pi/3)", "2", ["3", "\\frac{1}{2}"]),
    ]
    for expr, value, wrongs in table:
        b.wrapped(k, value, expr, True, f"{expr} = {value}", MATH, 2)
        for w in wrongs:
            b.wrapped(k, w, expr, False, f"{expr} = {value}", MATH)
    b.wrapped(k, "\\frac{1}{2}", "cos(pi/3)", True, "cos(π/3) = 1/2", TEXT)
    b.wrapped(k, "3", "cos(pi/3)", False, "cos(π/3) = 1/2", TEXT)
    b.wrapped(k, "\\cos(\\pi/3)", "\\frac{1}{2}", True, "cos(π/3) = 1/2", MATH)
    b.wrapped(k, "\\cos(\\pi/3)", "\\frac{\\sqrt{3}}{2}", False, "cos(π/3) = 1/2", MATH)


def infinity(b: Builder) -> None:
    k = "infinity"
    pos_right = [
        ("\\infty", MATH),
        ("∞", TEXT),
        ("infinity", TEXT),
        ("+\\infty", MATH),
        ("Infinity", TEXT),
        ("+∞", TEXT),
        ("\\infty", TEXT),
    ]
    pos_wrong = [
        ("-\\infty", MATH),
        ("−∞", TEXT),
        ("0", ANY),
        ("999999", ANY),
        ("1e308", TEXT),
        ("undefined", TEXT),
        ("does not exist", TEXT),
        ("1", ANY),
    ]
    neg_right = [
        ("-\\infty", MATH),
        ("−∞", TEXT),
        ("-∞", TEXT),
        ("negative infinity", TEXT),
        ("-infinity", TEXT),
    ]
    neg_wrong = [("\\infty", MATH), ("∞", TEXT), ("0", ANY), ("-999999", ANY), ("infinity", TEXT)]
    for gold in ("\\infty", "∞", "infinity", "+\\infty"):
        for a, wraps in pos_right:
            b.wrapped(k, gold, a, True, "positive infinity", wraps)
        for a, wraps in pos_wrong:
            b.wrapped(k, gold, a, False, "not positive infinity", wraps)
    for gold in ("-\\infty", "−∞", "-infinity"):
        for a, wraps in neg_right:
            b.wrapped(k, gold, a, True, "negative infinity", wraps)
        for a, wraps in neg_wrong:
            b.wrapped(k, gold, a, False, "not negative infinity", wraps)


def emptyset(b: Builder) -> None:
    k = "emptyset"
    rights = [
        ("\\emptyset", MATH),
        ("\\varnothing", MATH),
        ("∅", TEXT),
        ("\\{\\}", MATH),
        ("\\{ \\}", MATH),
        ("{}", TEXT),
        ("There are no solutions.", ("@",)),
        ("no solution", TEXT),
    ]
    wrongs = [
        ("0", ANY),
        ("\\{0\\}", MATH),
        ("\\{\\emptyset\\}", MATH),
        ("\\mathbb{R}", MATH),
        ("1", ANY),
        ("\\{1\\}", MATH),
    ]
    for gold in ("\\emptyset", "\\varnothing", "∅", "\\{\\}"):
        for a, wraps in rights:
            b.wrapped(k, gold, a, True, "the empty set", wraps)
        for a, wraps in wrongs:
            b.wrapped(k, gold, a, False, "not the empty set", wraps)


def percent(b: Builder) -> None:
    k = "percent"
    rng = b.rng
    values = [
        Fraction(20),
        Fraction(25, 2),
        Fraction(1, 2),
        Fraction(75),
        Fraction(3, 10),
        Fraction(150),
        Fraction(5),
        Fraction(66),
        Fraction(1, 4),
        Fraction(40),
    ]
    for v in values:
        p = plain(v)
        gold = f"{p}\\%"
        rights = [
            (f"{p}%", TEXT),
            (f"{p}\\%", MATH),
            (f"{p} percent", TEXT),
            (f"{p}\\,\\%", MATH),
            (f"{p} %", TEXT),
        ]
        for a, wraps in rng.sample(rights, 3):
            b.wrapped(k, gold, a, True, "the same percentage", wraps)
        wrongs = [
            (v / 100, "a hundred times smaller"),
            (v * 10, "ten times larger"),
            (v / 10, "ten times smaller"),
            (v + 1, "off by one percent"),
        ]
        for w, why in rng.sample(wrongs, 3):
            wraps = rng.choice([TEXT, MATH])
            a = f"{plain(w)}%" if wraps is TEXT else f"{plain(w)}\\%"
            b.wrapped(k, gold, a, False, why, wraps)
    # A decimal gold against a percentage answer: 20% is 0.2.
    for v in (Fraction(1, 5), Fraction(3, 4), Fraction(1, 20), Fraction(9, 10)):
        gold = plain(v)
        b.wrapped(k, gold, f"{plain(v * 100)}\\%", True, "the same value as a percentage", MATH)
        b.wrapped(k, gold, f"{gold}\\%", False, f"{gold}% is {plain(v / 100)}", MATH)
    b.wrapped(k, "20\\%", "0.2\\%", False, "0.2% is a hundred times smaller", ANY, 2)


def units(b: Builder) -> None:
    k = "units"
    table = [
        (
            "12 cm",
            [
                "12 cm",
                "12 \\text{ cm}",
                "12\\,\\mathrm{cm}",
                "120 mm",
                "0.12 m",
                "12 centimeters",
                "12",
            ],
            ["12 mm", "12 m", "12 km", "1.2 cm", "120 cm"],
        ),
        ("5 kg", ["5000 g", "5 kilograms", "5\\text{ kg}"], ["5 g", "5000 kg", "50 kg", "5 mg"]),
        ("3 hours", ["180 minutes", "180 min", "10800 s", "3 h"], ["3 minutes", "3 s", "30 hours"]),
        ("2 km", ["2000 m", "2 \\text{km}", "2 kilometers"], ["2 m", "2000 km", "200 m"]),
        ("1.5 L", ["1500 mL", "1.5 liters"], ["1.5 mL", "15 L", "150 mL"]),
        ("60 km/h", ["60 km/h", "60 kilometers per hour"], ["60 m/s", "60 m/h"]),
        ("250 mL", ["0.25 L", "250 \\text{ mL}"], ["250 L", "2.5 L"]),
        ("\\$15", ["15 dollars", "\\$15.00", "$15"], ["15 cents", "\\$1.50"]),
        ("45^\\circ", ["45 degrees", "45°", "\\frac{\\pi}{4}"], ["45 radians", "90^\\circ"]),
        ("90 seconds", ["1.5 minutes", "90 s"], ["90 minutes", "1.5 seconds"]),
        ("3 m^2", ["30000 cm^2", "3 \\text{ m}^2"], ["300 cm^2", "3 cm^2", "3 m"]),
        ("1 m^3", ["1000 L", "1 \\text{ m}^3"], ["1000 cm^3", "1 L"]),
        ("500 mg", ["0.5 g", "500 milligrams"], ["500 g", "5 g"]),
    ]
    for gold, rights, wrongs in table:
        for a in rights:
            # Unit words and bare units read as text; only LaTeX-marked units go in $...$.
            wraps = MATH if "\\" in a else TEXT
            why = (
                "the gold value, unit omitted"
                if a.replace(".", "").isdigit()
                else ("the same quantity")
            )
            b.wrapped(k, gold, a, True, why, wraps)
        for a in wrongs:
            wraps = MATH if "\\" in a else TEXT
            b.wrapped(k, gold, a, False, "a different quantity (unit or magnitude)", wraps)


# -- ordinary answers ------------------------------------------------------------------------


def ordinary_integer(b: Builder) -> None:
    k = "ordinary_integer"
    rng = b.rng
    for _ in range(40):
        band = rng.randrange(4)
        v = [
            rng.randrange(0, 100),
            rng.randrange(100, 10_000),
            rng.randrange(10_000, 10**9),
            -rng.randrange(1, 1000),
        ][band]
        forms = [
            (str(v), ANY),
            (f"{v}.0", ANY),
            (f"x = {v}", MATH),
            (f"{v} apples", TEXT),
            (f"\\textbf{{{v}}}", MATH),
            (f"**{v}**", TEXT),
            (f"{v}\\text{{ dollars}}", MATH),
        ]
        if abs(v) >= 1000:
            forms.append((f"{v:,}", ANY))
        if v > 0:
            forms.append((f"+{v}", TEXT))
        core, wraps = rng.choice(forms)
        b.wrapped(k, str(v), core, True, "the gold integer", wraps)
        w = v + rng.choice([-1, 1, 10, -10])
        b.add(
            k,
            str(v),
            f"It is not {w}; the answer is {v}.",
            True,
            "the final answer is the gold; the other number is rejected",
        )
        wrongs = [(v + 1, "off by one"), (v - 1, "off by one"), (10 * v, "ten times larger")]
        if v != 0:
            wrongs.append((-v, "sign differs"))
        rev = int(str(abs(v))[::-1]) * (1 if v >= 0 else -1)
        if rev != v:
            wrongs.append((rev, "digits reversed"))
        for wrong, why in rng.sample(wrongs, 1):
            if wrong != v:
                b.wrapped(k, str(v), str(wrong), False, why, ANY)
        b.add(k, str(v), f"It is not {v}; the answer is {w}.", False, "the gold is rejected")


def ordinary_fraction(b: Builder) -> None:
    k = "ordinary_fraction"
    rng = b.rng
    for _ in range(34):
        q = rng.randrange(2, 13)
        p = rng.randrange(1, 3 * q)
        v = Fraction(p, q)
        if v.denominator == 1:
            continue
        if rng.random() < 0.25:
            v = -v
        gold = rng.choice([frac(v), frac(v, "dfrac"), f"{v.numerator}/{v.denominator}"])
        sign = "-" if v < 0 else ""
        a, d = abs(v.numerator), v.denominator
        m = rng.randrange(2, 5)
        forms = [
            (frac(v), MATH),
            (frac(v, "dfrac"), MATH),
            (f"{v.numerator}/{v.denominator}", ANY),
            (f"{sign}\\frac{{{a * m}}}{{{d * m}}}", MATH),
            (f"\\left({frac(v)}\\right)", MATH),
        ]
        if v < 0:
            forms.append((f"\\frac{{-{a}}}{{{d}}}", MATH))
        if terminating(v):
            forms.append((plain(v), ANY))
        for core, wraps in rng.sample(forms, 2):
            b.wrapped(k, gold, core, True, "the same value", wraps)
        wrongs = [
            (Fraction(v.denominator, v.numerator), "the reciprocal"),
            (v + Fraction(1, v.denominator), "numerator off by one"),
            (Fraction(v.numerator, v.denominator + 1), "denominator off by one"),
            (-v, "sign differs"),
        ]
        if not terminating(v):
            approx = Fraction(round(v, 2))
            wrongs.append((approx, "rounded to 2 decimals; the gold is exact"))
        for wrong, why in rng.sample(wrongs, 2):
            if wrong == v:
                continue
            core = plain(wrong) if "." in plain(wrong) else frac(wrong)
            b.wrapped(k, gold, core, False, why, MATH)


def ordinary_decimal(b: Builder) -> None:
    k = "ordinary_decimal"
    rng = b.rng
    for _ in range(32):
        dp = rng.randrange(1, 4)
        v = Fraction(rng.randrange(1, 10 ** (dp + 2)), 10**dp)
        if v.denominator == 1 or len(plain(v).split(".")[1]) < 1:
            continue
        if rng.random() < 0.2:
            v = -v
        gold = plain(v)
        forms = [
            (gold + "0", ANY),
            (gold, ANY),
            (frac(v), MATH),
            (f"{v.numerator}/{v.denominator}", TEXT),
        ]
        if abs(v) < 1:
            forms.append((gold.replace("0.", ".", 1), TEXT))
        for core, wraps in rng.sample(forms, 2):
            b.wrapped(k, gold, core, True, "the same value", wraps)
        wrongs = [
            (v * 10, "ten times larger"),
            (v + Fraction(1, 10**dp), "last digit off by one"),
            (v / 10, "ten times smaller"),
        ]
        for wrong, why in rng.sample(wrongs, 2):
            if wrong != v:
                b.wrapped(k, gold, plain(wrong), False, why, ANY)


def ordinary_scientific(b: Builder) -> None:
    k = "ordinary_scientific"
    rng = b.rng
    for _ in range(26):
        mant = Fraction(rng.randrange(11, 100), 10)
        if mant.denominator == 1:
            mant += Fraction(1, 10)
        e = rng.choice([-8, -6, -4, -3, 3, 4, 5, 6, 7, 9, 12])
        v = mant * Fraction(10) ** e
        m = plain(mant)
        gold = rng.choice([f"{m} \\times 10^{{{e}}}", plain(v)])
        forms = [
            (plain(v), ANY),
            (f"{m}e{e}", TEXT),
            (f"{m}E{e}", TEXT),
            (f"{m} \\cdot 10^{{{e}}}", MATH),
            (f"{m} \\times 10^{{{e}}}", MATH),
            (f"{plain(mant * 10)} \\times 10^{{{e - 1}}}", MATH),
        ]
        for core, wraps in rng.sample(forms, 2):
            if core != gold:
                b.wrapped(k, gold, core, True, "the same value", wraps)
        wrongs = [
            (f"{m} \\times 10^{{{e + 1}}}", "exponent off by one"),
            (f"{m} \\times 10^{{{-e}}}", "exponent sign flipped"),
            (f"{plain(mant + Fraction(1, 10))} \\times 10^{{{e}}}", "mantissa differs"),
            (f"{m}e{e - 1}", "exponent off by one"),
        ]
        for core, why in rng.sample(wrongs, 2):
            b.wrapped(k, gold, core, False, why, TEXT if "e" in core and "\\" not in core else MATH)


def ordinary_symbolic(b: Builder) -> None:
    k = "ordinary_symbolic"
    table = [
        (
            "2\\sqrt{3}",
            ["\\sqrt{12}", "2 \\sqrt 3", "2\\sqrt{3}"],
            ["\\sqrt{3}", "3\\sqrt{2}", "\\sqrt{6}"],
        ),
        (
            "\\frac{\\pi}{2}",
            ["\\pi/2", "0.5\\pi", "\\frac{1}{2}\\pi"],
            ["\\frac{\\pi}{3}", "2\\pi", "\\pi"],
        ),
        ("1+\\sqrt{5}", ["\\sqrt{5}+1", "1 + \\sqrt 5"], ["1-\\sqrt{5}", "\\sqrt{5}", "\\sqrt{6}"]),
        (
            "\\frac{\\sqrt{2}}{2}",
            ["\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt2}{2}"],
            ["\\sqrt{2}", "\\frac{1}{2}"],
        ),
        ("3\\pi", ["3 \\pi", "\\pi \\cdot 3"], ["\\frac{3}{\\pi}", "3", "\\pi^3"]),
        ("e^2", ["e^{2}"], ["2e", "e"]),
        ("2x+1", ["1+2x", "2x + 1"], ["2x-1", "x+2", "2x"]),
        ("x^2-1", ["(x-1)(x+1)", "-1 + x^2"], ["(x-1)^2", "x^2+1", "x-1"]),
        ("\\frac{x}{2}", ["0.5x", "\\frac{1}{2}x"], ["2x", "x"]),
        ("3+4i", ["4i+3", "3 + 4i"], ["3-4i", "4+3i", "5"]),
        ("\\sqrt{2}+\\sqrt{3}", ["\\sqrt{3}+\\sqrt{2}"], ["\\sqrt{5}", "\\sqrt{6}"]),
        ("4\\sqrt{2}", ["\\sqrt{32}", "2\\sqrt{8}"], ["\\sqrt{8}", "2\\sqrt{2}"]),
        ("\\frac{5\\pi}{6}", ["\\frac{5}{6}\\pi"], ["\\frac{\\pi}{6}", "\\frac{6\\pi}{5}"]),
        ("a+b", ["b+a"], ["a-b", "ab"]),
        ("\\ln 2", ["\\ln(2)", "\\log_e 2"], ["\\ln 3", "2"]),
    ]
    for gold, rights, wrongs in table:
        for a in rights:
            b.wrapped(k, gold, a, True, "an equivalent expression", MATH, 2)
        for a in wrongs:
            b.wrapped(k, gold, a, False, "a different expression", MATH, 2)


FAMILIES = (
    intervals,
    unions,
    sets,
    tuples,
    plus_minus,
    several_solutions,
    equation_vs_value,
    marked_answer,
    boxed_conflict,
    tiny_values,
    near_miss,
    thousands_space,
    mixed_number,
    superscript,
    minus_sign,
    log,
    binom,
    factorial,
    trig,
    infinity,
    emptyset,
    percent,
    units,
    ordinary_integer,
    ordinary_fraction,
    ordinary_decimal,
    ordinary_scientific,
    ordinary_symbolic,
)


def build(seed: int = SEED) -> list[dict[str, object]]:
    """Every case, in a fixed order."""
    b = Builder(seed)
    for family in FAMILIES:
        family(b)
    return b.cases


def main() -> None:
    cases = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for case in cases:
            fh.write(json.dumps(case, ensure_ascii=False) + "\n")
    by_kind: dict[str, list[int]] = {}
    for c in cases:
        by_kind.setdefault(str(c["kind"]), [0, 0])[bool(c["label"])] += 1
    for kind, (wrong, right) in by_kind.items():
        print(f"{kind:22s} {right:4d} right {wrong:4d} wrong")
    right = sum(bool(c["label"]) for c in cases)
    print(f"{len(cases)} cases, {right} right ({100 * right / len(cases):.1f}%) -> {OUT}")


if __name__ == "__main__":
    main()
