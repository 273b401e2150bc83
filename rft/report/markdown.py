"""Render a report `Document` as Markdown, with its figures as PNG files in `figures/`."""

from __future__ import annotations

from pathlib import Path

from rft.report.document import Checks, Document, Figure, Heading, Links, Paragraph, Table


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", "<br>")


def render_markdown(doc: Document, figure_dir: str = "figures") -> str:
    """The Markdown text; figures are linked as `figure_dir/<name>.png`."""
    lines = [f"# {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            lines += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, Table):
            if block.caption:
                lines += [f"*{block.caption}*", ""]
            lines.append("| " + " | ".join(_escape(c) for c in block.columns) + " |")
            lines.append("|" + "---|" * len(block.columns))
            lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in block.rows]
            lines.append("")
        elif isinstance(block, Figure):
            lines += [f"![{block.caption}]({figure_dir}/{block.name}.png)", ""]
        elif isinstance(block, Checks):
            for check in block.checks:
                mark = "⚠️ **warning**" if check.status == "warn" else "✓"
                lines.append(
                    f"- {mark} `{check.name}` ({check.subject}): {check.value:.3f} "
                    f"(threshold {check.threshold}). {check.message}"
                )
            lines.append("")
        elif isinstance(block, Links):
            lines += [
                f"- [{_escape(text)}]({href})" if href else f"- {_escape(text)} (not written)"
                for text, href in block.links
            ]
            lines.append("")
    return "\n".join(lines)


def write_markdown(doc: Document, out_dir: Path, stem: str = "report") -> Path:
    """Write `<stem>.md` and its figures under `out_dir`; returns the Markdown path."""
    figure_dir = f"{stem}_figures"
    folder = out_dir / figure_dir
    folder.mkdir(parents=True, exist_ok=True)
    for figure in doc.figures():
        (folder / f"{figure.name}.png").write_bytes(figure.png)
    path = out_dir / f"{stem}.md"
    path.write_text(render_markdown(doc, figure_dir), encoding="utf-8")
    return path
