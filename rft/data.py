"""Reading JSONL data files with errors that name the file, the line and the fix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from rft.errors import DataError, Location


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, Any]]:
    """Yield (line number, parsed JSON value) for each non-blank line; DataError on a bad line."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"no such data file: {path}", hint="check the path")
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield number, orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                snippet = raw.decode("utf-8", "replace").strip()
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
                f"line is a JSON {type(value).__name__}, not an object",
                Location(file=str(path), line=number),
                hint='write one object per line, e.g. {"prompt": "...", "answer": "..."}',
            )
        rows.append(value)
    return rows


def write_jsonl(path: str | Path, rows: list[Any]) -> None:
    """Write rows as JSONL (UTF-8), creating parent directories."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for row in rows:
            handle.write(orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY))
            handle.write(b"\n")
