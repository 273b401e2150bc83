"""`rft/judge/` is a lower layer than the graders: it imports nothing above itself."""

from __future__ import annotations

import ast
from pathlib import Path

JUDGE = Path(__file__).resolve().parents[2] / "rft" / "judge"
HIGHER = ("graders", "reward", "integrations", "train", "eval", "report", "demo", "cli", "testing")


def rft_imports(path: Path) -> set[str]:
    """Every `rft.*` module a file imports, inside functions too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("rft."))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rft."):
            found.add(node.module)
    return found


def test_judge_imports_no_higher_layer():
    offending = {
        f"{path.name} imports {module}"
        for path in JUDGE.glob("*.py")
        for module in rft_imports(path)
        if module.split(".")[1] in HIGHER
    }
    assert offending == set()


def test_judge_modules_import_each_other_without_a_cycle():
    graph = {
        f"rft.judge.{p.stem}": {m for m in rft_imports(p) if m.startswith("rft.judge.")}
        for p in JUDGE.glob("*.py")
        if p.stem != "__init__"
    }
    done: set[str] = set()

    def visit(node: str, stack: tuple[str, ...]) -> None:
        assert node not in stack, " -> ".join((*stack, node))
        if node in done:
            return
        for nxt in graph.get(node, ()):
            visit(nxt, (*stack, node))
        done.add(node)

    for module in graph:
        visit(module, ())
