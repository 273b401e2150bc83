"""`schemas/` is generated from the pydantic models and must not go stale."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from rft.cli.schemas import all_schemas
from rft.schema import render


def test_schemas_are_in_sync(repo: Path) -> None:
    for name, schema in all_schemas().items():
        path = repo / "schemas" / name
        assert path.exists(), f"{path} is missing: run `rft graders schema`"
        assert path.read_text(encoding="utf-8") == render(schema), (
            f"{path} is stale: run `rft graders schema`"
        )


def test_shipped_bundles_validate_against_the_schema(repo: Path) -> None:
    schema = json.loads((repo / "schemas" / "bundle.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((repo / "graders").glob("*.yaml")):
        text = path.read_text()
        assert text.startswith("# yaml-language-server: $schema=../schemas/bundle.schema.json"), (
            path
        )
        errors = list(validator.iter_errors(yaml.safe_load(text)))
        assert not errors, f"{path}: {errors[0].message}"


def test_schema_rejects_unknown_type() -> None:
    validator = jsonschema.Draft202012Validator(all_schemas()["bundle.schema.json"])
    assert not validator.is_valid({"type": "nope"})
    assert validator.is_valid(
        {"type": "string_check", "reference": "x", "$schema": "../schemas/bundle.schema.json"}
    )


def test_schema_accepts_multi_graders_as_a_mapping_or_openais_list() -> None:
    validator = jsonschema.Draft202012Validator(all_schemas()["bundle.schema.json"])
    check = {"type": "string_check", "name": "a", "reference": "x"}
    assert validator.is_valid({"type": "multi", "graders": {"a": check}})
    assert validator.is_valid({"type": "multi", "graders": [check]})
    assert not validator.is_valid({"type": "multi", "graders": [{"type": "nope"}]})
    assert not validator.is_valid({"type": "multi", "graders": []})
