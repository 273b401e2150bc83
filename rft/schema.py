"""The grader bundle's JSON Schema, generated from the pydantic spec models.

`schemas/` holds it and the train job's (`rft.train.config.job_json_schema`); both are written by
`rft graders schema` (`rft/cli/schemas.py`) and kept in sync by a test.

Editors use them for completion and validation of bundles
(`# yaml-language-server: $schema=../schemas/bundle.schema.json`).
"""

from __future__ import annotations

import json
from typing import Any

from rft.spec.bundle import GRADER_SPEC_ADAPTER, SPEC_CLASSES

SCHEMA_BASE_URI = "https://rft.dev/schemas/"


def bundle_json_schema() -> dict[str, Any]:
    """The JSON Schema of a grader bundle (any grader type at the top, with `tests:`)."""
    schema = GRADER_SPEC_ADAPTER.json_schema(mode="validation")
    # A JSON bundle may name its schema with a `$schema` key; the loader ignores it.
    for cls in SPEC_CLASSES.values():
        definition = schema.get("$defs", {}).get(cls.__name__)
        if definition is not None:
            definition.setdefault("properties", {})["$schema"] = {"type": "string"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_BASE_URI + "bundle.schema.json",
        "title": "rft grader bundle",
        "description": "A grader (usually `multi`) with its `tests:`. OpenAI grader JSON is valid as is.",
        **schema,
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
