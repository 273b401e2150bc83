"""`json_schema`: does the answer parse as JSON valid against a schema (0/1, or a fraction)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import numpy as np

from rft.batch import Batch, parse_output_json
from rft.errors import BundleError, ErrorFlag, Location
from rft.graders.base import CompileContext, Grader, GraderOutput
from rft.graders.registry import register
from rft.loading import MAX_DEPTH, load_yaml_located, read_text
from rft.spec.json_schema import JsonSchemaSpec

_OUTPUT_TEXT = re.compile(r"^\s*\{\{\s*sample\.output_text\s*\}\}\s*$")
_MISSING = object()


_REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


def _refuse_retrieval(uri: str) -> Any:
    # Defense in depth: `_check_refs` already refused every non-local ref at load.
    raise ValueError(f"rft never fetches schemas ({uri})")


def _check_refs(schema: Any, context: CompileContext) -> None:
    """Refuse `$ref`s that would reach the network or the disk, and unknown `$schema`s.

    Only refs inside the schema itself (`#`, `#/$defs/x`, `#anchor`) are allowed: a remote
    ref made validation wait on a silent server, and `file://` refs read local files.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(schema, ())]
    while stack:
        node, at = stack.pop()
        if isinstance(node, dict):
            for key in _REF_KEYWORDS:
                ref = node.get(key)
                if isinstance(ref, str) and not ref.startswith("#"):
                    raise BundleError(
                        f"`{key}: {ref}` is not allowed: only local `$ref`s (starting with `#`)"
                        " are, so that a schema never reaches the network or the disk",
                        context.location("schema", *at, key),
                        hint="copy the referenced schema under `$defs` and use `#/$defs/<name>`",
                    )
            meta = node.get("$schema")
            if isinstance(meta, str) and (
                jsonschema.validators.validator_for({"$schema": meta}, default=None) is None
            ):
                raise BundleError(
                    f"unknown `$schema: {meta}`: rft knows the standard drafts only and never"
                    " fetches meta-schemas",
                    context.location("schema", *at, "$schema"),
                    hint="use https://json-schema.org/draft/2020-12/schema or remove `$schema`",
                )
            stack.extend((value, (*at, key)) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, (*at, i)) for i, value in enumerate(node))


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
            self._validator = jsonschema_rs.validator_for(self.schema, retriever=_refuse_retrieval)
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
            source = self._read_schema_file(source, location)
        if not isinstance(source, dict | bool):
            raise BundleError(
                f"a JSON Schema must be an object (or a boolean), got {type(source).__name__}",
                location,
                hint="e.g. `schema: {type: object, required: [answer]}`",
            )
        _check_refs(source, self.context)
        try:
            jsonschema.validators.validator_for(source).check_schema(source)
        except jsonschema.SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "the root"
            raise BundleError(
                f"invalid JSON Schema at {where}: {exc.message}",
                location,
                hint="see https://json-schema.org/understanding-json-schema/ for the keywords",
            ) from None
        except RecursionError:
            raise BundleError(
                f"the JSON Schema nests deeper than {MAX_DEPTH} levels", location, hint="flatten it"
            ) from None
        return source  # type: ignore[return-value]

    def _read_schema_file(self, name: str, location: Location) -> Any:
        """A schema file inside the bundle's folder, read with the bundle reader's limits."""
        base = self.context.base_dir.resolve()
        path = (base / Path(name).expanduser()).resolve()
        if not path.is_relative_to(base):
            raise BundleError(
                f"schema file {name} is outside the bundle's folder ({base})",
                location,
                hint="copy the schema next to the bundle and give its relative path",
            )
        if path.exists() and not path.is_file():
            raise BundleError(
                f"schema file {path} is not a file", location, hint="give a JSON/YAML file"
            )
        if not path.exists():
            raise BundleError(
                f"schema file not found: {path}",
                location,
                hint="give the schema inline, or a JSON/YAML file path relative to the bundle file",
            )
        try:
            text = read_text(path, what="schema")
            data, _ = load_yaml_located(
                text, file=str(path), is_json=path.suffix.lower() == ".json"
            )
        except BundleError as exc:
            # Report it at the bundle's `schema:` field, naming the schema file's own problem.
            raise BundleError(
                f"schema file {path} does not parse: {exc.message}"
                + (f" (its line {exc.location.line})" if exc.location.line else ""),
                location,
                hint=exc.hint or "fix the schema file",
            ) from None
        return data

    def _required_validators(self) -> list[tuple[str, Any]]:
        schema = self.schema if isinstance(self.schema, dict) else {}
        properties = schema.get("properties") or {}
        # Subschemas keep the root's definitions so that local `$ref`s still resolve.
        shared = {k: schema[k] for k in ("$schema", "$defs", "definitions") if k in schema}
        found: list[tuple[str, Any]] = []
        for name in schema.get("required") or []:
            sub = properties.get(name)
            if isinstance(sub, dict):
                found.append(
                    (
                        name,
                        jsonschema_rs.validator_for({**shared, **sub}, retriever=_refuse_retrieval),
                    )
                )
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
