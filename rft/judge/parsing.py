"""Parsing a judge's reply into a score or a label, one reply at a time.

Reasoning is dropped first: closed ``<think>…</think>`` blocks, text before a closing
``</think>`` that has no opening tag (chat templates that open it in the prompt), and
everything after an unclosed ``<think>`` (unfinished reasoning is never the answer; a reply
that is only that has no answer and is a parse error).

Accepted forms, in order: a configured `reply_pattern` (its first group, else the whole match)
when one is set and then nothing else; a JSON object with `result` (OpenAI's score-model reply
``{"result": x, "steps": [...]}``, also inside a ```json fence or surrounded by prose); a bare
number (scores) or a bare label (labels). Several JSON objects whose `result`s differ are
ambiguous (``{"result": 10} … Actually {"result": 0}``): a parse error, never a guess. A reply
that fits none of the forms is a parse error, unless it reads as a refusal.

A score outside `range` is truncated to it (OpenAI's graders guide) and the `Parsed.note`
says so.

Rubric replies (`parse_rubric`) are one JSON object ``{"criteria": [{"name", "reason",
"verdict"}, …]}`` (or ``{"criteria": {name: {"reason", "verdict"}}}``); every criterion must
have a verdict among its choices, else the whole reply is a parse error that names each bad
criterion (a partly graded rubric is never scored as if the rest were 0).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rft.safe_regex import compile_regex

# RE2 (linear time): Python's lazy `.*?` rescans the rest of the reply from every `<think>`,
# quadratic on a hostile reply that opens thousands of them.
_THINK_BLOCK = compile_regex(r"(?i)<think>.*?</think>", dotall=True)
_THINK_OPEN = re.compile(r"<think>", re.I)
_THINK_CLOSE = re.compile(r"</think>", re.I)
_BARE_NUMBER = re.compile(r"^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$")
_REFUSAL = re.compile(
    r"^\W*(?:i['’]?m sorry|i am sorry|sorry,|i can(?:not|['’]t| not)\b|i won['’]?t\b|"
    r"i will not\b|i['’]?m (?:not able|unable)|i am (?:not able|unable)|as an ai\b)",
    re.I,
)
MAX_JSON_ATTEMPTS = 200
"""Failed JSON decodes tried per reply before giving up (bounds the work on junk replies)."""
_decoder = json.JSONDecoder()


@dataclass
class Parsed:
    """A parsed reply: the value (a float or a label), or an error message; `note` says
    what was adjusted (a score truncated to the range)."""

    value: Any = None
    error: str | None = None
    note: str | None = None


def clean(text: str) -> str:
    """The reply without reasoning (see the module doc), stripped."""
    text = _THINK_BLOCK.sub("", text)
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:  # reasoning whose opening tag was in the prompt
        text = text[closes[-1].end() :]
    opening = _THINK_OPEN.search(text)
    if opening:  # unfinished reasoning: never the answer
        text = text[: opening.start()]
    return text.strip()


def looks_like_refusal(text: str) -> bool:
    """True when an unparseable reply reads as a refusal ("I'm sorry, I can't …")."""
    return bool(_REFUSAL.match(clean(text)))


def json_results(text: str) -> list[Any]:
    """The `result` of every top-level JSON object in `text` that has one, in order.

    Objects nested in another decoded object are not counted; fences and prose around the
    objects are skipped.
    """
    results: list[Any] = []
    failures = 0
    start = text.find("{")
    while start >= 0 and failures < MAX_JSON_ATTEMPTS:
        try:
            obj, end = _decoder.raw_decode(text, start)
        except ValueError:
            failures += 1
            start = text.find("{", start + 1)
            continue
        if isinstance(obj, dict) and "result" in obj:
            results.append(obj["result"])
        start = text.find("{", end)
    return results


def _json_result(text: str) -> tuple[bool, Any, str | None]:
    """(found, result, error): the one `result` in the reply; an error when they disagree."""
    results = json_results(text)
    if not results:
        return False, None, None
    distinct: list[Any] = []
    for value in results:
        if not any(value == seen and type(value) is type(seen) for seen in distinct):
            distinct.append(value)
    if len(distinct) > 1:
        shown = ", ".join(repr(v) for v in distinct[:4])
        return True, None, f"ambiguous reply: several different results ({shown})"
    return True, distinct[0], None


def _pattern_value(text: str, pattern: re.Pattern[str]) -> str | None:
    match = pattern.search(text)
    if match is None:
        return None
    return match.group(1) if pattern.groups else match.group(0)


def _short(text: str) -> str:
    return repr(text if len(text) <= 120 else text[:117] + "...")


def _no_answer(raw: str) -> Parsed:
    return Parsed(error=f"reply has no answer outside its <think> reasoning: {_short(raw)}")


def _bare_number_error(text: str) -> str | None:
    if _BARE_NUMBER.match(text):
        return None
    return f"reply is neither JSON with `result` nor a number: {_short(text)}"


def _result(
    text: str, pattern: re.Pattern[str] | None, bare_error: Callable[[str], str | None]
) -> tuple[Any, Parsed | None]:
    """The reply's raw result, or (None, the failure): the `reply_pattern`'s group when one is
    set, else JSON's `result`, else the bare reply when `bare_error` accepts it (None)."""
    raw_text, text = text, clean(text)
    if not text:
        return None, _no_answer(raw_text)
    if pattern is not None:
        raw = _pattern_value(text, pattern)
        if raw is None:
            return None, Parsed(error=f"reply does not match reply_pattern: {_short(text)}")
        return raw, None
    found, raw, error = _json_result(text)
    if error is not None:
        return None, Parsed(error=error)
    if found:
        return raw, None
    bare = bare_error(text)
    return (None, Parsed(error=bare)) if bare is not None else (text, None)


def parse_score(text: str, rng: tuple[float, float], pattern: re.Pattern[str] | None) -> Parsed:
    """A number from the reply, truncated to `rng` (inclusive) with a note when outside.

    Args:
        text: the judge's reply.
        rng: the (low, high) of the judge's scale.
        pattern: a `reply_pattern`; when set, the only accepted form.
    """
    raw, failed = _result(text, pattern, _bare_number_error)
    if failed is not None:
        return failed
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
        clipped = min(max(value, low), high)
        note = f"result {value:g} is outside range [{low:g}, {high:g}]: truncated to {clipped:g}"
        return Parsed(value=clipped, note=note)
    return Parsed(value=value)


def parse_label(text: str, labels: list[str], pattern: re.Pattern[str] | None) -> Parsed:
    """One of `labels` from the reply (case-insensitive; quotes and trailing dots ignored).

    Args:
        text: the judge's reply.
        labels: the allowed labels.
        pattern: a `reply_pattern`; when set, the only accepted form.
    """
    raw, failed = _result(text, pattern, lambda _bare: None)
    if failed is not None:
        return failed
    if not isinstance(raw, str):
        return Parsed(error=f"result {raw!r} is not a label")
    by_key = {label.casefold(): label for label in labels}
    label = by_key.get(raw.strip().strip("\"'`*.").strip().casefold())
    if label is None:
        return Parsed(error=f"reply {_short(raw)} is not one of the labels {labels}")
    return Parsed(value=label)


@dataclass
class RubricVerdict:
    """One criterion's verdict: the index of the chosen choice and the judge's reason."""

    choice: int
    reason: str | None


def _rubric_objects(text: str) -> list[Any]:
    """The `criteria` of every top-level JSON object in `text` that has one, in order."""
    found: list[Any] = []
    failures = 0
    start = text.find("{")
    while start >= 0 and failures < MAX_JSON_ATTEMPTS:
        try:
            obj, end = _decoder.raw_decode(text, start)
        except ValueError:
            failures += 1
            start = text.find("{", start + 1)
            continue
        if isinstance(obj, dict) and "criteria" in obj:
            found.append(obj["criteria"])
        start = text.find("{", end)
    return found


def _by_name(criteria: Any) -> dict[str, Any] | None:
    if isinstance(criteria, dict):
        return {str(k): v for k, v in criteria.items()}
    if isinstance(criteria, list):
        out: dict[str, Any] = {}
        for entry in criteria:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                out.setdefault(entry["name"], entry)
        return out
    return None


def parse_rubric(text: str, criteria: list[tuple[str, list[str]]]) -> Parsed:
    """Per-criterion verdicts from a rubric reply.

    Args:
        text: the judge's reply.
        criteria: `(name, choices)` per criterion, in the rubric's order.

    Returns:
        `Parsed` whose value is `{name: RubricVerdict}` for every criterion, or an error that
        lists each criterion that is missing or has a verdict outside its choices.
    """
    raw_text, text = text, clean(text)
    if not text:
        return _no_answer(raw_text)
    found = _rubric_objects(text)
    if not found:
        return Parsed(error=f"reply has no JSON object with `criteria`: {_short(text)}")
    if any(f != found[0] for f in found[1:]):
        return Parsed(error="ambiguous reply: several different `criteria` objects")
    entries = _by_name(found[0])
    if entries is None:
        return Parsed(error="`criteria` is neither a list nor an object")
    by_key = {name.casefold(): name for name, _ in criteria}
    entries = {by_key.get(k.strip().casefold(), k): v for k, v in entries.items()}
    verdicts: dict[str, RubricVerdict] = {}
    problems: list[str] = []
    for name, choices in criteria:
        entry = entries.get(name)
        if entry is None:
            problems.append(f"`{name}`: missing")
            continue
        verdict = entry.get("verdict") if isinstance(entry, dict) else entry
        reason = entry.get("reason") if isinstance(entry, dict) else None
        if not isinstance(verdict, str):
            problems.append(f"`{name}`: verdict {verdict!r} is not one of {choices}")
            continue
        folded = [c.casefold() for c in choices]
        key = verdict.strip().strip("\"'`*.").strip().casefold()
        if key not in folded:
            problems.append(f"`{name}`: verdict {_short(verdict)} is not one of {choices}")
            continue
        verdicts[name] = RubricVerdict(
            folded.index(key), reason if isinstance(reason, str) else None
        )
    if problems:
        return Parsed(error="rubric reply has bad criteria: " + "; ".join(problems))
    unreasoned = [name for name, v in verdicts.items() if not v.reason]
    note = f"no reason given for {unreasoned}" if unreasoned else None
    return Parsed(value=verdicts, note=note)  # type: ignore[arg-type]
