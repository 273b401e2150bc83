"""`score_model`: a judge model gives a number in `range`, normalized to [0, 1]."""

from __future__ import annotations

import statistics
from typing import Any

from rft.graders.base import CompileContext
from rft.graders.judge_base import JudgeGrader, majority
from rft.graders.registry import register
from rft.judge.parsing import Parsed, parse_score
from rft.spec.model import ScoreModelSpec


@register
class ScoreModelGrader(JudgeGrader):
    """LLM-as-judge with a numeric score (OpenAI's `score_model`, any OpenAI-compatible server
    or a local transformers model).

    The reply is parsed as JSON `{"result": x, "steps": [...]}`, else a bare number, or with
    `reply_pattern` when set; `x` outside `range` is truncated to it (as OpenAI's graders
    guide says; `notes` records it), and the score is `(x - low) / (high - low)`. Several
    differing results in one reply are a `model_grader_parse_error`. Unless `reply_pattern`
    is set, a system note asks for that JSON. Details per sample: `result` (raw score),
    `reply`, `cached`, `latency_s`, `prompt_tokens`, `completion_tokens`, `notes`, with
    several calls `votes`, and with `pass_threshold` `passed`.

    Args (spec fields):
        model: model name at the endpoint, or a folder with `provider: transformers`.
        input: chat messages (system/developer/user/assistant) whose contents are templates;
            values read from `sample` are wrapped in `<sample>` tags and declared data.
        endpoint: the name of an endpoint in the user's endpoints file, or a `{base_url,
            headers}` block the user allows (see `rft.judge.endpoints`); none: OpenAI.
        range: `[low, high]` of the judge's scale.
        pass_threshold: when set, `passed` in the details is True where the raw result
            >= it; the score stays continuous (OpenAI's semantics: a pass mark, not a 0/1).
        sampling_params: temperature, top_p, seed, max_tokens, … sent with each request.
        reply_pattern: a regex whose first group is the number, for replies that are not JSON.
        concurrency, timeout_s, max_retries, cache: the call plumbing.
        max_requests, max_tokens_spent, max_cost_usd: spending caps over the grader's life
            (dollars priced by the `prices` table of the user's endpoints file); calls past a
            cap are not sent and their samples flagged `model_grader_server_error`.
        samples, aggregate: ask `samples` times and combine by mean, median or majority.
        swap_order: pairwise rubrics: also ask with the two answers (the last two `{{ }}`
            expressions) exchanged; that reply counts as `low + high - x`.
    """

    spec_type = ScoreModelSpec

    def __init__(self, spec: ScoreModelSpec, context: CompileContext | None = None) -> None:
        self.spec: ScoreModelSpec = spec
        super().__init__(spec, context)

    def reply_format(self) -> str:
        low, high = self.spec.range
        return (
            'Reply with a JSON object only: {"steps": [{"description": "...", "conclusion": '
            f'"..."}}], "result": <a number from {low:g} to {high:g}>}}'
        )

    def parse(self, text: str) -> Parsed:
        return parse_score(text, self.spec.range, self.pattern)

    def mirror(self, value: Any) -> Any:
        low, high = self.spec.range
        return low + high - value

    def combine(self, values: list[Any]) -> tuple[float, Any]:
        how = self.spec.aggregate
        if how == "majority":
            raw = majority(values)
        elif how == "median":
            raw = statistics.median(values)
        else:
            raw = statistics.fmean(values)
        low, high = self.spec.range
        return (raw - low) / (high - low), raw

    def extra_details(self, details: dict[str, list[Any]]) -> None:
        threshold = self.spec.pass_threshold
        if threshold is not None:
            details["passed"] = [None if r is None else r >= threshold for r in details["result"]]
