"""Spec of the episode grader: sub-graders over a whole multi-turn conversation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rft.spec.multi import MultiSpec


class EpisodeSpec(MultiSpec):
    """Grades a whole episode (a chat-format completion with tool calls and tool results, as
    TRL's GRPO with tools produces) with named sub-graders combined like `multi`.

    Each sub-grader sees the episode as one sample: `sample.output_text` is the final
    assistant message's text, `sample.output_tools` every tool call of the episode in order,
    and `sample.output_json` the episode record `{final, steps, tool_calls, tool_results,
    transcript, messages}` (`transcript`: one `[role] text` line per message, for a judge).
    """

    type: Literal["episode"] = "episode"  # type: ignore[assignment]
    max_steps: int | None = Field(
        default=None,
        ge=1,
        description="Episodes with more assistant turns than this score 0 (`over_max_steps` "
        "in the details); none: no limit.",
    )
