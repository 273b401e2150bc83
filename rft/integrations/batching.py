"""Micro-batching: many concurrent small grading requests become one compiled `score` call.

A reward function is vectorized: one call over 1,024 samples costs far less than 1,024 calls
of one. A server that graded each request alone would waste that, so requests wait in a queue
and a single worker drains it into batches (up to `max_batch` samples; once a batch has
started it takes what arrives while requests keep coming, for at most `max_wait_s`, without
idling on a timer), grades each batch in one call and hands every request its rows. The
queue is bounded in samples: past `max_pending` a request is refused at once (`Overloaded`)
instead of piling up memory.

What a request gets back is a `Share`: the batch (after `prepare`, run once per batch) and the
request's rows. Turning a batch into reply columns once and slicing them per request costs
far less than copying a `Scores` per request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from rft.results import Scores
from rft.reward import RewardFunction

T = TypeVar("T")

# Loop turns without a new request after which a batch stops collecting (see `_next_batch`).
_IDLE_TURNS = 2


class Overloaded(Exception):
    """The queue holds `max_pending` samples already: retry later."""


@dataclass(frozen=True)
class Share(Generic[T]):
    """One request's part of a graded batch: `rows` of `batch` (what `prepare` made of it)."""

    batch: T
    rows: slice


@dataclass
class _Request(Generic[T]):
    samples: Sequence[Any]
    items: Sequence[Mapping[str, Any]]
    future: asyncio.Future[Share[T]]


@dataclass
class BatchStats:
    """Counters reported by the server's health endpoint."""

    requests: int = 0
    samples: int = 0
    batches: int = 0
    refused: int = 0
    largest_batch: int = 0
    grading_seconds: float = 0.0


def _as_is(scores: Scores) -> Scores:
    return scores


@dataclass
class MicroBatcher(Generic[T]):
    """Grade concurrent requests in shared batches. Start with `start()` inside a running loop.

    `prepare` turns each graded batch into what requests take their rows of (once per batch);
    by default the `Scores` itself.

    >>> import asyncio, rft
    >>> reward = rft.compile({"type": "string_check", "name": "eq", "operation": "eq",
    ...                       "input": "{{ sample.output_text }}", "reference": "{{ item.answer }}"})
    >>> async def demo():
    ...     batcher = MicroBatcher(reward)
    ...     batcher.start()
    ...     a, b = await asyncio.gather(batcher.score(["4"], [{"answer": "4"}]),
    ...                                 batcher.score(["5"], [{"answer": "4"}]))
    ...     await batcher.stop()
    ...     return a.batch.scores[a.rows].tolist(), b.batch.scores[b.rows].tolist(), batcher.stats.batches
    >>> asyncio.run(demo())
    ([1.0], [0.0], 1)
    """

    reward: RewardFunction
    max_batch: int = 4096
    max_wait_s: float = 0.002
    max_pending: int = 65536
    prepare: Callable[[Scores], T] = _as_is  # type: ignore[assignment]
    stats: BatchStats = field(default_factory=BatchStats)

    def __post_init__(self) -> None:
        self._queue: asyncio.Queue[_Request[T]] = asyncio.Queue()
        self._pending = 0
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the batching worker on the running event loop."""
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop the worker; requests still queued get an error."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        while not self._queue.empty():
            request = self._queue.get_nowait()
            if not request.future.done():
                request.future.set_exception(RuntimeError("server shutting down"))

    async def score(self, samples: Sequence[Any], items: Sequence[Mapping[str, Any]]) -> Share[T]:
        """Grade one request's samples; waits for the batch it joins. The caller must not
        change `samples` or `items` until this returns (they are not copied)."""
        if self._pending + len(samples) > self.max_pending:
            self.stats.refused += 1
            raise Overloaded(f"{self._pending} samples already queued (limit {self.max_pending})")
        future: asyncio.Future[Share[T]] = asyncio.get_running_loop().create_future()
        self._pending += len(samples)
        self.stats.requests += 1
        self.stats.samples += len(samples)
        self._queue.put_nowait(_Request(samples, items, future))
        return await future

    async def _next_batch(self) -> list[_Request[T]]:
        batch = [await self._queue.get()]
        size = len(batch[0].samples)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait_s
        idle = 0
        while size < self.max_batch:
            if self._queue.empty():
                # Let the loop read requests already sent by clients (a request needs a loop
                # turn or two from the socket to the queue); stop once turns bring nothing
                # new. Never sleeping on a timer keeps a lone client's latency at the wire's:
                # under load, requests pile up while a batch is graded, and join the next one.
                if idle >= _IDLE_TURNS or loop.time() >= deadline:
                    break
                idle += 1
                await asyncio.sleep(0)
                continue
            idle = 0
            request = self._queue.get_nowait()
            batch.append(request)
            size += len(request.samples)
        return batch

    async def _grade(self, samples: list[Any], items: list[Mapping[str, Any]]) -> Scores:
        if self.reward.is_concurrent:
            return await self.reward.ascore(samples, items)
        # Vectorized CPU work holds the GIL either way: a worker thread would only add
        # switching. Requests that arrive meanwhile wait in the socket and join the next batch.
        return self.reward.score(samples, items)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            samples = [s for r in batch for s in r.samples]
            items = [i for r in batch for i in r.items]
            started = loop.time()
            try:
                prepared = self.prepare(await self._grade(samples, items))
            except Exception as exc:  # a grader bug must fail its requests, not the server
                for request in batch:
                    if not request.future.done():
                        request.future.set_exception(exc)
            else:
                offset = 0
                for request in batch:
                    n = len(request.samples)
                    if not request.future.done():
                        request.future.set_result(Share(prepared, slice(offset, offset + n)))
                    offset += n
            finally:
                self._pending -= len(samples)
                self.stats.batches += 1
                self.stats.largest_batch = max(self.stats.largest_batch, len(samples))
                self.stats.grading_seconds += loop.time() - started


__all__ = ["BatchStats", "MicroBatcher", "Overloaded", "Share"]
