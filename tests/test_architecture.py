"""The import graph of ``src/videoscope``: no cycle, and every arrow points down the layers.

Every import counts, also those inside functions and under ``TYPE_CHECKING``: a function-level
import of a videoscope module hides an arrow, it does not remove it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: Top-level packages, highest first; names in one tuple are siblings that must not import each
#: other. Everything may import what lies below it, nothing may import what lies above it.
PACKAGE_LAYERS: list[tuple[str, ...]] = [
    ("videoscope.cli",),
    ("videoscope.api",),
    ("videoscope.engine",),
    (
        "videoscope.classify",
        "videoscope.cluster",
        "videoscope.describe",
        "videoscope.embed",
        "videoscope.search",
        "videoscope.segments",
    ),
    ("videoscope.evaluate", "videoscope.library", "videoscope.perceive"),
    ("videoscope.backends", "videoscope.media", "videoscope.samples", "videoscope.timeline"),
    ("videoscope.config",),
    ("videoscope.errors",),
]

#: Inside ``api``: the app wires everything; routers are leaves that never import each other nor
#: the task handlers; services are shared by routers and handlers; ``deps`` holds the state.
#: A name ending in ``.*`` makes each of its modules a sibling of the others.
API_LAYERS: list[tuple[str, ...]] = [
    ("videoscope.api.__main__",),
    ("videoscope.api.server",),
    ("videoscope.api",),
    ("videoscope.api.app",),
    ("videoscope.api.routes.*",),
    ("videoscope.api.tasks.handlers",),
    ("videoscope.api.services",),
    ("videoscope.api.deps",),
    ("videoscope.api.asset_store", "videoscope.api.tasks.workers"),
    ("videoscope.api.schemas", "videoscope.api.security", "videoscope.api.tasks.store"),
]

#: Arrows that break the layers today and are being removed (issue 15); each must still exist,
#: so the list shrinks as they go.
KNOWN_BACK_ARROWS: set[tuple[str, str]] = {
    ("videoscope.library", "videoscope.perceive"),
    ("videoscope.library", "videoscope.search"),
}


def module_names(root: Path = SRC) -> dict[str, Path]:
    """Every module under ``root/videoscope`` by dotted name (a package by its own name)."""
    names = {}
    for path in sorted((root / "videoscope").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the videoscope modules it imports (``from pkg import submodule`` names the
    submodule, not the package)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: use absolute imports"
                base = str(node.module)
                for alias in node.names:
                    child = f"{base}.{alias.name}"
                    targets.add(child if child in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _expand(layers: list[tuple[str, ...]], modules: Iterable[str]) -> list[tuple[str, ...]]:
    names = sorted(modules)
    out = []
    for layer in layers:
        group: list[str] = []
        for prefix in layer:
            if prefix.endswith(".*"):
                base = prefix[:-2] + "."
                group += [n for n in names if n.startswith(base) and "." not in n[len(base) :]]
            else:
                group.append(prefix)
        out.append(tuple(group))
    return out


def _place(module: str, layers: list[tuple[str, ...]]) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for rank, layer in enumerate(layers):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > len(best[1])
            ):
                best = (rank, prefix)
    return best


def layer_violations(
    graph: dict[str, set[str]], layers: list[tuple[str, ...]], depth: int | None = None
) -> set[tuple[str, str]]:
    """``(importer, imported)`` group pairs whose arrow points up or sideways in ``layers``
    (modules are grouped by their longest matching name; ``depth`` cuts names to that many
    parts first, e.g. 2 for top-level packages)."""
    layers = _expand(layers, graph)
    bad: set[tuple[str, str]] = set()
    for source, targets in graph.items():
        for target in targets:
            here = _place(".".join(source.split(".")[:depth]), layers)
            there = _place(".".join(target.split(".")[:depth]), layers)
            if here is None or there is None or here[1] == there[1]:
                continue
            if here[0] >= there[0]:  # same layer (sibling) or importing from above
                bad.add((here[1], there[1]))
    return bad


GRAPH = import_graph(module_names())


def test_no_module_imports_itself_in_a_circle() -> None:
    assert cycles(GRAPH) == []


def test_top_level_packages_only_import_downwards() -> None:
    bad = layer_violations(GRAPH, PACKAGE_LAYERS, depth=2)
    assert bad - KNOWN_BACK_ARROWS == set()
    assert KNOWN_BACK_ARROWS - bad == set(), "a back arrow is gone: drop it from the list"


def test_every_package_has_a_layer() -> None:
    top = {".".join(name.split(".")[:2]) for name in GRAPH} - {"videoscope"}
    placed = {prefix for layer in PACKAGE_LAYERS for prefix in layer}
    assert top <= placed


def test_api_is_layered_and_routers_are_leaves() -> None:
    api = {k: {t for t in v if t.startswith("videoscope.api")} for k, v in GRAPH.items()}
    api = {k: v for k, v in api.items() if k.startswith("videoscope.api")}
    assert layer_violations(api, API_LAYERS) == set()
    unplaced = [m for m in api if _place(m, _expand(API_LAYERS, api)) is None]
    assert unplaced == []


def test_the_checker_sees_cycles_and_upward_arrows(tmp_path: Path) -> None:
    package = tmp_path / "videoscope"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low" / "__init__.py").write_text("")
    (package / "low" / "a.py").write_text("def f():\n    from videoscope.high import b\n")
    (package / "high.py").write_text("from videoscope.low import a\n")
    graph = import_graph(module_names(tmp_path))
    assert graph["videoscope.low.a"] == {"videoscope.high"}
    assert cycles(graph) == [["videoscope.high", "videoscope.low.a"]]
    layers = [("videoscope.high",), ("videoscope.low",)]
    assert layer_violations(graph, layers) == {("videoscope.low", "videoscope.high")}


@pytest.mark.parametrize("name", ["videoscope.api.routes.search", "videoscope.api.tasks.store"])
def test_known_modules_are_in_the_graph(name: str) -> None:
    assert name in GRAPH
