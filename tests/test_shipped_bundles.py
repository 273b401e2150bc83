"""Every bundle in graders/ passes its own `tests:` (what `rft graders test graders/*.yaml` runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rft
from rft.testing import run_bundle_tests

GRADERS = sorted((Path(__file__).resolve().parent.parent / "graders").glob("*.yaml"))


@pytest.mark.parametrize("path", GRADERS, ids=[p.stem for p in GRADERS])
def test_bundle_tests_pass(path: Path) -> None:
    if path.stem == "judge_example":
        pytest.skip(
            "needs a judge server: tests/judge/test_judge_example_bundle.py grades it against one"
        )
    outcomes = run_bundle_tests(rft.load_bundle(path))
    assert len(outcomes) >= 3, f"{path.name} should ship at least 3 tests"
    failures = [f"{o.title}: {'; '.join(o.problems)}" for o in outcomes if not o.passed]
    assert not failures, failures
