"""A report as a list of neutral blocks; `markdown.py` and `html.py` render the same blocks.

Keeping the content here (what the report says) apart from the renderers (how it looks) is
what makes the Markdown and the HTML report say exactly the same things.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rft.report.quality import Check


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]
    caption: str | None = None


@dataclass
class Figure:
    png: bytes
    caption: str
    name: str
    """File stem for the Markdown report's `figures/` folder."""


@dataclass
class Checks:
    checks: list[Check]


@dataclass
class Links:
    """A list of links to other files: (text, href relative to the page; None when missing).

    The renderers write the href as given: the caller makes it relative, so that the page and
    the files it links to can be moved (or served) together.
    """

    links: list[tuple[str, str | None]]


Block = Heading | Paragraph | Table | Figure | Checks | Links


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]


def cell(value: Any, digits: int = 3) -> str:
    """A table cell as text: floats rounded, None/nan as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != value:  # nan
            return "–"
        return f"{value:.{digits}f}"
    return str(value)


def clip(text: str, limit: int = 300) -> str:
    """Shorten long text for a table cell (the full text is in samples.parquet)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], caption: str | None = None
) -> Table:
    return Table(list(columns), [[cell(v) for v in row] for row in rows], caption)
