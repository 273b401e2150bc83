"""The compiled grader bundle as the trainers see it.

- `TrainReward`: the TRL adapter of `rft.integrations.trl` (GRPOTrainer/RLOOTrainer's
  `(prompts, completions, completion_ids, **dataset_columns) -> list[float | None]`), which
  also records per-step grading time, per-grader means and error-flag rates.
- `GraderRewardModel`: an `nn.Module` that TRL's PPO trainer calls like a reward model
  (`getattr(m, m.base_model_prefix)(input_ids=…, attention_mask=…)` then `m.score(hidden)`);
  it decodes each response, looks its item up by the prompt's token ids, and grades it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from rft.integrations.trl import GradedBatch, TrlReward
from rft.reward import RewardFunction
from rft.stats import step_metrics


@dataclass
class StepStats:
    """What happened in the current step: seconds spent sampling and grading, and the scores.

    `group_size` (GRPO/RLOO: completions per prompt) turns on the per-step reward-hacking
    signals of `rft.stats.step_metrics`, computed from the completions' lengths
    (a skipped sample, e.g. a judge error with `on_error: skip`, counts there with its 0).
    """

    sampling: float = 0.0
    grading: float = 0.0
    scores: list[np.ndarray] = field(default_factory=list)
    sub_scores: dict[str, list[np.ndarray]] = field(default_factory=dict)
    errors: dict[str, list[np.ndarray]] = field(default_factory=dict)
    group_size: int | None = None
    lengths: list[np.ndarray] = field(default_factory=list)
    all_scores: list[np.ndarray] = field(default_factory=list)
    """Every completion's score in generation order (skipped ones included), for `quality`."""

    def add(self, scores: Any, seconds: float, lengths: Sequence[int] | None = None) -> None:
        self.grading += seconds
        values = np.asarray(scores.scores, dtype=float)
        self.scores.append(values[~np.asarray(scores.skipped, dtype=bool)])
        if lengths is not None:
            self.lengths.append(np.asarray(lengths, dtype=float))
            self.all_scores.append(values)
        for name, values in scores.sub_scores.items():
            self.sub_scores.setdefault(name, []).append(np.asarray(values))
        for flag, mask in scores.errors.items():
            self.errors.setdefault(flag, []).append(np.asarray(mask, dtype=bool))

    def summary(self) -> dict[str, Any]:
        """Mean train reward, per-grader means and error-flag rates of the step."""
        out: dict[str, Any] = {}
        if self.scores:
            values = np.concatenate(self.scores)
            out["reward"] = float(values.mean()) if values.size else None
            out["graders"] = {
                k: float(np.concatenate(v).mean()) for k, v in self.sub_scores.items()
            }
            out["errors"] = {k: float(np.concatenate(v).mean()) for k, v in self.errors.items()}
        if self.group_size and self.lengths:
            out["quality"] = step_metrics(
                np.concatenate(self.all_scores), np.concatenate(self.lengths), self.group_size
            )
        return out

    def absorb(self, others: Sequence[StepStats]) -> None:
        """Add the scores other processes recorded for the same step (multi-process runs).

        Their seconds are not added: the processes sample and grade at the same time.
        """
        for other in others:
            self.scores += other.scores
            self.lengths += other.lengths
            self.all_scores += other.all_scores
            for name, values in other.sub_scores.items():
                self.sub_scores.setdefault(name, []).extend(values)
            for flag, masks in other.errors.items():
                self.errors.setdefault(flag, []).extend(masks)

    def reset(self) -> None:
        self.sampling = self.grading = 0.0
        self.scores.clear()
        self.sub_scores.clear()
        self.errors.clear()
        self.lengths.clear()
        self.all_scores.clear()


def time_generation(model: Any, stats: StepStats) -> None:
    """Make `model.generate` add its wall time to `stats.sampling` (patches this instance only)."""
    original = model.generate

    def generate(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            stats.sampling += time.perf_counter() - start

    model.generate = generate


class TrainReward(TrlReward):
    """The one TRL adapter (`rft.integrations.trl.TrlReward`), also recording each step's stats.

    The completions' lengths (token counts when TRL passes `completion_ids`, else characters)
    feed the per-step reward-hacking signals of `StepStats`.
    """

    def __init__(self, reward: RewardFunction, stats: StepStats) -> None:
        super().__init__(reward, log_metrics=False)
        self.stats = stats

    def record(self, graded: GradedBatch) -> None:
        if graded.completion_ids is not None:
            lengths = [len(ids) for ids in graded.completion_ids]
        else:
            lengths = [len(str(c)) for c in graded.completions]
        self.stats.add(graded.scores, graded.seconds, lengths)


def _torch_module_base() -> type:
    import torch.nn as nn

    return nn.Module


class GraderRewardModel(_torch_module_base()):  # type: ignore[misc]
    """A reward model for TRL's PPO whose 'forward pass' is the compiled grader bundle.

    Args:
        reward: the compiled bundle (`rft.compile(...)`).
        tokenizer: the policy's tokenizer (decodes responses).
        prompt_ids: token ids of each training prompt, as the PPO dataset holds them.
        items: the row of each prompt (same order), graded as `item`.
        stats: where grading time and scores of each step are recorded.
        pad_token_id: masked positions are padding.
    """

    base_model_prefix = "grader"

    def __init__(
        self,
        reward: Any,
        tokenizer: Any,
        prompt_ids: Sequence[Sequence[int]],
        items: Sequence[Mapping[str, Any]],
        stats: StepStats,
    ) -> None:
        import torch
        import torch.nn as nn

        super().__init__()
        self.grader = _GradeSequences(reward, tokenizer, prompt_ids, items, stats)
        self.score = nn.Identity()
        # A buffer so `.to(device)` has something to move and `device` is known.
        self.register_buffer("anchor", torch.zeros(1), persistent=False)


class _GradeSequences(_torch_module_base()):  # type: ignore[misc]
    """The 'backbone': (query + response ids) -> per-position reward, constant along the sequence."""

    def __init__(
        self,
        reward: Any,
        tokenizer: Any,
        prompt_ids: Sequence[Sequence[int]],
        items: Sequence[Mapping[str, Any]],
        stats: StepStats,
    ) -> None:
        super().__init__()
        self.reward = reward
        self.tokenizer = tokenizer
        self.stats = stats
        self.items: dict[tuple[int, ...], Mapping[str, Any]] = {
            tuple(ids): item for ids, item in zip(prompt_ids, items, strict=True)
        }
        # Longest first: when one prompt is a prefix of another, the longer one is the match.
        self.lengths = sorted({len(k) for k in self.items}, reverse=True)

    def split(self, ids: list[int]) -> tuple[Mapping[str, Any] | None, list[int]]:
        """(item, response ids) of an unpadded query+response, by prompt-prefix lookup."""
        for length in self.lengths:
            item = self.items.get(tuple(ids[:length]))
            if item is not None:
                return item, ids[length:]
        return None, ids

    def forward(self, input_ids: Any, attention_mask: Any = None, **_: Any) -> SimpleNamespace:
        import torch

        start = time.perf_counter()
        mask = (
            attention_mask.bool()
            if attention_mask is not None
            else torch.ones_like(input_ids).bool()
        )
        samples: list[str] = []
        items: list[Mapping[str, Any]] = []
        unknown: list[int] = []
        for row in range(input_ids.shape[0]):
            ids = input_ids[row][mask[row]].tolist()
            item, response = self.split(ids)
            if item is None:
                unknown.append(row)
                item = {}
            items.append(item)
            samples.append(self.tokenizer.decode(response, skip_special_tokens=True))
        scores = self.reward.score(samples, items)
        values = torch.tensor(np.asarray(scores.scores), dtype=torch.float32)
        if unknown:
            # A sequence whose prompt is not a training prompt cannot be graded: no reward.
            values[unknown] = 0.0
        self.stats.add(scores, time.perf_counter() - start)
        hidden = values.to(input_ids.device).view(-1, 1, 1).expand(-1, input_ids.shape[1], 1)
        return SimpleNamespace(hidden_states=(hidden,))
