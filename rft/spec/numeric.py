"""Spec of the numeric grader (tolerance and symbolic equivalence)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rft.spec.base import GraderSpecBase, SpecModel, Template


class Tolerance(SpecModel):
    """|answer - reference| <= abs + rel * |reference| passes."""

    abs: float = Field(default=1e-9, ge=0)
    rel: float = Field(
        default=0.0, ge=0, description="0 by default: large integers compare exactly."
    )


class PartialCredit(SpecModel):
    """Score decays with the relative error: exp(-rel_error / scale); 0 beyond `max_rel_error`."""

    scale: float = Field(default=0.1, gt=0)
    max_rel_error: float = Field(default=1.0, gt=0)


class NumericSpec(GraderSpecBase):
    """Scores 1 when the number in `input` equals `reference` within `tolerance`.

    The answer is the last `\\boxed{}` if any, else the whole text when it parses, else the
    last number in the text. With `symbolic`, sympy decides equivalence of expressions
    (fractions, `\\frac`, sqrt, pi, `x = 3`), bounded by `timeout_s` per sample.
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
