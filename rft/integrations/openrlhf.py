"""OpenRLHF adapter: an rft bundle as OpenRLHF's `reward_func` or remote reward model.

OpenRLHF (source: `openrlhf/utils/agent.py::SingleTurnAgentExecutor`, 2026-08) takes
`--remote_rm_url` as either a Python file that defines `reward_func(queries, prompts, labels)`
or HTTP endpoints it POSTs `{"query": [...], "prompts": [...], "labels": [...]}` to; both
answer `{"rewards": [...], "scores": [...], "extra_logs": {...}}`. `query` is the prompt and
the response decoded together *with* special tokens; `labels` is the dataset's `--label_key`
column. So:

    RFT_BUNDLE=graders/gene_rank.yaml ... --remote_rm_url "$(python -c 'import rft.integrations.openrlhf as m; print(m.__file__)')" --label_key item

or `rft serve graders/gene_rank.yaml` and `--remote_rm_url http://127.0.0.1:8000/get_reward`.

The response is the text after the prompt, with trailing end-of-turn markers removed. A query
that does not contain its prompt is never graded as a whole (the prompt may hold the
reference): it scores 0 and is counted in `extra_logs["rft/prompt_not_found"]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rft.integrations.engines import bundle_reward, finite_reward, item_from_reference
from rft.results import Scores

# End-of-turn and padding markers of common chat templates, stripped from the response's end.
END_MARKERS = (
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|end_of_text|>",
    "<|end|>",
    "<end_of_turn>",
    "<eos>",
    "</s>",
    "<pad>",
    "[PAD]",
)


def response_from_query(
    query: str, prompt: str, end_markers: Sequence[str] = END_MARKERS
) -> str | None:
    """The model's response inside OpenRLHF's `query` (prompt + response), or None.

    >>> response_from_query("<s>Q: 2+2?\\nA: 4<|im_end|>", "Q: 2+2?\\nA:")
    ' 4'
    >>> response_from_query("something else", "Q: 2+2?") is None
    True
    """
    start = query.find(prompt)
    if start < 0:
        return None
    response = query[start + len(prompt) :]
    stripped = True
    while stripped:
        stripped = False
        trimmed = response.rstrip()
        for marker in end_markers:
            if trimmed.endswith(marker):
                response, stripped = trimmed[: -len(marker)], True
                break
    return response


class Request:
    """OpenRLHF's triple turned into what a bundle grades; `missing` marks prompt-less queries.

    A plain class, not a dataclass: OpenRLHF executes this file as a module it does not
    register in `sys.modules`, where dataclasses cannot resolve their annotations.
    """

    def __init__(self, samples: list[str], items: list[dict[str, Any]], missing: np.ndarray):
        self.samples, self.items, self.missing = samples, items, missing

    @classmethod
    def parse(
        cls, queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any]
    ) -> Request:
        """Split each query into its response; build each item from its label and prompt."""
        if not len(queries) == len(prompts) == len(labels):
            raise ValueError(
                f"query, prompts and labels differ in length "
                f"({len(queries)}, {len(prompts)}, {len(labels)})"
            )
        responses = [response_from_query(q, p) for q, p in zip(queries, prompts, strict=True)]
        items = [
            item_from_reference(label, {"prompt": prompt})
            for label, prompt in zip(labels, prompts, strict=True)
        ]
        missing = np.array([r is None for r in responses], dtype=bool)
        return cls([r or "" for r in responses], items, missing)

    def reply(self, scores: Scores) -> dict[str, Any]:
        """OpenRLHF's answer: `rewards`, `scores` (the same, in [0, 1]) and `extra_logs`."""
        rewards = [
            0.0 if gone else finite_reward(v)
            for v, gone in zip(scores.rewards(), self.missing, strict=True)
        ]
        extra_logs: dict[str, list[float]] = {
            f"rft/{name}": [float(v) for v in values] for name, values in scores.sub_scores.items()
        }
        failed = scores.any_error | scores.skipped | self.missing
        extra_logs["rft/error"] = [float(e) for e in failed]
        extra_logs["rft/prompt_not_found"] = [float(m) for m in self.missing]
        return {"rewards": rewards, "scores": list(rewards), "extra_logs": extra_logs}


def reward_func(
    queries: Sequence[str],
    prompts: Sequence[str],
    labels: Sequence[Any],
    *,
    bundle: str | Path | None = None,
    **_: Any,
) -> dict[str, Any]:
    """OpenRLHF's file contract: the bundle from `bundle=` or `$RFT_BUNDLE`."""
    request = Request.parse(queries, prompts, labels)
    return request.reply(bundle_reward(bundle).score(request.samples, request.items))


__all__ = ["END_MARKERS", "Request", "response_from_query", "reward_func"]
