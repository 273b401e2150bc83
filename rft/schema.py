"""JSON Schemas generated from the pydantic models (kept in `schemas/`, checked by a test).

Editors use them for completion and validation of bundles
(`# yaml-language-server: $schema=../schemas/bundle.schema.json`).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
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


def _optional(module: str, function: str) -> Callable[[], dict[str, Any]] | None:
    # The train job schema lives with the train package; the core must not require it.
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError):
        return None


def all_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, for everything `schemas/` holds."""
    schemas = {"bundle.schema.json": bundle_json_schema()}
    job = _optional("rft.train.config", "job_json_schema")
    if job is not None:
        schemas["train_job.schema.json"] = job()
    return schemas


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def write_schemas(out_dir: str | Path) -> list[Path]:
    """Write every schema into `out_dir`; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = out / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written
