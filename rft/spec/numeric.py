"""Spec of the numeric grader (tolerance and symbolic equivalence)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rft.spec.base import GraderSpecBase, SpecModel, Template

DEFAULT_ABS = 1e-30
DEFAULT_REL = 1e-9


class Tolerance(SpecModel):
    """How close a number must be to the reference.

    Both sides exact (integers, decimals, fractions, rational results): equal or not, unless
    `exact` is false. Otherwise |answer - reference| <= max(abs, rel * |reference|): `rel` is
    relative to the reference, `abs` is the floor for a reference of 0.
    """

    abs: float | None = Field(
        default=None, ge=0, description="Floor for a reference of 0 (default 1e-30)."
    )
    rel: float | None = Field(
        default=None, ge=0, description="Relative to the reference (default 1e-9)."
    )
    exact: bool | None = Field(
        default=None,
        description="Compare exact values exactly (default: true unless abs or rel is set).",
    )

    def resolved(self) -> tuple[float, float, bool]:
        """(abs, rel, exact) with the defaults filled in."""
        exact = self.exact if self.exact is not None else self.abs is None and self.rel is None
        return (
            DEFAULT_ABS if self.abs is None else self.abs,
            DEFAULT_REL if self.rel is None else self.rel,
            exact,
        )


class PartialCredit(SpecModel):
    """Score decays with the relative error: exp(-rel_error / scale); 0 beyond `max_rel_error`."""

    scale: float = Field(default=0.1, gt=0)
    max_rel_error: float = Field(default=1.0, gt=0)


class NumericSpec(GraderSpecBase):
    """Scores 1 when the number in `input` equals `reference` within `tolerance`.

    The answer is taken from an explicit marker first (`\\boxed{}`, `<answer>`, "the answer
    is", "Final answer:"), else the whole text when it parses, else the last number; a later
    check or remark never overrides a marked answer, and boxes that disagree are flagged.
    Structured answers (intervals, sets, tuples, `\\pm`, several solutions, equations)
    compare as structures. With `symbolic`, sympy decides equivalence of expressions with
    free symbols, bounded by `timeout_s` per sample.
    """

    type: Literal["numeric"] = "numeric"
    input: Template = "{{ sample.output_text }}"
    reference: Template
    tolerance: Tolerance = Field(default_factory=Tolerance)
    symbolic: bool = True
    partial_credit: bool | PartialCredit = False
    extract: Literal["auto", "whole", "last_number", "boxed"] = Field(
        default="auto", description="How the answer is taken from the text (`auto` as above)."
    )
    timeout_s: float = Field(default=1.0, gt=0, description="sympy time bound per sample.")
