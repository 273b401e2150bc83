"""Requests- and tokens-per-minute limits per endpoint: token buckets shared by every grader
of the process that calls the same endpoint (the server's limit is per account, not per
grader).

A bucket refills at `per_minute / 60` per second and holds at most one second's worth, so a
burst never exceeds the limit by more than that. Callers reserve before they send: a
reservation that the bucket cannot cover yet leaves it negative and the caller sleeps until
the debt is repaid, which keeps the order of callers fair. Time is `time.monotonic`, and the
lock is a thread lock: buckets outlive the per-batch event loops.
"""

from __future__ import annotations

import asyncio
import threading
import time


class TokenBucket:
    """`per_minute` units a minute, bursts of at most one second's worth (at least 1).

    Args:
        per_minute: the refill rate.
    """

    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> float:
        """Take `amount` now; the seconds to wait before using it."""
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            self.tokens -= amount
            return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def adjust(self, amount: float) -> None:
        """Correct an earlier reservation by `amount` (positive: more was used)."""
        with self._lock:
            self.tokens = min(self.capacity, self.tokens - amount)

    async def acquire(self, amount: float = 1.0) -> None:
        """Wait until `amount` may be used."""
        wait = self.reserve(amount)
        if wait > 0:
            await asyncio.sleep(wait)


class EndpointLimits:
    """The rpm and tpm buckets of one endpoint (None: no limit)."""

    def __init__(self, rpm: float | None, tpm: float | None) -> None:
        self.requests = TokenBucket(rpm) if rpm else None
        self.tokens = TokenBucket(tpm) if tpm else None

    async def acquire(self, estimated_tokens: int) -> None:
        """Wait for one request's turn and its estimated tokens."""
        if self.requests is not None:
            await self.requests.acquire(1.0)
        if self.tokens is not None:
            await self.tokens.acquire(float(estimated_tokens))

    def settle(self, estimated_tokens: int, used_tokens: int) -> None:
        """Charge the difference between a request's estimate and its reported usage."""
        if self.tokens is not None and used_tokens:
            self.tokens.adjust(float(used_tokens - estimated_tokens))


_shared: dict[tuple[str, float | None, float | None], EndpointLimits] = {}
_shared_lock = threading.Lock()


def limits_for(base_url: str, rpm: float | None, tpm: float | None) -> EndpointLimits | None:
    """The process-wide limits of an endpoint (None when it has none)."""
    if not rpm and not tpm:
        return None
    key = (base_url, rpm, tpm)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = EndpointLimits(rpm, tpm)
        return _shared[key]
