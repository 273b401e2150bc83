"""Parsing a judge's reply into a score or a label.

Accepted forms, in order: a configured `reply_pattern` (its first group, else the whole match)
when one is set and then nothing else; a JSON object with `result` (OpenAI's score-model reply
``{"result": x, "steps": [...]}``, also inside a ```json fence or surrounded by prose); a bare
number (scores) or a bare label (labels). ``<think>…</think>`` blocks of reasoning models are
dropped first. A reply that fits none of them is a parse error, unless it reads as a refusal.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_BARE_NUMBER = re.compile(r"^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$")
_REFUSAL = re.compile(
    r"^\W*(?:i['’]?m sorry|i am sorry|sorry,|i can(?:not|['’]t| not)\b|i won['’]?t\b|"
    r"i will not\b|i['’]?m (?:not able|unable)|i am (?:not able|unable)|as an ai\b)",
    re.I,
)
_decoder = json.JSONDecoder()


@dataclass
class Parsed:
    """A parsed reply: the value (a float or a label), or an error message."""

    value: float | str | None = None
    error: str | None = None


def clean(text: str) -> str:
    """The reply without reasoning blocks, stripped."""
    return _THINK.sub("", text).strip()


def looks_like_refusal(text: str) -> bool:
    """True when an unparseable reply reads as a refusal ("I'm sorry, I can't …")."""
    return bool(_REFUSAL.match(clean(text)))


def find_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object with a `result` key in `text` (whole text, fenced, or embedded)."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`").removeprefix("json").removeprefix("JSON").strip()
    candidates = [stripped]
    start = text.find("{")
    for _ in range(50):
        if start < 0:
            break
        candidates.append(text[start:])
        start = text.find("{", start + 1)
    for candidate in candidates:
        try:
            obj, _ = _decoder.raw_decode(candidate)
        except ValueError:
            continue
        if isinstance(obj, dict) and "result" in obj:
            return obj
    return None


def _pattern_value(text: str, pattern: re.Pattern[str]) -> str | None:
    match = pattern.search(text)
    if match is None:
        return None
    return match.group(1) if pattern.groups else match.group(0)


def _short(text: str) -> str:
    return repr(text if len(text) <= 120 else text[:117] + "...")


def parse_score(text: str, rng: tuple[float, float], pattern: re.Pattern[str] | None) -> Parsed:
    """A number within `rng` (inclusive) from the reply.

    Args:
        text: the judge's reply.
        rng: the (low, high) the score must lie in.
        pattern: a `reply_pattern`; when set, the only accepted form.
    """
    text = clean(text)
    raw: Any
    if pattern is not None:
        raw = _pattern_value(text, pattern)
        if raw is None:
            return Parsed(error=f"reply does not match reply_pattern: {_short(text)}")
    elif (obj := find_json_object(text)) is not None:
        raw = obj["result"]
    elif _BARE_NUMBER.match(text):
        raw = text
    else:
        return Parsed(error=f"reply is neither JSON with `result` nor a number: {_short(text)}")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return Parsed(error=f"result {raw!r} is not a number")
    try:
        value = float(raw)
    except ValueError:
        return Parsed(error=f"result {raw!r} is not a number")
    if not math.isfinite(value):
        return Parsed(error=f"result {raw!r} is not a finite number")
    low, high = rng
    if not low <= value <= high:
        return Parsed(error=f"result {value:g} is outside range [{low:g}, {high:g}]")
    return Parsed(value=value)


def parse_label(text: str, labels: list[str], pattern: re.Pattern[str] | None) -> Parsed:
    """One of `labels` from the reply (case-insensitive; quotes and trailing dots ignored).

    Args:
        text: the judge's reply.
        labels: the allowed labels.
        pattern: a `reply_pattern`; when set, the only accepted form.
    """
    text = clean(text)
    raw: Any
    if pattern is not None:
        raw = _pattern_value(text, pattern)
        if raw is None:
            return Parsed(error=f"reply does not match reply_pattern: {_short(text)}")
    elif (obj := find_json_object(text)) is not None:
        raw = obj["result"]
    else:
        raw = text
    if not isinstance(raw, str):
        return Parsed(error=f"result {raw!r} is not a label")
    by_key = {label.casefold(): label for label in labels}
    label = by_key.get(raw.strip().strip("\"'`*.").strip().casefold())
    if label is None:
        return Parsed(error=f"reply {_short(raw)} is not one of the labels {labels}")
    return Parsed(value=label)
