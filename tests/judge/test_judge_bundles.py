"""The shipped rubric and panel bundles pass their `tests:` against a real loopback judge.

Their endpoints are pointed at the scripted loopback server (real HTTP), whose replies the
tests' samples script; everything else in the bundles is used as shipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import rft
from rft.testing import run_bundle_tests

GRADERS = Path(__file__).resolve().parents[2] / "graders"


def _retarget(spec: dict[str, Any], base_url: str, cache: Path) -> None:
    if "endpoint" in spec:
        spec["endpoint"] = {"base_url": base_url}
        spec["cache"] = str(cache)
    for sub in spec.get("judges", {}).values():
        _retarget(sub, base_url, cache)


@pytest.mark.parametrize("name", ["rubric_example", "panel_example"])
def test_bundle_tests_pass_against_the_loopback_judge(name, scripted_server, tmp_path):
    spec = yaml.safe_load((GRADERS / f"{name}.yaml").read_text())
    _retarget(spec, scripted_server.base_url(), tmp_path / "cache")
    outcomes = run_bundle_tests(rft.load_bundle(spec))
    assert len(outcomes) >= 3
    failures = [f"{o.title}: {'; '.join(o.problems)}" for o in outcomes if not o.passed]
    assert not failures, failures
    assert scripted_server.requests > 0


def test_panel_bundle_with_a_member_down(scripted_server, tmp_path):
    spec = yaml.safe_load((GRADERS / "panel_example.yaml").read_text())
    _retarget(spec, scripted_server.base_url(), tmp_path / "cache")
    spec["judges"]["llama"]["endpoint"] = {"base_url": scripted_server.base_url("error500")}
    spec["judges"]["llama"]["max_retries"] = 0
    item = {"question": "What is 6 * 7?", "reference": "42"}
    text = (
        'REPLY[Qwen/Qwen2.5-1.5B-Instruct]: {"result": 7}\n'
        'REPLY[Qwen/Qwen2.5-3B-Instruct]: {"result": "right"}'
    )
    with rft.compile(spec) as reward:
        s = reward.score([text], [item])
    assert s.scores.tolist() == pytest.approx([0.85])
    assert s.details["answer_panel"]["failed_judges"] == [["llama: model_grader_server_error"]]
    assert s.details["answer_panel"]["agreement"] == [pytest.approx(0.7)]
    assert not s.any_error.any()
