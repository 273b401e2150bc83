"""Running a bundle's `tests:` (used by `rft graders test` and the pytest plugin)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rft.errors import ERROR_FLAGS
from rft.loading import Bundle
from rft.reward import RewardFunction
from rft.spec.base import BundleTest, ExpectRange, ExpectSpec, GraderSpecBase


@dataclass
class TestOutcome:
    """The result of one bundle test."""

    __test__ = False  # not a pytest test class

    grader: str
    name: str
    passed: bool
    score: float | None
    expected: str
    problems: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.grader}: {self.name}" if self.grader else self.name


def _describe(expect: float | ExpectRange) -> str:
    return f"[{expect.min:g}, {expect.max:g}]" if isinstance(expect, ExpectRange) else f"{expect:g}"


def _matches(value: float, expect: float | ExpectRange, tolerance: float) -> bool:
    if isinstance(expect, ExpectRange):
        return expect.min - tolerance <= value <= expect.max + tolerance
    return abs(value - expect) <= tolerance


def _sample(test: BundleTest) -> Any:
    sample = test.sample
    assert not isinstance(sample, str)  # the validator expands the shorthand
    fields: dict[str, Any] = {"output_text": sample.output_text}
    if sample.output_json is not None:
        fields["output_json"] = sample.output_json
    if sample.output_tools is not None:
        fields["output_tools"] = sample.output_tools
    return fields


def run_test(reward: RewardFunction, grader: str, test: BundleTest) -> TestOutcome:
    """Score the test's sample against its item and check the expectation."""
    scores = reward.score([_sample(test)], [test.item])
    score = float(scores.scores[0])
    expect = test.expect
    problems: list[str] = []
    if isinstance(expect, ExpectSpec):
        expected_parts = []
        if expect.score is not None:
            expected_parts.append(f"score {_describe(expect.score)}")
            if not _matches(score, expect.score, test.tolerance):
                problems.append(f"score {score:.4g}, expected {_describe(expect.score)}")
        for name, sub_expect in expect.sub_scores.items():
            expected_parts.append(f"{name} {_describe(sub_expect)}")
            if name not in scores.sub_scores:
                problems.append(
                    f"no sub-grader `{name}`; sub-graders: {', '.join(scores.sub_scores)}"
                )
            elif not _matches(float(scores.sub_scores[name][0]), sub_expect, test.tolerance):
                problems.append(
                    f"{name} {float(scores.sub_scores[name][0]):.4g}, expected {_describe(sub_expect)}"
                )
        if expect.errors is not None:
            expected_parts.append(f"errors {sorted(expect.errors)}")
            unknown = [e for e in expect.errors if e not in ERROR_FLAGS]
            raised = sorted(flag for flag, mask in scores.errors.items() if mask[0])
            if unknown:
                problems.append(f"unknown error flags {unknown}; flags: {', '.join(ERROR_FLAGS)}")
            elif raised != sorted(expect.errors):
                problems.append(f"errors {raised}, expected {sorted(expect.errors)}")
        expected = ", ".join(expected_parts) or "anything"
    else:
        expected = _describe(expect)
        if not _matches(score, expect, test.tolerance):
            problems.append(f"score {score:.4g}, expected {expected}")
    message = scores.first_message(0)
    if problems and message:
        problems.append(f"grader error: {message}")
    return TestOutcome(
        grader=grader,
        name=test.name,
        passed=not problems,
        score=score,
        expected=expected,
        problems=problems,
    )


def run_bundle_tests(bundle: Bundle, only: int | None = None) -> list[TestOutcome]:
    """Run the bundle's tests (all, or the `only`-th); tests on sub-graders grade that sub-grader alone."""
    compiled: dict[int, RewardFunction] = {}
    outcomes = []
    selected = list(bundle.tests())
    if only is not None:
        selected = selected[only : only + 1]
    try:
        for grader_path, spec, test in selected:
            reward = compiled.get(id(spec))
            if reward is None:
                reward = compiled[id(spec)] = _compile_part(bundle, spec)
            outcomes.append(run_test(reward, grader_path.rstrip("."), test))
    finally:
        for reward in compiled.values():
            reward.close()
    return outcomes


def _compile_part(bundle: Bundle, spec: GraderSpecBase) -> RewardFunction:
    if spec is bundle.spec:
        return RewardFunction(bundle)
    return RewardFunction(Bundle(spec=spec, path=bundle.path, lines=bundle.lines))  # type: ignore[arg-type]
