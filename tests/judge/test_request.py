"""The request body: sampling parameters as OpenAI's API reference names and accepts them."""

from __future__ import annotations

import pytest

import rft
from rft.judge.request import request_body
from rft.spec.model import SamplingParams

EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"]  # OpenAI's API reference


@pytest.mark.parametrize("effort", EFFORTS)
def test_every_documented_reasoning_effort_loads_and_is_sent(judge_spec, effort):
    spec = rft.load_bundle(judge_spec(sampling_params={"reasoning_effort": effort})).spec
    body = request_body("m", [], spec.sampling_params)
    assert body == {"model": "m", "messages": [], "reasoning_effort": effort}


def test_an_unknown_reasoning_effort_is_refused(judge_spec):
    with pytest.raises(rft.BundleError, match="reasoning_effort"):
        rft.load_bundle(judge_spec(sampling_params={"reasoning_effort": "extreme"}))


def test_max_tokens_name_follows_the_server_and_seed_follows_the_draw():
    params = SamplingParams(max_tokens=64, seed=5, temperature=0.0)
    assert request_body("m", [], params, draw=2, official=True) == {
        "model": "m",
        "messages": [],
        "temperature": 0.0,
        "seed": 7,
        "max_completion_tokens": 64,
    }
    assert request_body("m", [], params)["max_tokens"] == 64
