"""The pytest plugin collects bundle tests as test items."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

GOOD = """type: string_check
name: exact
reference: "{{ item.answer }}"
tests:
  - {name: right, item: {answer: a}, sample: a, expect: 1}
  - {name: wrong, item: {answer: a}, sample: b, expect: 0}
"""


def test_plugin_collects_and_runs_bundle_tests(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", good=GOOD, failing=GOOD.replace("expect: 0", "expect: 1"))
    pytester.makefile(".yaml", notabundle="key: value\n")
    result = pytester.runpytest("--rft-graders", "-v")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*failing.yaml::wrong*FAILED*", "*score 0, expected 1*"])


def test_plugin_is_inactive_without_the_flag(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", good=GOOD)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_plugin_reports_a_broken_bundle_as_a_failure(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", broken="type: string_chek\nreference: x\n")
    result = pytester.runpytest("--rft-graders")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*did you mean `string_check`*"])
