"""`numeric`: numbers and math answers equal within a tolerance, with optional partial credit.

Reading and comparing live in `rft.numbers` (answer selection, structures, the tolerance
rule, sympy in a bounded worker process); this module is the batch grader around them.
"""

from __future__ import annotations

import numpy as np

from rft.batch import Batch
from rft.errors import ErrorFlag
from rft.graders.base import CompileContext, Grader, GraderOutput
from rft.graders.registry import register
from rft.numbers import (
    Ambiguous,
    Answer,
    Parsed,
    SympyTimeout,
    Tolerances,
    extract_answer,
    parse_reference,
    score,
)
from rft.spec.numeric import NumericSpec, PartialCredit
from rft.templates import as_text


@register
class NumericGrader(Grader):
    """Scores 1 when the answer in `input` equals `reference`; see `rft.numbers` for the rules.

    Args (spec fields):
        input: template of the answer text (default `{{ sample.output_text }}`). Rendered
            numbers (an int or float field) are used as they are.
        reference: template of the expected answer: a number, or text read like an answer
            (so `#### 72`, `\\boxed{72}`, `$\\frac{3}{4}$`, `(1, 3]`, `\\{2, 3\\}` work).
        tolerance: `{abs, rel, exact}`. Both sides exact (integers, decimals, fractions,
            rational results such as `\\sqrt{16}`): equal or not (`71.9999999999` is not
            72). Otherwise |answer - reference| <= max(abs, rel * |reference|), `rel` 1e-9
            relative to the reference, `abs` 1e-30 the floor for a reference of 0. Setting
            `abs` or `rel` in a bundle applies them to exact values too (`exact: false`).
        symbolic: accept expressions (`\\frac{\\pi}{2}`, `2\\sqrt{2}`, `\\log_2 8`, `5!`,
            `\\binom{5}{2}`, `\\cos(\\pi/3)`, `2(x+1)`). Constant expressions are evaluated
            by rft (exact where rational); only expressions with free symbols go to sympy.
            Without it only plain numbers, `a/b`, `\\frac{a}{b}` and percentages parse.
        partial_credit: `true` or `{scale, max_rel_error}`: outside the tolerance the score is
            exp(-rel_error / scale) (at most 0.999), and 0 beyond `max_rel_error`.
        extract: `auto` (every `\\boxed{}` - several that disagree are flagged -, else the
            last `<answer>` tag, else the whole text when it is short and parses, else the
            span after the last "the answer is"/"Final answer:"/"Answer:" marker read from
            its start, else the last math segment, else the last number not negated or in a
            trailing check), `whole`, `boxed`, or `last_number`.
        timeout_s: wall-clock bound of one sympy decision.

    Structures compare as structures: intervals (brackets matter), unions, sets and several
    solutions (order-free), tuples (order matters), `\\pm`, equations (`x^2 = 9` is not
    `x = 3`). Percent: `20%` is not `0.2%`; `p%` against a plain number is p or p/100.
    Units: two known units that differ (`12 cm`, `12 mm`) fail. `nan` is never a number;
    `\\infty`, `-\\infty`, `∞` and "infinity" equal only themselves.

    Flags: `sample_parse_error` when several boxed answers disagree (score 0, no guess);
    `other_error` when the reference is not a number, when a value is beyond 10^±10000
    (`9^9^9^9`), or when sympy runs past `timeout_s`. An answer with no number is a wrong
    answer (0), not an error. Details: `answer`, the text read as the answer (or None).
    """

    spec_type = NumericSpec

    def __init__(self, spec: NumericSpec, context: CompileContext | None = None) -> None:
        super().__init__(spec, context)
        self.spec: NumericSpec = spec
        self.input = self.template("input", spec.input)
        self.reference = self.template("reference", spec.reference)
        partial = PartialCredit() if spec.partial_credit is True else spec.partial_credit or None
        abs_tol, rel_tol, exact = spec.tolerance.resolved()
        self.tolerances = Tolerances(
            abs=abs_tol,
            rel=rel_tol,
            exact=exact,
            scale=partial.scale if partial else None,
            max_rel=partial.max_rel_error if partial else 1.0,
            timeout=spec.timeout_s,
        )

    def grade(self, batch: Batch) -> GraderOutput:
        n = len(batch)
        out = GraderOutput(scores=np.zeros(n))
        inputs = out.render(batch, self.input)
        references = out.render(batch, self.reference)
        failed = out.failed
        scores = out.scores
        answers: list[str | None] = [None] * n
        flagged: dict[ErrorFlag, tuple[list[int], list[str]]] = {
            ErrorFlag.other_error: ([], []),
            ErrorFlag.sample_parse_error: ([], []),
        }
        for i in range(n):
            if failed[i]:
                continue
            try:
                scores[i], answers[i], problem = self._one(inputs.values[i], references.values[i])
            except (ValueError, ArithmeticError, RecursionError) as exc:  # never the whole batch
                problem = (ErrorFlag.other_error, f"could not read the answer: {exc}")
            if problem is not None:
                flagged[problem[0]][0].append(i)
                flagged[problem[0]][1].append(problem[1])
        for flag, (rows, messages) in flagged.items():
            if rows:
                out.flag(flag, rows, messages)
        out.details["answer"] = answers
        return out

    def _one(
        self, raw_answer: object, raw_reference: object
    ) -> tuple[float, str | None, tuple[ErrorFlag, str] | None]:
        """(score, the text read as the answer, an error flag and its message) of one sample."""
        reference = parse_reference(raw_reference, self.spec.symbolic)
        if not _usable(reference):
            return 0.0, None, (ErrorFlag.other_error, _reference_error(reference, raw_reference))
        answer = self._answer(raw_answer)
        if answer is None:
            return 0.0, None, None  # no number: a wrong answer, not an error
        if isinstance(answer, Ambiguous):
            shown = ", ".join(repr(c[:20]) for c in answer.candidates[:4])
            return (
                0.0,
                answer.text,
                (
                    ErrorFlag.sample_parse_error,
                    f"several final answers (boxes, markers) disagree: {shown}",
                ),
            )
        if isinstance(answer, Parsed) and answer.error is not None:
            return 0.0, answer.text, (ErrorFlag.other_error, answer.error)
        try:
            return score(answer, reference, self.tolerances), answer.text, None  # type: ignore[arg-type]
        except SympyTimeout as exc:
            message = f"symbolic check of {answer.text[:40]!r} timed out: {exc}"
        except RuntimeError as exc:
            message = f"symbolic check of {answer.text[:40]!r} failed: {exc}"
        return 0.0, answer.text, (ErrorFlag.other_error, message)

    def _answer(self, value: object) -> Answer | Ambiguous | None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return parse_reference(value, self.spec.symbolic)
        return extract_answer(as_text(value), self.spec.extract, self.spec.symbolic)


def _usable(reference: Answer | Ambiguous | None) -> bool:
    if reference is None or isinstance(reference, Ambiguous):
        return False
    return not (isinstance(reference, Parsed) and reference.error is not None)


def _reference_error(reference: Answer | Ambiguous | None, raw: object) -> str:
    if isinstance(reference, Parsed) and reference.error:
        return reference.error
    if isinstance(reference, Ambiguous):
        return f"reference {as_text(raw)[:60]!r} has several boxed answers that disagree"
    return f"reference {as_text(raw)[:60]!r} is not a number"
