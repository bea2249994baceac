"""The layering STYLE.md asks for, checked: no import cycle among nkru's modules (deferred
imports inside functions included), and only the CLI imports Typer."""

from __future__ import annotations

import ast
from pathlib import Path

NKRU = Path(__file__).parent.parent / "nkru"


def _module(path: Path) -> str:
    parts = path.relative_to(NKRU.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in NKRU.rglob("*.py")}


def _imports(name: str) -> set[str]:
    """The nkru modules a module imports anywhere in it: `from nkru.a import b` is nkru.a.b
    where that is a module, else nkru.a."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "nkru":
            for alias in node.names:
                found.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module)
    return found - {name}


def test_no_module_imports_one_that_imports_it_back():
    graph = {name: _imports(name) for name in MODULES}
    cycles = []

    def visit(name: str, path: list[str]) -> None:
        for nxt in sorted(graph[name]):
            if nxt in path:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, path + [nxt])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    # A package's __init__ that re-exports its modules is a door, not a cycle: nkru.cli registers its commands.
    real = [c for c in cycles if not any(MODULES[m].name == "__init__.py" for m in c)]
    assert not real, " ; ".join(" -> ".join(c) for c in real)


def test_only_the_cli_imports_typer():
    importers = {name for name, path in MODULES.items() if "import typer" in path.read_text() or "from typer" in path.read_text()}
    assert importers and all(name.startswith("nkru.cli") for name in importers)
