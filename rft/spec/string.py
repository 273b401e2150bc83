"""Specs of the text graders: exact/contains checks and similarity metrics."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from rft.spec.base import GraderSpecBase, Template

Normalizer = Literal[
    "strip",
    "casefold",
    "lower",
    "collapse_whitespace",
    "remove_punctuation",
    "remove_articles",
    "nfkc",
]

StringOperation = Literal["eq", "ne", "like", "ilike", "regex", "startswith", "endswith", "in"]


class StringCheckSpec(GraderSpecBase):
    """Scores 1 when `input` passes `operation` against `reference`, else 0.

    `eq`, `ne`, `like` (input contains reference) and `ilike` (case-insensitive) are OpenAI's;
    `regex` (reference is a pattern searched in input), `startswith`, `endswith` and `in`
    (reference is a list of accepted answers) are rft's.
    """

    type: Literal["string_check"] = "string_check"
    input: Template = "{{ sample.output_text }}"
    reference: Template | list[Template]
    operation: StringOperation = "eq"
    normalize: list[Normalizer] = Field(
        default_factory=list, description="Applied to input and reference before comparing."
    )

    @field_validator("reference")
    @classmethod
    def _non_empty_list(cls, value: Template | list[Template]) -> Template | list[Template]:
        if isinstance(value, list) and not value:
            raise ValueError("reference list is empty: give at least one accepted answer")
        return value


SimilarityMetric = Literal[
    "fuzzy_match",
    "ratio",
    "partial_ratio",
    "token_sort_ratio",
    "token_set_ratio",
    "levenshtein",
    "jaro_winkler",
    "bleu",
    "gleu",
    "meteor",
    "rouge_1",
    "rouge_2",
    "rouge_3",
    "rouge_4",
    "rouge_5",
    "rouge_l",
    "cosine",
]


class TextSimilaritySpec(GraderSpecBase):
    """Scores the similarity of `input` to `reference` in [0, 1] with `evaluation_metric`."""

    type: Literal["text_similarity"] = "text_similarity"
    input: Template = "{{ sample.output_text }}"
    reference: Template
    evaluation_metric: SimilarityMetric = "fuzzy_match"
    pass_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Marks each sample passed (score >= threshold) in the `passed` detail; "
        "the score itself stays the similarity.",
    )
    normalize: list[Normalizer] = Field(default_factory=list)
    embedding_model: str | None = Field(
        default=None, description="`cosine` only: a local sentence-embedding model path."
    )
