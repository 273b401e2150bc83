"""The HTTP backend: an OpenAI-compatible `/chat/completions` endpoint (OpenAI, vLLM, Ollama,
llama.cpp, TGI), with bounded concurrency, a per-request timeout, the request budget, and
retries by the policy in `rft.judge.retry`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Sequence
from typing import Any

import httpx
import orjson

from rft.judge.budget import Budget
from rft.judge.endpoints import Target
from rft.judge.limits import limits_for
from rft.judge.reply import Reply, message_text
from rft.judge.retry import BACKOFF_BASE_S, retry_policy
from rft.spec.model import JudgeSettings

CONNECTIONS_PER_CLIENT = 8


class BudgetSpent(Exception):
    """The request budget refused a call (never retried)."""


def reply_from(response: httpx.Response) -> Reply:
    """A `Reply` from an HTTP 200 chat-completions response (an error Reply when malformed)."""
    try:
        data = orjson.loads(response.content)
        choice = data["choices"][0]
        message = choice.get("message") or {}
        usage = data.get("usage") or {}
        return Reply(
            text=message_text(message.get("content")),
            refusal=message.get("refusal"),
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError, ValueError):
        body = response.text[:120]
        return Reply(error=f"malformed chat-completions response (HTTP 200): {body!r}")


def describe(ex: BaseException, timeout_s: float) -> str:
    """A one-line message for a failed request."""
    if isinstance(ex, TimeoutError):
        return f"no reply within timeout_s={timeout_s:g}"
    if isinstance(ex, httpx.HTTPStatusError):
        return f"HTTP {ex.response.status_code}: {ex.response.text[:120]!r}"
    return f"{type(ex).__name__}: {ex or 'connection failed'}"


class OpenAIBackend:
    """Sends chat-completions requests to one endpoint.

    Args:
        settings: the grader's judge settings (concurrency, timeout, retries).
        target: the resolved endpoint (URL and the user's credential).
        budget: the grader's budget (calls, tokens, cost).
        backoff_s: first retry delay without `Retry-After`; grows exponentially, with jitter.
    """

    def __init__(
        self,
        settings: JudgeSettings,
        target: Target,
        budget: Budget,
        backoff_s: float = BACKOFF_BASE_S,
    ) -> None:
        self.base_url = target.base_url
        self.identity = self.base_url
        self.url = self.base_url + "/chat/completions"
        self.target = target
        self.concurrency = settings.concurrency
        self.timeout_s = settings.timeout_s
        self.budget = budget
        self.retrying = retry_policy(settings.max_retries, backoff_s)
        self.limits = limits_for(target.base_url, target.rpm, target.tpm)
        self._ssl: ssl.SSLContext | None = None

    async def complete(self, bodies: Sequence[dict[str, Any]]) -> list[Reply]:
        """One reply per body, in order; never raises."""
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
        headers = self.target.request_headers()
        async with contextlib.AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        headers=headers,
                        timeout=self.timeout_s,
                        limits=limits,
                        verify=self._ssl,
                        follow_redirects=False,  # a redirect must not carry the key elsewhere
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
        # For the tokens-per-minute bucket: ~4 bytes a token, plus the completion allowed.
        estimate = len(payload) // 4 + int(
            body.get("max_tokens") or body.get("max_completion_tokens") or 0
        )
        client = await slots.get()
        try:
            return await self._send(client, payload, estimate)
        finally:
            slots.put_nowait(client)

    async def _send(self, client: httpx.AsyncClient, payload: bytes, estimate: int) -> Reply:
        start = time.perf_counter()
        attempts = 0

        async def attempt() -> httpx.Response:
            nonlocal attempts
            refused = self.budget.take()
            if refused is not None:
                raise BudgetSpent(refused)
            if self.limits is not None:  # waits here do not count against timeout_s
                await self.limits.acquire(estimate)
            attempts += 1
            async with asyncio.timeout(self.timeout_s):
                response = await client.post(self.url, content=payload)
            if response.status_code != 200:
                raise httpx.HTTPStatusError(
                    f"HTTP {response.status_code}", request=response.request, response=response
                )
            return response

        try:
            response = await self.retrying.copy()(attempt)
        except BudgetSpent as exc:
            return Reply(error=str(exc), attempts=attempts, latency_s=time.perf_counter() - start)
        except (TimeoutError, httpx.HTTPError) as exc:
            error = describe(exc, self.timeout_s)
            if attempts > 1:
                error += f" (after {attempts} attempts)"
            return Reply(error=error, attempts=attempts, latency_s=time.perf_counter() - start)
        reply = reply_from(response)
        self.budget.spend(reply.prompt_tokens, reply.completion_tokens)
        if self.limits is not None:
            self.limits.settle(estimate, reply.prompt_tokens + reply.completion_tokens)
        reply.latency_s = time.perf_counter() - start
        reply.attempts = attempts
        return reply
