"""The package layout: no import cycles between modules, no reaching into another module's private names,
and a thin command line."""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "briefings"


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(modules: dict[str, Path]) -> dict[str, set[tuple[str, str]]]:
    """module → {(imported module, imported name)}, counting imports inside functions too."""
    graph: dict[str, set[tuple[str, str]]] = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative import
                    package = _package_of(name, path).split(".")
                    base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
                for alias in node.names:
                    edges.add((base, alias.name))
            elif isinstance(node, ast.Import):
                edges.update((alias.name, "") for alias in node.names)
        graph[name] = edges
    return graph


def _module_edges(modules, graph) -> dict[str, set[str]]:
    out = {}
    for name, edges in graph.items():
        deps = set()
        for module, imported in edges:
            if f"{module}.{imported}" in modules:
                deps.add(f"{module}.{imported}")
            elif module in modules:
                deps.add(module)
        out[name] = deps - {name}
    return out


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    modules = _modules()
    assert _cycles(_module_edges(modules, _imports(modules))) == []


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_private_names_across_modules():
    modules = _modules()
    reaching = [(name, module, imported) for name, edges in _imports(modules).items()
                for module, imported in edges
                if module.startswith("briefings") and imported.startswith("_") and not imported.startswith("__")]
    assert reaching == []


def test_every_stage_is_a_package_with_its_public_names():
    for package in ("content", "checks", "documents", "writers", "review", "publish"):
        init = SRC / package / "__init__.py"
        assert init.is_file(), package
        assert "Public modules" in init.read_text(encoding="utf-8"), package


def test_cli_commands_are_thin():
    tree = ast.parse((SRC / "cli.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "attr", "") in ("command", "group")
                for d in node.decorator_list):
            body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body  # without the docstring
            lines = body[-1].end_lineno - body[0].lineno + 1 if body else 0
            assert lines <= 15, f"{node.name}: {lines} lines"
