"""What one judge call gives back: `Reply`, and the text of a message's content."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TEXT_PARTS = {"text", "input_text", "output_text"}


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
        """A cache hit: the stored reply; no tokens, time or requests spent. (Caches written
        before list contents were joined may hold a list: it is joined here.)"""
        text = record.get("text")
        try:
            text = message_text(text)
        except ValueError:
            text = str(text)
        return cls(
            text=text,
            refusal=record.get("refusal"),
            finish_reason=record.get("finish_reason"),
            cached=True,
        )


def message_text(content: Any) -> str | None:
    """A reply message's text: a string as is, a list of parts joined (text parts only).

    Raises:
        ValueError: content of another shape, or parts none of which is text.
    """
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            p["text"]
            for p in content
            if isinstance(p, dict)
            and p.get("type", "text") in _TEXT_PARTS
            and isinstance(p.get("text"), str)
        ]
        if texts or not content:
            return "".join(texts)
    raise ValueError(f"message content is neither text nor text parts: {str(content)[:80]!r}")
