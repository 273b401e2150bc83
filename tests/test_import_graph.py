"""rft's own import graph, read from the source with `ast`: no cycles, and layers import downwards.

Every `import` counts, also inside functions and under `TYPE_CHECKING`: an import placed there
to dodge a cycle is still a cycle. `import a.b.c` and `from a.b import c` (c a module) are an
edge to the module `a.b.c`; the implicit import of the parent packages is not counted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rft"

# The layers, lowest first (README "Layout"). A module may import its own layer and the
# layers below it, never a higher one. The longest matching prefix decides a module's layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "rft.errors",
        "rft.data",
        "rft.normalize",
        "rft._async",
        "rft.safe_regex",
        "rft.shipped",
        "rft.prompts",
        "rft.stats",
    ),
    (
        "rft.spec",
        "rft.templates",
        "rft.template_limits",
        "rft.extraction",
        "rft.formula",
        "rft.numbers",
        "rft.loading",
        "rft.results",
        "rft.schema",
    ),
    ("rft.batch", "rft.graders", "rft.judge", "rft.sandbox"),
    ("rft.reward", "rft.testing"),
    ("rft.integrations", "rft"),  # the package root is the public facade: reward + trl_reward
    ("rft.train", "rft.eval", "rft.tasks"),
    ("rft.report",),
    ("rft.demo",),
    ("rft.cli",),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The rft modules that module `name` imports anywhere in its source."""
    path = modules()[name]
    return imports_in(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", modules())


def imports_in(source: str, name: str, is_package: bool, known: Iterable[str]) -> set[str]:
    """The `known` modules that `source` (module `name`) imports, at any depth of its tree."""
    known = set(known)
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in known:
                    found.add(submodule)  # `from pkg import module`: the module, not pkg
                elif base in known:
                    found.add(base)
    found.discard(name)
    return found


@cache
def graph() -> dict[str, frozenset[str]]:
    return {name: frozenset(imports_of(name)) for name in modules()}


def find_cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [_cycle_in(sorted(c), edges) for c in components]


def _cycle_in(component: list[str], edges: dict[str, frozenset[str]]) -> list[str]:
    """A concrete cycle start -> ... -> start inside a strongly connected component."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:  # breadth first: the shortest way back to `start`
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(edges[node] & members):
                if nxt == start:
                    return [*paths[node], start]
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    raise AssertionError(f"{component} is not strongly connected")


def layer_of(name: str) -> int:
    best, layer = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, layer = len(prefix), i
    return layer


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {
        "a": frozenset({"b"}),
        "b": frozenset({"c"}),
        "c": frozenset({"a"}),
        "d": frozenset({"a"}),
    }
    assert find_cycles(edges) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_imports_inside_functions_and_type_checking_count() -> None:
    source = """
from typing import TYPE_CHECKING
from . import sibling
from ..pkg import helpers, some_name
if TYPE_CHECKING:
    from a.typed import T
def f():
    import a.lazy.deep
"""
    known = ["a", "a.pkg", "a.pkg.helpers", "a.sub.sibling", "a.typed", "a.lazy", "a.lazy.deep"]
    # `a.pkg` for `some_name`; `a.pkg.helpers` (a module) and not its package; no `a.lazy`.
    assert imports_in(source, "a.sub.mod", False, known) == {
        "a.sub.sibling",
        "a.pkg.helpers",
        "a.pkg",
        "a.typed",
        "a.lazy.deep",
    }


def test_no_import_cycles() -> None:
    cycles = find_cycles(graph())
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_every_module_has_a_layer() -> None:
    assert [name for name in modules() if layer_of(name) < 0] == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_imports_a_higher_layer(name: str) -> None:
    upward = sorted(m for m in graph()[name] if layer_of(m) > layer_of(name))
    assert upward == [], f"{name} (layer {layer_of(name)}) imports higher layers: " + ", ".join(
        f"{m} (layer {layer_of(m)})" for m in upward
    )
