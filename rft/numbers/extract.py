"""Which part of a model's output is its answer.

`auto` takes, in order: every `\\boxed{}`/`\\fbox{}` (several that disagree are `Ambiguous`,
never a guess, and so is a box that an explicit marker after it contradicts: `\\boxed{18}`
... "The answer is 32."); the last `<answer>…</answer>`; the span after the last explicit marker
("the answer is", "Final answer:", "Answer:", "Result:", "####"), read from its start so a
later check or remark ("Check: 14 / 2 = 7", "Confidence: 95%", "42, not 24") never
overrides it; the whole text when it is short and parses; the last `$…$` math segment when
no digit follows it; the last line when it is an answer on its own (no prose: "we get:\\n\\n
7 1/2"); the last number, skipping numbers negated ("not 24") or in a trailing
check or confidence note.

A marked answer that looks structured (brackets, commas, `\\pm`, "or", an inequality) but
does not parse is no answer: it is never reduced to its last number.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from fractions import Fraction
from typing import Literal

from rft.numbers.evaluate import FUNCTION_NAMES
from rft.numbers.notation import UNITS, unicode_to_ascii, unit_of
from rft.numbers.parse import DECIMAL, INT, Parsed, from_python, plain
from rft.numbers.structures import (
    WHOLE_TEXT_MAX_CHARS,
    Ambiguous,
    Answer,
    clear_cache,
    looks_structured,
    parse_answer,
    same_structure_key,
)

Extract = Literal["auto", "whole", "last_number", "boxed"]

_LAST_NUMBER = re.compile(
    rf"\\[dt]?frac\{{\s*[-−]?{INT}\s*\}}\{{\s*[-−]?{INT}\s*\}}"
    rf"|(?:(?<![\w).])[-−])?(?:{DECIMAL})(?:\s*/\s*{INT}(?!\.?\d))?(?:\s*\\?%)?"
)
_NEGATIONS = (
    "not",
    "n't be",
    "rather than",
    "instead of",
    "confidence",
    "confidence level",
    "confidence is",
    "confidence level is",
    "certainty",
    "probability",
    "sure",
)
_NEGATION_ENDS = tuple({p[-2:] for p in _NEGATIONS})
_CHECK = re.compile(
    r"(?:\b(?:check|checking|verify|verification|verifying|sanity check|confidence)\b\s*:?)",
    re.IGNORECASE,
)
_CONCLUSION = re.compile(r"\b(?:so|therefore|thus|hence|answer|final|result)\b", re.IGNORECASE)
_MARKER = re.compile(
    r"(?:(?:the\s+)?(?:final|correct)\s+answer|the\s+answer|\banswer|\bresult)"
    r"\s*(?:\*\*)?\s*(?:is|would\s+be|will\s+be|should\s+be|equals|=|:)\s*(?:\*\*)?\s*:?\s*"
    r"|\b(?:solutions?|roots?|answers?)\s+(?:are|is)\s*:?\s*"
    r"|####\s*",
    re.IGNORECASE,
)
_APPROX = re.compile(r"\s*(?:\\approx|~|=?\s*approximately|=?\s*about)\s*", re.IGNORECASE)
_UNIT_AFTER = re.compile(r"\s*([A-Za-z]+(?:\^\{?\d\}?)?(?:/[A-Za-z]+)?)\b")
_OR = re.compile(r"\bor\b", re.IGNORECASE)
_JOINER = re.compile(r"\s*(?:,|,?\s*and|,?\s*or)\s*", re.IGNORECASE)
_REVERSE_MARKER = re.compile(
    r"\s+(?:is|was|would\s+be|should\s+be)\s+(?:the|my|our)\s+(?:final\s+|correct\s+)?answer\b",
    re.IGNORECASE,
)
_CACHED_CHARS = 400
"""Outputs (and references) up to this long are memoized: a GRPO group repeats its reference."""
_WINDOW = 160
"""Characters per window of the backwards scan for the last number."""
_MAX_MARKERS = 8
"""Only the last few markers are tried (a long run of markers is no answer; linear time)."""
_MAX_SPAN = 400
"""Characters after a marker that can hold its answer."""
_MATH_SEGMENT = re.compile(r"\$\$?([^$]+)\$\$?|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"\.(?=\s|$)(?<!\d\.)|\.(?=\s)|\n|;\s|!(?=\s|$)(?!\s*[=+*/^-])|\?")
_SPAN_CUT = re.compile(
    r",\s+(?=[A-Za-z]{2,})|\s+(?:because|since|as|which|where|for|from|so|but|not|rather|"
    r"instead|with|when|if|check|confidence)\b|\s+\(|\s+-\s",
    re.IGNORECASE,
)
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
_ANSWER_WORDS = frozenset(
    {
        "and",
        "or",
        "no",
        "real",
        "all",
        "number",
        "solution",
        "root",
        "empty",
        "set",
        "none",
        "there",
        "is",
    }
    | {"are", "the", "infinity", "oo", "pi", "sqrt", "text", "mathrm", "frac", "cup", "percent"}
    | {"square", "cubic", "sq", "cu", "per"}
    | set(UNITS)
    | FUNCTION_NAMES
)


class Unreadable:
    """A marked answer that does not parse (its last number must not stand in for it)."""


UNREADABLE = Unreadable()


def boxed_contents(text: str) -> list[str]:
    """Contents of every `\\boxed{…}` / `\\fbox{…}`, in order (braces balanced)."""
    out: list[str] = []
    end = 0
    for m in re.finditer(r"\\(?:boxed|fbox)\s*\{", text):
        if m.start() < end:
            continue  # a box inside a box: the outer one is the answer
        depth = 0
        for j in range(m.end() - 1, len(text)):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    out.append(text[m.end() : j])
                    end = j
                    break
        else:
            break  # unclosed: no later box can close either (and no rescans: linear time)
    return out


def last_number(text: str, symbolic: bool = True) -> Parsed | None:
    """The last number-like token of free text, skipping negated ones (`42, not 24`).

    A known unit right after the token is kept (`12 mm`); in `1/6 ≈ 0.1667` the exact value
    before the `≈` is the answer. Scans windows from the end, each starting at a space so
    that no token is cut: linear in the text, fast on long outputs.
    """
    text = unicode_to_ascii(text)
    end = len(text)
    while end > 0:
        start = text.rfind(" ", 0, max(0, end - _WINDOW)) + 1
        tokens = [t for t in _LAST_NUMBER.finditer(text, start, end) if t.start() >= start]
        for k in range(len(tokens) - 1, -1, -1):
            token = tokens[k]
            if _negated(text, token.start()):
                continue
            if k > 0 and _APPROX.fullmatch(text, tokens[k - 1].end(), token.start()):
                token = tokens[k - 1]
            elif k > 0 and _hedge(text[tokens[k - 1].end() : token.start()]):
                return None  # `either 2 or 3`, `2 (or maybe 3)`: a hedge, not one number
            return _number_at(text, token, symbolic)
        end = start
    return None


def _hedge(gap: str) -> bool:
    """Whether the text between two numbers makes them alternatives (`2 or 3`, `2, 3`)."""
    if _JOINER.fullmatch(gap):
        return True
    return len(gap) <= 25 and _OR.search(gap) is not None


def _number_at(text: str, token: re.Match[str], symbolic: bool) -> Parsed | None:
    """The token as a number, with a known unit that follows it (`12 mm`, `3 m/s`)."""
    found = parse_answer(token.group(), symbolic)
    if not isinstance(found, Parsed):
        return None
    after = _UNIT_AFTER.match(text, token.end())
    if after is not None and found.unit is None and found.value is not None:
        unit = unit_of(after[1].replace("/", " / "))
        if unit == "%":
            return dataclasses.replace(found, percent=True)
        if unit is not None:
            return dataclasses.replace(found, unit=unit)
    return found


def _negated(text: str, start: int) -> bool:
    """Whether the words right before `start` negate the number there (`not 24`)."""
    before = text[max(0, start - 30) : start].lower().rstrip(" \t\n$(:")
    if not before.endswith(_NEGATION_ENDS):
        return False
    words = " ".join(before.split())
    for phrase in _NEGATIONS:
        if words.endswith(phrase) and not words[: len(words) - len(phrase)][-1:].isalpha():
            return True
    return False


def _first_number(text: str, symbolic: bool) -> Parsed | None:
    text = unicode_to_ascii(text)
    token = _LAST_NUMBER.search(text)
    return _number_at(text, token, symbolic) if token is not None else None


def _last_answer_tag(text: str) -> str | None:
    """Content of the last closed `<answer>…</answer>` (find-based: linear time)."""
    lower = text.lower()
    close = lower.rfind("</answer>")
    if close < 0:
        return None
    start = lower.rfind("<answer>", 0, close)
    return text[start + len("<answer>") : close] if start >= 0 else None


def _is_prose(text: str) -> bool:
    """Whether `text` has a word outside the vocabulary of answers (so it is no answer whole)."""
    for m in _WORD.finditer(text):
        word = m.group().lower()
        if word not in _ANSWER_WORDS and word.rstrip("s") not in _ANSWER_WORDS:
            return True
    return False


def _within(content: str, symbolic: bool) -> Answer | None:
    """A box's or tag's content: as a whole, else (unless it looks structured) its last number."""
    if "\\boxed" in content or "\\fbox" in content:
        inner = boxed_contents(content)
        content = inner[-1] if inner else content
    found = parse_answer(content, symbolic)
    if found is not None or looks_structured(content):
        return found
    return last_number(content, symbolic)


def _leading_piece(span: str) -> str:
    """The start of a marked span: a bracketed group, a math segment, or up to a remark."""
    span = span.lstrip(" *:")
    if span[:1] in _OPENERS:
        depth = 0
        for i, ch in enumerate(span):
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    return span[: i + 1]
        return span
    if span.startswith(("$", "\\(", "\\[")):
        m = _MATH_SEGMENT.match(span)
        if m is not None:
            return next(g for g in m.groups() if g is not None)
    cut = _SPAN_CUT.search(span)
    return span[: cut.start()] if cut is not None else span


def _marked(text: str, symbolic: bool) -> Answer | Unreadable | None:
    """The answer after the last marker whose sentence holds a number or a math form.

    `UNREADABLE` when the marked span looks structured but does not parse: then no later
    step (the last number) may answer in its place.
    """
    lower = text.lower()
    if not any(w in lower for w in ("answer", "result", "solution", "root", "####")):
        return None
    markers = list(_MARKER.finditer(text))[-_MAX_MARKERS:]
    reverse = list(_REVERSE_MARKER.finditer(text, max(0, len(text) - 4 * _MAX_SPAN)))
    if reverse and (not markers or reverse[-1].start() >= markers[-1].end()):
        found = _before(text[: reverse[-1].start()], symbolic)  # `70 is the answer`
        if found is not None:
            return found
    for marker in reversed(markers):
        rest = text[marker.end() : marker.end() + _MAX_SPAN]
        end = _SENTENCE_END.search(rest)
        span = (rest[: end.start()] if end is not None else rest).strip()
        found = parse_answer(span, symbolic) if span else None
        if found is not None:
            return found
        if not _DIGIT.search(span) and "\\" not in span:
            continue
        piece = _leading_piece(span)
        found = parse_answer(piece, symbolic) if piece and piece != span else None
        if found is not None:
            return found
        if looks_structured(piece):
            return UNREADABLE
        return _first_number(span, symbolic)
    return None


def _before(prefix: str, symbolic: bool) -> Answer | None:
    """The answer that ends `prefix` (its last sentence): `$x = 3$ is the answer`."""
    tail = prefix[-_MAX_SPAN:]
    cut = max(tail.rfind(". "), tail.rfind("\n"), tail.rfind(": "))
    piece = tail[cut + 1 :].strip()
    if not piece:
        return None
    found = parse_answer(piece, symbolic)
    if found is not None:
        return found
    segments = list(_MATH_SEGMENT.finditer(piece))
    if segments and segments[-1].end() == len(piece):
        return _within(next(g for g in segments[-1].groups() if g is not None), symbolic)
    return last_number(piece, symbolic)


def _without_trailing_check(text: str) -> str:
    """Drop a trailing check/confidence note that reaches no new conclusion."""
    lower = text.lower()
    if not any(word in lower for word in ("check", "verif", "confidence")):
        return text
    checks = list(_CHECK.finditer(text))
    if not checks:
        return text
    start = checks[-1].start()
    before, after = text[:start], text[start:]
    if _DIGIT.search(before) and not _CONCLUSION.search(after):
        return before
    return text


def extract_answer(
    text: str, mode: Extract = "auto", symbolic: bool = True
) -> Answer | Ambiguous | None:
    """Read the answer out of a model's output.

    Args:
        text: the model output (or any rendered text).
        mode: `auto` (the order in the module docstring), `whole` (the whole text only),
            `boxed` (the `\\boxed{}` contents only), `last_number` (the last number-like
            token only).
        symbolic: allow expressions (`2\\sqrt{2}`, `3x`); without it only plain numbers,
            fractions and percentages parse.

    Returns:
        The answer's structure, `Ambiguous` when several boxes disagree, or None.
    """
    if len(text) <= _CACHED_CHARS:
        return _extract_cached(text, mode, symbolic)
    return _extract(text, mode, symbolic)


@functools.lru_cache(maxsize=16384)
def _extract_cached(text: str, mode: Extract, symbolic: bool) -> Answer | Ambiguous | None:
    return _extract(text, mode, symbolic)


def _marked_after_box(text: str, box: str, symbolic: bool) -> Answer | None:
    """An explicit final-answer marker after the last box (`\\boxed{18} The answer is 32.`)."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    found = text.find(box, start)
    tail = text[found + len(box) :] if found >= 0 else ""
    if not _DIGIT.search(tail):
        return None
    marked = _marked(tail, symbolic)
    return None if marked is UNREADABLE else marked  # type: ignore[return-value]


def _agree(a: Answer, b: Answer | None) -> bool:
    """Whether two readings of the final answer say the same (a unit on one side only is fine)."""
    if isinstance(a, Parsed) and isinstance(b, Parsed) and (a.unit is None or b.unit is None):
        a, b = dataclasses.replace(a, unit=None), dataclasses.replace(b, unit=None)
    return same_structure_key(a) == same_structure_key(b)


def _plain_number(text: str) -> Parsed | None:
    try:
        return plain(text.strip())
    except ValueError:  # TooLarge, or past Python's int-string limit: the full path reports it
        return None


def clear_caches() -> None:
    """Forget memoized extractions and parses (benchmarks time cold parses)."""
    _extract_cached.cache_clear()
    clear_cache()


def _extract(text: str, mode: Extract, symbolic: bool) -> Answer | Ambiguous | None:
    """`extract_answer` without the memo."""
    if mode != "boxed" and (number := _plain_number(text)) is not None:
        return number  # the common case on the hot path: the output is just a number
    text = unicode_to_ascii(text)
    if mode == "whole":
        return parse_answer(text, symbolic)
    if mode == "last_number":
        return last_number(text, symbolic)
    if "\\boxed" in text or "\\fbox" in text or mode == "boxed":
        boxes = boxed_contents(text)
        if boxes:
            answers = [_within(b, symbolic) for b in boxes]
            keys = {
                same_structure_key(a) if a is not None else ("text", b.strip())
                for a, b in zip(answers, boxes, strict=True)
            }
            if len(keys) > 1:
                return Ambiguous(text[-80:], tuple(boxes))
            later = _marked_after_box(text, boxes[-1], symbolic) if mode == "auto" else None
            if later is not None and not _agree(later, answers[-1]):
                return Ambiguous(text[-80:], (boxes[-1], later.text))  # box vs marker
            return answers[-1]
        if mode == "boxed":
            return None
    if (tag := _last_answer_tag(text)) is not None:
        return _within(tag, symbolic)
    if len(text) <= WHOLE_TEXT_MAX_CHARS and not _is_prose(text):
        found = parse_answer(text, symbolic)
        if found is not None:
            return found
    found = _marked(text, symbolic)
    if found is UNREADABLE:
        return None
    if found is not None:
        return found  # type: ignore[return-value]
    if "$" in text or "\\(" in text or "\\[" in text:
        segments = list(_MATH_SEGMENT.finditer(text))
        if segments and not _DIGIT.search(text, segments[-1].end()):
            run = [segments[-1]]  # `$x = 1$ and $x = 3$`: one answer, two solutions
            while len(run) < len(segments):
                before = segments[-len(run) - 1]
                if not _JOINER.fullmatch(text, before.end(), run[0].start()):
                    break
                run.insert(0, before)
            contents = [next(g for g in m.groups() if g is not None) for m in run]
            found = _within(" , ".join(contents), symbolic)
            if found is not None:
                return found
    if (last_line := _last_line(text, symbolic)) is not None:
        return last_line  # `After simplifying, we get:\n\n7 1/2`: the final line, read whole
    return last_number(_without_trailing_check(text), symbolic)


def _last_line(text: str, symbolic: bool) -> Answer | None:
    """The output's last line when it is an answer on its own (no prose), else None."""
    stripped = text.rstrip()
    cut = stripped.rfind("\n")
    line = stripped[cut + 1 :].strip()
    if cut < 0 or not line or len(line) > WHOLE_TEXT_MAX_CHARS or _is_prose(line):
        return None
    return parse_answer(line, symbolic)


def parse_reference(value: object, symbolic: bool = True) -> Answer | Ambiguous | None:
    """A reference from the item: a number as is, text through `extract_answer(auto)`."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Fraction):
        return from_python(value)
    return extract_answer(str(value), "auto", symbolic)
