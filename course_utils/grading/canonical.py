"""Concept answers in variant-0 terms, so that answers of students with different variants compare
(the similarity report's shared wrong answers).

A varied question shows its options under each student's own letters (``course_utils.variants``):
``"c"`` from one student and ``"c"`` from another are different answers, and a classmate's answer
translated into one's own letters looks different while it is the same. Here each answer is read
back into the letters of variant 0 before it is compared:

* the chapter's variant objects (``cu.variant(...).options(...)``, ``.params(...)``) are rebuilt from
  the shared cells of the instructor's source that define them (their assignments, classes and
  imports only: nothing is shown, nothing of a student's runs);
* a concept question's right answer in variant-0 terms is the literal of its solution, written
  as ``answer = <literal>`` or ``answer = q.key(<literal>)``; the options an answer is written in are
  those its solution's assignments name (directly, or inside an object such as ch06's ``YourRuns``);
* a student's literal answer is mapped, under that student's variant, from shown labels to
  canonical ones: dict keys when every key is a label of one option list, and every other string
  that is a label (values, list and set items, a string of labels such as ``"CAB"``).

A question whose answer is computed (numbers drawn per variant, code) has no variant-0 literal and
is left out. Nothing here is a student's code: the source is the instructor's.
"""

from __future__ import annotations

import ast
import os
import re

from course_utils import variants
from course_utils.variants import Options

VARIANT_CODE = re.compile(r"\.options\(|\.params\(|cu\.variant\(")
_KEPT = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.ClassDef, ast.FunctionDef)


def variant_objects(cells: list[str]) -> dict:
    """The names a chapter's variant cells (shared cells of the instructor's source, as source text)
    define: their assignments, classes and imports, each run on its own (one that fails is left out)."""
    import course_utils

    ns: dict = {"cu": course_utils, "__name__": "course_variants"}
    for source in cells:
        if not VARIANT_CODE.search(source):
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, _KEPT):
                try:
                    exec(compile(ast.Module([node], []), "<course variants>", "exec"), ns)  # noqa: S102 (instructor's)
                except Exception:  # noqa: BLE001, S110 - a statement needing the notebook's run: not a variant object
                    pass
    return ns


def _options_in(obj) -> list[Options]:
    if isinstance(obj, Options):
        return [obj]
    return [v for v in getattr(obj, "__dict__", {}).values() if isinstance(v, Options)] if not isinstance(obj, type) else []


def _literal(node):
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def concept_spec(solution: str, ns: dict) -> dict[str, tuple[object, list[Options]]] | None:
    """``{answer name: (right answer in variant-0 terms, the options it is written in)}`` of a solution
    cell that only assigns literals or translated literals, else ``None``."""
    try:
        tree = ast.parse(solution)
    except SyntaxError:
        return None
    right: dict = {}
    options: dict[str, list[Options]] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            return None
        name, value = node.targets[0].id, node.value
        ok, literal = _literal(value)
        if not ok and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "key" \
                and len(value.args) == 1:
            ok, literal = _literal(value.args[0])
        named = [o for n in ast.walk(value) if isinstance(n, ast.Name) and n.id in ns for o in _options_in(ns[n.id])]
        if ok:
            right[name] = literal
        elif not named or name not in right:
            return None  # a computed answer
        options.setdefault(name, [])
        options[name] += [o for o in named if all(o is not p for p in options[name])]
    return {name: (right[name], options[name]) for name in right} or None


def _canonical(value, maps: list[dict], pool: list[dict] | None = None):
    pool = maps if pool is None else pool
    if isinstance(value, str):
        for m in pool:
            if value in m:
                return m[value]
        for m in pool:
            if len(value) > 1 and all(ch in m for ch in value):
                return "".join(m[ch] for ch in value)
        return value
    if isinstance(value, dict):
        keys = next((m for m in maps if value and all(isinstance(k, str) and k in m for k in value)), None)
        values = [m for m in maps if m is not keys] or maps
        return {(keys[k] if keys else k): _canonical(v, maps, values) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(_canonical(v, maps, pool) for v in value)
    return value


def translate(given: dict, spec: dict, student: str | None, key: str, to_variant_0: bool = True) -> dict:
    """Literal answers (``{name: value}``) read from ``student``'s letters into variant-0 terms, or
    (``to_variant_0=False``) written from variant-0 terms in ``student``'s letters."""
    saved, env_key = (variants._graded, variants._course_key), os.environ.pop(variants.KEY_ENV, None)
    variants.grade_as(student or "", key)
    try:
        out = {}
        for name, value in given.items():
            opts = spec.get(name, (None, []))[1]
            maps = [dict(zip(o.labels, (o.labels[i] for i in o.order()))) for o in opts]  # shown -> canonical
            if not to_variant_0:
                maps = [{c: s for s, c in m.items()} for m in maps]
            out[name] = _canonical(value, maps) if maps else value
        return out
    finally:
        variants._graded, variants._course_key = saved
        if env_key is not None:
            os.environ[variants.KEY_ENV] = env_key


def canonical(given: dict, spec: dict, student: str | None, key: str) -> dict:
    """A student's literal answers (``{name: value}``) in variant-0 terms, read under their variant."""
    return translate(given, spec, student, key)


def normal(value):
    """A text that is equal for equal answers (sets and dicts in a fixed order)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{normal(k)}: {normal(v)}" for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))) + "}"
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(sorted(normal(v) for v in value)) + "}"
    if isinstance(value, list | tuple):
        return ("[" if isinstance(value, list) else "(") + ", ".join(normal(v) for v in value) + ("]" if isinstance(value, list) else ")")
    return repr(value)
