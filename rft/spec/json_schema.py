"""Spec of the JSON-schema grader (structured output format checks)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from rft.spec.base import GraderSpecBase, Template


class JsonSchemaSpec(GraderSpecBase):
    """Scores 1 when `input` parses as JSON valid against `schema`, else 0.

    With `partial: true` the score is the fraction of the schema's required top-level fields
    that are present and valid.
    """

    type: Literal["json_schema"] = "json_schema"
    input: Template = "{{ sample.output_text }}"
    json_schema: dict[str, Any] | bool | str = Field(
        alias="schema", description="A JSON Schema, inline or a path relative to the bundle file."
    )
    partial: bool = False
