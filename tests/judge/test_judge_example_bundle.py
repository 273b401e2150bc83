"""The shipped judge bundle works end to end against a real chat-completions server on loopback."""

from __future__ import annotations

from pathlib import Path

import yaml

import rft
from rft.judge import check_endpoint
from rft.judge.fake_server import FakeJudgeServer

BUNDLE = Path(__file__).resolve().parents[2] / "graders" / "judge_example.yaml"


def test_judge_example_bundle_scores_and_caches(
    judge_server: FakeJudgeServer, tmp_path: Path
) -> None:
    spec = yaml.safe_load(BUNDLE.read_text())
    spec["endpoint"]["base_url"] = judge_server.base_url("")
    spec["cache"] = str(tmp_path / "cache")
    spec["model"] = "fake-judge"  # the name the loopback server serves
    item = {"question": "What is 2+2?", "reference": "4"}
    with rft.compile(spec) as reward:
        assert check_endpoint(reward.grader.spec, base_dir=tmp_path) is None
        first = reward.score(["SCORE=8", "SCORE=3", "SCORE=10"], [item] * 3)
        assert first.scores.tolist() == [0.8, 0.3, 1.0]
        assert not first.any_error.any()
        assert first.grader_usage["helpfulness_judge"]["judge_requests"] == 3
        second = reward.score(["SCORE=8", "SCORE=3", "SCORE=10"], [item] * 3)
        assert second.scores.tolist() == first.scores.tolist()
        assert second.usage.get("judge_cache_hits") == 3
