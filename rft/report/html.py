"""Render a report `Document` as one self-contained HTML page (figures embedded as PNG data URIs).

No scripts and no external resources: the page opens offline, in a mail attachment or a CI
artifact viewer, and has nothing that could log a console error.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from rft.report.document import Checks, Document, Figure, Heading, Paragraph, Table

_STYLE = """
body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; color: #1d1d1f; background: #fff; }
h1 { border-bottom: 2px solid #4C72B0; padding-bottom: .3rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5rem 0 1.2rem; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f3f8; }
td { white-space: pre-wrap; max-width: 420px; overflow-wrap: anywhere; }
p.caption { font-style: italic; margin-bottom: .2rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #555; }
ul.checks { list-style: none; padding-left: 0; }
ul.checks li { margin: .3rem 0; padding: .4rem .6rem; border-left: 4px solid #55A868;
               background: #f5fbf6; }
ul.checks li.warn { border-left-color: #C44E52; background: #fdf3f3; }
"""


def render_html(doc: Document) -> str:
    """The whole page as a string."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # A data: icon stops the browser from requesting /favicon.ico (a console error offline).
        '<link rel="icon" href="data:,">',
        f"<title>{esc(doc.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(doc.title)}</h1>",
    ]
    for block in doc.blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 2), 6)
            parts.append(f"<h{level}>{esc(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{esc(block.text)}</p>")
        elif isinstance(block, Table):
            if block.caption:
                parts.append(f'<p class="caption">{esc(block.caption)}</p>')
            parts.append("<table>")
            parts.append("<tr>" + "".join(f"<th>{esc(c)}</th>" for c in block.columns) + "</tr>")
            for row in block.rows:
                parts.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>")
            parts.append("</table>")
        elif isinstance(block, Figure):
            data = base64.b64encode(block.png).decode("ascii")
            parts.append(
                f'<figure><img alt="{esc(block.caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{esc(block.caption)}</figcaption></figure>"
            )
        elif isinstance(block, Checks):
            parts.append('<ul class="checks">')
            for check in block.checks:
                label = "warning" if check.status == "warn" else "ok"
                parts.append(
                    f'<li class="{check.status}"><strong>{label}</strong> '
                    f"<code>{esc(check.name)}</code> ({esc(check.subject)}): "
                    f"{check.value:.3f} (threshold {esc(check.threshold)}). "
                    f"{esc(check.message)}</li>"
                )
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(doc: Document, out_dir: Path, stem: str = "report") -> Path:
    """Write `<stem>.html` under `out_dir`; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.html"
    path.write_text(render_html(doc), encoding="utf-8")
    return path
