"""The `Judge` a model grader calls: a backend behind the disk cache and in-batch dedup.

`Judge.complete` takes rendered requests and returns one `Reply` per request, never raising:
cache hits and in-batch duplicates cost nothing, misses go to the backend (HTTP or a local
model), which bounds concurrency, time and spending.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from rft.errors import BundleError, Location
from rft.judge.budget import Budget, Price
from rft.judge.cache import JudgeCache, cache_key, default_cache_dir
from rft.judge.endpoints import UserEndpoints, endpoints_file, load_user_endpoints, resolve_endpoint
from rft.judge.http_backend import OpenAIBackend
from rft.judge.local import TransformersBackend, resolve_model_path
from rft.judge.reply import Reply
from rft.judge.request import is_official_openai, request_body
from rft.spec.model import JudgeSettings


class Backend(Protocol):
    """Where judge requests go: an HTTP endpoint or a local model."""

    identity: str

    async def complete(self, bodies: Sequence[dict[str, Any]]) -> list[Reply]: ...


def _no_location(*fields: str | int) -> Location:
    return Location(field=fields)


def _price(
    settings: JudgeSettings, config: UserEndpoints, location: Callable[..., Location]
) -> Price | None:
    entry = config.prices.get(settings.model)
    if entry is None:
        if settings.max_cost_usd is not None:
            raise BundleError(
                f"max_cost_usd needs the price of model `{settings.model}`",
                location("max_cost_usd"),
                hint=f"add it to {endpoints_file()}: `prices: {{{settings.model}: "
                "{input_per_million: 0.15, output_per_million: 0.6}}` (US dollars)",
            )
        return None
    return Price(entry.input_per_million, entry.output_per_million)


class Judge:
    """A grader's judge: backend, request budget and disk cache.

    Args:
        settings: the grader's judge settings.
        base_dir: the bundle's folder (relative model paths and cache dirs resolve from it).
        cache_root: the compile context's cache root (None: `$RFT_CACHE_DIR` or ~/.cache/rft).
        location: builds the location of a field under the grader (for load-time errors).
        endpoints: the user's endpoints (None: read from the user's endpoints file).

    Raises:
        BundleError: the bundle's endpoint is not one the user allows (see `rft.judge.endpoints`).
    """

    def __init__(
        self,
        settings: JudgeSettings,
        *,
        base_dir: Path,
        cache_root: Path | None = None,
        location: Callable[..., Location] = _no_location,
        endpoints: UserEndpoints | None = None,
    ) -> None:
        self.settings = settings
        config = endpoints if endpoints is not None else load_user_endpoints()
        self.price = _price(settings, config, location)
        self.budget = Budget(
            settings.max_requests, settings.max_tokens_spent, settings.max_cost_usd, self.price
        )
        self.backend: Backend
        if settings.provider == "transformers":
            self.official = False
            path = resolve_model_path(settings.model, base_dir)
            self.backend = TransformersBackend(path, settings, self.budget)
        else:
            target = resolve_endpoint(settings.endpoint, location=location, config=config)
            self.official = is_official_openai(target.base_url)
            self.backend = OpenAIBackend(settings, target, self.budget)
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
        """Close the disk cache."""
        if self._cache is not None:
            self._cache.close()
            self._cache = None
