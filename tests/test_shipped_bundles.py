"""Every bundle in graders/ passes its own `tests:` (what `rft graders test graders/*.yaml` runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rft
from rft.spec.base import GraderSpecBase
from rft.testing import run_bundle_tests

GRADERS = sorted((Path(__file__).resolve().parent.parent / "graders").glob("*.yaml"))


def _specs(value: object):
    """Every grader spec inside a spec (multi's graders, a panel's judges, ...)."""
    if isinstance(value, GraderSpecBase):
        yield value
        for field in type(value).model_fields:
            yield from _specs(getattr(value, field))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _specs(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _specs(item)


@pytest.mark.parametrize("path", GRADERS, ids=[p.stem for p in GRADERS])
def test_bundle_tests_pass(path: Path) -> None:
    bundle = rft.load_bundle(path)
    if any(spec.calls_models for spec in _specs(bundle.spec)):
        pytest.skip("needs a judge server: tests/judge/test_judge_*bundle*.py grade it against one")
    outcomes = run_bundle_tests(bundle)
    assert len(outcomes) >= 3, f"{path.name} should ship at least 3 tests"
    failures = [f"{o.title}: {'; '.join(o.problems)}" for o in outcomes if not o.passed]
    assert not failures, failures
