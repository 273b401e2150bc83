"""`episode`: sub-graders over a whole conversation (final answer, tool calls, transcript)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import orjson

from rft.batch import Batch
from rft.graders.base import CompileContext, GraderOutput
from rft.graders.multi import MultiGrader
from rft.graders.registry import register
from rft.spec.episode import EpisodeSpec


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    return str(content)


def episode_record(sample: Any) -> dict[str, Any]:
    """The episode of one sample: its final assistant text, assistant turns (`steps`), every
    tool call and tool result in order, a one-line-per-message `transcript` and the messages.

    A plain string (or `{"output_text": …}`) is a one-step episode without tools.

    >>> episode_record("42")["steps"]
    1
    """
    if isinstance(sample, str) or (isinstance(sample, Mapping) and "output_text" in sample):
        text = sample if isinstance(sample, str) else str(sample["output_text"] or "")
        tools = [] if isinstance(sample, str) else list(sample.get("output_tools") or [])
        messages: list[Any] = [{"role": "assistant", "content": text, "tool_calls": tools}]
    elif isinstance(sample, Sequence) and all(isinstance(m, Mapping) for m in sample):
        messages = list(sample)
    else:
        raise TypeError(f"an episode is a list of chat messages, got {type(sample).__name__}")
    assistant = [m for m in messages if m.get("role", "assistant") == "assistant"]
    calls = [c for m in assistant for c in (m.get("tool_calls") or [])]
    lines = []
    for m in messages:
        text = _text(m.get("content"))
        if m.get("tool_calls"):
            shown = [c.get("function", c) for c in m["tool_calls"] if isinstance(c, Mapping)]
            text = f"{text} [tool calls: {orjson.dumps(shown, default=str).decode()}]".strip()
        lines.append(f"[{m.get('role', 'assistant')}] {text}")
    final = next((_text(m.get("content")) for m in reversed(assistant) if m.get("content")), "")
    return {
        "final": final,
        "steps": len(assistant),
        "tool_calls": len(calls),
        "tool_results": [_text(m.get("content")) for m in messages if m.get("role") == "tool"],
        "transcript": "\n".join(lines),
        "messages": messages,
        "_calls": calls,
    }


@register
class EpisodeGrader(MultiGrader):
    """Grades multi-turn episodes (TRL's GRPO with tools or environments) with sub-graders.

    Each sub-grader sees one sample per episode: `sample.output_text` = the final assistant
    text (so `numeric`, `string_check`, … grade the final answer), `sample.output_tools` =
    every tool call in order (so `tool_call` grades the sequence), `sample.output_json` =
    the episode record (`{{ sample.output_json.transcript }}` for a judge over the whole
    conversation, `.steps`, `.tool_calls`, `.tool_results`). Sub-scores combine as in
    `multi`; with `max_steps`, longer episodes score 0 (not a flag: it is the policy's doing).

    Details per sample: `steps`, `tool_calls`, `over_max_steps`.

    Args (spec fields):
        graders, calculate_output, weights: as for `multi`.
        max_steps: the most assistant turns an episode may take.
    """

    spec_type = EpisodeSpec

    def __init__(self, spec: EpisodeSpec, context: CompileContext | None = None) -> None:
        super().__init__(spec, context)
        self.spec: EpisodeSpec = spec  # type: ignore[assignment]

    def _episodes(self, batch: Batch) -> tuple[Batch, list[dict[str, Any]]]:
        raw = batch._raw  # the pairs as given: Batch has no public accessor for them
        records = [episode_record(s) for s in raw]
        samples = [
            {
                "output_text": r["final"],
                "output_tools": r["_calls"],
                "output_json": {k: v for k, v in r.items() if not k.startswith("_")},
            }
            for r in records
        ]
        return Batch(samples, batch.items), records

    def _finish(self, out: GraderOutput, records: list[dict[str, Any]]) -> GraderOutput:
        steps = [r["steps"] for r in records]
        over = [self.spec.max_steps is not None and s > self.spec.max_steps for s in steps]
        out.scores = np.where(over, 0.0, out.scores)
        out.details = {
            "steps": steps,
            "tool_calls": [r["tool_calls"] for r in records],
            "over_max_steps": over,
        }
        return out

    def grade(self, batch: Batch) -> GraderOutput:
        episodes, records = self._episodes(batch)
        return self._finish(super().grade(episodes), records)

    async def agrade(self, batch: Batch) -> GraderOutput:
        episodes, records = self._episodes(batch)
        return self._finish(await super().agrade(episodes), records)
