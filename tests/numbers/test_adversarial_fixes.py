"""Wrong answers that used to pass (and their right twins that must keep passing).

End to end through `rft.compile` with the grader's defaults: equation variables, two final
answer markers that disagree, `\\choose`, trig powers, percent against a plain reference,
currency and angle units.
"""

from __future__ import annotations

import pytest

import rft


def grade(outputs: list[object], references: list[object]) -> rft.Scores:
    reward = rft.compile({"type": "numeric", "name": "n", "reference": "{{ item.answer }}"})
    return reward.score(outputs, [{"answer": r} for r in references])


def score_of(output: object, reference: object) -> float:
    return float(grade([output], [reference]).scores[0])


RIGHT = [
    # an equation's variable is part of the answer; a bare value may still match it
    ("The answer is $a = 7$.", "a = 7"),
    (r"\boxed{t = -3}", "t = -3"),
    ("Answer: 7", "a = 7"),
    ("So n = 12.", "12"),
    # a marker and a box that agree are one answer
    ("\\boxed{27}\n\nSo the answer is 27.", 27),
    ("Final answer: 8\n\nThe answer is 8.", 8),
    # binomials in every spelling
    (r"$\binom{7}{2}$", 21),
    (r"${7 \choose 2}$", 21),
    (r"\boxed{{8 \choose 3}}", 56),
    (r"$\dbinom{5}{3}$", 10),
    (r"$\tbinom{9}{1}$", 9),
    # trig powers
    (r"$\sin^2(\pi/6)$", "1/4"),
    (r"$\cos^2(0) + \sin^2(0)$", 1),
    (r"$2\cos^2(\pi/4)$", 1),
    (r"$\sin^{2}(\pi/2)$", 1),
    # percent against a plain reference
    ("50%", 0.5),
    ("20%", 20),
    ("20%", 0.2),
    ("150%", 1.5),
    ("150%", 150),
    (r"35\%", 35),
    # currency and angles
    (r"\$12", "12 dollars"),
    ("30 cents", "30 cents"),
    (r"$60^\circ$", "60 degrees"),
    ("60°", r"60^\circ"),
    ("2 radians", "2 rad"),
    ("12", r"\$12"),
]
WRONG = [
    ("The answer is $b = 7$.", "a = 7"),
    (r"\boxed{s = -3}", "t = -3"),
    ("y = 4", "x = 4"),
    # a box and a later marker that disagree
    ("\\boxed{27}\n\nThe answer is 29.", 27),
    ("\\boxed{27}\n\nThe answer is 29.", 29),
    ("Final answer: 8\n\nThe answer is 9.", 8),
    # binomials: never the bottom or top number
    (r"${7 \choose 2}$", 2),
    (r"${7 \choose 2}$", 7),
    (r"$\dbinom{5}{3}$", 3),
    (r"$\tbinom{9}{2}$", 2),
    # trig powers
    (r"$\sin^2(x) + \cos^2(x)$", 2),
    (r"$\sin^2(\pi/6)$", "1/2"),
    (r"$2\cos^2(\pi/4)$", 2),
    # percent against a plain reference
    ("0.5%", 0.5),
    (r"0.3\%", 0.3),
    ("1%", 1),
    ("20%", "0.2%"),
    ("0.2%", "20%"),
    ("5%", 5.05),
    # currency and angles
    ("12 cents", r"\$12"),
    (r"\$12", "12 cents"),
    ("60 radians", r"60^\circ"),
    (r"$60^\circ$", "60 rad"),
    ("60 degrees", "60 radians"),
]


@pytest.mark.parametrize(("output", "reference"), RIGHT)
def test_right_answers_pass(output: str, reference: object) -> None:
    assert score_of(output, reference) == 1.0


@pytest.mark.parametrize(("output", "reference"), WRONG)
def test_wrong_answers_fail(output: str, reference: object) -> None:
    assert score_of(output, reference) == 0.0


def test_a_box_and_a_marker_that_disagree_are_flagged() -> None:
    result = grade(["\\boxed{27}\n\nThe answer is 29."], [27])
    assert result.scores.tolist() == [0.0]
    assert result.errors["sample_parse_error"].tolist() == [True]
    assert "disagree" in result.first_message(0)


# -- right answers that used to fail -------------------------------------------------------

GAPS_RIGHT = [
    ("The result is 2 2/5.", "12/5"),
    (r"$\log_7 343$", 3),
    ("**Result:** $4! = 24$", 24),
    ("We find:\n\n7³", 343),
    ("Simplifying gives\n\n2 1/4", "9/4"),
    ("So we have\n\n\\{5, 1\\}", "\\{1, 5\\}"),
    (r"$2 \mp \sqrt{3}$", r"2 \pm \sqrt{3}"),
    (r"\boxed{x_1 = 4, x_2 = -1}", "-1, 4"),
    (r"$\cos 60^\circ$", "1/2"),
    (r"\boxed{\tan 45^{\circ}}", 1),
    (r"$0.\overline{6}$", "2/3"),
    (r"$1.2\overline{3}$", "37/30"),
    ("The answer is negative infinity.", r"-\infty"),
    ("log2(32)", 5),
    ("x + y = 4", "y = 4 - x"),
    ("2y = 4x + 2", "y = 2x + 1"),
    ("250 cm", "2.5 m"),
    ("2 hours", "120 minutes"),
    ("1500 g", "1.5 kg"),
    ("2500 mL", "2.5 L"),
    ("2.5 litres", "2.5 L"),
    (r"$\frac{\pi}{3}$", r"60^\circ"),
    ("1.5 rad", r"\frac{270}{\pi} degrees"),
    (r"$30^\circ$", r"\frac{\pi}{6}"),
    (r"\boxed{\mathbb{R} \setminus [-1, 5]}", r"(-\infty, -1) \cup (5, \infty)"),
    (r"$\mathbb{R} \setminus (0, 2)$", r"(-\infty, 0] \cup [2, \infty)"),
    (r"$\mathbb{R} \setminus \{7\}$", r"(-\infty, 7) \cup (7, \infty)"),
    (r"\boxed{x \neq -3}", r"(-\infty, -3) \cup (-3, \infty)"),
]
GAPS_WRONG = [
    ("The result is 2 2/5.", 2),
    (r"$\log_7 343$", 7343),
    ("**Result:** $4! = 24$", 4),
    ("We find:\n\n7³", 73),
    (r"\boxed{x_1 = 4, x_2 = -1}", "4, 1"),
    (r"$\cos 60^\circ$", r"\frac{\sqrt{3}}{2}"),
    (r"$0.\overline{6}$", "0.6"),
    ("log2(32)", 2),
    ("x + y = 4", "y = 4 + x"),
    ("250 mm", "2.5 m"),
    ("2 hours", "2 minutes"),
    ("12 cm", "12 kg"),
    ("2.5 mL", "2.5 L"),
    (r"$\frac{\pi}{3}$", r"30^\circ"),
    ("60", r"\frac{\pi}{3}"),
    ("1.5 rad", r"1.5^\circ"),
    (r"\boxed{\mathbb{R} \setminus [-1, 5]}", r"(-\infty, -1] \cup [5, \infty)"),
    (r"$\mathbb{R} \setminus (0, 2)$", r"(-\infty, 0) \cup (2, \infty)"),
    (r"$\mathbb{R} \setminus \{7\}$", r"(-\infty, -7) \cup (-7, \infty)"),
    (r"\boxed{x \neq -3}", r"(-\infty, 3) \cup (3, \infty)"),
    (r"\boxed{x \neq -3}", "-3"),
]


@pytest.mark.parametrize(("output", "reference"), GAPS_RIGHT)
def test_notation_gaps_pass(output: str, reference: object) -> None:
    assert score_of(output, reference) == 1.0


@pytest.mark.parametrize(("output", "reference"), GAPS_WRONG)
def test_notation_gaps_never_pass_a_wrong_answer(output: str, reference: object) -> None:
    assert score_of(output, reference) == 0.0


@pytest.mark.parametrize(
    "output",
    [
        "0.\\overline{" + "9" * 5000 + "}",
        "\\mathbb{R} \\setminus " * 3000,
        "x \\ne " * 5000,
        "\\sin^" * 5000 + "2(x)",
        "\\boxed{1} The answer is 2. " * 2000,
        "\\$" + "9" * 5000,
        "45" + "^\\circ" * 5000,
        "log2(" * 5000,
    ],
)
def test_pathological_new_notation_scores_zero(output: str) -> None:
    result = grade([output], ["1"])
    assert result.scores.tolist() == [0.0]
