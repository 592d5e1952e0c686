"""Find the answer keys of the course's concept questions in an installed package (used by test_package_keys).

A key is the literal a concept question's solution region assigns (``diagnosis = {"run_1": "D", ...}``,
``true_statements = {"B", "C"}``). :func:`scan` imports a package the way a student's Python would
(a fresh ``python -I`` in an empty folder, so nothing but installed packages is importable), walks
every module's objects, calls its argument-free functions (a key computed at call time, such as a
shuffle with a stored seed, shows in what they return) and reads every file of the package
(compressed data included); it reports each key it finds, and where.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat

_SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)

# Argument-free functions that act instead of answering (start a kernel connection, a CLI, a watchdog, a model
# download): the object scan does not call them.
NOT_CALLED = {"main", "connect", "end_with_parent", "load_backbone", "describe_setup", "student"}


def chapter_keys(solutions: Path) -> dict[str, object]:
    """``{"<chapter>/<grade_id>/<name>": value}`` for every solution region made only of literal assignments."""
    keys = {}
    for path in sorted(solutions.glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            match = _SOLUTION.search(cell.source) if cell.cell_type == "code" and meta.get("solution") else None
            if not match:
                continue
            try:
                body = ast.parse(match.group(1)).body
                values = {n.targets[0].id: ast.literal_eval(key_literal(n.value)) for n in body}
            except (SyntaxError, ValueError, AttributeError, TypeError):
                continue  # code, not a literal key
            if body and all(isinstance(n, ast.Assign) and len(n.targets) == 1 for n in body):
                keys.update({f"{path.parent.name}/{meta['grade_id']}/{name}": v for name, v in values.items()})
    return keys


def key_literal(value: ast.expr) -> ast.expr:
    """A varied question's solution translates its key, written in variant-0 labels: ``q.key(<literal>)``
    (course_utils.variants). The literal is the key to look for."""
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "key"
            and len(value.args) == 1 and not value.keywords):
        return value.args[0]
    return value


def _q(item: object) -> str:
    """A regex for one item as source or JSON writes it."""
    if isinstance(item, str):
        return r"""['"]""" + re.escape(item) + r"""['"]"""
    if isinstance(item, bool):
        return "(?:True|true)" if item else "(?:False|false)"
    if isinstance(item, tuple):
        return r"[\(\[]\s*" + r"\s*,\s*".join(_q(i) for i in item) + r"\s*,?\s*[\)\]]"
    return re.escape(repr(item))


def text_patterns(key: object) -> list[re.Pattern]:
    """Ways a key can be written in a file; a file shows the key when one of them matches."""
    if isinstance(key, dict):
        pairs = [re.compile(_q(k) + r"\s*:\s*" + _q(v)) for k, v in key.items()]
        out = [pairs]  # every pair present, anywhere in the file
        values = list(key.values())
        if len(values) >= 4 and all(isinstance(v, str) and len(v) == 1 for v in values):
            out.append([re.compile(r"(?<![A-Za-z])" + "".join(values) + r"(?![A-Za-z])")])
        return out
    items = sorted(key) if isinstance(key, (set, frozenset)) else list(key)
    if len(items) < 4:  # too short to tell from ordinary text; the object scan still looks for it
        return []
    out = [[re.compile(r"\s*,\s*".join(_q(i) for i in items))]]
    if all(isinstance(i, str) and len(i) == 1 for i in items):
        out.append([re.compile(r"(?<![A-Za-z])" + "".join(items) + r"(?![A-Za-z])")])
    return out


_WALKER = r'''
import dataclasses, gzip, importlib, inspect, json, pkgutil, sys, types
name, not_called = sys.argv[1], set(json.loads(sys.argv[2]))
sys.path[:0] = json.loads(sys.argv[3])  # where a planted package is "installed" (tests only)
package = importlib.import_module(name)
modules = [package] + [importlib.import_module(m.name)
                       for m in pkgutil.walk_packages(package.__path__, name + ".")]
found, seen = [], set()

def plain(x, depth=0):
    """x as JSON-able data (containers of str/int/float/bool/None), or None when it is something else."""
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if depth > 6:
        return None
    if isinstance(x, dict):
        return {"__dict__": [[plain(k, depth + 1), plain(v, depth + 1)] for k, v in list(x.items())[:2000]]}
    if isinstance(x, (list, tuple)):
        return {"__list__": [plain(i, depth + 1) for i in list(x)[:2000]]}
    if isinstance(x, (set, frozenset)):
        return {"__set__": [plain(i, depth + 1) for i in list(x)[:2000]]}
    return None

def walk(x, where, depth=0):
    if id(x) in seen or depth > 8:
        return
    seen.add(id(x))
    if isinstance(x, (dict, list, tuple, set, frozenset, str)):
        found.append([where, plain(x)])
    if isinstance(x, dict):
        for k, v in list(x.items())[:2000]:
            walk(v, f"{where}[{k!r}]", depth + 1)
    elif isinstance(x, (list, tuple, set, frozenset)):
        for i, v in enumerate(list(x)[:2000]):
            walk(v, f"{where}[{i}]", depth + 1)
    elif isinstance(x, types.FunctionType) and x.__module__.startswith(name):
        walk(x.__code__, f"{where}.__code__", depth + 1)
        walk(x.__defaults__ or (), f"{where}.__defaults__", depth + 1)
    elif isinstance(x, types.CodeType):
        walk(x.co_consts, f"{where}.co_consts", depth + 1)
    elif isinstance(x, type) and x.__module__.startswith(name):
        for k, v in list(vars(x).items()):
            walk(v, f"{where}.{k}", depth + 1)
    elif dataclasses.is_dataclass(x) or (type(x).__module__ or "").startswith(name):
        for k, v in list(getattr(x, "__dict__", {}).items()):
            walk(v, f"{where}.{k}", depth + 1)

for module in modules:
    for attr, value in list(vars(module).items()):
        if attr.startswith("__"):
            continue
        where = f"{module.__name__}.{attr}"
        walk(value, where)
        if (inspect.isfunction(value) and value.__module__ == module.__name__ and attr not in not_called):
            try:
                params = inspect.signature(value).parameters.values()
            except (TypeError, ValueError):
                continue
            if all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
                try:
                    walk(value(), f"{where}()")
                except BaseException:
                    pass
files = []
for root in package.__path__:
    import pathlib
    for path in sorted(pathlib.Path(root).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files.append(str(path))
json.dump({"objects": found, "files": files, "modules": [m.__name__ for m in modules]}, sys.stdout)
'''


def _unplain(x: object) -> object:
    if isinstance(x, dict):
        if "__dict__" in x:
            out = {}
            for k, v in x["__dict__"]:
                try:
                    out[_unplain(k)] = _unplain(v)
                except TypeError:  # an unhashable key: not a key of any answer
                    pass
            return out
        items = [_unplain(i) for i in x.get("__list__", x.get("__set__", []))]
        if "__set__" in x:
            try:
                return frozenset(items)
            except TypeError:
                return items
        return tuple(items)
    return x


def _norm(key: object) -> object:
    if isinstance(key, (set, frozenset)):
        return frozenset(key)
    if isinstance(key, list):
        return tuple(_norm(i) for i in key)
    if isinstance(key, tuple):
        return tuple(_norm(i) for i in key)
    if isinstance(key, dict):
        return {k: _norm(v) for k, v in key.items()}
    return key


def object_holds(obj: object, key: object) -> bool:
    """Whether a package object shows the key: equal to it, a dict holding all its pairs, its letters joined."""
    key = _norm(key)
    if isinstance(key, dict):
        if isinstance(obj, dict) and key and all(k in obj and obj[k] == v for k, v in key.items()):
            return True
        values = list(key.values())
        return (isinstance(obj, str) and len(values) >= 4 and all(isinstance(v, str) and len(v) == 1 for v in values)
                and obj == "".join(values))
    if isinstance(key, frozenset):
        if isinstance(obj, (frozenset, tuple)) and len(obj) == len(key):
            try:
                return frozenset(obj) == key
            except TypeError:  # unhashable items: not a set of letters
                return False
        return (isinstance(obj, str) and len(key) >= 3 and all(isinstance(i, str) and len(i) == 1 for i in key)
                and sorted(obj) == sorted(key))
    if isinstance(key, tuple):
        return obj == key or (isinstance(obj, str) and all(isinstance(i, str) and len(i) == 1 for i in key)
                              and obj == "".join(key))
    return False


def _file_text(path: Path) -> str:
    import gzip

    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def scan(package: str, keys: dict[str, object], cwd: Path, site: Path | None = None) -> list[str]:
    """Every place where one of ``keys`` can be read from ``package`` as installed: ``"<key>: <where>"``.

    cwd: an empty folder to run in; site: a folder to import from besides the installed packages.
    """
    extra = [str(site)] if site else []
    proc = subprocess.run([sys.executable, "-I", "-c", _WALKER, package, json.dumps(sorted(NOT_CALLED)),
                           json.dumps(extra)], check=False, capture_output=True, text=True, cwd=cwd, timeout=600)
    if proc.returncode:
        raise RuntimeError(f"importing {package} as a student would failed:\n{proc.stderr[-3000:]}")
    report = json.loads(proc.stdout)
    leaks = []
    objects = [(where, _unplain(plain)) for where, plain in report["objects"]]
    texts = {path: _file_text(Path(path)) for path in report["files"]}
    for name, key in keys.items():
        leaks += [f"{name}: {where}" for where, obj in objects if object_holds(obj, key)]
        for path, text in texts.items():
            if any(all(p.search(text) for p in group) for group in text_patterns(key)):
                leaks.append(f"{name}: {path}")
    return leaks
