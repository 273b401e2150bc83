"""Spec of the ranked-list grader (position of the right answer in a candidate list)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rft.spec.base import GraderSpecBase, Template
from rft.spec.string import Normalizer

RankScoring = Literal["reciprocal_rank", "linear", "exponential", "top_k", "ndcg"]


class RankedListSpec(GraderSpecBase):
    """Scores where the relevant answer(s) appear in a ranked list.

    `input` is a list, or text parsed as a JSON array, a numbered/bulleted list, or comma- or
    newline-separated values. `reference` is one answer or a list of relevant answers. The
    grader exposes `rank` (1-based, 0 when absent) per sample for top@k and MRR reports.
    """

    type: Literal["ranked_list"] = "ranked_list"
    input: Template = "{{ sample.output_text }}"
    reference: Template | list[Template]
    aliases: Template | dict[str, list[str]] | None = Field(
        default=None,
        description="Synonyms: a mapping answer -> [aliases], or a template naming an item field with one.",
    )
    scoring: RankScoring = "reciprocal_rank"
    k: int = Field(default=10, ge=1, description="Cut-off for linear, top_k and ndcg.")
    decay: float = Field(
        default=0.5, gt=0, lt=1, description="`exponential`: score = decay^(rank-1)."
    )
    max_items: int | None = Field(
        default=None,
        ge=1,
        description="Anti-gaming: lists longer than this score 0 (or are truncated).",
    )
    over_max_items: Literal["zero", "truncate"] = "zero"
    normalize: list[Normalizer] = Field(
        default_factory=lambda: ["strip", "casefold"],
        description="Applied to list entries, references and aliases before matching.",
    )
