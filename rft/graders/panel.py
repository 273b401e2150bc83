"""`panel`: several judges grade each sample; a failing judge is skipped, not counted as 0."""

from __future__ import annotations

import asyncio
import itertools
import statistics
from collections import Counter

import numpy as np

from rft._async import run_sync
from rft.batch import Batch
from rft.errors import ErrorFlag
from rft.graders.base import CompileContext, Grader, GraderOutput, arun_grader
from rft.graders.registry import build_grader, register
from rft.spec.panel import PanelSpec


def agreement(scores: list[float]) -> float | None:
    """Mean pairwise agreement, 1 - |a - b| averaged over every pair of judges (None with
    fewer than two). For 0/1 scores it is the fraction of agreeing pairs; for scores in
    [0, 1] it falls linearly with the gap. Chosen over Krippendorff's alpha because it is
    defined per sample and needs no corpus-wide expected disagreement.

    >>> agreement([1.0, 1.0, 0.0])
    0.3333333333333333
    """
    pairs = list(itertools.combinations(scores, 2))
    if not pairs:
        return None
    return statistics.fmean(1.0 - abs(a - b) for a, b in pairs)


def _majority(scores: list[float]) -> float:
    counts = Counter(round(s, 9) for s in scores)
    best = max(counts.values())
    return min(s for s, c in counts.items() if c == best)  # a tie goes to the lowest


_AGGREGATES = {
    "mean": statistics.fmean,
    "median": statistics.median,
    "majority": _majority,
    "min": min,
}


@register
class PanelGrader(Grader):
    """A panel of model graders (`score_model`, `label_model`, `rubric`) run concurrently.

    Per sample, the judges whose call succeeded are combined by `aggregate`; a judge that
    failed there (server error, refusal, unparseable reply, spent budget) is skipped and named
    in `failed_judges` (with its flag), never counted as 0. When every judge failed, the
    sample is a `model_grader_server_error` whose message lists each judge's error.

    Details per sample: `judge.<key>` (that judge's score, None where it failed),
    `failed_judges` (`["key: flag", …]` or None), `judges_ok` (how many counted),
    `agreement` (mean pairwise agreement 1 - |a - b|, see `agreement`; None with fewer than
    two judges counted) and `spread` (max - min).

    The judges are the panel's children, so each has its own sub-score (0 where it failed;
    `failed_judges` says where) and its own usage under its own model: `Scores.usage` sums
    them and `to_openai` counts `model_grader_token_usage_per_model` per judge model. A
    judge's flags stay in the panel's details, never in the sample's error flags.

    Args (spec fields):
        judges: `{key: model grader spec}` (at least two; one model several times needs
            different `sampling_params.seed`s, or the cache answers them all alike).
        aggregate: mean, median, majority (most common score, ties to the lowest) or min.
    """

    spec_type = PanelSpec

    def __init__(self, spec: PanelSpec, context: CompileContext | None = None) -> None:
        super().__init__(spec, context)
        self.spec: PanelSpec = spec
        self.judges = {
            key: build_grader(sub, self.context.child("judges", key))
            for key, sub in spec.judges.items()
        }
        self.aggregate = _AGGREGATES[spec.aggregate]

    def children(self) -> dict[str, Grader]:
        return dict(self.judges)

    def grade(self, batch: Batch) -> GraderOutput:
        return run_sync(self.agrade(batch))

    async def agrade(self, batch: Batch) -> GraderOutput:
        keys = list(self.judges)
        outputs = await asyncio.gather(*(arun_grader(self.judges[k], batch) for k in keys))
        n = len(batch)
        out = GraderOutput(scores=np.zeros(n))
        failed = {k: o.failed for k, o in zip(keys, outputs, strict=True)}
        details: dict[str, list] = {f"judge.{k}": [None] * n for k in keys}
        details.update(
            {name: [None] * n for name in ("failed_judges", "judges_ok", "agreement", "spread")}
        )
        all_failed: list[int] = []
        messages: list[str] = []
        for i in range(n):
            ok: list[float] = []
            bad: list[str] = []
            for key, o in zip(keys, outputs, strict=True):
                if failed[key][i]:
                    flags = ",".join(f for f, m in o.flags.items() if m[i])
                    bad.append(f"{key}: {flags}")
                    continue
                value = float(o.scores[i])
                details[f"judge.{key}"][i] = value
                ok.append(value)
            details["failed_judges"][i] = bad or None
            details["judges_ok"][i] = len(ok)
            if not ok:
                all_failed.append(i)
                texts = [
                    f"{key}: {(o.messages or [None] * n)[i] or 'failed'}"
                    for key, o in zip(keys, outputs, strict=True)
                ]
                messages.append(f"every judge of the panel failed ({'; '.join(texts)})")
                continue
            out.scores[i] = self.aggregate(ok)
            details["agreement"][i] = agreement(ok)
            details["spread"][i] = max(ok) - min(ok)
        out.flag(ErrorFlag.model_grader_server_error, all_failed, messages)
        out.details = details
        # Each judge reports its own usage (and model) as a child; a failed judge's flags are
        # the panel's details, not the sample's errors.
        out.children = {
            key: GraderOutput(scores=o.scores, details=o.details, usage=o.usage, seconds=o.seconds)
            for key, o in zip(keys, outputs, strict=True)
        }
        return out

    def close(self) -> None:
        for judge in self.judges.values():
            judge.close()
