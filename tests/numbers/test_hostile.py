"""Pathological outputs: every one gets a finite score in [0, 1], fast, without raising.

Each input once made a quadratic (or worse) scan: repeated markers, unclosed boxes and tags,
long digit runs before a vulgar fraction, superscript runs, deep nesting.
"""

from __future__ import annotations

import math
import time

import pytest

import rft

HOSTILE = [
    "(" * 10000,
    "1," * 10000,
    r"\pm" * 1000,
    "x = " * 1000,
    "1 and " * 5000,
    "10" + "⁹" * 5000,
    "9" * 3000 + "²" * 3000,
    "9!!!!!!",
    r"\binom{10^9}{5*10^8}",
    "(10^{10})!",
    r"\log_1 5",
    r"\sin(10^{1000})",
    "The answer is " * 2000,
    "answer: 5 " * 3000,
    "1<2<3<4<x",
    r"\boxed{" * 3000,
    "{" * 5000 + "}" * 5000,
    "[1, 2)" * 2000,
    r"\cup".join(["(1,2)"] * 2000),
    "1 " * 10000,
    "1" + " 000" * 3000,
    r"\frac{1}{2}" * 2000,
    "½" * 3000,
    "1½" * 3000,
    "x" + "²" * 5000,
    "₂" * 5000,
    r"\sqrt" * 3000 + "2",
    "-" * 10000 + "1",
    "2^" * 5000 + "2",
    r"\log_2" * 1000 + " 8",
    "e^{e^{e^{e^{e^{10}}}}}",
    r"\tan(\pi/2)",
    r"\cos(\infty)",
    r"\infty - \infty",
    "0^0",
    "0!" * 3000,
    "Answer: " + "(" * 3000,
    "<answer>" * 3000,
    "####" * 3000,
    r"\text{" * 3000,
    "\\$" * 5000,
    r"\left(" * 3000,
    "Check: " * 3000 + "5",
]


@pytest.mark.parametrize("reference", [7, "(1, 2)", "1 and 2", r"\infty"])
def test_hostile_outputs_score_zero_quickly(reference: object) -> None:
    reward = rft.compile({"type": "numeric", "name": "n", "reference": "{{ item.answer }}"})
    start = time.perf_counter()
    result = reward.score(HOSTILE, [{"answer": reference}] * len(HOSTILE))
    elapsed = time.perf_counter() - start
    assert all(math.isfinite(s) for s in result.scores)
    assert result.scores.tolist() == [0.0] * len(HOSTILE)
    assert elapsed < 10  # about 1 s on a shared 2-core machine; quadratic scans took minutes
