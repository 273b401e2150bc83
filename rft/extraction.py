"""Answer-extraction functions, usable as template filters (`{{ sample.output_text | boxed }}`).

Each takes the value produced so far and returns the extracted value, or None when there is
nothing to extract (a model answer without the expected format is a wrong answer, not an error).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import orjson

from rft.safe_regex import compile_regex

# A minus sign counts only when it does not follow a digit/word ("5-3" ends in 3, not -3).
_NUMBER = re.compile(
    r"(?:(?<![\w).])[-−])?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|(?:(?<![\w).])[-−])?\.\d+"
)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


@functools.lru_cache(maxsize=256)
def _tags(tag: str) -> tuple[str, str]:
    return f"<{tag}>", f"</{tag}>"


def extract_tag(value: Any, tag: str = "answer") -> str | None:
    """Text between the last `</tag>` and the last `<tag>` before it, stripped.

    Two reverse scans, linear in the text (a non-greedy regex was quadratic on many
    unclosed tags).
    """
    text = _text(value)
    if text is None:
        return None
    opening, closing = _tags(tag)
    end = text.rfind(closing)
    if end < 0:
        return None
    start = text.rfind(opening, 0, end)
    return None if start < 0 else text[start + len(opening) : end].strip()


def _extract_tag_column(values: list[Any], tag: str = "answer") -> list[str | None]:
    # Column form: the per-call set-up done once per batch, plain strings inline.
    opening, closing = _tags(tag)
    skip = len(opening)
    out: list[str | None] = []
    append = out.append
    for value in values:
        if type(value) is not str:
            append(extract_tag(value, tag))
            continue
        end = value.rfind(closing)
        if end < 0:
            append(None)
            continue
        start = value.rfind(opening, 0, end)
        append(None if start < 0 else value[start + skip : end].strip())
    return out


extract_tag.column = _extract_tag_column  # type: ignore[attr-defined]


def boxed(value: Any) -> str | None:
    """Content of the last `\\boxed{...}` (or `\\fbox{...}`), braces balanced."""
    text = _text(value)
    if text is None:
        return None
    start = max(text.rfind("\\boxed{"), text.rfind("\\fbox{"))
    if start < 0:
        return None
    i = text.index("{", start) + 1
    depth = 1
    for j in range(i, len(text)):
        ch = text[j]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[i:j].strip()
    return None


def last_number(value: Any) -> str | None:
    """The last number in the text (thousands separators and unicode minus allowed)."""
    text = _text(value)
    if text is None:
        return None
    found = _NUMBER.findall(text)
    return found[-1] if found else None


def regex(value: Any, pattern: str, group: int | str = 0) -> str | None:
    """The given group of the first match of `pattern` (RE2: linear time; `.` matches newlines)."""
    text = _text(value)
    if text is None:
        return None
    match = compile_regex(pattern, dotall=True).search(text)
    return match.group(group) if match else None


def after(value: Any, marker: str) -> str | None:
    """The text after the last occurrence of `marker`, stripped."""
    text = _text(value)
    if text is None:
        return None
    pos = text.rfind(marker)
    return text[pos + len(marker) :].strip() if pos >= 0 else None


class JsonParseError(ValueError):
    """Raised by the `json` filter; the sample gets `sample_parse_error`."""


def json_filter(value: Any) -> Any:
    """Parse JSON text (non-strings pass through)."""
    if not isinstance(value, str | bytes):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise JsonParseError(f"not valid JSON: {exc}") from None


def lines(value: Any) -> list[str] | None:
    """Non-empty stripped lines."""
    text = _text(value)
    if text is None:
        return None
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


FILTERS = {
    "extract_tag": extract_tag,
    "boxed": boxed,
    "last_number": last_number,
    "regex": regex,
    "after": after,
    "json": json_filter,
    "lines": lines,
    "strip": strip,
    "lower": lower,
}
"""Filters rft adds to jinja2; all of them also run on the fast path.

A filter may carry a `column(values, *args)` attribute: the fast path then calls it once per
batch instead of once per sample.
"""
