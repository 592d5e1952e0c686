"""Proof that grading works: real nbgrader round trips and a fast wrong-answer checker.

Three parts, used by ``tests/grading/test_grading.py``, ``tests/grading/test_harness.py`` and
``tests/notebooks/test_execute.py``:

1. ``parse_wrong_answers`` reads ``tests/grading/wrong_answers/<ch>.py`` (and the correct
   alternatives of ``tests/grading/right_answers/<ch>.py``, same format): sections that start with
   ``# %% <grade_id>: <description>``, each one replacing the whole source of that solution cell.
2. ``Course`` is a throwaway nbgrader course folder (the repo's ``nbgrader_config.py`` with every
   path and the sqlite gradebook moved inside the folder). It runs the real ``nbgrader`` commands:
   ``generate_assignment``, ``validate``, ``autograde``, and reads per-cell scores back from the
   gradebook.
3. ``check_notebook`` is the fast checker. Regrading a whole notebook per wrong answer is slow, so
   one kernel runs the solution top to bottom once (with ``NBGRADER_EXECUTION=autograde``, as
   nbgrader does), then for each wrong answer: re-run the replaced solution cell, re-run the
   graded test cells after it in order (those before it cannot see it in a top-to-bottom run, so
   they keep the solution's scores), note which lose points, put the correct cell back; after the wrong
   answers for a cell, check that all tests pass again (see ``check_notebook``). Scores come from
   nbgrader's own ``determine_grade``, so an error *or anything written to stderr* in a test cell
   costs its points, exactly as in ``nbgrader autograde``.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade, is_grade, is_solution

from course_utils.grading.course import (
    IGNORED,
    chapters_in,
    course_id,
    fill_release,
    grade_id,
    read_notebook,
    with_python_on_path,
    write_config,
)
from course_utils.grading.executor import roles, stderr_to_stdout
from course_utils.grading.release import comparable
from course_utils.grading.release import folder_differences as walk_folders
from course_utils.variants import declare

REPO = Path(__file__).resolve().parents[2]
REPO_CONFIG = REPO / "nbgrader_config.py"
CELL_TIMEOUT = 120  # seconds, as c.ExecutePreprocessor.timeout in nbgrader_config.py


# --------------------------------------------------------------------------------------------
# Notebook helpers
# --------------------------------------------------------------------------------------------

def is_test_cell(cell: NotebookNode) -> bool:
    """A graded, auto-checked test cell (``grade: true`` code cell that is not a solution)."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def solution_cells(nb: NotebookNode) -> dict[str, int]:
    """``{grade_id: cell index}`` of the solution cells (code and markdown)."""
    return {grade_id(c): i for i, c in enumerate(nb.cells) if is_solution(c)}


def graded_tests(nb: NotebookNode) -> dict[str, int]:
    """``{grade_id: cell index}`` of the graded test cells, in notebook order."""
    return {grade_id(c): i for i, c in enumerate(nb.cells) if is_test_cell(c)}


def nb_cell(kind: str, source: str, gid: str | None = None, solution=False, grade=False, points=None,
            locked=False) -> NotebookNode:
    """A code or markdown cell with nbgrader's metadata (schema 3) when ``gid`` is given: for the
    small notebooks the grading tests build."""
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if gid:
        meta = {"grade": grade, "solution": solution, "locked": locked, "task": False, "grade_id": gid,
                "schema_version": 3}
        if points is not None:
            meta["points"] = points
        cell.metadata["nbgrader"] = meta
    return cell


def output_problems(path: Path | str) -> list[str]:
    """Cells of a committed notebook that carry outputs or execution counts (there should be none)."""
    problems = []
    for i, cell in enumerate(read_notebook(path).cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {i}" + (f" ({grade_id(cell)})" if grade_id(cell) else "")
        if cell.get("outputs"):
            problems.append(f"{where}: {len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"{where}: execution_count {cell.execution_count}")
    return problems


def notebook_differences(expected: NotebookNode, actual: NotebookNode, max_shown: int = 5) -> list[str]:
    """What differs between two notebooks in what matters for grading: cell types, sources and
    metadata (nbgrader's included), and the kernel. Ids, outputs and run timings are ignored."""
    problems = []
    if expected.metadata.get("kernelspec") != actual.metadata.get("kernelspec"):
        problems.append(f"kernelspec: expected {expected.metadata.get('kernelspec')}, got {actual.metadata.get('kernelspec')}")
    exp, act = [comparable(c) for c in expected.cells], [comparable(c) for c in actual.cells]
    if len(exp) != len(act):
        problems.append(f"{len(exp)} cells expected, {len(act)} found")
    for i, (e, a) in enumerate(zip(exp, act)):
        if e == a:
            continue
        name = e["metadata"].get("nbgrader", {}).get("grade_id") or e["cell_type"]
        if e["source"] != a["source"]:
            diff = difflib.unified_diff(e["source"].splitlines(), a["source"].splitlines(),
                                        "generated", "committed", lineterm="", n=1)
            problems.append(f"cell {i} ({name}) source differs:\n  " + "\n  ".join(list(diff)[:20]))
        elif e["cell_type"] != a["cell_type"]:
            problems.append(f"cell {i} ({name}): type {e['cell_type']} expected, {a['cell_type']} found")
        else:
            problems.append(f"cell {i} ({name}) metadata differs: expected {e['metadata']}, found {a['metadata']}")
    if len(problems) > max_shown:
        problems = problems[:max_shown] + [f"... and {len(problems) - max_shown} more"]
    return problems


def folder_differences(generated: Path, committed: Path) -> list[str]:
    """Compare a freshly generated release folder with the committed one, file by file: the same
    walk as ``course release --check``, with this module's fuller notebook messages (diffs)."""
    return walk_folders(generated, committed, compare=notebook_differences)


# --------------------------------------------------------------------------------------------
# 1. Wrong answers files
# --------------------------------------------------------------------------------------------

MARKER = re.compile(r"^# %%\s*(?P<gid>[A-Za-z0-9_]+)\s*:\s*(?P<desc>.+?)\s*$")


@dataclass(frozen=True)
class WrongAnswer:
    grade_id: str     # the solution cell it replaces
    description: str  # what is wrong, in words
    source: str       # the whole new source of the cell
    line: int         # line of the marker in the file (for messages)
    number: int       # 1, 2, ... within its grade_id

    @property
    def label(self) -> str:
        return f"{self.grade_id}#{self.number}: {self.description}"


def parse_wrong_answers(path: Path | str) -> list[WrongAnswer]:
    """Read a wrong-answers file. Text before the first marker is a preamble and is ignored."""
    answers: list[WrongAnswer] = []
    current: dict | None = None
    counts: dict[str, int] = {}

    def close() -> None:
        if current is None:
            return
        source = "\n".join(current["lines"]).strip("\n")
        if not source.strip():
            raise ValueError(f"{path}:{current['line']}: the wrong answer for {current['gid']!r} is empty")
        counts[current["gid"]] = counts.get(current["gid"], 0) + 1
        answers.append(WrongAnswer(current["gid"], current["desc"], source, current["line"], counts[current["gid"]]))

    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("# %%"):
            match = MARKER.match(line)
            if not match:
                raise ValueError(f"{path}:{n}: marker must read '# %% <grade_id>: <description>', got {line!r}")
            close()
            current = {"gid": match["gid"], "desc": match["desc"], "line": n, "lines": []}
        elif current is not None:
            current["lines"].append(line)
    close()
    return answers


def defines_code(cell: NotebookNode) -> bool:
    """A graded *code* cell: its solution defines a function or a class (not a concept answer)."""
    return any(line.lstrip().startswith(("def ", "class ")) for line in cell.source.splitlines())


def coverage_problems(nb: NotebookNode, answers: list[WrongAnswer], minimum: int = 2,
                      what: str = "wrong", only=lambda cell: True) -> list[str]:
    """Every code solution cell (that ``only`` accepts) needs ``minimum`` answers; every answer must
    name an existing solution cell and actually differ from the solution."""
    solutions = {grade_id(c): c for c in nb.cells if is_solution(c)}
    problems = []
    for a in answers:
        if a.grade_id not in solutions:
            problems.append(f"line {a.line}: {a.label!r} names no solution cell (solution cells: {sorted(solutions)})")
        elif a.source.strip() == solutions[a.grade_id].source.strip():
            problems.append(f"line {a.line}: {a.label!r} is the solution itself")
    for gid, cell in solutions.items():
        if cell.cell_type != "code" or not only(cell):
            continue  # free-text answers are graded by hand
        n = sum(a.grade_id == gid for a in answers)
        if n < minimum:
            problems.append(f"solution cell {gid!r} has {n} {what} answer(s), needs at least {minimum}")
    return problems


# --------------------------------------------------------------------------------------------
# 2. A throwaway nbgrader course
# --------------------------------------------------------------------------------------------

@dataclass
class Validation:
    ok: bool
    output: str
    seconds: float


class Course:
    """A course folder in a temporary directory that runs the real ``nbgrader`` commands.

    Layout: ``solutions/<ch>/`` (copied source), ``notebooks/<ch>/`` (written by
    ``generate_assignment``), ``committed/<ch>/`` (the repo's release, as students get it),
    ``submitted/``, ``autograded/``, ``feedback/`` and ``gradebook.db``.
    Its ``nbgrader_config.py`` is the repo's, so grading runs with the course's own settings
    (timeouts, stubs, course id), followed by overrides that keep every path inside the folder.
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self.db_url = "sqlite:///" + str(self.root / "gradebook.db")

    @classmethod
    def create(cls, root: Path, solutions: Path, release: Path | None = None,
               chapters: list[str] | None = None, config: Path = REPO_CONFIG) -> Course:
        course = cls(root)
        course.root.mkdir(parents=True, exist_ok=True)
        names = chapters if chapters is not None else chapters_in(solutions)
        for ch in names:
            shutil.copytree(Path(solutions) / ch, course.root / "solutions" / ch, ignore=IGNORED)
            if release is not None and (Path(release) / ch).is_dir():
                shutil.copytree(Path(release) / ch, course.root / "committed" / ch, ignore=IGNORED)
        write_config(course.root, config, course.db_url, source="solutions", release="notebooks")
        return course

    @property
    def config_path(self) -> Path:
        return self.root / "nbgrader_config.py"

    @property
    def course_id(self) -> str:
        return course_id(self.root)

    def nbgrader(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
        """Run ``nbgrader <args>`` in the course folder (the venv's nbgrader, found on PATH)."""
        env = with_python_on_path({k: v for k, v in os.environ.items() if k != "COURSE_GRADEBOOK_URL"})
        return subprocess.run(["nbgrader", *args], check=False, cwd=self.root, env=env, capture_output=True,
                              text=True, timeout=timeout)

    def _check(self, proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
        if proc.returncode != 0:
            raise RuntimeError(f"`{' '.join(proc.args)}` failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def generate_assignment(self, ch: str) -> Path:
        """``nbgrader generate_assignment <ch>``; returns the release notebook it wrote."""
        self._check(self.nbgrader("generate_assignment", ch, "--force"))
        return self.root / "notebooks" / ch / f"{ch}.ipynb"

    def validate(self, notebook: Path, invert: bool = False) -> Validation:
        """``nbgrader validate [--invert] <notebook>``. It exits 0 even when tests fail, so the
        verdict is its success line: all tests pass, or (inverted) no graded test passes."""
        start = time.perf_counter()
        proc = self.nbgrader("validate", *(["--invert"] if invert else []), str(notebook))
        seconds = time.perf_counter() - start
        success = ("Success! The notebook does not pass any tests." if invert
                   else "Success! Your notebook passes all the tests.")
        output = proc.stdout + proc.stderr
        return Validation(proc.returncode == 0 and success in output, output, seconds)

    def submit(self, ch: str, student: str, nb: NotebookNode) -> Path:
        path = self.root / "submitted" / student / ch / f"{ch}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))
        return path

    def autograde(self, ch: str, students: list[str] | None = None) -> subprocess.CompletedProcess:
        """``nbgrader autograde <ch>`` for the given students (default: every submission);
        raises if the grading run itself fails."""
        args = ["autograde", ch, "--force"]
        if students:
            submitted = {p.name for p in (self.root / "submitted").iterdir() if p.is_dir()}
            others = sorted(submitted - set(students))
            args += ["--student=" + (students[0] if len(students) == 1 else "*")]
            args += ["--CourseDirectory.student_id_exclude=" + ",".join(others)] if others else []
        return self._check(self.nbgrader(*args))

    def scores(self, ch: str, student: str) -> dict[str, tuple[float | None, float]]:
        """``{grade_id: (score, max_score)}`` of a student's autograded notebook, from the gradebook."""
        with Gradebook(self.db_url, self.course_id) as gb:
            nb = gb.find_submission_notebook(ch, ch, student)
            return {g.name: (g.score, g.max_score) for g in nb.grades}

    def round_trip(self, ch: str, submissions: dict[str, NotebookNode]) -> dict[str, dict[str, tuple]]:
        """generate_assignment, submit each notebook, autograde, read the scores back:
        ``{student: {grade_id: (score, max)}}``."""
        self.generate_assignment(ch)
        for student, nb in submissions.items():
            self.submit(ch, student, nb)
        self.autograde(ch)
        return {student: self.scores(ch, student) for student in submissions}


# --------------------------------------------------------------------------------------------
# 3. The fast checker: one kernel, many wrong answers
# --------------------------------------------------------------------------------------------

# Kernel-side helpers: which global names a solution cell binds, so that before a wrong answer
# runs they can be put back as they were before the solution cell ran. Without this, a wrong
# answer that fails before it defines the function would leave the correct function in place,
# and the tests would pass where nbgrader would give zero.
_KERNEL_HELPERS = '''
def __grading_names():
    return {k: v for k, v in globals().items() if not k.startswith("_") and k not in ("In", "Out", "exit", "quit", "get_ipython")}
__grading_missing = object()
__grading_before = {}
__grading_bound = {}
def __grading_mark(gid):
    __grading_before[gid] = __grading_names()
def __grading_record(gid):
    before, now = __grading_before.pop(gid), __grading_names()
    __grading_bound[gid] = {k: before.get(k, __grading_missing) for k, v in now.items() if k not in before or before[k] is not v}
def __grading_rollback(gid):
    for k, old in __grading_bound.get(gid, {}).items():
        if old is __grading_missing:
            globals().pop(k, None)
        else:
            globals()[k] = old
'''


def _error_text(cell: NotebookNode) -> str | None:
    """The error a cell raised (or the stderr it wrote), in one line; None if it ran cleanly."""
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            return f"{out.ename}: {out.evalue}".strip()
    return None


def output_text(cell: NotebookNode) -> str:
    """Everything a cell showed (streams, results, errors), as one text: what its feedback shows."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        else:
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def key_values(source: str) -> list[str]:
    """The values an answer cell that assigns literals holds (``shapes = {...: (8, 40), ...}``), as
    the text a test would print them in: tuples and lists of numbers, and strings of 3 or more
    characters. Empty for a cell that is not literal assignments (code answers)."""
    import ast

    body = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("###"))
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return []
    found = []

    def walk(value) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float)) for v in value):
            found.append(str(tuple(value)))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, str) and len(value.strip()) >= 3:
            found.append(value.strip())

    from package_keys import key_literal  # a varied question's key: q.key(<literal in variant-0 labels>)

    for node in tree.body:
        if isinstance(node, ast.Assign):
            try:
                walk(ast.literal_eval(key_literal(node.value)))
            except ValueError:
                continue
    return found


def _stderr_text(cell: NotebookNode) -> str | None:
    for out in cell.get("outputs", []):
        if out.output_type == "stream" and out.name == "stderr":
            return out.text.strip().splitlines()[-1] if out.text.strip() else "(blank stderr output)"
    return None


def _record_error_reply(cell: NotebookNode, cell_index: int, execute_reply: dict) -> None:
    """As nbgrader's ``Execute`` does: an error reply with no error output (a cell interrupted after
    the timeout) becomes an error output, so that the cell scores zero."""
    content = execute_reply["content"]
    if content["status"] == "error" and not any(
            o.output_type == "error" and o.ename == content["ename"] for o in cell.outputs):
        cell.outputs.append(nbformat.v4.new_output("error", ename=content["ename"], evalue=content["evalue"],
                                                   traceback=content["traceback"] or [content["ename"]]))


@dataclass
class SolutionRun:
    """The solution notebook run top to bottom in one kernel."""

    notebook: NotebookNode                       # executed copy, with outputs
    seconds: float
    errors: list[str] = field(default_factory=list)          # cells that raised
    test_scores: dict[str, tuple] = field(default_factory=dict)  # {test grade_id: (score, max)}

    @property
    def baseline_problems(self) -> list[str]:
        """Graded test cells that do not get full marks on the solution."""
        return [f"{gid}: {s}/{m}" for gid, (s, m) in self.test_scores.items() if s != m]


@dataclass
class Verdict:
    """What one wrong answer did to the graded test cells."""

    wrong: WrongAnswer
    scores: dict[str, tuple] = field(default_factory=dict)  # {test grade_id: (score, max)}
    cell_error: str | None = None   # the error the wrong solution cell itself raised, if any
    messages: dict[str, str] = field(default_factory=dict)  # {failed test grade_id: its error}
    outputs: dict[str, str] = field(default_factory=dict)   # {failed test grade_id: all its output, as text}
    restored: bool = True           # tests passed again once the correct cell was back
    problem: str | None = None      # the wrong answer could not be checked

    @property
    def failed(self) -> list[str]:
        return [gid for gid, (s, m) in self.scores.items() if s < m]

    @property
    def lost_points(self) -> float:
        return sum(m - s for s, m in self.scores.values())


class KernelSession:
    """A notebook run top to bottom, as ``nbgrader autograde`` runs it; cells can then be re-run one
    by one. A chapter with set-up cells runs in two kernels, as under the grader
    (``course_utils.grading.executor``): the student's cells in one, the graded tests in a checker
    kernel that reaches them through ``course_utils.probe``, the set-up cells in both. (The
    sandbox around the student's kernel is left out here: it changes where files are, not scores.)"""

    def __init__(self, nb: NotebookNode, cwd: Path, timeout: int = CELL_TIMEOUT, env: dict | None = None):
        self.nb = nb  # kept as read: the sources every re-run starts from
        # nbclient stores each executed cell back into the notebook it was given, so it gets a copy
        self.scratch = copy.deepcopy(nb)
        self.cwd = Path(cwd)
        self.env = {**os.environ, "NBGRADER_EXECUTION": "autograde", **(env or {})}
        self.timeout = timeout
        self.client: NotebookClient | None = None
        self.checker: NotebookClient | None = None
        self._contexts: list = []
        self.baseline: dict[str, tuple] = {}  # {test grade_id: (score, max)} of the solution run
        self.plan = roles(nb)
        self.two_kernels = bool(self.plan["setup"])

    # -- kernel life cycle ---------------------------------------------------------------------
    def _client(self, nb: NotebookNode, env: dict, cwd: Path) -> NotebookClient:
        client = NotebookClient(
            nb, timeout=self.timeout, kernel_name="python3", allow_errors=True,
            interrupt_on_timeout=True,  # as nbgrader: a hanging cell is interrupted and fails
            error_on_timeout={"ename": "CellTimeoutError", "evalue": f"no reply within {self.timeout} s", "traceback": []},
            on_cell_executed=_record_error_reply, resources={"metadata": {"path": str(cwd)}})
        context = client.setup_kernel(env=env, cwd=str(cwd))
        context.__enter__()
        self._contexts.append(context)
        return client

    def start(self) -> None:
        self.client = self._client(self.scratch, self.env, self.cwd)
        self.code(_KERNEL_HELPERS)
        if self.two_kernels:
            checker_cwd = self.cwd.parent / (self.cwd.name + "-checker")
            checker_cwd.mkdir(parents=True, exist_ok=True)
            env = {**self.env, "COURSE_PROBE_KERNEL": self.client.km.connection_file,
                   "COURSE_PROBE_TIMEOUT": str(max(1.0, 0.5 * self.timeout))}  # as the grader's executor
            self.checker = self._client(copy.deepcopy(self.nb), env, checker_cwd)
            self.code("import course_utils.probe as _p; _p.connect()", self.checker)

    def stop(self) -> None:
        while self._contexts:
            context = self._contexts.pop()
            try:
                context.__exit__(None, None, None)
            except Exception:  # noqa: BLE001, S110 - a kernel that is already gone
                pass
        self.client = self.checker = None

    # -- running cells ------------------------------------------------------------------------
    def execute(self, cell: NotebookNode, index: int, store_history: bool = True) -> NotebookNode:
        """Run one cell of the notebook where the grader runs it (see the class docstring)."""
        gid = grade_id(cell)
        if self.two_kernels and gid in self.plan["test"]:
            self.checker.execute_cell(cell, index, store_history=store_history)
            stderr_to_stdout(cell)  # as the grader: a warning in the checker is not a failure
            return cell
        if self.two_kernels and gid in self.plan["setup"]:
            kept = self.checker.nb.cells[index]
            twin = self.checker.execute_cell(copy.deepcopy(cell), index, store_history=store_history)
            self.checker.nb.cells[index] = kept
            if _error_text(twin):
                raise RuntimeError(f"set-up cell {gid} failed in the checker kernel: {_error_text(twin)}")
        self.client.execute_cell(cell, index, store_history=store_history)
        return cell

    def code(self, source: str, client: NotebookClient | None = None) -> NotebookNode:
        """Run bookkeeping code that is not part of the notebook (in the student's kernel unless
        ``client`` says otherwise); it must not fail."""
        client = client or self.client
        # nbclient stores every executed cell into the notebook at the index it is given: put the
        # notebook's own cell back so the executed copy keeps its first cell
        first = client.nb.cells[0]
        try:
            cell = nbformat.v4.new_code_cell(source)
            client.execute_cell(cell, 0, store_history=False)
        finally:
            client.nb.cells[0] = first
        if _error_text(cell):
            raise RuntimeError(f"harness code failed in the kernel: {_error_text(cell)}\n{source}")
        return cell

    def run_all(self) -> SolutionRun:
        """Run every cell in order, noting which names each solution cell binds and how each graded
        test cell scores; ``run.notebook`` is the executed copy."""
        start = time.perf_counter()
        run = SolutionRun(self.scratch, 0.0)
        for i, cell in enumerate(self.scratch.cells):
            if cell.cell_type != "code":
                continue
            gid = grade_id(cell)
            if is_solution(cell):
                self.code(f"__grading_mark({gid!r})")
            self.execute(cell, i)
            if is_solution(cell):
                self.code(f"__grading_record({gid!r})")
            error = _error_text(cell)
            if error:
                run.errors.append(f"cell {i}" + (f" ({gid})" if gid else "") + f": {error}")
            if is_test_cell(cell):
                run.test_scores[gid] = determine_grade(cell)
        run.seconds = time.perf_counter() - start
        self.baseline = dict(run.test_scores)
        run.notebook = copy.deepcopy(self.scratch)  # before re-runs overwrite cells of the scratch copy
        return run

    def rerun(self, index: int, source: str | None = None) -> NotebookNode:
        """Re-run a cell of the notebook (optionally with another source) on a fresh copy."""
        cell = copy.deepcopy(self.nb.cells[index])
        if source is not None:
            cell.source = source
        return self.execute(cell, index)

    def run_tests(self, after: int = -1) -> dict[str, NotebookNode]:
        """Re-run the graded test cells that come after cell ``after`` (all by default), in order."""
        return {gid: self.rerun(i) for gid, i in graded_tests(self.nb).items() if i > after}

    def tests_pass(self) -> bool:
        """Re-run every graded test cell: do they all get full marks (with the correct solutions)?"""
        return all(s == m for s, m in (determine_grade(c) for c in self.run_tests().values()))

    def try_wrong_answer(self, wrong: WrongAnswer) -> Verdict:
        """Swap the solution cell for the wrong answer, re-run the graded test cells after it in order
        and score them, then put the correct cell back (its tests are not re-run here: see
        ``check_notebook``). The test cells before it keep the scores of the solution run: in a
        top-to-bottom run, as under nbgrader, they run before the changed cell and cannot see it."""
        verdict = Verdict(wrong)
        index = solution_cells(self.nb).get(wrong.grade_id)
        if index is None or self.nb.cells[index].cell_type != "code":
            verdict.problem = f"no code solution cell with grade_id {wrong.grade_id!r}"
            return verdict
        gid = wrong.grade_id
        # put the names the solution cell bound back as they were before it ran, then run the wrong cell
        self.code(f"__grading_rollback({gid!r})")
        verdict.cell_error = _error_text(self.rerun(index, wrong.source))
        verdict.scores = {gid: self.baseline[gid] for gid, i in graded_tests(self.nb).items() if i < index}
        for test_id, cell in self.run_tests(after=index).items():
            verdict.scores[test_id] = determine_grade(cell)
            if verdict.scores[test_id][0] < verdict.scores[test_id][1]:
                verdict.messages[test_id] = _error_text(cell) or f"stderr: {_stderr_text(cell)}"
                verdict.outputs[test_id] = output_text(cell)
        # the correct cell back, as after the first run
        self.code(f"__grading_rollback({gid!r})")
        self.code(f"__grading_mark({gid!r})")
        self.rerun(index)
        self.code(f"__grading_record({gid!r})")
        return verdict


def _runs_of_same_cell(answers: list[WrongAnswer]) -> list[list[WrongAnswer]]:
    """Consecutive wrong answers for the same solution cell, as groups (file order kept)."""
    groups: list[list[WrongAnswer]] = []
    for a in answers:
        if groups and groups[-1][0].grade_id == a.grade_id:
            groups[-1].append(a)
        else:
            groups.append([a])
    return groups


def check_notebook(path: Path, wrong_answers: list[WrongAnswer], cwd: Path,
                   timeout: int = CELL_TIMEOUT, right_answers: list[WrongAnswer] = (),
                   after=None) -> tuple[SolutionRun, list[Verdict]]:
    """Run the solution notebook at ``path`` once in a kernel started in ``cwd``, then try every
    wrong answer in that kernel and return the run and one verdict per wrong answer, followed by
    one per right answer (tried last, in the same way but without the check described below: a
    right answer that poisoned the kernel could only make the right answers after it lose points,
    which their tests report).

    One wrong answer must not poison the next (say it replaces a builtin, or changes a shared model
    in place). Each is followed by the correct cell put back, and once the wrong answers for one
    cell have been tried, every graded test cell is re-run and must pass again. If one fails (or
    the kernel died), that group is tried again from a fresh kernel one answer at a time, with the
    check after each and a fresh kernel after any answer that fails it. No verdict is kept from a
    kernel that failed the check. Checking once per group instead of after every answer nearly
    halves the cost; the poisoned case is rare.
    """
    def fresh_session() -> tuple[KernelSession, SolutionRun]:
        session = KernelSession(read_notebook(path), cwd, timeout)
        session.start()
        return session, session.run_all()

    def try_group(group: list[WrongAnswer]) -> tuple[list[Verdict], bool]:
        """Verdicts for the group, and whether every test passes again afterwards."""
        verdicts = []
        for wrong in group:
            try:
                verdicts.append(session.try_wrong_answer(wrong))
            except DeadKernelError:
                dead = Verdict(wrong, cell_error="the kernel died", restored=False)
                dead.scores = {gid: (0.0, m) for gid, (_, m) in run.test_scores.items()}
                return verdicts + [dead], False
        return verdicts, session.tests_pass()

    session, run = fresh_session()
    verdicts: list[Verdict] = []
    try:
        if run.errors or run.baseline_problems:
            return run, verdicts  # nothing to compare against: the tests report the solution run
        for group in _runs_of_same_cell(wrong_answers):
            group_verdicts, healthy = try_group(group)
            if not healthy:  # something in this group broke the kernel: redo it one by one
                group_verdicts = []
                session.stop()
                session, _ = fresh_session()
                for wrong in group:
                    [verdict], healthy = try_group([wrong])
                    verdict.restored = healthy
                    group_verdicts.append(verdict)
                    if not verdict.restored:
                        session.stop()
                        session, _ = fresh_session()
            verdicts += group_verdicts
        for right in right_answers:
            try:
                verdicts.append(session.try_wrong_answer(right))
            except DeadKernelError:
                verdicts.append(Verdict(right, cell_error="the kernel died", restored=False))
                session.stop()
                session, _ = fresh_session()
        if after is not None:  # more proofs on the live session (the variants': grading.variant_harness)
            after(session)
        return run, verdicts
    finally:
        session.stop()


# --------------------------------------------------------------------------------------------
# Everything the proof needs for one chapter, computed once and on demand
# --------------------------------------------------------------------------------------------

class ChapterProof:
    """One chapter's grading proof: its notebooks and wrong answers, a throwaway course, the fast
    checker's run and the real autograde runs. Each piece is computed the first time a test asks
    for it and then reused, and ``timings`` records how long each took (seconds)."""

    def __init__(self, ch: str, *, solutions: Path, release: Path, wrong_answers: Path,
                 workdir: Path, executed: Path | None = None, selected: set | None = None,
                 right_answers: Path | None = None, selected_right: set | None = None,
                 thorough_variants: bool = False):
        self.ch = ch
        self.solutions, self.release_root = Path(solutions), Path(release)
        self.wrong_answers_path = Path(wrong_answers) / f"{ch}.py"
        self.right_answers_path = Path(right_answers) / f"{ch}.py" if right_answers is not None else None
        self.selected_right = selected_right  # {(grade_id, number)}: the right answers to try (None: all)
        self.workdir = Path(workdir)
        self.executed_dir = executed
        self.selected = selected  # {(grade_id, number)}: the wrong answers to try (None: all)
        self.timings: dict[str, tuple[float, float]] = {}  # step -> (wall, CPU) seconds
        self.thorough_variants = thorough_variants  # three ids and every pair of them (the slow tier)
        self.variant_report = None  # grading.variant_harness.VariantReport, made by fast_check
        self._scores: dict[str, dict[str, tuple]] = {}

    def _timed(self, step: str, fn, *args):
        wall, cpu = time.perf_counter(), cpu_seconds()
        try:
            return fn(*args)
        finally:
            self.timings[step] = (time.perf_counter() - wall, cpu_seconds() - cpu)

    # -- inputs -------------------------------------------------------------------------------
    @property
    def source_path(self) -> Path:
        return self.solutions / self.ch / f"{self.ch}.ipynb"

    @property
    def release_path(self) -> Path:
        return self.release_root / self.ch / f"{self.ch}.ipynb"

    @cached_property
    def source(self) -> NotebookNode:
        return read_notebook(self.source_path)

    @cached_property
    def release(self) -> NotebookNode:
        if not self.release_path.exists():
            raise FileNotFoundError(f"{self.release_path} is missing: run `nbgrader generate_assignment {self.ch} --force`")
        return read_notebook(self.release_path)

    @cached_property
    def wrong_answers(self) -> list[WrongAnswer]:
        if not self.wrong_answers_path.exists():
            raise FileNotFoundError(f"{self.wrong_answers_path} is missing")
        return parse_wrong_answers(self.wrong_answers_path)

    def wrong_answer(self, grade_id_: str, number: int) -> WrongAnswer:
        return next(a for a in self.wrong_answers if (a.grade_id, a.number) == (grade_id_, number))

    @cached_property
    def right_answers(self) -> list[WrongAnswer]:
        """Correct alternatives from ``right_answers/<ch>.py`` (same format as the wrong answers;
        none if the chapter has no such file yet)."""
        if self.right_answers_path is None or not self.right_answers_path.exists():
            return []
        return parse_wrong_answers(self.right_answers_path)

    # -- the fast checker -----------------------------------------------------------------------
    @cached_property
    def fast_check(self) -> tuple[SolutionRun, list[Verdict]]:
        """The solution run once in one kernel, then every wrong answer (none if the file is
        missing or unreadable: the coverage test reports that). The executed notebook is written
        to ``executed/<ch>.ipynb`` when an ``executed`` folder was given."""
        try:
            answers = self.wrong_answers
        except (FileNotFoundError, ValueError):
            answers = []
        if self.selected is not None:  # those this test run asks about, and the first (see conftest)
            answers = [a for a in answers if (a.grade_id, a.number) in self.selected or a is answers[0]]
        try:
            right = self.right_answers
        except ValueError:
            right = []  # test_right_answer_keeps_full_marks reports an unreadable file
        if self.selected_right is not None:
            right = [a for a in right if (a.grade_id, a.number) in self.selected_right]
        cwd = self.workdir / "run"  # a copy of the chapter folder, so files it writes stay out of the repo
        shutil.copytree(self.solutions / self.ch, cwd, dirs_exist_ok=True)
        wall, cpu = time.perf_counter(), cpu_seconds()
        from grading.variant_harness import IDS, prove

        def variants(session) -> None:  # one id in the default tier; three, and more copies, when asked
            ids = IDS if self.thorough_variants else IDS[:1]
            pairs = [(a, b) for a in ids for b in ids if a != b] if self.thorough_variants else [(IDS[0], IDS[1])]
            self.variant_report = self._timed("variants", prove, session, ids, pairs)

        run, verdicts = check_notebook(cwd / self.source_path.name, answers, cwd, right_answers=right, after=variants)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        self.timings["fast checker: solution run"] = (run.seconds, float("nan"))
        self.timings[f"fast checker: all ({len(verdicts) - len(right)} wrong, {len(right)} right answers)"] = (wall, cpu)
        if self.executed_dir is not None:
            Path(self.executed_dir).mkdir(parents=True, exist_ok=True)
            nbformat.write(run.notebook, str(Path(self.executed_dir) / f"{self.ch}.ipynb"))
        return run, verdicts

    def verdict(self, wrong: WrongAnswer) -> Verdict | None:
        """The fast checker's verdict on a wrong or a right answer (``None`` if it was not tried)."""
        return next((v for v in self.fast_check[1] if v.wrong == wrong), None)

    # -- the real nbgrader ----------------------------------------------------------------------
    @cached_property
    def course(self) -> Course:
        return Course.create(self.workdir / "course", self.solutions, self.release_root, [self.ch])

    @cached_property
    def generated_release(self) -> Path:
        """The folder ``nbgrader generate_assignment`` writes for this chapter."""
        self._timed("generate_assignment", self.course.generate_assignment, self.ch)
        return self.course.root / "notebooks" / self.ch

    def sync_problems(self) -> list[str]:
        return folder_differences(self.generated_release, self.release_root / self.ch)

    @cached_property
    def validation(self) -> Validation:
        return self._timed("validate", self.course.validate, self.course.root / "solutions" / self.ch / self.source_path.name)

    @cached_property
    def inverted_validation(self) -> Validation:
        notebook = self.course.root / "committed" / self.ch / self.release_path.name
        if not notebook.exists():
            raise FileNotFoundError(f"{self.release_path} is missing")
        return self._timed("validate --invert", self.course.validate, notebook, True)

    def submission(self, student: str) -> NotebookNode:
        """``solution``: the student notebook filled in with the solutions; ``stub``: the student
        notebook untouched; ``wrong_<grade_id>_<n>``: filled in, with wrong answer n in that cell."""
        if student == "solution":  # as a student hands it in: their id declared, their variant's answers
            return declare(fill_release(self.release, self.source), student)
        if student == "stub":
            return copy.deepcopy(self.release)
        match = re.fullmatch(r"wrong_(?P<gid>.+)_(?P<n>\d+)", student)
        wrong = self.wrong_answer(match["gid"], int(match["n"]))
        return declare(fill_release(self.release, self.source, {wrong.grade_id: wrong.source}), student)

    @staticmethod
    def student_for(wrong: WrongAnswer) -> str:
        return f"wrong_{wrong.grade_id}_{wrong.number}"

    def scores(self, *students: str) -> dict[str, dict[str, tuple]]:
        """Autograde the students' submissions (those not graded yet, in one nbgrader run) and
        return ``{student: {grade_id: (score, max)}}``."""
        todo = [s for s in students if s not in self._scores]
        if todo:
            _ = self.generated_release  # the assignment must be in the gradebook first
            for student in todo:
                self.course.submit(self.ch, student, self.submission(student))
            self._timed(f"autograde {len(todo)} notebook(s) ({', '.join(todo)})", self.course.autograde, self.ch, todo)
            for student in todo:
                self._scores[student] = self.course.scores(self.ch, student)
        return {s: self._scores[s] for s in students}

    def autograded_errors(self, student: str) -> dict[str, str]:
        """``{grade_id: error}`` for the graded cells that failed in a student's autograded notebook."""
        path = self.course.root / "autograded" / student / self.ch / f"{self.ch}.ipynb"
        nb = read_notebook(path)
        return {grade_id(c): _error_text(c) or f"stderr: {_stderr_text(c)}" for c in nb.cells
                if is_test_cell(c) and determine_grade(c)[0] < determine_grade(c)[1]}


def cpu_seconds() -> float:
    """CPU time used by this process and its finished child processes (kernels, nbgrader runs):
    a measure of cost that does not grow when other work shares the machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
