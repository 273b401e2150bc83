"""Render a report `Document` as one self-contained HTML page (figures embedded as PNG data URIs).

The page is the jinja2 template `templates/report.html.j2` (package data), autoescaped. No
scripts and no external resources: the page opens offline, in a mail attachment or a CI
artifact viewer, and has nothing that could log a console error.
"""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from rft.report.document import Document

_ENV = Environment(
    loader=PackageLoader("rft.report", "templates"),
    autoescape=select_autoescape(["html.j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["base64"] = lambda data: base64.b64encode(data).decode("ascii")
TEMPLATE = "report.html.j2"


def render_html(doc: Document) -> str:
    """The whole page as a string."""
    blocks = [(type(block).__name__.lower(), block) for block in doc.blocks]
    return _ENV.get_template(TEMPLATE).render(doc=doc, blocks=blocks)


def write_html(doc: Document, out_dir: Path, stem: str = "report") -> Path:
    """Write `<stem>.html` under `out_dir`; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.html"
    path.write_text(render_html(doc), encoding="utf-8")
    return path
