"""Variant proofs on a live :class:`grading.harness.KernelSession` (see docs/VARIANTS.md).

A test cell whose points vary per student carries ``metadata.course.varies = {"answer": <solution
grade_id>, "distinct": N}`` (and ``"unordered": true`` when its answer's lists are sets: distinct answers
are then counted as sets). With the session's solution run done (variant 0, no id), these helpers
change who the two kernels are: the student's kernel declares an id (``cu.student``, as a student
types it), the checker is told whom it grades (``variants.grade_as``, what the grader's environment
does) — then rerun the answer cells (the solution computes its answer from the variant) and the
varied tests, scored by nbgrader's ``determine_grade``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.utils import determine_grade

from course_utils.grading.course import grade_id
from course_utils.grading.keysync import configured_key

REPO = Path(__file__).resolve().parents[2]
IDS = ("s2400117", "s2419033", "s2471902")  # students of the proofs (the first: the default tier)
MANY = 50                                   # ids over which correct answers must differ
TOP_SHARE = 0.2                             # no correct answer may be right for more than this share of ids


def many_ids(n: int = MANY) -> list[str]:
    return [f"s{2500000 + 7919 * i:07d}" for i in range(n)]


def varied_tests(nb) -> dict[str, dict]:
    """``{test grade_id: {"answer": solution grade_id, "distinct": N, "index": i, "answer_index": j}}``."""
    index = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
    out = {}
    for i, cell in enumerate(nb.cells):
        spec = cell.get("metadata", {}).get("course", {}).get("varies")
        if spec:
            out[grade_id(cell)] = {**spec, "index": i, "answer_index": index[spec["answer"]]}
    return out


def _print_json(expr: str) -> str:
    return f"import json as _j; print('@@' + _j.dumps({expr}, default=repr))"


def _read_json(cell) -> object:
    for out in cell.get("outputs", []):
        if out.get("name") == "stdout":
            for line in out["text"].splitlines():
                if line.startswith("@@"):
                    return json.loads(line[2:])
    raise RuntimeError(f"no JSON in the kernel's output: {cell.get('outputs')}")


class Students:
    """Who the session's two kernels are."""

    def __init__(self, session, key: str | None = None):
        self.s, self.key = session, key or configured_key(REPO)

    def be(self, declared: str | None, graded: str | None) -> None:
        quiet = "import contextlib as _c, io as _io\nwith _c.redirect_stdout(_io.StringIO()):\n    "
        self.s.code(quiet + f"import course_utils.variants as _v; _v.student({declared or ''!r})")
        if self.s.two_kernels:
            self.s.code(f"import course_utils.variants as _v; _v.grade_as({graded!r}, {self.key!r})", self.s.checker)

    def reset(self) -> None:
        """Back to variant 0 in both kernels, answers rerun."""
        self.be(None, None)
        for spec in varied_tests(self.s.nb).values():
            self.s.rerun(spec["answer_index"])

    def scores(self, declared: str, graded: str) -> dict[str, tuple]:
        """The varied tests' scores for the solution of ``declared``'s variant graded as ``graded``."""
        self.be(declared, graded)
        out, done = {}, set()
        for gid, spec in varied_tests(self.s.nb).items():
            if spec["answer_index"] not in done:
                self.s.rerun(spec["answer_index"])
                done.add(spec["answer_index"])
            out[gid] = determine_grade(self.s.rerun(spec["index"]))
        return out

    def answers(self, ids: list[str]) -> dict[str, list[str]]:
        """``{test grade_id: [the solution's answer for each id]}``: the names each answer cell binds,
        as text, for every id, computed in one call to the student's kernel."""
        specs = varied_tests(self.s.nb)
        cells = {spec["answer"]: self.s.nb.cells[spec["answer_index"]].source for spec in specs.values()}
        unordered = sorted(spec["answer"] for spec in specs.values() if spec.get("unordered"))
        code = (
            "import contextlib as _c, io as _io, course_utils.variants as _v\n"
            "def _norm(x, unordered):  # an answer whose lists are sets (metadata unordered: true), sorted\n"
            "    if isinstance(x, dict):\n"
            "        return {k: _norm(v, unordered) for k, v in x.items()}\n"
            "    if isinstance(x, (list, tuple, set, frozenset)):\n"
            "        items = [_norm(v, unordered) for v in x]\n"
            "        return sorted(items, key=repr) if unordered or isinstance(x, (set, frozenset)) else items\n"
            "    return x\n"
            f"_cells, _ids, _got, _unordered = {cells!r}, {ids!r}, {{}}, {unordered!r}\n"
            "for _gid, _src in _cells.items():\n"
            "    _names = list(__grading_bound.get(_gid, {}))\n"
            "    _got[_gid] = []\n"
            "    for _id in _ids:\n"
            "        with _c.redirect_stdout(_io.StringIO()):\n"
            "            _v.student(_id)\n"
            "            exec(_src, globals())\n"
            "        _got[_gid].append(repr(_norm({_n: globals().get(_n) for _n in sorted(_names)}, _gid in _unordered)))\n"
            "with _c.redirect_stdout(_io.StringIO()):\n"
            "    _v.student('')\n"
            "    for _src in _cells.values():\n"
            "        exec(_src, globals())\n")
        self.s.code(code)
        got = _read_json(self.s.code(_print_json("_got")))
        return {gid: got[spec["answer"]] for gid, spec in specs.items()}

    def text_problems(self, student: str) -> list[str]:
        """Each shared cell that shows a variant (``.show(``), run in both kernels as ``student``:
        what the student's kernel displays must be what the checker, grading ``student``, displays
        (the set-up cell's COURSE_KEY equals the course config's; nothing depends on the kernel).
        And no Markdown cell may hold an option's text: it would not change with the variant."""
        import copy

        self.be(student, student)
        problems = []
        for i, cell in enumerate(self.s.nb.cells):
            if cell.cell_type != "code" or ".show(" not in cell.source or grade_id(cell) not in self.s.plan["setup"]:
                continue
            mine = self.s.client.execute_cell(copy.deepcopy(cell), i, store_history=False)
            kept = self.s.checker.nb.cells[i]
            theirs = self.s.checker.execute_cell(copy.deepcopy(cell), i, store_history=False)
            self.s.checker.nb.cells[i] = kept
            shown = [_shown(mine), _shown(theirs)]
            if not shown[0]:
                problems.append(f"{grade_id(cell)}: shows nothing in the student's kernel")
            elif shown[0] != shown[1]:
                problems.append(f"{grade_id(cell)}: the student's kernel shows another variant than the checker "
                                f"grades for {student}:\n{shown[0][:300]}\n---\n{shown[1][:300]}")
        items = _read_json(self.s.code(_print_json(
            "[it for _o in list(globals().values()) if type(_o).__name__ == 'Options' for it in _o.items]"),
            self.s.checker))
        for i, cell in enumerate(self.s.nb.cells):
            if cell.cell_type == "markdown":
                problems += [f"markdown cell {i} holds the option {it[:60]!r}: show it from a shared cell"
                             for it in items if len(it) > 12 and it in cell.source]
        self.reset()
        return problems


def _shown(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        parts.append(data.get("text/markdown") or data.get("text/plain") or out.get("text", ""))
    return "\n".join(parts)


@dataclass
class VariantReport:
    """What :func:`prove` found for one chapter."""

    tests: dict = field(default_factory=dict)        # varied_tests(nb)
    own: dict = field(default_factory=dict)          # {id: {test: (score, max)}}: solution of id graded as id
    copied: dict = field(default_factory=dict)       # {(from, to): {test: (score, max)}}
    answers: dict = field(default_factory=dict)      # {test: [answer per id]} over many ids
    text: dict = field(default_factory=dict)         # {id: [problems]}
    error: str | None = None

    def copied_share(self) -> float:
        """The share of the varied points a copied notebook keeps, over the pairs tried."""
        kept = sum(s for scores in self.copied.values() for s, _ in scores.values())
        total = sum(m for scores in self.copied.values() for _, m in scores.values())
        return kept / total if total else 0.0

    def spread(self) -> dict[str, tuple[int, float]]:
        """``{test: (distinct correct answers, largest share of ids with the same one)}``."""
        out = {}
        for gid, values in self.answers.items():
            counts = Counter(values)
            out[gid] = (len(counts), max(counts.values()) / len(values))
        return out


def prove(session, ids=IDS[:1], pairs=((IDS[0], IDS[1]),), many: int = MANY, texts=IDS[:1]) -> VariantReport:
    """The variant proofs on a session whose solution run is done; the session is back at variant 0
    afterwards."""
    report = VariantReport(tests=varied_tests(session.nb))
    if not report.tests:
        return report
    who = Students(session)
    try:
        for sid in ids:
            report.own[sid] = who.scores(sid, sid)
        for a, b in pairs:
            report.copied[(a, b)] = who.scores(a, b)
        who.reset()
        if many:
            report.answers = who.answers(many_ids(many))
        for sid in texts:
            report.text[sid] = who.text_problems(sid)
    except Exception as e:  # noqa: BLE001  (reported by the tests, with the session left for the others)
        report.error = f"{type(e).__name__}: {e}"
        try:
            who.reset()
        except Exception:  # noqa: BLE001, S110
            pass
    return report
