"""`numeric`: numbers and math answers equal within a tolerance, with optional partial credit.

Parsing lives in `rft.numbers` (plain forms by regex + Fraction, constant expressions by rft's
own parser, expressions with free symbols by sympy in a bounded worker process).
"""

from __future__ import annotations

import numpy as np

from rft.batch import Batch
from rft.errors import ErrorFlag
from rft.graders.base import CompileContext, Grader, GraderOutput, as_text
from rft.graders.registry import register
from rft.numbers import (
    Parsed,
    SympyTimeout,
    Tolerances,
    extract_answer,
    parse_reference,
    score_values,
    symbolic_equivalent,
)
from rft.spec.numeric import NumericSpec, PartialCredit


@register
class NumericGrader(Grader):
    """Scores 1 when the number in `input` equals `reference` within `tolerance`.

    Args (spec fields):
        input: template of the answer text (default `{{ sample.output_text }}`). Rendered
            numbers (an int or float field) are used as they are.
        reference: template of the expected answer: a number, or text read like an answer
            (so `#### 72`, `\\boxed{72}` and `$\\frac{3}{4}$` work as references).
        tolerance: `{abs, rel}`; passes when |answer - reference| <= abs + rel * |reference|.
            Rationals compare exactly, irrational values at 128 bits. `rel` defaults to 0 so
            large integers compare exactly (a relative 1e-9 would pass 2049425731 for
            2049425730); `abs` (1e-9) absorbs float noise.
        symbolic: accept expressions (`\\frac{\\pi}{2}`, `2\\sqrt{2}`, `3 \\times 10^{5}`,
            `2(x+1)`). Constant expressions are evaluated by rft (exact where rational); only
            expressions with free symbols go to sympy (`simplify(a - r) == 0`). Without it only
            plain numbers, `a/b`, `\\frac{a}{b}` and percentages parse.
        partial_credit: `true` or `{scale, max_rel_error}`: outside the tolerance the score is
            exp(-rel_error / scale), and 0 beyond `max_rel_error`.
        extract: `auto` (the last `\\boxed{}`; else the whole text when it is short and parses;
            else the last `$…$` math segment when no digit follows it; else the last number),
            `whole`, `boxed`, or `last_number`.
        timeout_s: wall-clock bound of one sympy decision.

    Surface forms: thousands separators (`1,234`, `1{,}234`), unicode minus and digits,
    `x = 3` (the right-hand side counts), trailing units (`12 dollars`, `12\\text{ cm}`),
    scientific notation (`1.5e3`, `1.5 \\times 10^{3}`). A percentage `p%` equals both p and
    p/100 (math-verify's rule): `50%` matches 50 and 0.5. `nan`/`inf` are never numbers.

    Flags: `other_error` when the reference is not a number, when a value is beyond 10^±10000
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
        self.tolerances = Tolerances(
            abs=spec.tolerance.abs,
            rel=spec.tolerance.rel,
            scale=partial.scale if partial else None,
            max_rel=partial.max_rel_error if partial else 1.0,
        )

    def grade(self, batch: Batch) -> GraderOutput:
        n = len(batch)
        out = GraderOutput(scores=np.zeros(n))
        inputs = out.render(batch, self.input)
        references = out.render(batch, self.reference)
        failed = out.failed
        symbolic = self.spec.symbolic
        scores = out.scores
        answers: list[str | None] = [None] * n
        errors: list[int] = []
        messages: list[str] = []
        for i in range(n):
            if failed[i]:
                continue
            reference = parse_reference(references.values[i], symbolic)
            if reference is None or reference.error is not None:
                errors.append(i)
                messages.append(
                    reference.error
                    if reference is not None and reference.error
                    else f"reference {as_text(references.values[i])[:60]!r} is not a number"
                )
                continue
            answer = self._answer(inputs.values[i])
            if answer is None:
                continue
            answers[i] = answer.text
            if answer.error is not None:
                errors.append(i)
                messages.append(answer.error)
                continue
            try:
                scores[i] = self._compare(answer, reference)
            except SympyTimeout as exc:
                errors.append(i)
                messages.append(f"symbolic check of {answer.text[:40]!r} timed out: {exc}")
            except RuntimeError as exc:
                errors.append(i)
                messages.append(f"symbolic check of {answer.text[:40]!r} failed: {exc}")
        if errors:
            out.flag(ErrorFlag.other_error, errors, messages)
        out.details["answer"] = answers
        return out

    def _answer(self, value: object) -> Parsed | None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return parse_reference(value, self.spec.symbolic)
        return extract_answer(as_text(value), self.spec.extract, self.spec.symbolic)

    def _compare(self, answer: Parsed, reference: Parsed) -> float:
        if answer.values and reference.values:
            return score_values(answer, reference, self.tolerances)
        if answer.expression is not None and reference.expression is not None:
            # Both have free symbols: only sympy can tell (bounded, in its worker process).
            same = symbolic_equivalent(answer.expression, reference.expression, self.spec.timeout_s)
            return 1.0 if same else 0.0
        return 0.0  # a number against an expression in x: not the same answer
