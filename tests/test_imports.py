"""The import graph: no cycles at import time, and a kernel that imports no capability."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from verkeerstoren.capabilities import KERNEL

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "verkeerstoren"

# The kernel (verkeerstoren.capabilities.KERNEL) imports no capability, not even in a function.
KERNEL_MAY_IMPORT = {*KERNEL, "verkeerstoren.errors", "verkeerstoren.access"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(nodes: list[ast.stmt] | Iterator[ast.AST], module: str) -> Iterator[str]:
    for node in nodes:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue  # annotations only: never executed
        inner = ast.walk(node) if isinstance(node, ast.If | ast.Try) else [node]
        for item in inner:
            if isinstance(item, ast.Import):
                yield from (alias.name for alias in item.names)
            elif isinstance(item, ast.ImportFrom) and item.module and item.level == 0:
                for alias in item.names:
                    full = f"{item.module}.{alias.name}"
                    yield full if full in MODULES else item.module


def _graph(*, deferred: bool) -> dict[str, set[str]]:
    """Module -> the package modules it imports (at import time, or also inside functions)."""
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = ast.walk(tree) if deferred else tree.body
        graph[name] = {m for m in _imports(nodes, name) if m in MODULES and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_imports() -> None:
    graph = _graph(deferred=False)
    assert "verkeerstoren.access.scoping" in graph["verkeerstoren.registry.models"]
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_no_import_cycle_at_import_time() -> None:
    assert _cycles(_graph(deferred=False)) == []


def test_no_cycle_runs_through_the_access_kernel_even_inside_functions() -> None:
    through_kernel = [c for c in _cycles(_graph(deferred=True))
                      if any(m.startswith("verkeerstoren.access.") for m in c)]
    assert through_kernel == []


def test_the_kernel_imports_no_capability() -> None:
    graph = _graph(deferred=True)
    for module in KERNEL:
        assert graph[module] <= KERNEL_MAY_IMPORT, module


def test_only_scoping_binds_an_actor_or_a_scope_to_a_session() -> None:
    pattern = re.compile(r"""\.info(\[|\.get\(|\.setdefault\()\s*["'](actor|scope_org)["']""")
    roots = [PACKAGE, PACKAGE.parents[1] / "tests", PACKAGE.parents[1] / "bench"]
    offenders = [str(path) for root in roots for path in root.rglob("*.py")
                 if path != Path(__file__).resolve() and pattern.search(path.read_text("utf-8"))]
    assert offenders == []
