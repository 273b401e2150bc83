"""Reading grader bundles (YAML or JSON, OpenAI's grader JSON included) into validated specs.

Every problem is reported with the file, the line (YAML and JSON), the field path, and a fix.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from rft.errors import BundleError, BundleErrors, LocatedError, Location, did_you_mean
from rft.spec.base import BundleTest, GraderSpecBase
from rft.spec.bundle import GRADER_SPEC_ADAPTER, GRADER_TYPES, SPEC_CLASSES, GraderSpec

FieldPath = tuple[str | int, ...]

BUNDLE_META_KEYS = ("$schema",)


@dataclass
class Bundle:
    """A validated grader bundle: the top-level grader spec, where it came from, and its lines."""

    spec: GraderSpec
    path: Path | None = None
    lines: dict[FieldPath, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name or (self.path.stem if self.path else self.spec.type)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def line_of(self, field_path: FieldPath) -> int | None:
        """The line of the deepest known prefix of `field_path`."""
        for end in range(len(field_path), -1, -1):
            line = self.lines.get(tuple(field_path[:end]))
            if line is not None:
                return line
        return None

    def locate(self, error: LocatedError) -> LocatedError:
        """Fill in the file and line of an error raised while compiling this bundle."""
        if self.path and not error.location.file:
            error.location.file = str(self.path)
        if error.location.line is None and error.location.field:
            error.location.line = self.line_of(error.location.field)
        error.args = (error._format(),)
        return error

    def tests(self) -> Iterator[tuple[str, GraderSpecBase, BundleTest]]:
        """(grader path, grader spec, test) for the tests at every level of the bundle."""
        yield from _walk_tests(self.spec, "")


def _walk_tests(
    spec: GraderSpecBase, prefix: str
) -> Iterator[tuple[str, GraderSpecBase, BundleTest]]:
    for test in spec.tests:
        yield prefix, spec, test
    for key, child in getattr(spec, "graders", {}).items():
        yield from _walk_tests(child, f"{prefix}{key}." if prefix else f"{key}.")


def load_bundle(source: str | Path | Mapping[str, Any] | Bundle) -> Bundle:
    """Load and validate a grader bundle from a YAML/JSON file path or a dict.

    OpenAI grader JSON loads unchanged; a `{"grader": {...}}` wrapper (the run endpoint's
    payload) is accepted too. Raises `BundleError`/`BundleErrors` naming file, line and field.
    """
    if isinstance(source, Bundle):
        return source
    path: Path | None = None
    lines: dict[FieldPath, int] = {}
    if isinstance(source, Mapping):
        data: Any = dict(source)
    else:
        path = Path(source)
        data, lines = _read(path)
    if not isinstance(data, Mapping):
        raise BundleError(
            f"a bundle must be a mapping with a `type:` key, got {type(data).__name__}",
            Location(file=_file(path), line=1),
            hint="start the file with `type: multi` (or another grader type) and `name: ...`",
        )
    data = {k: v for k, v in data.items() if k not in BUNDLE_META_KEYS}
    if set(data) == {"grader"} and isinstance(data["grader"], Mapping):
        data = dict(data["grader"])
        lines = {k[1:]: v for k, v in lines.items() if k[:1] == ("grader",)}
    try:
        spec = GRADER_SPEC_ADAPTER.validate_python(data)
    except ValidationError as exc:
        errors = [_bundle_error(err, data, path, lines) for err in exc.errors()]
        raise (errors[0] if len(errors) == 1 else BundleErrors(errors)) from None
    if not spec.name:
        spec.name = path.stem if path else spec.type
    return Bundle(spec=spec, path=path, lines=lines)


def _file(path: Path | None) -> str | None:
    return str(path) if path else None


def _read(path: Path) -> tuple[Any, dict[FieldPath, int]]:
    if not path.exists():
        raise BundleError(
            f"no such bundle file: {path}", hint="check the path (bundles live in graders/)"
        )
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BundleError(
                f"invalid JSON: {exc.msg}",
                Location(file=str(path), line=exc.lineno),
                hint="fix the JSON syntax",
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            raise BundleError(
                f"invalid YAML: {problem}",
                Location(file=str(path), line=mark.line + 1 if mark else None),
                hint="check indentation and quoting; templates with `{{` must be quoted",
            ) from None
    return data, _line_map(text)


def _line_map(text: str) -> dict[FieldPath, int]:
    """Field path -> 1-based line, from the YAML node tree (JSON parses as YAML here too)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[FieldPath, int] = {}

    def walk(node: yaml.Node, path: FieldPath) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                walk(value_node, (*path, key))
                lines[(*path, key)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                walk(child, (*path, i))

    if root is not None:
        walk(root, ())
    return lines


def _data_path(loc: tuple[Any, ...], data: Any) -> FieldPath:
    """Drop the union tags pydantic inserts in `loc` (e.g. `multi`, `ranked_list`)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if (isinstance(current, Mapping) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        ):
            path.append(part)
            current = current[part]
        elif isinstance(current, Mapping) and current.get("type") == part:
            continue  # a discriminator tag
        elif isinstance(part, str) and part.startswith(("function-", "union[", "tagged-union")):
            continue
        else:
            path.append(part)
            current = None
    return tuple(path)


def _child(data: Any, part: str | int) -> Any:
    if isinstance(data, Mapping):
        return data.get(part)
    if isinstance(data, list) and isinstance(part, int) and part < len(data):
        return data[part]
    return None


def _narrow(annotation: Any, data: Any) -> Any:
    """Reduce an annotation to the model class or container that validates `data`."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:  # the grader union
        if isinstance(data, Mapping) and data.get("type") in SPEC_CLASSES:
            return SPEC_CLASSES[data["type"]]
        return _narrow(typing.get_args(annotation)[0], data)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        if isinstance(data, Mapping) and data.get("type") in SPEC_CLASSES:
            return SPEC_CLASSES[data["type"]]
        for arg in args:  # prefer the alternative whose shape matches the data
            narrowed = _narrow(arg, data)
            if isinstance(data, list) and typing.get_origin(narrowed) is list:
                return narrowed
            if isinstance(data, Mapping) and (
                typing.get_origin(narrowed) is dict
                or (isinstance(narrowed, type) and issubclass(narrowed, BaseModel))
            ):
                return narrowed
        return None
    return annotation


def _model_at(data: Any, path: FieldPath) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `path` (for listing allowed fields)."""
    annotation: Any = GraderSpec
    current = data
    for part in path:
        narrowed = _narrow(annotation, current)
        if typing.get_origin(narrowed) in (list, dict):
            annotation = typing.get_args(narrowed)[-1]
        elif isinstance(narrowed, type) and issubclass(narrowed, BaseModel):
            fld = narrowed.model_fields.get(str(part)) or next(
                (f for f in narrowed.model_fields.values() if f.alias == part), None
            )
            if fld is None:
                return None
            annotation = fld.annotation
        else:
            return None
        current = _child(current, part)
    narrowed = _narrow(annotation, current)
    return narrowed if isinstance(narrowed, type) and issubclass(narrowed, BaseModel) else None


def _allowed_fields(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _bundle_error(
    err: Any, data: Any, path: Path | None, lines: dict[FieldPath, int]
) -> BundleError:
    loc = _data_path(tuple(err["loc"]), data)
    kind = err["type"]
    if kind == "union_tag_invalid":
        loc = (*loc, "type")
    line = None
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            line = lines[loc[:end]]
            break
    location = Location(file=_file(path), line=line, field=loc)
    hint = None
    if kind == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag", "")
        message = f"unknown grader type `{tag}`; allowed types: {', '.join(GRADER_TYPES)}"
        hint = did_you_mean(tag, GRADER_TYPES) or "pick one of the allowed types"
    elif kind == "union_tag_not_found":
        message = "this grader has no `type:`"
        hint = f"add `type:` with one of: {', '.join(GRADER_TYPES)}"
    elif kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        model = _model_at(data, loc[:-1])
        allowed = _allowed_fields(model) if model else []
        message = f"unknown field `{name}`" + (
            f"; allowed fields: {', '.join(allowed)}" if allowed else ""
        )
        hint = (
            did_you_mean(name, allowed)
            or "remove it, or check the grader type's fields in schemas/bundle.schema.json"
        )
    elif kind == "missing":
        message = f"missing required field `{loc[-1] if loc else '?'}`"
        hint = "add it (see schemas/bundle.schema.json for the grader's fields)"
    elif kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        choices = [
            c.strip().strip("'\"") for c in expected.replace(" or ", ",").split(",") if c.strip()
        ]
        message = f"invalid value {err.get('input')!r}; expected one of: {expected}"
        hint = did_you_mean(str(err.get("input")), choices) or "use one of the listed values"
    else:
        message = err["msg"].removeprefix("Value error, ")
        hint = None
    return BundleError(message, location, hint)
