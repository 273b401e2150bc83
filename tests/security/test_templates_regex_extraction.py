"""Regexes and extraction filters run in linear time on hostile inputs, in a child process.

A backtracking engine takes seconds on `^(a+)+$` against 28 a's and a b (and doubles with
each more a); the quadratic `extract_tag` took > 25 s on 180 KB of repeated tags.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rft.extraction import after, boxed, extract_tag, last_number, regex
from rft.safe_regex import RegexError, compile_regex

REPO = Path(__file__).resolve().parents[2]
LIMIT_S = 20.0


def run_isolated(code: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


HOSTILE = {
    # (expression over `text`, text, expected result)
    "nested_quantifier": ("regex(text, r'^(a+)+$')", "'a' * 2000 + 'b'", None),
    "nested_quantifier_28": ("regex(text, r'^(a+)+$')", "'a' * 28 + 'b'", None),
    "alternation_blowup": ("regex(text, r'^(a|a)*$')", "'a' * 5000 + 'b'", None),
    "extract_tag_repeated_open": ("extract_tag(text, 'answer')", "'<answer>' * 20000", None),
    "extract_tag_repeated_pairs": (
        "extract_tag(text, 'answer')",
        "'<answer>x</answer>' * 10000",
        "x",
    ),
    "extract_tag_open_then_close": (
        "extract_tag(text, 'answer')",
        "'<answer>' * 20000 + '</answer>'",
        "",
    ),
    "boxed_many": ("boxed(text)", "'\\\\boxed{' * 50000", None),
    "last_number_digits": ("last_number(text)", "'1,' * 100000", "1"),
    "last_number_minus": ("last_number(text)", "'-.' * 100000 + '5'", ".5"),
    "after_many": ("after(text, 'Answer:')", "'Answer:' * 50000 + ' 7'", "7"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_extraction_is_linear(name: str) -> None:
    expression, text, expected = HOSTILE[name]
    result = run_isolated(
        f"""
        import json, time
        from rft.extraction import after, boxed, extract_tag, last_number, regex
        text = {text}
        start = time.perf_counter()
        value = {expression}
        print(json.dumps({{"value": value, "seconds": time.perf_counter() - start}}))
        """
    )
    assert result["value"] == expected
    # One linear pass over < 1 MB: far under a second even on a loaded machine.
    assert result["seconds"] < 2.0, result


def test_regex_is_re2_and_refuses_backtracking_only_syntax() -> None:
    with pytest.raises(RegexError, match=r"backreferences or lookarounds"):
        compile_regex(r"(a)\1")
    with pytest.raises(RegexError, match=r"invalid perl operator"):
        compile_regex(r"(?<=a)b")
    assert compile_regex(r"(?P<n>\d+)").search("id 42").group("n") == "42"


def test_regex_filter_semantics() -> None:
    assert regex("id: 77", r"id: (\d+)", 1) == "77"
    assert regex("a\nb", r"a.b") == "a\nb"  # dot matches newlines, as before
    assert regex("x", r"y") is None
    assert regex("héllo wörld", r"w(.)rld", 1) == "ö"


def test_extraction_results() -> None:
    assert extract_tag("<answer>1</answer> then <answer> 2 </answer>") == "2"
    assert extract_tag("<answer>1<answer>2</answer>") == "2"
    assert extract_tag("<answer>1</answer><answer>open") == "1"
    assert extract_tag("no tag") is None
    assert boxed("\\boxed{1} and \\boxed{\\frac{1}{2}}") == "\\frac{1}{2}"
    assert after("Answer: 1. Answer: 2", "Answer:") == "2"
    assert last_number("x = −3.5") == "−3.5"


def test_a_bad_constant_pattern_is_a_load_error() -> None:
    from rft.errors import TemplateError
    from rft.templates import compile_template

    with pytest.raises(
        TemplateError, match=r"invalid regular expression '\(a\)\\\\1'.*backreferences"
    ):
        compile_template(r"{{ sample.output_text | regex('(a)\\1') }}")
