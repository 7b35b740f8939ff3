"""No import cycles among the parts of ``dispatch``, lazy imports included.

Each subpackage (``dispatch/case``, ``dispatch/results`` ...) and each top-level module
(``dispatch/runner.py``) is one part. Every ``import`` statement counts, wherever it
stands: at module level, inside a function, or under ``TYPE_CHECKING``. A cycle hidden
behind a function-level import is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dispatch"


def _part(module: str) -> str | None:
    """Return the part of a dotted module name (``dispatch.results.bill`` -> ``results``)."""
    parts = module.split(".")
    if parts[0] != "dispatch":
        return None
    if len(parts) == 1:
        return "dispatch"
    return parts[1]


def _part_of_file(path: Path, package: Path) -> str:
    rel = path.relative_to(package)
    if len(rel.parts) == 1:
        return "dispatch" if rel.name == "__init__.py" else rel.stem
    return rel.parts[0]


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Return ``{part: parts it imports}`` from every import statement in the package."""
    graph: dict[str, set[str]] = {}
    parts = {p.stem if p.is_file() else p.name for p in package.iterdir()}
    for path in package.rglob("*.py"):
        here = _part_of_file(path, package)
        edges = graph.setdefault(here, set())
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "dispatch":  # from dispatch import ledger / load_case
                    targets = [
                        f"dispatch.{a.name}" if a.name in parts else "dispatch" for a in node.names
                    ]
                else:
                    targets = [node.module]
            for target in targets:
                part = _part(target)
                if part is not None and part != here:
                    edges.add(part)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected parts with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_among_dispatch_parts():
    graph = import_graph()
    # the package root only re-exports the API lazily; nothing below may import it
    importers = sorted(part for part, edges in graph.items() if "dispatch" in edges)
    assert importers == [], f"parts importing the package root: {importers}"
    found = cycles(graph)
    detail = {tuple(c): {p: sorted(graph[p] & set(c)) for p in c} for c in found}
    assert not found, f"import cycles: {detail}"


def test_the_cycle_finder_finds_a_function_level_cycle(tmp_path):
    pkg = tmp_path / "dispatch"
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    (pkg / "a" / "x.py").write_text("from dispatch.b.y import f\n")
    (pkg / "b" / "y.py").write_text("def f():\n    from dispatch.a import x\n    return x\n")
    assert cycles(import_graph(pkg)) == [["a", "b"]]
