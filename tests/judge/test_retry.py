"""The retry policy's parts: which failures are retried, and how `Retry-After` is read."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from rft.judge.retry import RETRY_AFTER_MAX_S, retry_after_s, should_retry

REQUEST = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")


def status_error(code: int) -> httpx.HTTPStatusError:
    response = httpx.Response(code, request=REQUEST)
    return httpx.HTTPStatusError(f"HTTP {code}", request=REQUEST, response=response)


@pytest.mark.parametrize(
    ("code", "retried"),
    [(400, False), (401, False), (404, False), (408, True), (429, True), (500, True), (503, True)],
)
def test_retried_statuses(code, retried):
    assert should_retry(status_error(code)) is retried


def test_retried_exceptions():
    assert should_retry(TimeoutError()) is True
    assert should_retry(httpx.ConnectError("refused", request=REQUEST)) is True
    assert should_retry(ValueError("bug")) is False


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("2", 2.0), ("0.5", 0.5), ("-3", 0.0), ("99999", RETRY_AFTER_MAX_S), ("soon", None)],
)
def test_retry_after_seconds(value, seconds):
    assert retry_after_s(httpx.Headers({"Retry-After": value})) == seconds


def test_retry_after_http_date():
    date = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert retry_after_s(httpx.Headers({"Retry-After": date})) == pytest.approx(10, abs=1.5)
    assert retry_after_s(httpx.Headers({})) is None
