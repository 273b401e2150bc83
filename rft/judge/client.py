"""Calling the judge: an async OpenAI-compatible client, the request budget, and the cache.

`Judge.complete` takes rendered requests and returns one `Reply` per request, never raising:
cache hits and in-batch duplicates cost nothing, misses go to the backend with bounded
concurrency, a per-request timeout, and retries with exponential backoff (or the server's
`Retry-After`) on 429, 5xx, timeouts and connection errors. `max_requests` caps the calls a
grader may ever make (retries included); past it, requests fail as server errors instead of
spending.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import ssl
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import httpx
import orjson

from rft.judge.cache import JudgeCache, cache_key, default_cache_dir
from rft.spec.model import Endpoint, JudgeSettings, SamplingParams

BACKOFF_BASE_S = 0.25
BACKOFF_MAX_S = 8.0
RETRY_AFTER_MAX_S = 30.0
CONNECTIONS_PER_CLIENT = 8


@dataclass
class Reply:
    """One judge call: the reply (text, refusal), or `error` when no reply came back."""

    text: str | None = None
    refusal: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    attempts: int = 0
    cached: bool = False
    error: str | None = None

    def record(self) -> dict[str, Any]:
        """What the cache stores."""
        return {
            "text": self.text,
            "refusal": self.refusal,
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }

    @classmethod
    def from_cache(cls, record: Mapping[str, Any]) -> Reply:
        """A cache hit: the stored reply; no tokens, time or requests spent."""
        return cls(
            text=record.get("text"),
            refusal=record.get("refusal"),
            finish_reason=record.get("finish_reason"),
            cached=True,
        )


class RequestBudget:
    """At most `limit` judge calls over a grader's lifetime (None: unbounded)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Spend one call; False when the budget is exhausted."""
        with self._lock:
            if self.limit is not None and self.used >= self.limit:
                return False
            self.used += 1
            return True

    @property
    def exhausted_message(self) -> str:
        return f"max_requests budget of {self.limit} judge calls is spent; request not sent"


class Backend(Protocol):
    """Where judge requests go: an HTTP endpoint or a local model."""

    identity: str

    async def complete(self, bodies: Sequence[dict[str, Any]]) -> list[Reply]: ...


def is_official_openai(endpoint: Endpoint | None) -> bool:
    """True for api.openai.com (which wants `developer` and `max_completion_tokens`)."""
    base = (endpoint or Endpoint()).base_url
    return urlparse(base).hostname == "api.openai.com"


def request_body(
    model: str,
    messages: list[dict[str, Any]],
    params: SamplingParams | None,
    *,
    draw: int = 0,
    official: bool = False,
) -> dict[str, Any]:
    """The chat-completions body: model, messages and the sampling parameters that are set.

    Args:
        model: the judge model.
        messages: rendered chat messages.
        params: sampling parameters (OpenAI's names).
        draw: index of the call for `samples: n`; offsets `seed` so draws differ.
        official: OpenAI itself (`max_completion_tokens`); others get `max_tokens`.
    """
    body: dict[str, Any] = {"model": model, "messages": messages}
    if params is None:
        return body
    if params.temperature is not None:
        body["temperature"] = params.temperature
    if params.top_p is not None:
        body["top_p"] = params.top_p
    if params.seed is not None:
        body["seed"] = params.seed + draw
    max_tokens = params.max_completions_tokens or params.max_tokens
    if max_tokens:
        body["max_completion_tokens" if official else "max_tokens"] = max_tokens
    if params.reasoning_effort is not None:
        body["reasoning_effort"] = params.reasoning_effort
    return body


def _headers(endpoint: Endpoint) -> dict[str, str]:
    headers = {"Content-Type": "application/json", **endpoint.headers}
    key = os.environ.get(endpoint.api_key_env) if endpoint.api_key_env else None
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), RETRY_AFTER_MAX_S)
    except ValueError:
        return None


def _reply_from(response: httpx.Response) -> Reply:
    try:
        data = orjson.loads(response.content)
        choice = data["choices"][0]
        message = choice.get("message") or {}
        usage = data.get("usage") or {}
        return Reply(
            text=message.get("content"),
            refusal=message.get("refusal"),
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError, ValueError):
        body = response.text[:120]
        return Reply(error=f"malformed chat-completions response (HTTP 200): {body!r}")


class OpenAIBackend:
    """An OpenAI-compatible `/chat/completions` endpoint (OpenAI, vLLM, Ollama, llama.cpp, TGI).

    Args:
        settings: the grader's judge settings (endpoint, concurrency, timeout, retries).
        budget: the grader's request budget.
        backoff_s: first retry delay; doubles each retry, with jitter.
    """

    def __init__(
        self, settings: JudgeSettings, budget: RequestBudget, backoff_s: float = BACKOFF_BASE_S
    ) -> None:
        endpoint = settings.endpoint or Endpoint()
        self.base_url = endpoint.base_url.rstrip("/")
        self.identity = self.base_url
        self.url = self.base_url + "/chat/completions"
        self.headers = _headers(endpoint)
        self.concurrency = settings.concurrency
        self.timeout_s = settings.timeout_s
        self.max_retries = settings.max_retries
        self.budget = budget
        self.backoff_s = backoff_s
        self._ssl: ssl.SSLContext | None = None

    async def complete(self, bodies: Sequence[dict[str, Any]]) -> list[Reply]:
        if not bodies:
            return []
        # Clients per call: an httpx client is bound to the event loop that created it, and
        # RewardFunction.score runs each batch on a fresh loop. Several small clients, not
        # one big pool: httpcore assigns requests to connections in time quadratic in the
        # pool size, which caps throughput at high concurrency.
        concurrency = min(self.concurrency, len(bodies))
        n_clients = -(-concurrency // CONNECTIONS_PER_CLIENT)
        per_client = -(-concurrency // n_clients)
        limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
        if self._ssl is None:  # loading CA certificates costs ~15 ms: once per backend
            self._ssl = httpx.create_ssl_context()
        async with contextlib.AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        headers=self.headers,
                        timeout=self.timeout_s,
                        limits=limits,
                        verify=self._ssl,
                    )
                )
                for _ in range(n_clients)
            ]
            # A slot is the right to one request in flight on a given client: `concurrency`
            # slots bound the total, and no client ever holds more than its pool size.
            slots: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
            for k in range(concurrency):
                slots.put_nowait(clients[k % n_clients])
            return list(await asyncio.gather(*(self._one(slots, b) for b in bodies)))

    async def _one(self, slots: asyncio.Queue[httpx.AsyncClient], body: dict[str, Any]) -> Reply:
        payload = orjson.dumps(body)
        client = await slots.get()
        try:
            return await self._send(client, payload)
        finally:
            slots.put_nowait(client)

    async def _send(self, client: httpx.AsyncClient, payload: bytes) -> Reply:
        start = time.perf_counter()
        attempts = 0
        while True:
            if not self.budget.take():
                return Reply(error=self.budget.exhausted_message, attempts=attempts)
            attempts += 1
            wait: float | None = None
            try:
                async with asyncio.timeout(self.timeout_s):
                    response = await client.post(self.url, content=payload)
            except TimeoutError:
                error, retryable = f"no reply within timeout_s={self.timeout_s:g}", True
            except httpx.TransportError as exc:
                error, retryable = f"{type(exc).__name__}: {exc or 'connection failed'}", True
            else:
                if response.status_code == 200:
                    reply = _reply_from(response)
                    reply.latency_s = time.perf_counter() - start
                    reply.attempts = attempts
                    return reply
                error = f"HTTP {response.status_code}: {response.text[:120]!r}"
                retryable = response.status_code == 429 or response.status_code >= 500
                wait = _retry_after(response.headers)
            if not retryable or attempts > self.max_retries:
                if attempts > 1:
                    error += f" (after {attempts} attempts)"
                return Reply(error=error, attempts=attempts, latency_s=time.perf_counter() - start)
            if wait is None:
                wait = min(self.backoff_s * 2 ** (attempts - 1), BACKOFF_MAX_S)
                wait *= 0.5 + random.random()
            await asyncio.sleep(wait)


def resolve_model_path(model: str, base_dir: Path) -> Path:
    """A local model path, relative paths taken from the bundle's folder."""
    path = Path(model).expanduser()
    return path if path.is_absolute() else (base_dir / path).resolve()


class Judge:
    """A grader's judge: backend, request budget and disk cache.

    Args:
        settings: the grader's judge settings.
        base_dir: the bundle's folder (relative model paths and cache dirs resolve from it).
        cache_root: the compile context's cache root (None: `$RFT_CACHE_DIR` or ~/.cache/rft).
    """

    def __init__(
        self, settings: JudgeSettings, *, base_dir: Path, cache_root: Path | None = None
    ) -> None:
        self.settings = settings
        self.budget = RequestBudget(settings.max_requests)
        self.official = settings.provider == "openai" and is_official_openai(settings.endpoint)
        self.backend: Backend
        if settings.provider == "transformers":
            from rft.judge.local import TransformersBackend

            path = resolve_model_path(settings.model, base_dir)
            self.backend = TransformersBackend(path, settings, self.budget)
        else:
            self.backend = OpenAIBackend(settings, self.budget)
        if settings.cache is False:
            self.cache_dir: Path | None = None
        elif isinstance(settings.cache, str):
            self.cache_dir = resolve_model_path(settings.cache, base_dir)
        else:
            self.cache_dir = default_cache_dir(cache_root)
        self._cache: JudgeCache | None = None

    @property
    def cache(self) -> JudgeCache | None:
        """The disk cache (opened on first use), or None when caching is off."""
        if self._cache is None and self.cache_dir is not None:
            self._cache = JudgeCache(self.cache_dir)
        return self._cache

    def body(self, messages: list[dict[str, Any]], draw: int = 0) -> dict[str, Any]:
        """The request body for rendered messages (see `request_body`)."""
        return request_body(
            self.settings.model,
            messages,
            self.settings.sampling_params,
            draw=draw,
            official=self.official,
        )

    async def complete(self, calls: Sequence[tuple[dict[str, Any], int]]) -> list[Reply]:
        """One reply per `(body, draw)`: cache hits first, identical calls sent once."""
        keys = [cache_key(self.backend.identity, body, draw) for body, draw in calls]
        cache = self.cache
        hits = cache.get_many(keys) if cache is not None else {}
        replies: list[Reply | None] = [None] * len(calls)
        first: dict[str, int] = {}
        to_send: list[int] = []
        for i, key in enumerate(keys):
            if key in hits:
                replies[i] = Reply.from_cache(hits[key])
            elif key not in first:
                first[key] = i
                to_send.append(i)
        sent = await self.backend.complete([calls[i][0] for i in to_send])
        fresh: dict[str, dict[str, Any]] = {}
        for i, reply in zip(to_send, sent, strict=True):
            replies[i] = reply
            if reply.error is None:
                fresh[keys[i]] = reply.record()
        for i, key in enumerate(keys):
            if replies[i] is None:  # a duplicate of a call sent in this batch: share its reply
                source = replies[first[key]]
                assert source is not None
                replies[i] = replace(
                    source,
                    cached=source.error is None,
                    prompt_tokens=0,
                    completion_tokens=0,
                    latency_s=0.0,
                    attempts=0,
                )
        if cache is not None and fresh:
            cache.put_many(fresh)
        return [r for r in replies if r is not None]

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None


def check_endpoint(
    spec: JudgeSettings, base_dir: Path | None = None, timeout_s: float = 5.0
) -> str | None:
    """Is the judge reachable? None when it is, else a message saying what is wrong.

    For an endpoint: GET `{base_url}/models` with the grader's headers (no tokens spent);
    checks reachability, the API key, and that the model is served when the server lists
    models. For `provider: transformers`: the model folder exists with a `config.json`.

    Args:
        spec: a `score_model` / `label_model` spec (any `JudgeSettings`).
        base_dir: the bundle's folder, for relative model paths.
        timeout_s: seconds to wait for the server.
    """
    if spec.provider == "transformers":
        path = resolve_model_path(spec.model, base_dir or Path.cwd())
        if not (path / "config.json").exists():
            return f"local judge model {path} not found (no config.json there)"
        return None
    endpoint = spec.endpoint or Endpoint()
    base = endpoint.base_url.rstrip("/")
    if is_official_openai(endpoint) and not (
        endpoint.api_key_env and os.environ.get(endpoint.api_key_env)
    ):
        return f"${endpoint.api_key_env} is not set: {base} needs an API key"
    try:
        response = httpx.get(f"{base}/models", headers=_headers(endpoint), timeout=timeout_s)
    except httpx.HTTPError as exc:
        return f"cannot reach the judge at {base}: {type(exc).__name__}: {exc}"
    if response.status_code in (401, 403):
        return f"{base} refused the API key (HTTP {response.status_code}); check ${endpoint.api_key_env}"
    if response.status_code == 404:
        return None  # reachable; this server does not list its models
    if response.status_code >= 400:
        return f"{base}/models answered HTTP {response.status_code}"
    try:
        served = [m["id"] for m in response.json()["data"]]
    except (ValueError, KeyError, TypeError):
        return None
    if served and spec.model not in served:
        listed = ", ".join(served[:10]) + (", …" if len(served) > 10 else "")
        return f"{base} does not serve model `{spec.model}` (it serves: {listed})"
    return None
