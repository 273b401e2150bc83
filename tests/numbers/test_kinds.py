"""Every kind of answer the numeric grader reads: a right one passes, a wrong one fails.

End to end through `rft.compile` with the grader's defaults; each table row is
(model output, reference). Kinds: answer selection, structures, tolerance, notation.
"""

from __future__ import annotations

import pytest

import rft


def grade(outputs: list[object], references: list[object], **spec: object) -> rft.Scores:
    reward = rft.compile({"type": "numeric", "name": "n", "reference": "{{ item.answer }}", **spec})
    return reward.score(outputs, [{"answer": r} for r in references])


def score_of(output: object, reference: object, **spec: object) -> float:
    return float(grade([output], [reference], **spec).scores[0])


# -- which number is the answer ----------------------------------------------------------

SELECTION_RIGHT = [
    ("The answer is 14. Check: 14 / 2 = 7", 14),
    ("The answer is 14. Check: 14 / 2 = 7, which is right.", 14),
    ("Result: 42 ... Confidence: 95%", 42),
    ("Result: 42\nConfidence: 95%", 42),
    ("42, not 24", 42),
    ("It is 42, not 24.", 42),
    ("The answer is 42, not 24.", 42),
    ("Final answer: 12. (I double-checked: 3 * 4 = 12, 12 + 0 = 12, and 6 + 7 = 13)", 12),
    ("Final Answer: The final answer is $72$. I hope it is correct.", 72),
    ("**Answer:** 36\n\nVerification: 6^2 = 36 and 36 / 4 = 9", 36),
    ("answer = 15; sanity check 15 * 2 = 30", 15),
    ("We get 3 + 4 = 7. Therefore, the answer is 7.", 7),
    (r"So \boxed{12}. Check: 12 / 3 = 4.", 12),
    (r"\boxed{5} (double check: 5 + 5 = 10)", 5),
    (r"First \boxed{5}, and again \boxed{5}.", 5),
    ("<answer>19</answer> and 20 is close but wrong", 19),
    ("Natalia sold 48/2 = 24 clips in May. 48 + 24 = 72.\n#### 72", 72),
    ("The answer is therefore 8", 8),
    ("The correct answer is 3/4 of a cup.", "3/4"),
    ("Answer: x = 5. Let me verify: 2(5) + 1 = 11.", 5),
    ("I computed 17. Confidence: 80%", 17),
    ("The total is 250. Let me check: 100 + 150 = 250.", 250),
    ("The result is 5 + 3 = 8.", 8),
    ("9 (rather than 10)", 9),
    ("I added 2 and got 5", 5),
    ("Is it 2? No. It is 5.", 5),
    ("70 is the answer (found in 3 steps).", 70),
    ("So $x = 4$ is the final answer, after 2 checks.", 4),
    ("The answer is 5. Wait, 6 is the correct answer (I misread 3 as 2).", 6),
]
SELECTION_WRONG = [
    ("The answer is 14. Check: 14 / 2 = 7", 7),
    ("Result: 42 ... Confidence: 95%", 95),
    ("Result: 42 ... Confidence: 95%", 0.95),
    ("42, not 24", 24),
    ("The answer is 42, not 24.", 24),
    ("Final answer: 12. (I double-checked: 6 + 7 = 13)", 13),
    (r"So \boxed{12}. Check: 12 / 3 = 4.", 4),
    (r"\boxed{5} (double check: 5 + 5 = 10)", 10),
    ("<answer>19</answer> and 20 is close but wrong", 20),
    ("Answer: x = 5. Let me verify: 2(5) + 1 = 11.", 11),
    ("I computed 17. Confidence: 80%", 80),
    ("9 (rather than 10)", 10),
    ("The answer is 9, since 10 - 1 = 9", 1),
    ("either 2 or 3", 3),
    ("either 2 or 3", 2),
    ("The answer is between 2 and 3", 3),
    ("The answer is between 2 and 3", 2),
    ("I'd go with 2, 3", 3),
    ("2 (or maybe 3)", 3),
    ("probably 2, or perhaps 3", 3),
    ("70 is the answer (found in 3 steps).", 3),
    ("So $x = 4$ is the final answer, after 2 checks.", 2),
    ("The answer is 5. Wait, 6 is the correct answer (I misread 3 as 2).", 5),
]


@pytest.mark.parametrize(("output", "reference"), SELECTION_RIGHT)
def test_marked_answer_wins_over_later_numbers(output: str, reference: object) -> None:
    assert score_of(output, reference) == 1.0


@pytest.mark.parametrize(("output", "reference"), SELECTION_WRONG)
def test_a_check_or_remark_never_becomes_the_answer(output: str, reference: object) -> None:
    assert score_of(output, reference) == 0.0


@pytest.mark.parametrize(
    "output",
    [
        r"\boxed{2} or maybe \boxed{3}",
        r"It is \boxed{12}. Actually \boxed{13}.",
        r"\boxed{(1, 3)} \boxed{[1, 3]}",
        r"\boxed{\frac{1}{2}} and \boxed{0.6}",
    ],
)
def test_boxes_that_disagree_are_flagged_and_score_zero(output: str) -> None:
    for reference in ("2", "3", "12", "13", "(1, 3)", "[1, 3]", "0.5", "0.6"):
        result = grade([output], [reference])
        assert result.scores.tolist() == [0.0]
        assert result.errors["sample_parse_error"].tolist() == [True]
        assert "disagree" in result.first_message(0)


def test_boxes_that_agree_are_one_answer() -> None:
    result = grade([r"\boxed{0.5} i.e. \boxed{\frac{1}{2}}"], ["1/2"])
    assert result.scores.tolist() == [1.0]
    assert not result.any_error.any()


# -- structures ------------------------------------------------------------------------------

STRUCTURE_RIGHT = [
    ("(1, 3)", "(1, 3)"),
    ("[1, 3]", "[1,3]"),
    ("[1, 3)", r"\left[1, 3\right)"),
    (r"(-\infty, 5]", r"(-\infty, 5]"),
    (r"(-∞, 5]", r"(-\infty, 5]"),
    (r"x \le 5", r"(-\infty, 5]"),
    ("x > 2", r"(2, \infty)"),
    (r"-1 \le x < 3", "[-1, 3)"),
    (r"\boxed{[-2, 5)}", "[-2, 5)"),
    (r"(-\infty, 1) \cup (2, \infty)", r"(-\infty, 1) \cup (2, \infty)"),
    (r"(2, \infty) \cup (-\infty, 1)", r"(-\infty, 1) \cup (2, \infty)"),
    (r"[0, 1] ∪ [2, 3)", r"[0,1] \cup [2,3)"),
    # sets: order-free
    (r"\{1, 2, 3\}", r"\{3, 2, 1\}"),
    (r"\{-1, 4\}", "4, -1"),
    (r"\emptyset", r"\varnothing"),
    ("∅", r"\emptyset"),
    ("no real solutions", r"\emptyset"),
    # tuples / ordered pairs: order matters
    ("(2, 3)", "(2, 3)"),
    (r"\left(\frac{1}{2}, -3\right)", "(0.5, -3)"),
    ("(1, 2, 3)", "(1,2,3)"),
    ("(1, 2), (3, 4)", "(3, 4), (1, 2)"),
    # several solutions: order-free
    ("2 and 3", "3 and 2"),
    ("x = 2 or x = -2", r"\pm 2"),
    ("x = -2 or x = 2", "x = 2, x = -2"),
    (r"x = \pm 3", "3, -3"),
    (r"1 \pm \sqrt{2}", r"1 - \sqrt{2}, 1 + \sqrt{2}"),
    (r"x = 2 \text{ or } x = 5", "2, 5"),
    ("2; 3", "2, 3"),
    (r"x \in [1, 3]", "[1, 3]"),
    (r"\mathbb{R}", r"(-\infty, \infty)"),
    ("all real numbers", r"\mathbb{R}"),
    ("x < 1 or x > 2", r"(-\infty, 1) \cup (2, \infty)"),
    ("x = 2, y = 3", "(2, 3)"),
    ("y = 3, x = 2", "(2, 3)"),
    # equations vs values
    ("x = 9", 9),
    ("x^2 = 9", "x^2 = 9"),
    ("2x^2 = 18", "x^2 = 9"),
    ("y = 2x + 3", "y = 2x+3"),
    ("y = 2x + 3", "2x + 3"),
    ("x = 3", "3"),
]
STRUCTURE_WRONG = [
    ("[1, 3]", "(1, 3)"),
    ("(1, 3)", "[1, 3]"),
    ("(1, 3]", "(1, 3)"),
    ("(-2, 5)", "(2, 5)"),
    ("(2, 5)", "(-2, 5)"),
    ("3", "(1, 3)"),
    ("(1, 3)", "3"),
    (r"\boxed{(1, 3)}", 3),
    (r"x \ge 5", r"(5, \infty)"),
    ("x < 2", r"(2, \infty)"),
    (r"(-\infty, 5)", r"(-\infty, 5]"),
    (r"(-\infty, 1) \cup (2, \infty)", r"(-\infty, 1] \cup (2, \infty)"),
    (r"(-\infty, 1)", r"(-\infty, 1) \cup (2, \infty)"),
    (r"\{1, 2\}", r"\{1, 2, 3\}"),
    (r"\{1, 2, 3, 4\}", r"\{1, 2, 3\}"),
    ("3", r"\{1, 2, 3\}"),
    (r"\emptyset", r"\{0\}"),
    ("0", r"\emptyset"),
    (r"\emptyset", "0"),
    ("(3, 2)", "(2, 3)"),
    ("(2, 3)", "2 and 3"),
    ("3", "(2, 3)"),
    ("(1, 2, 3)", "(1, 3, 2)"),
    ("(1, 2)", "(1, 2, 3)"),
    ("3", "2 and 3"),
    ("2", "2 and 3"),
    ("2 and 3", "3"),
    ("2, 3, 4", "2 and 3"),
    ("x = 2", "x = 2 or x = -2"),
    ("x = -2", r"\pm 2"),
    ("2", r"\pm 2"),
    (r"\pm 2", "2"),
    (r"1 + \sqrt{2}", r"1 \pm \sqrt{2}"),
    ("x = 9", "x^2 = 9"),
    ("x^2 = 9", "x = 9"),
    ("x^2 = 9", 9),
    ("x^2 = 9", 3),
    ("9", "x^2 = 9"),
    ("x^2 = 8", "x^2 = 9"),
    ("x = 2 or x = 3", "x = 2 or x = -3"),
    (r"x \in (1, 3)", "[1, 3]"),
    (r"\mathbb{R}", r"(0, \infty)"),
    (r"(0, \infty)", r"\mathbb{R}"),
    ("x < 1 or x > 2", r"(-\infty, 1] \cup (2, \infty)"),
    ("x = 3, y = 2", "(2, 3)"),
    ("y = 2, x = 3", "(2, 3)"),
    ("x = 2, y = 3", "2 and 3"),
]


@pytest.mark.parametrize(("output", "reference"), STRUCTURE_RIGHT)
def test_structures_equal_as_structures(output: str, reference: object) -> None:
    assert score_of(output, reference) == 1.0


@pytest.mark.parametrize(("output", "reference"), STRUCTURE_WRONG)
def test_structures_never_reduce_to_their_last_number(output: str, reference: object) -> None:
    assert score_of(output, reference) == 0.0


# -- tolerance -------------------------------------------------------------------------------

TOLERANCE_RIGHT = [
    ("72", 72),
    ("72.0", 72),
    ("0.1", 0.1),
    ("0.3", 0.1 + 0.2),
    ("0", 0),
    ("-0", 0),
    (r"\cos(\pi/2)", 0),
    (r"\sin(\pi)", 0),
    (r"\cos(\pi/3)", "1/2"),
    (r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}"),
    (r"\pi", "3.14159265358979323846"),
    ("1e-320", "1e-320"),
    ("2049425730", 2049425730),
    ("1/3", 1 / 3),
]
TOLERANCE_WRONG = [
    ("71.9999999999", 72),
    ("72.0000000001", 72),
    ("1e-10", 0),
    ("0", "1e-10"),
    ("1e-320", 0),
    ("0", "1e-320"),
    ("1e-30", 0),
    ("2049425731", 2049425730),
    ("3.14", r"\pi"),
    ("3.14159", r"\pi"),
    (r"\pi", "3.14"),
    ("0.333", "1/3"),
    ("0.3333333333", "1/3"),
    ("1.41421", r"\sqrt{2}"),
    ("0.30001", 0.1 + 0.2),
    ("10.504", 10.5),
    ("10.01", 10),
]


@pytest.mark.parametrize(("output", "reference"), TOLERANCE_RIGHT)
def test_equal_values_pass(output: str, reference: object) -> None:
    assert score_of(output, reference) == 1.0


@pytest.mark.parametrize(("output", "reference"), TOLERANCE_WRONG)
def test_near_misses_fail_with_the_defaults(output: str, reference: object) -> None:
    assert score_of(output, reference) == 0.0


def test_partial_credit_never_reaches_one_for_a_different_value() -> None:
    got = grade(["72.0000000001", "71.9999999999", "72"], [72, 72, 72], partial_credit=True)
    assert got.scores.tolist()[:2] == [0.999, 0.999]
    assert got.scores.tolist()[2] == 1.0


# -- notation --------------------------------------------------------------------------------

NOTATION_RIGHT = [
    ("7 654 321", 7654321),
    ("7 654 321", "7,654,321"),
    (r"4\,321", 4321),
    ("4 321", 4321),
    ("1 234 567.5", 1234567.5),
    ("1 1/2", "3/2"),
    ("2 3/4", 2.75),
    (r"2\frac{1}{4}", "9/4"),
    (r"-2\frac{1}{4}", -2.25),
    (r"3\,\frac{1}{2}", 3.5),
    ("1½", 1.5),
    ("½", "1/2"),
    ("2¾", "11/4"),
    ("10³", 1000),
    ("2¹⁰", 1024),
    ("10⁻³", 0.001),
    ("x²", "x^2"),
    ("x² + 1", "x^2+1"),
    ("–5", -5),
    ("—5", -5),
    ("‒5", -5),
    ("−5", -5),
    ("3 – 5", -2),
    (r"\log_2 8", 3),
    (r"\log_{2}(8)", 3),
    (r"\log_3 81", 4),
    (r"\log 1000", 3),
    (r"\ln e", 1),
    (r"\ln(e^2)", 2),
    (r"\binom{5}{2}", 10),
    (r"\dbinom{10}{3}", 120),
    (r"\tbinom52", 10),
    ("5!", 120),
    ("0!", 1),
    ("3!!", 720),
    (r"\frac{6!}{4!}", 30),
    (r"\cos(\pi/3)", 0.5),
    (r"\sin(\pi/6)", "1/2"),
    (r"\tan(\pi/4)", 1),
    (r"\sin\frac{\pi}{2}", 1),
    (r"2\sin(\pi/6)", 1),
    (r"\infty", r"\infty"),
    ("∞", r"\infty"),
    ("infinity", r"\infty"),
    ("Infinity", "∞"),
    (r"-\infty", r"-\infty"),
    ("-∞", r"-\infty"),
    (r"+\infty", r"\infty"),
    (r"\emptyset", "∅"),
    ("20%", "20%"),
    (r"20\%", "20%"),
    ("20 percent", "20%"),
    ("0.2", "20%"),
    ("20", "20%"),
    ("20%", 0.2),
    ("12 cm", "12 cm"),
    ("12 centimeters", "12 cm"),
    (r"12\text{ cm}", "12 cm"),
    ("12", "12 cm"),
    ("12 cm", 12),
    ("5 kg", "5 kilograms"),
    ("3 hours", "3 h"),
    ("30 square meters", r"30 \text{ m}^2"),
]
NOTATION_WRONG = [
    ("7 654 320", 7654321),
    ("7", 7654321),
    ("321", 4321),
    (r"4\,321", 321),
    ("1 1/2", 0.5),
    ("1 1/2", 2),
    (r"2\frac{1}{4}", 0.5),
    (r"2\frac{1}{4}", "1/4"),
    ("1½", 11 / 2),
    ("1½", "1/2"),
    ("10³", 103),
    ("10³", 30),
    ("x²", "2x"),
    ("2x", "x^2"),
    ("–5", 5),
    ("—5", 5),
    (r"\log_2 8", 8),
    (r"\log_2 8", 2),
    (r"\binom{5}{2}", 5),
    (r"\binom{5}{2}", 2),
    ("5!", 5),
    (r"\cos(\pi/3)", 3),
    (r"\cos(\pi/3)", r"\cos(\pi/6)"),
    (r"\infty", r"-\infty"),
    (r"-\infty", r"\infty"),
    ("1000000", r"\infty"),
    (r"10^{100}", r"\infty"),
    (r"\infty", 0),
    ("0", r"\infty"),
    ("oo", "1"),
    (r"\emptyset", "0"),
    ("20%", "0.2%"),
    ("0.2%", "20%"),
    ("20%", "2%"),
    ("12 mm", "12 cm"),
    ("12 cm", "12 mm"),
    ("12 m", "12 cm"),
    ("12 inches", "12 cm"),
    ("5 g", "5 kg"),
    ("3 minutes", "3 h"),
    ("50 cents", "50 dollars"),
    ("30 square meters", "30 m"),
]


@pytest.mark.parametrize(("output", "reference"), NOTATION_RIGHT)
def test_notation_is_read_right(output: str, reference: object) -> None:
    assert score_of(output, reference) == 1.0


@pytest.mark.parametrize(("output", "reference"), NOTATION_WRONG)
def test_notation_is_not_misread(output: str, reference: object) -> None:
    assert score_of(output, reference) == 0.0


@pytest.mark.parametrize(("output", "reference"), NOTATION_RIGHT[:20] + STRUCTURE_RIGHT[:20])
def test_the_same_forms_pass_inside_a_box_and_after_a_marker(
    output: str, reference: object
) -> None:
    assert score_of(rf"Working... so \boxed{{{output}}}", reference) == 1.0
    assert score_of(f"Some work first.\nThe answer is {output}", reference) == 1.0


# -- realistic outputs: (output, reference, expected score) ---------------------------------

REALISTIC = [
    # (output, gold, expected)
    ("The answer is $5$.", 5, 1),
    ("**Answer:** $\\frac{3}{4}$", "0.75", 1),
    ("The answer is **4**.", 4, 1),
    ("Therefore, $x = \\boxed{7}$.", 7, 1),
    ("So there are 12 apples left.", 12, 1),
    ("So there are 12 apples left.", 13, 0),
    ("The final answer is 1,000,000.", 1000000, 1),
    ("The answer is 1.000", 1000, 0),
    ("I get 3.50 dollars", 3.5, 1),
    ("The probability is 1/6", "\\frac{1}{6}", 1),
    ("The probability is 1/6 ≈ 0.1667", "1/6", 1),
    ("≈ 0.1667", "1/6", 0),
    ("The area is $16\\pi$ square units.", "16\\pi", 1),
    ("The area is $16\\pi$", "50.27", 0),
    ("$\\boxed{16\\pi}$", "16 \\pi", 1),
    ("The roots are $x=1$ and $x=3$.", "1, 3", 1),
    ("The roots are $x=1$ and $x=3$.", "3", 0),
    ("The solutions are 1 and 3", "\\{1,3\\}", 1),
    ("\\boxed{x=1, 3}", "1,3", 1),
    ("\\boxed{3, 1}", "1, 3", 1),
    ("\\boxed{1}", "1, 3", 0),
    ("The vertex is at $(2, -3)$.", "(2,-3)", 1),
    ("The vertex is at $(2, -3)$.", "(-3,2)", 0),
    ("The vertex is at $(2, -3)$.", -3, 0),
    ("The domain is $[0, \\infty)$.", "[0,\\infty)", 1),
    ("The domain is $(0, \\infty)$.", "[0,\\infty)", 0),
    ("The answer is 0.5%", "0.5%", 1),
    ("The answer is 50%", "0.5", 1),
    ("The answer is 0.5%", "50%", 0),
    ("It takes 3 hours.", "3 hours", 1),
    ("It takes 180 minutes.", "3 hours", 1),  # units of one dimension convert exactly
    ("It takes 180 seconds.", "3 hours", 0),
    ("The length is 12 mm", "12 cm", 0),
    ("The answer is 12 cm.", "12", 1),
    ("$\\sqrt{2}/2$", "\\frac{\\sqrt{2}}{2}", 1),
    ("$0.7071$", "\\frac{\\sqrt{2}}{2}", 0),
    ("The answer is $2\\sqrt{3}$", "\\sqrt{12}", 1),
    ("The answer is $2\\sqrt{3}$", "3.4641", 0),
    ("$x^2 - 4 = 0$", "x^2 = 4", 1),
    ("$x^2 - 4 = 0$", "2", 0),
    ("x = -2, 2", "\\pm 2", 1),
    ("The final answer is $\\boxed{-\\frac{1}{2}}$", "-0.5", 1),
    ("The final answer is $\\boxed{\\frac{1}{2}}$", "-0.5", 0),
    ("Answer: 7\nExplanation: 3 + 4 = 7, which is less than 10.", 7, 1),
    ("Answer: 7\nExplanation: 3 + 4 = 7, which is less than 10.", 10, 0),
    ("There are 5 red, 3 blue, so 8 total.", 8, 1),
    ("The answer is 8 (5 red + 3 blue)", 8, 1),
    ("The answer is 8 (5 red + 3 blue)", 3, 0),
    ("The answer is 2^{10} = 1024", 1024, 1),
    ("The answer is $\\binom{6}{2} = 15$", 15, 1),
    ("The answer is $6!/(4!2!) = 15$", 15, 1),
    ("$-\\infty$", "-\\infty", 1),
    ("$\\infty$", "-\\infty", 0),
    ("The limit is $\\infty$.", "\\infty", 1),
    ("The limit is 0.", "\\infty", 0),
    ("No solution", "\\emptyset", 1),
    ("The answer is no solution", "\\emptyset", 1),
    ("x = 0", "\\emptyset", 0),
    ("$\\frac{7}{2}$ hours", "3.5", 1),
    ("3 1/2 hours", "3.5", 1),
    ("1/2 hours", "3.5", 0),
    ("Result: 42 ... Confidence: 95%", 42, 1),
    ("the answer is -3", 3, 0),
    ("the answer is 3", -3, 0),
    ("$3.0 \\times 10^8$ m/s", "3e8", 1),
    ("$3.0 \\times 10^8$ m/s", "3e9", 0),
    ("The sum is 1+2+3 = 6", 6, 1),
    ("6 = 1+2+3", 6, 1),
    ("f(x) = 2x + 1", "2x+1", 1),
    ("f(x) = 2x + 1", "2x-1", 0),
    ("y = x^2", "x^2", 1),
    ("I think the answer is 5, but actually it's 6", 6, 0),
    ("\\boxed{5} \\boxed{5.0}", 5, 1),
    ("The answer: $\\{1, 2\\}$", "\\{2, 1\\}", 1),
    ("The answer: $\\{1, 2\\}$", "(1, 2)", 0),
    ("$(1,2) \\cup (3,4)$", "(1,2)\\cup(3,4)", 1),
    ("$(1,2) \\cup (3,4)$", "(1,4)", 0),
]


@pytest.mark.parametrize(("output", "reference", "expected"), REALISTIC)
def test_realistic_outputs(output: str, reference: object, expected: int) -> None:
    assert score_of(output, reference) == float(expected)


# -- hunted false passes (expected 0) and their right twins ----------------------------------

HUNTED = [
    # false-pass hunting: expected 0
    ("The interval is (1, 3).", "[1, 3]", 0),
    ("\\boxed{(1,3]}", "(1,3)", 0),
    ("x is between 1 and 3", "(1, 3)", 0),
    ("The answer is 3.", "(1, 3)", 0),
    ("The answer is $[1, 3]$", "(1,3)", 0),
    ("x = 3", "x^2 = 9", 0),
    ("The answer is 9", "x^2 = 9", 0),
    ("\\{1, 2\\}", "\\{1, 2, 2, 3\\}", 0),
    ("1, 2", "(1, 2)", 0),
    ("(1, 2)", "\\{1, 2\\}", 0),
    ("\\pm 3", "3", 0),
    ("3", "\\pm 3", 0),
    ("-3", "\\pm 3", 0),
    ("The answer is 14. Check: 7", 7, 0),
    ("I'd say 42, not 24", 24, 0),
    ("The answer is 0.2%", "20%", 0),
    ("12 mm", "12 cm", 0),
    ("12 inches", "12 cm", 0),
    ("71.9999999999", 72, 0),
    ("1e-10", 0, 0),
    ("0", "1e-10", 0),
    ("10³", 103, 0),
    ("x²", "2x", 0),
    ("2x", "x²", 0),
    ("1½", "11/2", 0),
    ("4\\,321", 321, 0),
    ("7 654 321", 321, 0),
    ("\\log_2 8", 8, 0),
    ("\\binom{5}{2}", 2, 0),
    ("5!", 5, 0),
    ("\\cos(\\pi/3)", 3, 0),
    ("-\\infty", "\\infty", 0),
    ("\\infty", "-\\infty", 0),
    ("\\emptyset", 0, 0),
    ("0", "\\emptyset", 0),
    ("∞", 8, 0),
    ("infinity", 1, 0),
    ("\\boxed{2} \\boxed{3}", 3, 0),
    ("\\boxed{2}\nFinal answer: \\boxed{3}", 3, 0),
    ("The answer is 2 or 3", 3, 0),
    ("either 2 or 3", 3, 0),
    ("2 or 3", 2, 0),
    ("The answer is between 2 and 3", 3, 0),
    ("x = 2 and y = 3", 3, 0),
    ("(2, 3)", 3, 0),
    ("The answer is $\\frac{1}{2}$ or 0.6", 0.6, 0),
    ("The answer is 5 + 3 = 8", 5, 0),
    ("20 percent", "0.2%", 0),
    ("50 cents", "50 dollars", 0),
    ("The answer is -5", 5, 0),
    ("The answer is –5", 5, 0),
    ("The answer is 5", -5, 0),
    ("72.01", 72, 0),
    ("The answer is 72.", "72.5", 0),
    ("$\\sqrt{2}$", 1.414, 0),
    ("3.14", "\\pi", 0),
    ("The answer is x = 2, x = -2", "2", 0),
    ("x = \\pm 2", "2", 0),
    ("(-\\infty, 2)", "(-\\infty, 2]", 0),
    ("x < 2", "x \\le 2", 0),
    ("x > 2", "x < 2", 0),
    ("x \\ge 2", "[2, \\infty)", 1),
    ("x \\ge 2", "(2, \\infty)", 0),
    ("$\\frac{1}{2}$", "\\frac{1}{3}", 0),
    ("0.33", "1/3", 0),
    ("\\frac{2}{6}", "1/3", 1),
    ("The answer is $\\frac{2}{6}$", "1/3", 1),
    ("Answer: 1/3 (about 0.33)", "1/3", 1),
    ("Answer: 0.33 (about 1/3)", "1/3", 0),
    ("The answer is 1000000", "10^6", 1),
    ("The answer is 10^6", 1000000, 1),
    ("The answer is 1e6", 1000000, 1),
    ("The answer is 100000", "10^6", 0),
    ("2\\frac{1}{2}", "5/2", 1),
    ("2\\frac{1}{2}", 1, 0),
    ("The answer is $x^2 + 2x + 1$", "(x+1)^2", 1),
    ("The answer is $x^2 + 2x$", "(x+1)^2", 0),
    ("The answer is $\\boxed{\\text{no solution}}$", "\\emptyset", 1),
]


@pytest.mark.parametrize(("output", "reference", "expected"), HUNTED)
def test_hunted_cases(output: str, reference: object, expected: int) -> None:
    assert score_of(output, reference) == float(expected)
