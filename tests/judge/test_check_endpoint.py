"""`check_endpoint`, what `rft graders validate --check-endpoints` calls."""

from __future__ import annotations

import socket

import rft
from rft.judge import check_endpoint


def spec_of(bundle):
    return rft.load_bundle(bundle).spec


def test_reachable_endpoint_serving_the_model(judge_spec):
    assert check_endpoint(spec_of(judge_spec())) is None


def test_model_not_served(judge_spec):
    bundle = judge_spec()
    bundle["model"] = "gpt-17"
    message = check_endpoint(spec_of(bundle))
    assert message and "does not serve model `gpt-17`" in message and "fake-judge" in message


def test_unreachable_endpoint(judge_spec):
    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bundle = judge_spec()
    bundle["endpoint"]["base_url"] = f"http://127.0.0.1:{port}/v1"
    message = check_endpoint(spec_of(bundle), timeout_s=2)
    assert message and message.startswith("cannot reach the judge")


def test_missing_local_model(judge_spec, tmp_path):
    bundle = judge_spec(provider="transformers", model=str(tmp_path / "nothing"))
    assert "not found" in check_endpoint(spec_of(bundle))
