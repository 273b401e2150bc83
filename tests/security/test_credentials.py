"""Credentials belong to the user: a bundle never makes rft send a secret to a host it chose.

Every test runs real loopback chat-completions servers that record each request's headers,
with `SECRET=hunter2` and `OPENAI_API_KEY` set in the environment, and checks that the
secret never arrives (and appears in no message), for grading, `check_endpoint`
(`validate --check-endpoints`), redirects and the CLI. Positive controls show that the
recording works: the user's key does arrive where the user configured it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import rft
from rft.judge import check_endpoint
from rft.judge.fake_server import FakeJudgeServer

SECRET = "hunter2"
OPENAI_KEY = "sk-user-openai-key"
ITEM = {"question": "q"}


@pytest.fixture(autouse=True)
def hostile_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Secrets in the environment; the user's config dir is a fresh temp dir."""
    monkeypatch.setenv("SECRET", SECRET)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("RFT_ENDPOINTS_FILE", raising=False)
    config_home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    return config_home


@pytest.fixture
def server() -> Iterator[FakeJudgeServer]:
    with FakeJudgeServer() as srv:
        yield srv


def user_config(config_home: Path, endpoints: dict[str, Any], **top: Any) -> Path:
    path = config_home / "rft" / "endpoints.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"endpoints": endpoints, **top}))
    return path


def bundle(kind: str, endpoint: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": kind,
        "name": "judge",
        "model": "fake-judge",
        "input": [{"role": "user", "content": "{{ sample.output_text }}"}],
        "cache": False,
        "max_retries": 0,
        "timeout_s": 3,
    }
    if endpoint is not None:
        spec["endpoint"] = endpoint
    if kind == "score_model":
        spec["range"] = [0, 10]
    else:
        spec.update(labels=["good", "bad"], passing_labels=["good"])
    return spec


def all_header_values(srv: FakeJudgeServer) -> list[str]:
    return [v for _, _, headers in srv.received for v in headers.values()]


def assert_never_sent(srv: FakeJudgeServer, secret: str = SECRET) -> None:
    assert not any(secret in value for value in all_header_values(srv))


KINDS = ["score_model", "label_model"]
BAD_KEY_VARS = ["SECRET", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("var", BAD_KEY_VARS)
def test_a_bundle_naming_a_key_for_its_own_host_is_refused_at_load(server, kind, var):
    spec = bundle(kind, {"base_url": server.base_url(), "api_key_env": var})
    with pytest.raises(rft.BundleError) as err:
        rft.compile(spec)
    message = str(err.value)
    assert "field `endpoint.api_key_env`" in message
    assert f"asks to send ${var} to {server.base_url()}, a host you did not configure" in message
    assert "endpoints.yaml" in message  # says how to allow-list it
    assert SECRET not in message and OPENAI_KEY not in message
    assert server.received == []


@pytest.mark.parametrize("kind", KINDS)
def test_no_api_key_env_sends_no_key_to_a_bundle_chosen_loopback_host(server, kind):
    with rft.compile(bundle(kind, {"base_url": server.base_url()})) as reward:
        s = reward.score(["SCORE=4" if kind == "score_model" else "LABEL=good"], [ITEM])
    assert not s.any_error.any()
    assert server.requests == 1
    assert_never_sent(server, OPENAI_KEY)
    assert_never_sent(server)
    assert all("authorization" not in h for _, _, h in server.received)


@pytest.mark.parametrize(
    "url",
    [
        "https://judge.example.com/v1",
        "http://10.0.0.7:8000/v1",
        "http://127.0.0.1.evil.example/v1",
        "http://localhost@evil.example/v1",
        "http://0.0.0.0:8000/v1",
        "https://api.openai.com.evil.example/v1",
    ],
)
def test_a_bundle_chosen_remote_host_is_refused_at_load(url):
    with pytest.raises(rft.BundleError) as err:
        rft.compile(bundle("score_model", {"base_url": url}))
    message = str(err.value)
    assert "field `endpoint.base_url`" in message
    assert f"sends judge requests to {url}, a host you did not configure" in message


def test_a_bundle_cannot_pick_another_variable_for_a_host_the_user_configured(server, hostile_env):
    user_config(
        hostile_env, {"mine": {"base_url": server.base_url(), "api_key_env": "OPENAI_API_KEY"}}
    )
    spec = bundle("score_model", {"base_url": server.base_url(), "api_key_env": "SECRET"})
    with pytest.raises(rft.BundleError, match="a bundle cannot choose which secret is sent"):
        rft.compile(spec)
    assert server.received == []


def test_positive_control_the_users_key_arrives_where_the_user_configured_it(server, hostile_env):
    user_config(hostile_env, {"mine": {"base_url": server.base_url(), "api_key_env": "SECRET"}})
    for endpoint in ("mine", {"base_url": server.base_url() + "/"}):
        with rft.compile(bundle("score_model", endpoint)) as reward:
            s = reward.score(["SCORE=4"], [ITEM])
        assert s.scores.tolist() == [0.4]
    assert [h.get("authorization") for _, _, h in server.received] == [f"Bearer {SECRET}"] * 2


def test_openai_grader_json_names_only_a_model_and_uses_the_users_openai_settings(
    server, monkeypatch
):
    grader = {
        "type": "score_model",
        "name": "judge",
        "model": "fake-judge",
        "input": [{"role": "user", "content": "{{ sample.output_text }}"}],
        "range": [0, 10],
    }
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url())  # the user's choice
    monkeypatch.setenv("RFT_CACHE_DIR", str(Path(os.environ["XDG_CONFIG_HOME"]) / "cache"))
    with rft.compile(json.loads(json.dumps(grader))) as reward:
        assert reward.score(["SCORE=6"], [ITEM]).scores.tolist() == [0.6]
    assert [h.get("authorization") for _, _, h in server.received] == [f"Bearer {OPENAI_KEY}"]


def test_an_unknown_endpoint_name_is_a_located_error(hostile_env):
    path = user_config(hostile_env, {"local": {"base_url": "http://127.0.0.1:1/v1"}})
    with pytest.raises(rft.BundleError) as err:
        rft.compile(bundle("score_model", "production"))
    message = str(err.value)
    assert "field `endpoint`" in message
    assert f"endpoint `production` is not configured (configured in {path}: local)" in message


def test_an_invalid_user_endpoints_file_is_a_located_error(hostile_env):
    path = hostile_env / "rft" / "endpoints.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("endpoints:\n  local:\n    url: http://127.0.0.1/v1\n")
    with pytest.raises(rft.BundleError) as err:
        rft.compile(bundle("score_model", "local"))
    assert str(err.value).startswith(f"{path}, field `endpoints.local.base_url`")


def test_check_endpoint_never_sends_a_bundle_named_secret(server):
    spec = rft.load_bundle(
        bundle("score_model", {"base_url": server.base_url(), "api_key_env": "SECRET"})
    ).spec
    message = check_endpoint(spec, timeout_s=2)
    assert message is not None and "asks to send $SECRET" in message
    assert SECRET not in message
    assert server.received == []
    spec = rft.load_bundle(bundle("score_model", {"base_url": server.base_url()})).spec
    assert check_endpoint(spec, timeout_s=2) is None
    assert [(m, t) for m, t, _ in server.received] == [("GET", "/v1/models")]
    assert_never_sent(server, OPENAI_KEY)
    assert_never_sent(server)


def test_a_redirect_from_the_users_host_does_not_carry_the_key_elsewhere(hostile_env):
    with FakeJudgeServer() as elsewhere, FakeJudgeServer(redirect_to=None) as mine:
        mine.redirect_to = elsewhere.url
        user_config(
            hostile_env,
            {"mine": {"base_url": mine.base_url("redirect"), "api_key_env": "SECRET"}},
        )
        with rft.compile(bundle("score_model", "mine")) as reward:
            s = reward.score(["SCORE=4"], [ITEM])
        assert s.errors["model_grader_server_error"].tolist() == [True]
        assert "HTTP 307" in s.first_message(0)
        spec = rft.load_bundle(bundle("score_model", "mine")).spec
        check_endpoint(spec, timeout_s=2)
        assert elsewhere.received == []
        assert len(mine.received) == 2  # the POST and the GET, both refused by a redirect


def test_cli_run_and_validate_refuse_the_bundle_with_exit_2(server, tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(
        yaml.safe_dump(
            bundle("score_model", {"base_url": server.base_url(), "api_key_env": "SECRET"})
        )
    )
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(ITEM) + "\n")
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps("SCORE=4") + "\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    commands = [
        ["graders", "run", str(path), "--data", str(data), "--samples", str(samples)],
        ["graders", "validate", str(path)],
        ["graders", "validate", str(path), "--check-endpoints"],
    ]
    for args in commands:
        done = subprocess.run(
            [sys.executable, "-m", "rft.cli.main", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 2, output
        assert "Traceback" not in output
        assert str(path) in output and "endpoint.api_key_env" in output
        assert SECRET not in output
    assert server.received == []
