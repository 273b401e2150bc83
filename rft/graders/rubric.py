"""`rubric`: a judge grades weighted criteria, a reason before each verdict, in one JSON reply."""

from __future__ import annotations

import statistics
from typing import Any

import orjson

from rft.graders.base import CompileContext
from rft.graders.judge_base import JudgeGrader
from rft.graders.registry import register
from rft.judge.parsing import Parsed, parse_rubric
from rft.spec.rubric import RubricSpec


@register
class RubricGrader(JudgeGrader):
    """LLM-as-judge over a rubric of weighted criteria (one judge call per sample and draw).

    The system note lists the criteria in the order written, each with its choices (worst to
    best), and asks for ``{"criteria": [{"name": …, "reason": …, "verdict": …}, …]}`` with the
    reason before the verdict (a judge that writes its reason first grades more consistently,
    as G-Eval's chain of thought and OpenAI's `steps` do). Choice k of n scores k / (n - 1),
    or the criterion's `scores`; the rubric's score is the weighted mean over criteria.

    Compared with promptfoo's `llm-rubric` (one free-form score) and verifiers' rubrics
    (reward functions summed): each criterion is a closed choice, so the judge never invents
    a number; a reply with any criterion missing or off its choices is a
    `model_grader_parse_error` for that sample only, naming the bad criteria (never scored as
    if they were 0); `temperature: 0` by default; the rubric text is part of the request, so
    the disk cache (keyed by the full rendered request) misses whenever the rubric changes.

    Details per sample: `criterion.<name>` (that criterion's score in [0, 1]), `result`
    (`{name: verdict}`), `reasons` (`{name: reason}`), plus those of every model grader
    (`reply`, `cached`, `latency_s`, tokens, `notes`, with several calls `votes`).

    Args (spec fields):
        criteria: list of `{name, description, choices, scores?, weight?}`.
        samples, aggregate: ask `samples` times; per criterion, combine the choice scores by
            mean, median or majority (the most frequent verdict; ties go to the worse one).
        model, input, endpoint, sampling_params, concurrency, timeout_s, max_retries, cache,
        max_requests, max_tokens_spent, max_cost_usd: as for `score_model`.
    """

    spec_type = RubricSpec

    def __init__(self, spec: RubricSpec, context: CompileContext | None = None) -> None:
        self.spec: RubricSpec = spec
        self.criteria = [(c.name, list(c.choices)) for c in spec.criteria]
        self.choice_scores = {c.name: c.choice_scores() for c in spec.criteria}
        total = sum(c.weight for c in spec.criteria)
        self.weights = {c.name: c.weight / total for c in spec.criteria}
        super().__init__(spec, context)

    def reply_format(self) -> str:
        lines = ["Grade the answer on each criterion below, in this order."]
        for c in self.spec.criteria:
            choices = " | ".join(orjson.dumps(x).decode() for x in c.choices)
            lines.append(
                f"- {c.name}: {c.description.strip()}\n  choices (worst to best): {choices}"
            )
        lines.append(
            'Reply with a JSON object only: {"criteria": [{"name": "<criterion>", "reason": '
            '"<your reasoning, written first>", "verdict": "<one of its choices, verbatim>"}, '
            "...]} with one entry per criterion, in the order above."
        )
        return "\n".join(lines)

    def parse(self, text: str) -> Parsed:
        return parse_rubric(text, self.criteria)

    def combine(self, values: list[Any]) -> tuple[float, Any]:
        per: dict[str, float] = {}
        for name, _ in self.criteria:
            picks = [v[name].choice for v in values]
            if self.spec.aggregate == "majority":
                # Ties go to the worse verdict: an undecided judge does not hand out reward.
                best = max(picks.count(p) for p in picks)
                choice_score = self.choice_scores[name][
                    min(p for p in picks if picks.count(p) == best)
                ]
            else:
                scores = [self.choice_scores[name][p] for p in picks]
                how = statistics.median if self.spec.aggregate == "median" else statistics.fmean
                choice_score = float(how(scores))
            per[name] = choice_score
        score = sum(self.weights[name] * s for name, s in per.items())
        return score, {"scores": per, "first": values[0]}

    def extra_details(self, details: dict[str, list[Any]]) -> None:
        results = details["result"]
        for name, _ in self.criteria:
            details[f"criterion.{name}"] = [
                None if r is None else r["scores"][name] for r in results
            ]
        choices = dict(self.criteria)
        details["reasons"] = [
            None if r is None else {k: v.reason for k, v in r["first"].items()} for r in results
        ]
        details["result"] = [
            None if r is None else {k: choices[k][v.choice] for k, v in r["first"].items()}
            for r in results
        ]
        if "votes" in details:
            details["votes"] = [
                None
                if votes is None
                else [{k: choices[k][v.choice] for k, v in vote.items()} for vote in votes]
                for votes in details["votes"]
            ]
