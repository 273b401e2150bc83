"""Validation during training: greedy completions graded by the same compiled bundle."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rft.train.data import prompt_of
from rft.train.generation import generate_completions


def evaluate(
    model: Any,
    tokenizer: Any,
    rows: Sequence[Mapping[str, Any]],
    reward: Any,
    *,
    max_new_tokens: int,
    batch_size: int = 64,
) -> dict[str, Any]:
    """Grade the model's greedy completion of each row.

    Greedy decoding makes successive evals comparable (no sampling noise).

    Returns:
        `{"reward", "graders": {name: mean}, "errors": {flag: rate}, "n", "seconds": {...}}`.
    """
    start = time.perf_counter()
    completions = generate_completions(
        model,
        tokenizer,
        [prompt_of(r) for r in rows],
        max_new_tokens=max_new_tokens,
        batch_size=batch_size,
    )
    sampled = time.perf_counter()
    scores = reward.score([c[0] for c in completions], list(rows))
    graded = time.perf_counter()
    kept = np.asarray(scores.scores)[~np.asarray(scores.skipped, dtype=bool)]
    return {
        "reward": float(kept.mean()) if kept.size else None,
        "graders": {k: float(np.mean(v)) for k, v in scores.sub_scores.items()},
        "errors": {k: float(np.mean(v)) for k, v in scores.errors.items()},
        "n": len(rows),
        "seconds": {"sampling": sampled - start, "grading": graded - sampled},
        "examples": [
            {"completion": completions[i][0], "reward": float(scores.scores[i])}
            for i in range(min(3, len(rows)))
        ],
    }
