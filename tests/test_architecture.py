"""The core's layers, as docs/architecture.md draws them, hold in the code.

Every module of ``poseio`` is parsed with `ast`; each of its imports of poseio (at module
level, inside a function - a *lazy* import - or under ``if TYPE_CHECKING:`` - a *typing*
import) is checked against the layer order of the page's ``layers`` block: a module imports
its own layer and the layers below it, never one above, except for the imports the page's
``allowed-upward`` block names (each with its kind, which must match). Between the units
the page names (subpackages and modules) no import cycle may form.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "architecture.md"
SRC = ROOT / "poseio_core" / "src"


def fenced_block(page: str, marker: str) -> list[str]:
    """The lines of the fenced block that follows ``<!-- marker -->``, without comments and blank lines."""
    found = re.search(rf"<!-- {re.escape(marker)} -->\s*```[^\n]*\n(.*?)```", page, re.S)
    assert found, f"docs/architecture.md has no fenced block after <!-- {marker} -->"
    lines = (line.split("#", 1)[0].strip() for line in found.group(1).splitlines())
    return [line for line in lines if line]


def documented_layers(page: str) -> dict[str, int]:
    """Unit (a module or package name) -> its layer's height, 0 at the bottom; the page lists the top first."""
    rows = fenced_block(page, "layers")
    return {unit: len(rows) - 1 - i for i, row in enumerate(rows) for unit in row.split()[1:]}


def documented_allowances(page: str) -> set[tuple[str, str, str]]:
    """(importer, imported, kind) of the upward imports the page allows; kind is ``lazy`` or ``typing``."""
    allowed = set()
    for row in fenced_block(page, "allowed-upward"):
        found = re.fullmatch(r"(\S+)\s*->\s*(\S+)\s+(lazy|typing)", row)
        assert found, f"docs/architecture.md: allowed-upward row {row!r} is not 'importer -> imported lazy|typing'"
        allowed.add(found.groups())
    return allowed


def core_modules() -> dict[str, Path]:
    """Every module of the core: dotted name -> file."""
    modules = {}
    for path in sorted((SRC / "poseio").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str, int]]:
    """(imported module, kind, line) for each import of poseio in the module; kind is eager, lazy or typing."""
    is_package = path.name == "__init__.py"
    found = []

    def target(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        return ".".join([*base, node.module] if node.module else base)

    def visit(node: ast.AST, kind: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.body:
                    visit_one(sub, "typing")
                for sub in child.orelse:
                    visit_one(sub, kind)
            else:
                visit_one(child, kind)

    def visit_one(node: ast.AST, kind: str) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, kind, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = target(node)
            for alias in node.names:  # ``from poseio import _x`` imports the module poseio._x
                sub = f"{module}.{alias.name}"
                found.append((sub if sub in modules else module, kind, node.lineno))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            visit(node, "typing" if kind == "typing" else "lazy")
        else:
            visit(node, kind)

    visit(ast.parse(path.read_text(encoding="utf-8")), "eager")
    return [(imported, kind, line) for imported, kind, line in found if imported.split(".")[0] == "poseio"]


def unit_of(module: str, layers: dict[str, int]) -> str | None:
    """The unit the page places the module in: the longest listed name it is or lies under."""
    units = [unit for unit in layers if module == unit or (unit != "poseio" and module.startswith(unit + "."))]
    return max(units, key=len) if units else None


def import_graph() -> list[tuple[str, str, str, int]]:
    modules = core_modules()
    return [
        (name, imported, kind, line)
        for name, path in modules.items()
        for imported, kind, line in imports_of(name, path, modules)
    ]


def check(page: str, graph: list[tuple[str, str, str, int]]) -> list[str]:
    """What breaks the page's rules; empty when the code keeps them."""
    layers = documented_layers(page)
    allowed = documented_allowances(page)
    problems = []
    used = set()
    edges: dict[str, set[str]] = {}
    for importer, imported, kind, line in graph:
        src, dst = unit_of(importer, layers), unit_of(imported, layers)
        for module, unit in ((importer, src), (imported, dst)):
            if unit is None:
                problems.append(f"{module} is in no layer of docs/architecture.md")
        if src is None or dst is None:
            continue
        where = f"{importer} line {line}: {kind} import of {imported}"
        if layers[dst] > layers[src]:
            if (importer, imported, kind) in allowed:
                used.add((importer, imported, kind))
                continue
            problems.append(f"{where} runs upward ({src} is below {dst})")
        if src != dst:
            edges.setdefault(src, set()).add(dst)
    for importer, imported, kind in sorted(allowed - used):
        problems.append(f"allowed-upward {importer} -> {imported} ({kind}) matches no import")
    problems += [f"import cycle between {' -> '.join(cycle)}" for cycle in cycles(edges)]
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The cycles a depth-first walk of the units meets: none when the graph has none, else at least one."""
    found, done = [], set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt in path:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in done:
                walk(nxt, [*path, nxt])
        done.add(node)

    for start in sorted(edges):
        if start not in done:
            walk(start, [start])
    return found


def test_the_core_imports_in_the_documented_direction():
    assert check(PAGE.read_text(encoding="utf-8"), import_graph()) == []


def test_every_module_of_the_core_is_on_the_map():
    layers = documented_layers(PAGE.read_text(encoding="utf-8"))
    for name in core_modules():
        assert unit_of(name, layers), f"{name} is in no layer of docs/architecture.md"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("poseio._model._labels", "poseio._io._loading", "eager", 1), "runs upward"),
        (("poseio._model._labels", "poseio.bridges", "eager", 1), "runs upward"),  # allowed only lazily
        (("poseio._errors", "poseio._words", "lazy", 1), "import cycle"),
    ],
)
def test_a_wrong_import_is_caught(extra, expected):
    graph = [*import_graph(), extra]
    if extra[0] == "poseio._errors":  # a cycle needs the way back as well
        graph.append(("poseio._words", "poseio._errors", "eager", 1))
    problems = check(PAGE.read_text(encoding="utf-8"), graph)
    assert any(expected in problem for problem in problems), problems


def test_lazy_and_typing_imports_are_told_apart(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "from poseio._errors import ReadError\n"
        "if TYPE_CHECKING:\n    from poseio._model._labels import Labels\n"
        "def f():\n    from poseio import bridges\n"
    )
    found = imports_of("poseio.example", module, {"poseio.bridges": module})
    assert [(name, kind) for name, kind, _ in found] == [
        ("poseio._errors", "eager"),
        ("poseio._model._labels", "typing"),
        ("poseio.bridges", "lazy"),
    ]
