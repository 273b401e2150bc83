"""`json_schema`: does the answer parse as JSON valid against a schema (0/1, or a fraction)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import numpy as np
import yaml

from rft.batch import Batch, parse_output_json
from rft.errors import BundleError, ErrorFlag
from rft.graders.base import CompileContext, Grader, GraderOutput
from rft.graders.registry import register
from rft.spec.json_schema import JsonSchemaSpec

_OUTPUT_TEXT = re.compile(r"^\s*\{\{\s*sample\.output_text\s*\}\}\s*$")
_MISSING = object()


@register
class JsonSchemaGrader(Grader):
    """Scores 1 when `input` is JSON valid against `schema`, else 0.

    Args (spec fields):
        input: template of the JSON (default `{{ sample.output_text }}`). A rendered string is
            parsed as JSON (a ```json fence is tolerated) unless the template reads
            `sample.output_json`, whose values are already parsed (a string there is a JSON
            string); dicts, lists, numbers and null are validated as they are. Text that does
            not parse scores 0 and raises `sample_parse_error`.
        schema: a JSON Schema inline, or a path to a JSON/YAML file relative to the bundle
            file; the draft comes from its `$schema` (default: the latest).
        partial: score the fraction of the schema's top-level `required` properties that are
            present and valid against their `properties` subschema (a required property
            without a subschema counts when present); a fully valid answer scores 1, a
            non-object 0. A schema without `required` scores 0/1 as usual.
    Details: `schema_error`, the best-matching validation message of each invalid answer.
    """

    spec_type = JsonSchemaSpec

    def __init__(self, spec: JsonSchemaSpec, context: CompileContext | None = None) -> None:
        super().__init__(spec, context)
        self.spec: JsonSchemaSpec = spec
        self.input = self.template("input", spec.input)
        # With the default input, reuse the batch's parsed `output_json` (parsed once per
        # sample, shared with the other graders' `sample.output_json` templates).
        self._reads_output_json = bool(_OUTPUT_TEXT.match(self.input.source))
        self._parse_strings = not self.input.uses_output_json
        self.schema = self._load_schema(spec.json_schema)
        location = self.context.location("schema")
        try:
            self._python_validator = jsonschema.validators.validator_for(self.schema)(self.schema)
            self._validator = jsonschema_rs.validator_for(self.schema)
        except Exception as exc:
            raise BundleError(
                f"the JSON Schema cannot be compiled: {exc}",
                location,
                hint="check `$ref` targets and the schema's draft",
            ) from None
        self._required: list[tuple[str, Any]] = []
        if spec.partial:
            self._required = self._required_validators()

    def _load_schema(self, source: dict[str, Any] | str) -> dict[str, Any]:
        location = self.context.location("schema")
        if isinstance(source, str):
            path = Path(source).expanduser()
            if not path.is_absolute():
                path = self.context.base_dir / path
            if not path.is_file():
                raise BundleError(
                    f"schema file not found: {path}",
                    location,
                    hint="give the schema inline, or a JSON/YAML file path relative to the bundle file",
                )
            text = path.read_text(encoding="utf-8")
            try:
                source = (
                    json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
                )
            except (json.JSONDecodeError, yaml.YAMLError) as exc:
                raise BundleError(
                    f"schema file {path} does not parse: {exc}",
                    location,
                    hint="fix the JSON/YAML syntax of the schema file",
                ) from None
        if not isinstance(source, dict | bool):
            raise BundleError(
                f"a JSON Schema must be an object (or a boolean), got {type(source).__name__}",
                location,
                hint="e.g. `schema: {type: object, required: [answer]}`",
            )
        try:
            jsonschema.validators.validator_for(source).check_schema(source)
        except jsonschema.SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "the root"
            raise BundleError(
                f"invalid JSON Schema at {where}: {exc.message}",
                location,
                hint="see https://json-schema.org/understanding-json-schema/ for the keywords",
            ) from None
        return source  # type: ignore[return-value]

    def _required_validators(self) -> list[tuple[str, Any]]:
        schema = self.schema if isinstance(self.schema, dict) else {}
        properties = schema.get("properties") or {}
        # Subschemas keep the root's definitions so that local `$ref`s still resolve.
        shared = {k: schema[k] for k in ("$schema", "$defs", "definitions") if k in schema}
        found: list[tuple[str, Any]] = []
        for name in schema.get("required") or []:
            sub = properties.get(name)
            if isinstance(sub, dict):
                found.append((name, jsonschema_rs.validator_for({**shared, **sub})))
            elif sub is False:
                found.append((name, False))
            else:
                found.append((name, None))
        return found

    def grade(self, batch: Batch) -> GraderOutput:
        n = len(batch)
        out = GraderOutput(scores=np.zeros(n))
        instances, parse_errors = self._instances(batch, out)
        is_valid = self._validator.is_valid
        scores = out.scores
        invalid: list[int] = []
        for i in range(n):
            instance = instances[i]
            if instance is _MISSING:
                continue
            if is_valid(instance):
                scores[i] = 1.0
            else:
                invalid.append(i)
        if invalid:
            errors: list[str | None] = [None] * n
            for i in invalid:
                errors[i] = self._message(instances[i])
                if self._required:
                    scores[i] = self._fraction(instances[i])
            out.details["schema_error"] = errors
        if parse_errors:
            out.flag(
                ErrorFlag.sample_parse_error,
                [i for i, _ in parse_errors],
                [m for _, m in parse_errors],
            )
        return out

    def _instances(
        self, batch: Batch, out: GraderOutput
    ) -> tuple[list[Any], list[tuple[int, str]]]:
        """The JSON value of every sample (`_MISSING` where there is none) and parse errors."""
        n = len(batch)
        instances: list[Any] = [_MISSING] * n
        parse_errors: list[tuple[int, str]] = []
        if self._reads_output_json:
            # Shares the batch's parsed JSON column with every other grader of the bundle.
            values, failed = batch.json_column()
            instances = (
                [_MISSING if i in failed else v for i, v in enumerate(values)]
                if failed
                else list(values)
            )
            parse_errors = [(i, str(exc)) for i, exc in failed.items()]
            return instances, parse_errors
        rendered = out.render(batch, self.input)
        failed = rendered.failed
        parse = self._parse_strings
        for i, value in enumerate(rendered.values):
            if failed[i]:
                continue
            if parse and isinstance(value, str):
                try:
                    value = parse_output_json(value)
                except ValueError as exc:
                    parse_errors.append((i, f"input is not valid JSON: {exc}"))
                    continue
            instances[i] = value
        return instances, parse_errors

    def _message(self, instance: Any) -> str:
        # jsonschema-rs reports the first error at Rust speed: early in RL most answers can be
        # invalid, and python jsonschema's best_match costs tens of µs per sample.
        try:
            error = next(iter(self._validator.iter_errors(instance)), None)
        except Exception as exc:  # values the validator cannot walk
            return f"invalid: {exc}"
        if error is None:
            return "invalid"
        where = "/".join(str(p) for p in error.instance_path)
        return f"{where}: {error.message}" if where else error.message

    def _fraction(self, instance: Any) -> float:
        if not isinstance(instance, dict):
            return 0.0
        good = 0
        for name, validator in self._required:
            if name not in instance or validator is False:
                continue
            if validator is None or validator.is_valid(instance[name]):
                good += 1
        return good / len(self._required)
