"""The base of the model graders (`score_model`, `label_model`, `rubric`): LLM-as-judge plumbing.

Per batch: render the messages (the sample delimited as data), build one request per sample,
per draw (`samples: n`) and per order (`swap_order`), get the replies through `rft.judge.Judge`
(cache, dedup, concurrency, retries, budget), parse them, aggregate. A judge failure is a
flag, never a silent 0: `model_grader_server_error` (no reply: HTTP errors, timeouts,
malformed responses, spent budget), `model_grader_refusal_error` (the judge refused),
`model_grader_parse_error` (a reply that does not parse, or an ambiguous one). Each reply is
decided on its own: whatever one reply holds, the other samples of the batch are unaffected.
A sample is flagged only when no call of one of its orders succeeded; the score comes from
the calls that did. `notes` in the details says what parsing adjusted (a truncated score).
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections import Counter
from typing import Any

import numpy as np

from rft._async import run_sync
from rft.batch import Batch
from rft.errors import BundleError, ErrorFlag
from rft.graders.base import CompileContext, Grader, GraderOutput
from rft.judge.client import Judge
from rft.judge.parsing import Parsed, looks_like_refusal
from rft.judge.prompt import Prompt
from rft.judge.reply import Reply
from rft.spec.model import LabelModelSpec, ScoreModelSpec
from rft.spec.rubric import RubricSpec

_REPLY_DETAIL_CHARS = 2000


class JudgeGrader(Grader):
    """Shared implementation of the model graders; subclasses parse and combine values."""

    spec: ScoreModelSpec | LabelModelSpec | RubricSpec

    def __init__(
        self,
        spec: ScoreModelSpec | LabelModelSpec | RubricSpec,
        context: CompileContext | None = None,
    ) -> None:
        super().__init__(spec, context)
        self.pattern: re.Pattern[str] | None = None
        if spec.reply_pattern is not None:
            try:
                self.pattern = re.compile(spec.reply_pattern, re.S)
            except re.error as exc:
                raise BundleError(
                    f"invalid reply_pattern {spec.reply_pattern!r}: {exc}",
                    self.context.location("reply_pattern"),
                    hint="a Python regex whose first group is the score or label",
                ) from None
        self.judge = Judge(
            spec,
            base_dir=self.context.base_dir,
            cache_root=self.context.cache_dir,
            location=self.context.location,
        )
        self.prompt = Prompt(
            spec.input,
            location=self.context.location,
            reply_format=None if self.pattern is not None else self.reply_format(),
            swap=bool(getattr(spec, "swap_order", False)),
            developer_role=self.judge.official,
        )
        # A list attribute of templates, so `Grader.templates()` (validation) finds them.
        self.message_templates = [t for variant in self.prompt.templates for t in variant]

    @abstractmethod
    def reply_format(self) -> str:
        """The reply instruction added to the system note (when no reply_pattern is set)."""

    @abstractmethod
    def parse(self, text: str) -> Parsed:
        """Parse one reply text."""

    def mirror(self, value: Any) -> Any:
        """The value of a swapped-order reply as seen from the original order."""
        return value

    @abstractmethod
    def combine(self, values: list[Any]) -> tuple[float, Any]:
        """(score in [0, 1], the aggregated raw result) from the successful calls' values."""

    def grade(self, batch: Batch) -> GraderOutput:
        return run_sync(self.agrade(batch))

    async def agrade(self, batch: Batch) -> GraderOutput:
        n = len(batch)
        out = GraderOutput(scores=np.zeros(n))
        variants, evaluated = self.prompt.render(batch)
        for column in evaluated:
            out.absorb(column)
        draws = self.spec.samples
        calls: list[tuple[int, int]] = []  # (sample, variant)
        bodies: list[tuple[dict[str, Any], int]] = []
        for i in range(n):
            if variants[0][i] is None:
                continue
            for v, rows in enumerate(variants):
                messages = rows[i]
                assert messages is not None
                for d in range(draws):
                    calls.append((i, v))
                    bodies.append((self.judge.body(messages, d), d))
        replies = await self.judge.complete(bodies)

        per_sample: dict[int, list[list[tuple[Reply, Parsed, str | None]]]] = {}
        for (i, v), reply in zip(calls, replies, strict=True):
            try:
                parsed, flag = self._verdict(reply)
            except Exception as exc:  # one odd reply must never wipe the batch
                parsed = Parsed(error=f"{type(exc).__name__}: {exc}")
                flag = ErrorFlag.model_grader_parse_error.value
            per_sample.setdefault(i, [[] for _ in variants])[v].append((reply, parsed, flag))

        details: dict[str, list[Any]] = {
            key: [None] * n
            for key in (
                "result",
                "reply",
                "cached",
                "latency_s",
                "prompt_tokens",
                "completion_tokens",
                "notes",
            )
        }
        if draws > 1 or len(variants) > 1:
            details["votes"] = [None] * n
        flagged: dict[str, tuple[list[int], list[str]]] = {}
        for i, orders in per_sample.items():
            everything = [entry for order in orders for entry in order]
            values = [
                p.value if v == 0 else self.mirror(p.value)
                for v, order in enumerate(orders)
                for _, p, flag in order
                if flag is None
            ]
            replies_i = [r for r, _, _ in everything]
            details["cached"][i] = all(r.cached for r in replies_i)
            details["latency_s"][i] = sum(r.latency_s for r in replies_i)
            details["prompt_tokens"][i] = sum(r.prompt_tokens for r in replies_i)
            details["completion_tokens"][i] = sum(r.completion_tokens for r in replies_i)
            notes = [p.note for _, p, f in everything if f is None and p.note]
            details["notes"][i] = notes or None
            first_ok = next((r for r, _, f in everything if f is None), None)
            failed_order = next((o for o in orders if all(f is not None for _, _, f in o)), None)
            if failed_order is not None:
                reply, parsed, flag = failed_order[0]
                assert flag is not None
                message = self._message(reply, parsed, flag)
                ids, texts = flagged.setdefault(flag, ([], []))
                ids.append(i)
                texts.append(message)
                details["reply"][i] = _clip(reply.text if reply.text is not None else message)
                continue
            try:
                score, result = self.combine(values)
            except Exception as exc:  # per sample, like parsing
                message = f"judge replies did not combine: {type(exc).__name__}: {exc}"
                ids, texts = flagged.setdefault(ErrorFlag.model_grader_parse_error.value, ([], []))
                ids.append(i)
                texts.append(message)
                continue
            out.scores[i] = score
            details["result"][i] = result
            details["reply"][i] = _clip(first_ok.text if first_ok else None)
            if "votes" in details:
                details["votes"][i] = values
        for flag, (ids, texts) in flagged.items():
            out.flag(flag, ids, texts)
        self.extra_details(details)
        out.details = details
        fresh = [r for r in replies if not r.cached]
        out.usage = {
            "judge_calls": float(len(replies)),
            "judge_requests": float(sum(r.attempts for r in fresh)),
            "judge_cache_hits": float(sum(r.cached for r in replies)),
            "judge_prompt_tokens": float(sum(r.prompt_tokens for r in fresh)),
            "judge_completion_tokens": float(sum(r.completion_tokens for r in fresh)),
            "judge_latency_s": float(sum(r.latency_s for r in fresh)),
        }
        price = self.judge.price
        if price is not None:
            out.usage["judge_cost_usd"] = sum(
                price.cost(r.prompt_tokens, r.completion_tokens) for r in fresh
            )
        return out

    def _verdict(self, reply: Reply) -> tuple[Parsed, str | None]:
        if reply.error is not None:
            return Parsed(error=reply.error), ErrorFlag.model_grader_server_error.value
        if reply.refusal or reply.finish_reason == "content_filter":
            refusal = reply.refusal or "reply withheld by the content filter"
            return Parsed(error=refusal), ErrorFlag.model_grader_refusal_error.value
        text = reply.text or ""
        if not isinstance(text, str):
            return Parsed(
                error="reply content is not text"
            ), ErrorFlag.model_grader_parse_error.value
        if not text.strip():
            return Parsed(error="empty reply"), ErrorFlag.model_grader_parse_error.value
        parsed = self.parse(text)
        if parsed.error is None:
            return parsed, None
        if looks_like_refusal(text):
            return parsed, ErrorFlag.model_grader_refusal_error.value
        return parsed, ErrorFlag.model_grader_parse_error.value

    def _message(self, reply: Reply, parsed: Parsed, flag: str) -> str:
        if flag == ErrorFlag.model_grader_server_error.value:
            return f"judge call failed: {reply.error}"
        if flag == ErrorFlag.model_grader_refusal_error.value:
            return f"judge refused: {_clip(reply.refusal or reply.text or parsed.error, 200)}"
        return f"judge reply did not parse: {parsed.error}"

    def extra_details(self, details: dict[str, list[Any]]) -> None:
        """Add grader-specific details from the per-sample `result`s (in place)."""

    def close(self) -> None:
        self.judge.close()


def _clip(text: str | None, limit: int = _REPLY_DETAIL_CHARS) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 3] + "..."


def majority(values: list[Any]) -> Any:
    """The most frequent value; ties go to the value seen first."""
    counts = Counter(values)
    best = max(counts.values())
    return next(v for v in values if counts[v] == best)
