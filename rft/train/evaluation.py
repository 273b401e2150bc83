"""Validation during training: greedy completions graded by the same compiled bundle."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rft.train.data import prompt_of
from rft.train.episodes import Tool, run_episodes
from rft.train.generation import generate_completions

DEFAULT_TOOL_ROUNDS = 8
"""Rounds of tool calls in a validation episode when the job sets no
`trainer.max_tool_calling_iterations` (TRL's own default is unbounded, up to the length cap)."""


def evaluate(
    model: Any,
    tokenizer: Any,
    rows: Sequence[Mapping[str, Any]],
    reward: Any,
    *,
    max_new_tokens: int,
    batch_size: int = 64,
    tools: Sequence[Tool] = (),
    max_tool_rounds: int | None = None,
) -> dict[str, Any]:
    """Grade the model's greedy completion of each row.

    Greedy decoding makes successive evals comparable (no sampling noise). With `tools` (a
    `tools:` job) each row is a greedy episode instead: turns and tool results up to
    `max_tool_rounds` rounds of calls, graded as the message list training graded.

    Returns:
        `{"reward", "graders": {name: mean}, "errors": {flag: rate}, "n", "seconds": {...}}`.
    """
    start = time.perf_counter()
    samples: list[Any]
    episodes: dict[str, float] | None = None
    if tools:
        samples = run_episodes(
            model,
            tokenizer,
            [prompt_of(r) for r in rows],
            tools,
            max_new_tokens=max_new_tokens,
            max_tool_rounds=DEFAULT_TOOL_ROUNDS if max_tool_rounds is None else max_tool_rounds,
        )
        shown = [_last_text(episode) for episode in samples]
        episodes = {
            "turns": float(np.mean([_count(e, "assistant") for e in samples])),
            "tool_results": float(np.mean([_count(e, "tool") for e in samples])),
        }
    else:
        completions = generate_completions(
            model,
            tokenizer,
            [prompt_of(r) for r in rows],
            max_new_tokens=max_new_tokens,
            batch_size=batch_size,
        )
        samples = shown = [c[0] for c in completions]
    sampled = time.perf_counter()
    scores = reward.score(samples, list(rows))
    graded = time.perf_counter()
    kept = np.asarray(scores.scores)[~np.asarray(scores.skipped, dtype=bool)]
    result: dict[str, Any] = {
        "reward": float(kept.mean()) if kept.size else None,
        "graders": {k: float(np.mean(v)) for k, v in scores.sub_scores.items()},
        "errors": {k: float(np.mean(v)) for k, v in scores.errors.items()},
        "n": len(rows),
        "seconds": {"sampling": sampled - start, "grading": graded - sampled},
        "examples": [
            {"completion": shown[i], "reward": float(scores.scores[i])}
            for i in range(min(3, len(rows)))
        ],
    }
    if episodes is not None:
        result["episodes"] = episodes  # mean assistant turns and tool results per episode
    return result


def _last_text(episode: Sequence[Mapping[str, Any]]) -> str:
    """An episode's last assistant text (what the examples in an eval record show)."""
    texts = [m.get("content") or "" for m in episode if m.get("role") == "assistant"]
    return str(texts[-1]) if texts else ""


def _count(episode: Sequence[Mapping[str, Any]], role: str) -> int:
    return sum(m.get("role") == role for m in episode)
