"""No import cycle anywhere in ``streams`` and ``models``: between modules, and between packages.

Every import counts, inside functions too; only those under ``if TYPE_CHECKING:`` do not. The
layers themselves are import-linter contracts (``.importlinter``, run by ``make test``); this
test adds what a layers contract cannot see: cycles inside a layer.
"""

from __future__ import annotations

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("streams", "models", exclude_type_checking_imports=True)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node, or with a self-loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

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
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_cycle_between_modules(graph: grimp.ImportGraph) -> None:
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    assert cycles(edges) == []


def test_no_cycle_between_packages(graph: grimp.ImportGraph) -> None:
    packages = {m for m in graph.modules if graph.find_children(m)}
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        src = module if module in packages else module.rpartition(".")[0]
        for imported in graph.find_modules_directly_imported_by(module):
            dst = imported if imported in packages else imported.rpartition(".")[0]
            # a package and its own subpackages are one unit here
            if src != dst and not dst.startswith(src + ".") and not src.startswith(dst + "."):
                edges.setdefault(src, set()).add(dst)
    assert cycles(edges) == []
