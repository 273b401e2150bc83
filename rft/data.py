"""Reading and writing JSONL data files, with errors that name the file, the line and the fix.

The one JSONL reader/writer of rft: dataset rows (`read_jsonl`), model outputs to grade
(`read_samples`), and any rows to write (`write_jsonl`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from rft.errors import DataError, Location

_JSON_TYPES = {
    int: "number",
    float: "number",
    bool: "boolean",
    str: "string",
    list: "list",
    dict: "object",
    type(None): "null",
}


def printable(text: str) -> str:
    """`text` with control characters escaped (`\\x1b`), newlines and tabs kept.

    Data and bundles come from others: a bad line echoed raw could drive the terminal
    (clear it, set its title, hide text) through escape sequences.
    """
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or ch in "\n\t" else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataError(
            f"no such data file: {path}", Location(file=str(path)), hint="check the path"
        )
    if not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file"
        raise DataError(
            f"{path} is {kind}, not a data file",
            Location(file=str(path)),
            hint="give a JSONL file: one JSON value per line",
        )


_LONG_DIGIT_RUN = re.compile(rb"\d{20,}")


def loads_json(raw: bytes) -> Any:
    """One JSON value, as orjson reads it, except that integers past 64 bits stay exact.

    orjson reads `123456789012345678901234567890` as the float 1.2345678901234568e+29, and a
    gold answer that became a float would pass a neighbouring wrong integer. A text with a run
    of 20 or more digits is therefore parsed again by the standard library (after orjson has
    accepted it, so NaN and infinities stay refused). Raises `orjson.JSONDecodeError`.

    >>> loads_json(b'{"answer": 123456789012345678901234567890}')
    {'answer': 123456789012345678901234567890}
    """
    value = orjson.loads(raw)
    if _LONG_DIGIT_RUN.search(raw):
        return json.loads(raw)
    return value


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, Any]]:
    """Yield (line number, parsed JSON value) for each non-blank line; DataError on a bad line."""
    path = Path(path)
    _check_file(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield number, loads_json(raw)
            except orjson.JSONDecodeError as exc:
                snippet = printable(raw.decode("utf-8", "replace").strip())
                snippet = snippet if len(snippet) <= 60 else snippet[:57] + "..."
                raise DataError(
                    f"line is not valid JSON ({exc.msg} at column {exc.colno}): {snippet}",
                    Location(file=str(path), line=number),
                    hint="each line must be one JSON object (JSONL); remove blank-line garbage or trailing commas",
                ) from None


def read_jsonl(path: str | Path, *, objects: bool = True) -> list[Any]:
    """Read a JSONL file. With `objects`, every line must be a JSON object (a dataset row)."""
    rows = []
    for number, value in iter_jsonl(path):
        if objects and not isinstance(value, dict):
            raise DataError(
                f"line is a JSON {_json_type(value)}, not an object",
                Location(file=str(path), line=number),
                hint='write one object per line, e.g. {"prompt": "...", "answer": "..."}',
            )
        rows.append(value)
    return rows


def _sample_problem(value: Any) -> str | None:
    """Why `value` is not a gradable sample (None when it is one)."""
    if isinstance(value, str):
        return None
    if isinstance(value, Mapping):
        if "output_text" in value:
            text = value["output_text"]
            return None if isinstance(text, str) else "`output_text` must be a string"
        if isinstance(value.get("content"), str | list):
            return None  # one chat message
        return "the object has no `output_text` (nor a chat message's `content`)"
    if isinstance(value, list) and value and all(isinstance(m, Mapping) for m in value):
        last = value[-1].get("content")
        if isinstance(last, str | list) or value[-1].get("tool_calls"):
            return None
        return "the last chat message has no `content`"
    return f"the line is a JSON {_json_type(value)}, not a sample"


def read_samples(path: str | Path) -> list[Any]:
    """Read model outputs to grade: strings, `{"output_text": ...}` objects or chat messages."""
    samples = []
    for number, value in iter_jsonl(path):
        problem = _sample_problem(value)
        if problem:
            raise DataError(
                problem,
                Location(file=str(path), line=number),
                hint='write one sample per line: "text", {"output_text": "text"} or chat messages',
            )
        samples.append(value)
    return samples


def write_jsonl(path: str | Path, rows: Iterable[Any]) -> Path:
    """Write rows as JSONL (UTF-8), creating parent directories; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for row in rows:
            handle.write(orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY))
            handle.write(b"\n")
    return path
