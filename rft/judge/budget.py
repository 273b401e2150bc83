"""What a grader may spend on its judge over its lifetime: calls, tokens and money.

Checked before every call (retries included); spent after every reply from its usage. Calls
already in flight when a limit is reached still complete, so spending stops within one
batch's concurrency of the cap. A refused call is a `model_grader_server_error` saying which
limit was reached (`on_error: skip` gives TRL None for it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    """US dollars per million prompt (input) and completion (output) tokens."""

    input_per_million: float
    output_per_million: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """The price of one call's usage."""
        return (
            prompt_tokens * self.input_per_million + completion_tokens * self.output_per_million
        ) / 1e6


class Budget:
    """A grader's spending limits (None: unbounded) and what it has spent.

    Args:
        max_requests: judge calls, retries included.
        max_tokens: prompt + completion tokens.
        max_cost_usd: dollars, priced by `price`.
        price: the model's price (needed for `max_cost_usd`; also counts `cost_usd`).
    """

    def __init__(
        self,
        max_requests: int | None = None,
        max_tokens: int | None = None,
        max_cost_usd: float | None = None,
        price: Price | None = None,
    ) -> None:
        self.max_requests = max_requests
        self.max_tokens = max_tokens
        self.max_cost_usd = max_cost_usd
        self.price = price
        self.used = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.cost_usd = 0.0
        self._lock = threading.Lock()

    def take(self) -> str | None:
        """Spend one call: None when allowed, else why not (the request is then not sent)."""
        with self._lock:
            if self.max_requests is not None and self.used >= self.max_requests:
                return (
                    f"max_requests budget of {self.max_requests} judge calls is spent; "
                    "request not sent"
                )
            tokens = self.prompt_tokens + self.completion_tokens
            if self.max_tokens is not None and tokens >= self.max_tokens:
                return (
                    f"max_tokens_spent budget of {self.max_tokens} tokens is spent "
                    f"({tokens} used); request not sent"
                )
            if self.max_cost_usd is not None and self.cost_usd >= self.max_cost_usd:
                return (
                    f"max_cost_usd cap of ${self.max_cost_usd:g} is reached "
                    f"(${self.cost_usd:.4f} spent); request not sent"
                )
            self.used += 1
            return None

    def spend(self, prompt_tokens: int, completion_tokens: int) -> None:
        """Count one reply's usage."""
        with self._lock:
            self.prompt_tokens += prompt_tokens
            self.completion_tokens += completion_tokens
            if self.price is not None:
                self.cost_usd += self.price.cost(prompt_tokens, completion_tokens)
