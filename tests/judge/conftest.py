"""Fixtures of the judge tests: a real chat-completions server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rft.judge.fake_server import FakeJudgeServer, _completion, _sample_text


@pytest.fixture(autouse=True)
def no_user_endpoints(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The user's own endpoints file and OpenAI settings never leak into a test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    monkeypatch.delenv("RFT_ENDPOINTS_FILE", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture
def judge_server() -> Iterator[FakeJudgeServer]:
    """A loopback OpenAI-compatible server; its URL prefix picks a behaviour (see its doc)."""
    with FakeJudgeServer() as server:
        yield server


@pytest.fixture
def judge_spec(judge_server: FakeJudgeServer, tmp_path: Path):
    """Build a `score_model` bundle dict against `judge_server` in a given mode."""

    def make(mode: str = "", **fields: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "type": "score_model",
            "name": "judge",
            "model": "fake-judge",
            "range": [0, 10],
            "input": [
                {"role": "system", "content": "Grade the answer to: {{ item.question }}"},
                {"role": "user", "content": "Answer: {{ sample.output_text }}"},
            ],
            "endpoint": {"base_url": judge_server.base_url(mode), "api_key_env": None},
            "max_retries": 1,
            "timeout_s": 2,
            "cache": str(tmp_path / "judge-cache"),
        }
        spec.update(fields)
        return spec

    return make


_SCRIPT = re.compile(r"REPLY\[([\w.*/:-]+)\]:(.*)")


class ScriptedJudgeServer(FakeJudgeServer):
    """The loopback server, plus scripted replies: a sample holding the line
    ``REPLY[<model>]: <text>`` (``*`` for any model) gets `<text>` as the reply content when
    the request's model matches; other samples get the parent's behaviour."""

    async def _respond(self, method, target, headers, body):  # type: ignore[no-untyped-def]
        if method == "POST" and target.rstrip("/").endswith("/chat/completions"):
            request = json.loads(body)
            scripts = dict(_SCRIPT.findall(_sample_text(request)))
            text = scripts.get(request.get("model"), scripts.get("*"))
            path = target.strip("/").split("/")
            if text is not None and path[0] == "v1":
                self.received.append((method, target, dict(headers)))
                self.requests += 1
                self.by_mode[request.get("model", "")] += 1
                self.arrivals.append(time.monotonic())
                return 200, {}, json.dumps(_completion(text.strip())).encode()
        return await super()._respond(method, target, headers, body)


@pytest.fixture
def scripted_server() -> Iterator[ScriptedJudgeServer]:
    """A loopback server whose replies the samples script (see `ScriptedJudgeServer`)."""
    with ScriptedJudgeServer() as server:
        yield server
