"""Text normalizers shared by the text graders (`normalize: [strip, casefold, …]`)."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Sequence

_WHITESPACE = re.compile(r"\s+")
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.IGNORECASE)
_PUNCTUATION_TABLE = str.maketrans("", "", string.punctuation)


def _remove_punctuation(text: str) -> str:
    # ASCII punctuation through a translate table (fast), then any Unicode punctuation.
    text = text.translate(_PUNCTUATION_TABLE)
    if text.isascii():
        return text
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "strip": str.strip,
    "casefold": str.casefold,
    "lower": str.lower,
    "collapse_whitespace": lambda t: _WHITESPACE.sub(" ", t).strip(),
    "remove_punctuation": _remove_punctuation,
    "remove_articles": lambda t: _WHITESPACE.sub(" ", _ARTICLES.sub(" ", t)).strip(),
    "nfkc": lambda t: unicodedata.normalize("NFKC", t),
}


def make_normalizer(names: Sequence[str]) -> Callable[[str], str]:
    """Compose normalizers in the given order (identity for an empty list)."""
    steps = [NORMALIZERS[name] for name in names]
    if not steps:
        return lambda t: t
    if len(steps) == 1:
        return steps[0]

    def normalize(text: str) -> str:
        for step in steps:
            text = step(text)
        return text

    return normalize
