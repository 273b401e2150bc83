"""Reading grader bundles (YAML or JSON, OpenAI's grader JSON included) into validated specs.

Every problem is reported with the file, the line (YAML and JSON), the field path, and a fix.
Bundles are shared like code, so reading one is bounded before anything expands it: the file
size, the nesting depth and the number of nodes YAML aliases expand to are capped
(`MAX_BYTES`, `MAX_DEPTH`, `MAX_NODES`), and formulas nest at most `MAX_DEPTH` deep.

The public helpers (`read_text`, `load_yaml_located`, `validation_errors`) are the one
located-YAML reader and the one pydantic-error formatter of rft; the train job reader uses
them too.
"""

from __future__ import annotations

import ast
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
from rft.shipped import resolve_bundle
from rft.spec.base import BundleTest, GraderSpecBase
from rft.spec.bundle import GRADER_SPEC_ADAPTER, GRADER_TYPES, SPEC_CLASSES, GraderSpec

FieldPath = tuple[str | int, ...]

BUNDLE_META_KEYS = ("$schema",)

MAX_BYTES = 10 * 1024 * 1024
"""Largest bundle/schema/job file read (10 MB)."""
MAX_DEPTH = 100
"""Deepest nesting of mappings/lists (after YAML aliases) and of formula expressions."""
MAX_NODES = 200_000
"""Most values a document may hold once YAML aliases are expanded ("billion laughs")."""


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
    """Load and validate a grader bundle from a YAML/JSON file path, a dict, or the name of a
    bundle rft ships (`gene_rank`, when no file of that name exists here).

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
        path = resolve_bundle(source)
        text = read_text(path)
        data, lines = load_yaml_located(
            text, file=str(path), is_json=path.suffix.lower() == ".json"
        )
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
        errors = validation_errors(exc, data, lines, _file(path))
        raise (errors[0] if len(errors) == 1 else BundleErrors(errors)) from None  # type: ignore[arg-type]
    except RecursionError:
        raise BundleError(
            f"the bundle nests deeper than {MAX_DEPTH} levels",
            Location(file=_file(path), line=1),
            hint="flatten it",
        ) from None
    _check_expressions(spec, (), path, lines)
    if not spec.name:
        spec.name = path.stem if path else spec.type
    return Bundle(spec=spec, path=path, lines=lines)


def _file(path: Path | None) -> str | None:
    return str(path) if path else None


def read_text(
    path: str | Path, *, error: type[LocatedError] = BundleError, what: str = "bundle"
) -> str:
    """The UTF-8 text of a file, or a located `error`: missing, not a file, too large, not UTF-8."""
    path = Path(path)
    where = Location(file=str(path))
    if not path.exists():
        raise error(f"no such {what} file: {path}", where, hint="check the path")
    if not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file"
        raise error(f"{path} is {kind}, not a {what} file", where, hint=f"give a {what} file")
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise error(
            f"the {what} file is larger than {MAX_BYTES // (1024 * 1024)} MB",
            where,
            hint=f"a {what} file is a small text file; keep data in JSONL files",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"the {what} file is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})",
            Location(file=str(path), line=line),
            hint="save it as UTF-8 text",
        ) from None


def _yaml_error(exc: yaml.YAMLError, file: str | None, error: type[LocatedError]) -> LocatedError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return error(
        f"invalid YAML: {problem}",
        Location(file=file, line=mark.line + 1 if mark else None),
        hint="check indentation and quoting; templates with `{{` must be quoted",
    )


def _check_nesting(
    text: str, file: str | None, error: type[LocatedError], *, lenient: bool
) -> None:
    """Refuse text that nests deeper than `MAX_DEPTH`, from the parser's events.

    The event parser is iterative, unlike PyYAML's composer and Python's json module, which
    recurse and crash on a 10,000-deep document.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise error(
                        f"the document nests deeper than {MAX_DEPTH} levels",
                        Location(file=file, line=event.start_mark.line + 1),
                        hint="flatten the structure",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        if not lenient:
            raise _yaml_error(exc, file, error) from None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node, file: str | None, error: type[LocatedError]) -> None:
    """Refuse a node graph whose aliases expand past `MAX_NODES` values or `MAX_DEPTH` levels.

    Sizes are computed once per node (aliases share nodes), without expanding anything, so
    a 518-byte "billion laughs" is refused in microseconds.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        line = Location(file=file, line=node.start_mark.line + 1)
        if finished:
            children = _children(node)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            open_nodes.discard(key)
            if size[key] > MAX_NODES:
                raise error(
                    f"the document expands to more than {MAX_NODES} values"
                    " (YAML aliases `*name` repeat whole subtrees)",
                    line,
                    hint="write the values out instead of nesting aliases",
                )
            if depth[key] > MAX_DEPTH:
                raise error(
                    f"the document nests deeper than {MAX_DEPTH} levels", line, hint="flatten it"
                )
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise error(
                "a YAML alias refers to a node that contains it (a recursive structure)",
                line,
                hint="remove the alias",
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def load_yaml_located(
    text: str,
    *,
    file: str | None = None,
    error: type[LocatedError] = BundleError,
    is_json: bool = False,
) -> tuple[Any, dict[FieldPath, int]]:
    """Parse YAML (or JSON) text into (data, field path -> 1-based line), bounded.

    Depth, size and alias expansion are checked before anything is built; every problem is
    one located `error`.
    """
    _check_nesting(text, file, error, lenient=is_json)
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise error(
                f"invalid JSON: {exc.msg}",
                Location(file=file, line=exc.lineno),
                hint="fix the JSON syntax",
            ) from None
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)  # JSON parses as YAML: lines
            if root is not None:
                _check_expansion(root, file, error)
        except yaml.YAMLError:
            root = None
        return data, (_line_map(root) if root is not None else {})
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None:
            return None, {}
        _check_expansion(root, file, error)
        data = yaml.SafeLoader("").construct_document(root)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, file, error) from None
    return data, _line_map(root)


def _line_map(root: yaml.Node) -> dict[FieldPath, int]:
    """Field path -> 1-based line, from a (size-checked) YAML node tree."""
    lines: dict[FieldPath, int] = {}
    stack: list[tuple[yaml.Node, FieldPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                if isinstance(key, str):
                    lines[(*path, key)] = key_node.start_mark.line + 1
                    stack.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*path, i)) for i, child in enumerate(node.value))
    return lines


def _expression_depth(source: str, mode: str) -> int | None:
    """Depth of the Python syntax tree of `source` (None when it does not parse)."""
    try:
        tree = ast.parse(source.strip(), mode=mode)
    except (SyntaxError, ValueError):
        return None
    except (RecursionError, MemoryError):
        return MAX_DEPTH * 100
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


MAX_SOURCE_DEPTH = 400
"""Deepest syntax tree of a python grader's source (Python's compiler recurses over it)."""


def _check_expressions(
    spec: GraderSpecBase, at: FieldPath, path: Path | None, lines: dict[FieldPath, int]
) -> None:
    """Formulas and python sources too deep to compile are located errors, not RecursionError."""
    checks = (("calculate_output", "eval", MAX_DEPTH), ("source", "exec", MAX_SOURCE_DEPTH))
    for name, mode, limit in checks:
        text = getattr(spec, name, None)
        if not isinstance(text, str):
            continue
        depth = _expression_depth(text, mode)
        if depth is not None and depth > limit:
            where = (*at, name)
            line = next(
                (lines[where[:n]] for n in range(len(where), -1, -1) if where[:n] in lines), None
            )
            raise BundleError(
                f"`{name}` nests too deeply ({depth} levels; at most {limit})",
                Location(file=_file(path), line=line, field=where),
                hint="split it into named sub-graders or helper functions",
            )
    for key, child in (getattr(spec, "graders", None) or {}).items():
        _check_expressions(child, (*at, "graders", key), path, lines)


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


def _model_at(data: Any, path: FieldPath, root: Any = GraderSpec) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `path` (for listing allowed fields)."""
    annotation: Any = root
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


def validation_errors(
    exc: ValidationError,
    data: Any,
    lines: dict[FieldPath, int],
    file: str | None,
    *,
    root: Any = GraderSpec,
    error: type[LocatedError] = BundleError,
) -> list[LocatedError]:
    """One located `error` per pydantic error: file, line, field path, message and a fix.

    `root` is the annotation `data` was validated against (the grader union for bundles, the
    job model for train jobs): it lists the allowed fields of an unknown one.
    """
    return [_located(err, data, lines, file, root, error) for err in exc.errors()]


def _located(
    err: Any,
    data: Any,
    lines: dict[FieldPath, int],
    file: str | None,
    root: Any,
    error: type[LocatedError],
) -> LocatedError:
    loc = _data_path(tuple(err["loc"]), data)
    kind = err["type"]
    if kind == "union_tag_invalid":
        loc = (*loc, "type")
    line = None
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            line = lines[loc[:end]]
            break
    location = Location(file=file, line=line, field=loc)
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
        model = _model_at(data, loc[:-1], root)
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
    return error(message, location, hint)
