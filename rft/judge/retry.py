"""When and how long to retry a judge request: a tenacity policy (as Inspect AI's `_util/httpx`).

Retried: HTTP 408, 429 and 5xx, timeouts and connection errors. The wait is the server's
`Retry-After` (seconds or an HTTP date, capped) when it sends one, else exponential backoff
with jitter.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)
from tenacity.wait import wait_base

BACKOFF_BASE_S = 0.25
BACKOFF_MAX_S = 8.0
RETRY_AFTER_MAX_S = 30.0


def is_retryable_status(status: int) -> bool:
    """True for statuses worth another try: request timeout, rate limit, server errors."""
    return status in (408, 429) or status >= 500


def should_retry(ex: BaseException) -> bool:
    """The retry predicate: retryable HTTP statuses, timeouts, connection errors."""
    if isinstance(ex, httpx.HTTPStatusError):
        return is_retryable_status(ex.response.status_code)
    return isinstance(ex, TimeoutError | httpx.TransportError)


def retry_after_s(headers: httpx.Headers) -> float | None:
    """Seconds the server asks to wait (`Retry-After`), capped at `RETRY_AFTER_MAX_S`."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError):
            return None
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX_S)


class WaitRetryAfter(wait_base):
    """The server's `Retry-After` when the last attempt carried one, else `fallback`."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        ex = outcome.exception() if outcome is not None else None
        if isinstance(ex, httpx.HTTPStatusError):
            seconds = retry_after_s(ex.response.headers)
            if seconds is not None:
                return seconds
        return self.fallback(retry_state)


def retry_policy(max_retries: int, backoff_s: float = BACKOFF_BASE_S) -> AsyncRetrying:
    """At most `max_retries` retries of retryable failures; the last error is re-raised."""
    return AsyncRetrying(
        retry=retry_if_exception(should_retry),
        stop=stop_after_attempt(max_retries + 1),
        wait=WaitRetryAfter(wait_random_exponential(multiplier=backoff_s, max=BACKOFF_MAX_S)),
        reraise=True,
    )
