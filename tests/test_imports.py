"""No import cycles in course_utils: a module never imports, at any level, one that imports it back.

Every import counts: at module level, inside a function (the usual way to hide a cycle), under
``if TYPE_CHECKING:``. The modules are read with ``ast``, nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def module_files(package: Path) -> dict[str, Path]:
    """``{dotted name: file}`` of every module of ``package`` (a package is its ``__init__``)."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(package.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported(name: str, path: Path, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> set[str]:
    """The modules of ``modules`` one import statement of module ``name`` (at ``path``) loads by name."""
    def known(dotted: str) -> str | None:  # the module itself, else the package that defines the name
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    if isinstance(node, ast.Import):
        found = {known(a.name) for a in node.names}
    else:
        if node.level:
            base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            base = base[:len(base) - (node.level - 1)]
            origin = ".".join(base + ([node.module] if node.module else []))
        else:
            origin = node.module or ""
        # `from pkg import sub` loads pkg.sub when it is a module, else a name of pkg's __init__
        found = {f"{origin}.{a.name}" if f"{origin}.{a.name}" in modules else known(origin) for a in node.names}
    return {m for m in found if m and m != name}


def import_graph(package: Path) -> tuple[dict[str, set[str]], dict[tuple[str, str], int]]:
    """``({module: modules it imports}, {(module, imported): line of the first such import})``."""
    modules = module_files(package)
    graph, lines = {}, {}
    for name, path in modules.items():
        graph[name] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in imported(name, path, node, modules):
                    graph[name].add(target)
                    lines.setdefault((name, target), node.lineno)
    return graph, lines


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def describe(component: list[str], graph: dict, lines: dict) -> str:
    edges = [f"  {a} imports {b} (line {lines[a, b]})" for a in component for b in sorted(graph[a]) if b in component]
    return " <-> ".join(component) + "\n" + "\n".join(edges)


def test_course_utils_has_no_import_cycle():
    graph, lines = import_graph(ROOT / "course_utils")
    assert "course_utils.grading.runner" in graph and "course_utils.grading.engine" in graph["course_utils.grading.runner"]
    found = cycles(graph)
    assert not found, "import cycles (move the shared code into a module both use):\n" + "\n".join(
        describe(c, graph, lines) for c in found)


def test_the_runner_uses_the_engine_never_the_other_way_round():
    graph, _ = import_graph(ROOT / "course_utils")
    g = "course_utils.grading."
    assert g + "engine" in graph[g + "runner"] and g + "grade_one" in graph[g + "engine"]
    for module in ("engine", "grade_one", "master", "gradebook", "reports"):
        assert g + "runner" not in graph[g + module], f"{module} imports the runner"


def test_a_cycle_through_a_function_level_or_type_checking_import_is_found(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .a import f\n")
    (pkg / "a.py").write_text("def f():\n    from .b import g\n    return g()\n")
    (pkg / "b.py").write_text("from . import c\n\ndef g():\n    return 1\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub.d import D\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "d.py").write_text("import pkg.a as a\n")     # a -> b -> c -> sub.d -> a
    (pkg / "e.py").write_text("from . import sub\nfrom .sub import d\n")  # into the cycle, not part of it
    graph, lines = import_graph(pkg)
    assert graph["pkg.b"] == {"pkg.c"} and graph["pkg.e"] == {"pkg.sub", "pkg.sub.d"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.sub.d"]]
    assert "pkg.a imports pkg.b (line 2)" in describe(cycles(graph)[0], graph, lines)
    (pkg / "sub" / "d.py").write_text("import json\n")
    assert cycles(import_graph(pkg)[0]) == []
