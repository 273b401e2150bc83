"""Spending limits against a real loopback server: tokens, dollars, and per-endpoint rate limits
shared by graders."""

from __future__ import annotations

import time

import pytest
import yaml

import rft
from rft.judge.limits import TokenBucket

ITEM = {"question": "q"}
TEXTS = [f"SCORE={k}" for k in range(6)]


def user_file(tmp_path, monkeypatch, content):
    path = tmp_path / "endpoints.yaml"
    path.write_text(yaml.safe_dump(content))
    monkeypatch.setenv("RFT_ENDPOINTS_FILE", str(path))
    return path


def test_token_budget_stops_spending_and_flags_the_rest(judge_spec, judge_server):
    # Each reply costs 20 prompt + ~22 completion tokens on the fake server.
    spec = judge_spec(max_tokens_spent=100, cache=False, concurrency=1)
    with rft.compile(spec) as reward:
        s = reward.score(TEXTS, [ITEM] * 6)
        assert judge_server.requests == 3  # 0, ~42, ~84 tokens spent before each: sent
        assert s.errors["model_grader_server_error"].tolist() == [False] * 3 + [True] * 3
        assert s.first_message(3) == (
            "judge: judge call failed: max_tokens_spent budget of 100 tokens is spent "
            "(120 used); request not sent"
        )
        assert s.usage["judge_prompt_tokens"] == 60
        reward.score(["SCORE=1"], [ITEM])  # the budget holds across batches
    assert judge_server.requests == 3


def test_cost_cap_uses_the_users_price_table(judge_spec, judge_server, tmp_path, monkeypatch):
    user_file(
        tmp_path,
        monkeypatch,
        {"prices": {"fake-judge": {"input_per_million": 1_000_000, "output_per_million": 0}}},
    )  # $1 per prompt token: $20 a call
    with rft.compile(judge_spec(max_cost_usd=50, cache=False, concurrency=1)) as reward:
        s = reward.score(TEXTS, [ITEM] * 6)
    assert judge_server.requests == 3  # $0, $20, $40 spent before each: sent; $60 stops
    assert s.usage["judge_cost_usd"] == 60.0
    assert s.errors["model_grader_server_error"].tolist() == [False] * 3 + [True] * 3
    assert "max_cost_usd cap of $50 is reached ($60.0000 spent)" in s.first_message(3)


def test_cost_cap_without_a_price_is_a_located_load_error(judge_spec):
    with pytest.raises(rft.BundleError) as err:
        rft.compile(judge_spec(max_cost_usd=5))
    assert "field `max_cost_usd`" in str(err.value)
    assert "needs the price of model `fake-judge`" in str(err.value)


def test_rpm_limit_is_shared_by_graders_on_one_endpoint(
    judge_spec, judge_server, tmp_path, monkeypatch
):
    user_file(
        tmp_path,
        monkeypatch,
        {"endpoints": {"local": {"base_url": judge_server.base_url(), "rpm": 600}}},
    )  # 10 requests a second, bursts of 10
    bundle = {
        "type": "multi",
        "name": "both",
        "graders": {
            "a": judge_spec(endpoint="local", cache=False, concurrency=16),
            "b": judge_spec(endpoint="local", cache=False, concurrency=16, range=[0, 20]),
        },
    }
    texts = [f"SCORE={k}" for k in range(15)]
    start = time.monotonic()
    with rft.compile(bundle) as reward:
        s = reward.score(texts, [ITEM] * 15)
    assert not s.any_error.any()
    arrivals = sorted(t - start for t in judge_server.arrivals)
    assert len(arrivals) == 30
    # 30 requests at 10/s with a burst of 10: the last cannot start before 2 s.
    assert arrivals[-1] >= 1.9
    # In no one-second window do more than the burst plus one second's refill arrive.
    assert max(sum(a <= t < a + 1.0 for t in arrivals) for a in arrivals) <= 20


def test_token_bucket_reservations_queue_fairly():
    bucket = TokenBucket(per_minute=60)  # 1 a second, burst 1
    assert bucket.reserve(1) == 0.0
    assert bucket.reserve(1) == pytest.approx(1.0, abs=0.05)
    assert bucket.reserve(1) == pytest.approx(2.0, abs=0.05)
    bucket.adjust(-2)  # two units were not used after all
    assert bucket.reserve(1) == pytest.approx(1.0, abs=0.05)
