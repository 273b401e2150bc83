"""`rft serve`: an HTTP grading server for remote reward calls (Starlette on uvicorn).

Endpoints:

- `POST /score`: `{"samples": [...], "items": [...]}` (a sample is a string, an
  `{"output_text": ...}` object or chat messages) -> `{"scores", "rewards", "sub_scores",
  "flags", "messages"}`, one entry per sample (`rewards` holds null for a skipped sample;
  `flags` lists only the error flags raised for some sample of the request).
- `POST /get_reward`: OpenRLHF's remote reward-model shape (`query`, `prompts`, `labels`
  -> `rewards`, `scores`, `extra_logs`); see `rft.integrations.openrlhf`.
- `GET /health`: the bundle's name and graders, and request/batch counters.

Concurrent requests are graded together (`MicroBatcher`). Every request is bounded: body size
(413), samples per request (413), queued samples (503 with Retry-After), and malformed JSON or
shapes get a 400/422 that says which field is wrong. The server binds 127.0.0.1 unless told
otherwise: it has no authentication, so expose it only on a network you trust.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rft.data import loads_json
from rft.errors import ERROR_FLAGS
from rft.integrations.batching import MicroBatcher, Overloaded
from rft.integrations.openrlhf import Request as OpenRLHFRequest
from rft.results import Scores
from rft.reward import RewardFunction


@dataclass(frozen=True)
class ServeLimits:
    """Bounds on what one request, and the server as a whole, may ask for."""

    max_body_bytes: int = 16 * 1024 * 1024
    max_samples_per_request: int = 4096
    max_pending_samples: int = 65536
    max_batch: int = 4096
    max_wait_s: float = 0.002


class RequestError(Exception):
    """A request the server refuses; carries the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY),
        status_code=status,
        media_type="application/json",
        headers=dict(headers or {}),
    )


async def _read_json(request: Request, limits: ServeLimits) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise RequestError(413, f"body of {declared} bytes exceeds {limits.max_body_bytes}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limits.max_body_bytes:
            raise RequestError(413, f"body exceeds {limits.max_body_bytes} bytes")
    try:
        payload = loads_json(bytes(body))
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, f"body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise RequestError(422, "body must be a JSON object")
    return payload


def _list_field(payload: Mapping[str, Any], name: str, limits: ServeLimits) -> list[Any]:
    value = payload.get(name)
    if not isinstance(value, list):
        raise RequestError(422, f"`{name}` must be a list (got {type(value).__name__})")
    if len(value) > limits.max_samples_per_request:
        raise RequestError(
            413, f"`{name}` has {len(value)} entries; the limit is {limits.max_samples_per_request}"
        )
    return value


def _check_samples(samples: list[Any]) -> None:
    for i, sample in enumerate(samples):
        if isinstance(sample, str):
            continue
        if isinstance(sample, dict) and isinstance(sample.get("output_text"), str):
            continue
        if isinstance(sample, list) and sample and all(isinstance(m, dict) for m in sample):
            continue
        raise RequestError(
            422,
            f"samples[{i}] must be a string, an object with a string `output_text`, "
            "or a non-empty list of chat messages",
        )


@dataclass(frozen=True)
class ReplyColumns:
    """A graded batch as the plain lists `/score` replies with, made once per batch.

    Each request's reply is a slice of every column: no per-request copy of the `Scores`.
    """

    scores: Scores
    values: list[float]
    rewards: list[float | None]
    sub_scores: dict[str, list[float]]
    # Only the flags raised for some sample of the batch (the others are all false).
    flags: dict[str, list[bool]]
    messages: list[str | None] | None

    @classmethod
    def of(cls, scores: Scores) -> ReplyColumns:
        """Convert once (numpy's `tolist`: one C call per column)."""
        return cls(
            scores=scores,
            values=scores.scores.tolist(),
            rewards=scores.rewards(),
            sub_scores={k: vals.tolist() for k, vals in scores.sub_scores.items()},
            flags={
                flag: scores.errors[flag].tolist()
                for flag in ERROR_FLAGS
                if flag in scores.errors and scores.errors[flag].any()
            },
            messages=[scores.first_message(i) for i in range(len(scores))]
            if scores.messages
            else None,
        )

    def payload(self, rows: slice) -> dict[str, Any]:
        """The `/score` reply for `rows` of the batch."""
        flags = {flag: col[rows] for flag, col in self.flags.items()}
        return {
            "scores": self.values[rows],
            "rewards": self.rewards[rows],
            "sub_scores": {k: vals[rows] for k, vals in self.sub_scores.items()},
            # Only the flags raised for some sample of this request.
            "flags": {flag: col for flag, col in flags.items() if any(col)},
            "messages": self.messages[rows]
            if self.messages is not None
            else [None] * (rows.stop - rows.start),
        }


def scores_payload(scores: Scores) -> dict[str, Any]:
    """The `/score` reply for a graded request."""
    return ReplyColumns.of(scores).payload(slice(0, len(scores)))


def create_app(reward: RewardFunction, limits: ServeLimits | None = None) -> Starlette:
    """The Starlette app serving `reward`; run it with any ASGI server (uvicorn here)."""
    limits = limits or ServeLimits()
    batcher = MicroBatcher(
        reward,
        max_batch=limits.max_batch,
        max_wait_s=limits.max_wait_s,
        max_pending=limits.max_pending_samples,
        prepare=ReplyColumns.of,
    )

    def guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
        """Turn refused requests into their status code and a JSON `error` message."""

        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestError as exc:
                return _json({"error": str(exc)}, exc.status)
            except Overloaded as exc:
                return _json({"error": f"overloaded: {exc}"}, 503, {"Retry-After": "1"})

        return endpoint

    async def score(request: Request) -> Response:
        payload = await _read_json(request, limits)
        samples = _list_field(payload, "samples", limits)
        items = payload.get("items", [{}] * len(samples))
        if not isinstance(items, list) or len(items) != len(samples):
            raise RequestError(422, "`items` must be a list as long as `samples`")
        if not all(isinstance(item, dict) for item in items):
            raise RequestError(422, "every entry of `items` must be a JSON object")
        _check_samples(samples)
        share = await batcher.score(samples, items)
        return _json(share.batch.payload(share.rows))

    async def get_reward(request: Request) -> Response:
        payload = await _read_json(request, limits)
        queries = _list_field(payload, "query", limits)
        prompts = _list_field(payload, "prompts", limits)
        labels = (
            _list_field(payload, "labels", limits) if "labels" in payload else [None] * len(queries)
        )
        if not all(isinstance(text, str) for text in [*queries, *prompts]):
            raise RequestError(422, "`query` and `prompts` must be lists of strings")
        try:
            parsed = OpenRLHFRequest.parse(queries, prompts, labels)
        except ValueError as exc:
            raise RequestError(422, str(exc)) from None
        share = await batcher.score(parsed.samples, parsed.items)
        rows = range(share.rows.start, share.rows.stop)
        return _json(parsed.reply(share.batch.scores.take(rows)))

    async def health(request: Request) -> Response:
        stats = batcher.stats
        return _json(
            {
                "status": "ok",
                "bundle": reward.name,
                "graders": sorted(reward.graders()),
                "requests": stats.requests,
                "samples": stats.samples,
                "batches": stats.batches,
                "largest_batch": stats.largest_batch,
                "refused": stats.refused,
            }
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        batcher.start()
        try:
            yield
        finally:
            await batcher.stop()
            reward.close()

    routes = [
        Route("/score", guarded(score), methods=["POST"]),
        Route("/get_reward", guarded(get_reward), methods=["POST"]),
        Route("/health", health, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.batcher = batcher
    return app


def run(
    reward: RewardFunction,
    limits: ServeLimits | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Serve `reward` with uvicorn until interrupted (`rft serve`): this process is the server.

    uvicorn picks uvloop and httptools (the `serve` extra) over asyncio and h11 when installed.
    """
    app = create_app(reward, limits)
    # Everything built so far (the compiled bundle, the app, imported modules) lives as long
    # as the process: frozen, garbage collections no longer walk it. And a collection every
    # 700 allocations (Python's default) runs many times per request and promotes the
    # objects of requests still waiting for their batch, so older generations fill and get
    # walked again and again: a sixth to a third of a busy server's time (py-spy, 64 clients).
    # Most request objects die within 50,000 allocations, before any collection sees them.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        # Loopback by default, and no client address is used: no proxy headers to parse.
        proxy_headers=False,
        server_header=False,
    )


__all__ = ["ReplyColumns", "ServeLimits", "create_app", "run", "scores_payload"]
