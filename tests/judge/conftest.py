"""Fixtures of the judge tests: a real chat-completions server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rft.judge.fake_server import FakeJudgeServer


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
