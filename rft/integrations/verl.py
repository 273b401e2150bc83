"""verl adapter: an rft bundle as verl's custom reward function.

verl loads a function from a file named in its config and calls it (source: verl 0.9,
`verl/trainer/ppo/reward.py::get_custom_reward_fn` and `verl/workers/reward_manager/`):

- the `naive` reward manager calls `compute_score(data_source=, solution_str=,
  ground_truth=, extra_info=)` once per response and takes a float or a dict with `score`;
- the `batch` manager calls `compute_score(data_sources=, solution_strs=, ground_truths=,
  extra_infos=)` once per batch and takes a list of those.

`custom_reward_function.reward_kwargs` are passed as keyword arguments, so the bundle is named
there (or by `$RFT_BUNDLE`)::

    custom_reward_function:
      path: <site-packages>/rft/integrations/verl.py   # python -c "import rft.integrations.verl as m; print(m.__file__)"
      name: compute_score_batch                         # with reward_model.reward_manager=batch
      reward_kwargs: {bundle: /abs/path/graders/gene_rank.yaml}

The item a bundle reads is `extra_info` plus the fields of `ground_truth` (when it is a mapping
or a JSON object string), `item.reference` (the ground truth whole) and `item.data_source`.
Each call returns `{"score": reward, <sub-grader>: sub-score, ..., "rft_error": 0/1}`: verl logs
the extra keys per step. A skipped sample (a judge that failed with `on_error: skip`) scores 0.0
and counts in `rft_error`, since verl needs a number for every response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rft.integrations.engines import bundle_reward, finite_reward, item_from_reference
from rft.results import Scores


def _item(data_source: Any, ground_truth: Any, extra_info: Mapping[str, Any] | None) -> dict:
    item = item_from_reference(ground_truth, extra_info)
    item["data_source"] = data_source
    return item


def _results(scores: Scores) -> list[dict[str, float]]:
    failed = scores.any_error | scores.skipped
    out = []
    for i, value in enumerate(scores.rewards()):
        row = {"score": finite_reward(value)}
        row.update({name: float(values[i]) for name, values in scores.sub_scores.items()})
        row["rft_error"] = float(failed[i])
        out.append(row)
    return out


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    *,
    bundle: str | Path | None = None,
    **_: Any,
) -> dict[str, float]:
    """verl's per-response contract (the `naive` reward manager)."""
    reward = bundle_reward(bundle)
    scores = reward.score([solution_str], [_item(data_source, ground_truth, extra_info)])
    return _results(scores)[0]


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Mapping[str, Any] | None] | None = None,
    *,
    bundle: str | Path | None = None,
    **_: Any,
) -> list[dict[str, float]]:
    """verl's batch contract (the `batch` reward manager): one compiled `score` call per batch."""
    reward = bundle_reward(bundle)
    extras = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    items = [
        _item(source, truth, extra)
        for source, truth, extra in zip(data_sources, ground_truths, extras, strict=True)
    ]
    return _results(reward.score(list(solution_strs), items))


__all__ = ["compute_score", "compute_score_batch"]
