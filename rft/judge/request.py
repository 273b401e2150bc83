"""The chat-completions request body built from a grader's settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from rft.spec.model import SamplingParams


def is_official_openai(base_url: str) -> bool:
    """True for api.openai.com (which wants `developer` and `max_completion_tokens`)."""
    return urlparse(base_url).hostname == "api.openai.com"


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
