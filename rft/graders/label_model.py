"""`label_model`: a judge model picks a label; 1 when it is one of `passing_labels`."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from rft.graders.base import CompileContext
from rft.graders.judge_base import JudgeGrader
from rft.graders.registry import register
from rft.judge.parsing import Parsed, parse_label
from rft.spec.model import LabelModelSpec


@register
class LabelModelGrader(JudgeGrader):
    """LLM-as-judge classification (OpenAI's `label_model`).

    The reply is parsed as JSON `{"result": "label"}`, else the bare label (case-insensitive,
    quotes ignored), or with `reply_pattern` when set; anything not in `labels` is a
    `model_grader_parse_error`. Details as for `score_model`; `result` is the label.

    Args (spec fields):
        labels: the labels the judge chooses from (listed in the reply instruction).
        passing_labels: labels that score 1; the others score 0.
        samples, aggregate: with several calls, `majority` takes the most frequent label (a
            tie goes to a failing label), `mean` the fraction of calls with a passing label,
            `median` the median of those 0/1 values.
        model, input, endpoint, sampling_params, reply_pattern, concurrency, timeout_s,
        max_retries, max_requests, max_tokens_spent, max_cost_usd, cache: as for
            `score_model`.
    """

    spec_type = LabelModelSpec

    def __init__(self, spec: LabelModelSpec, context: CompileContext | None = None) -> None:
        self.spec: LabelModelSpec = spec
        super().__init__(spec, context)
        self.passing = set(spec.passing_labels)

    def reply_format(self) -> str:
        return f'Reply with a JSON object only: {{"result": "<one of: {", ".join(self.spec.labels)}>"}}'

    def parse(self, text: str) -> Parsed:
        return parse_label(text, self.spec.labels, self.pattern)

    def combine(self, values: list[Any]) -> tuple[float, Any]:
        counts = Counter(values)
        best = max(counts.values())
        # Conservative tie-break: an undecided judge does not hand out reward.
        tied = [v for v in counts if counts[v] == best]
        label = next((v for v in tied if v not in self.passing), tied[0])
        passes = [float(v in self.passing) for v in values]
        how = self.spec.aggregate
        if how == "mean":
            return statistics.fmean(passes), label
        if how == "median":
            return statistics.median(passes), label
        return float(label in self.passing), label
