"""Proof that ``course grade`` and ``course release`` work, hostile submissions included.

* ``tiny_class`` (module-wide): a throwaway course with one tiny chapter (numpy + torch, three
  exercises, 4 points), built here so that a class of 19 students grades in minutes. Honest
  students (full marks, untouched, partly answered) are graded in the same run, with ``--jobs 2``,
  as one student per hostile case of issue 6. Each ``test_hostile_submission[<case>]`` proves for
  its case: the score it should get, a row in problems.csv with a clear reason, the original file
  unchanged; ``test_tiny_class_grades_exactly`` proves every grade (the honest students' included,
  so no hostile case touched them) and that the command exited normally.
* ``test_rerun_replaces_rows``: grading again into the same folder (from a .zip) replaces rows in
  grades.csv and in the class gradebook instead of adding them.
* ``test_feedback_keeps_the_hidden_tests_hidden``: no feedback page shows a hidden test's source;
  the student who fails it sees which test and its message.
* ``test_rerun_after_a_chapter_changed_grades_the_others``: a chapter whose graded cells changed
  since the class gradebook took it gets ``chapter_changed`` rows; the other chapter is graded.
* ``test_real_chapter_end_to_end``: the shortest real chapter, a synthetic class (solution,
  untouched notebook, first exercise only, and one that replaces ``torch.allclose`` and a
  ``course_utils`` function), grades.csv checked exactly.
* ``test_release_check_names_out_of_sync_chapters``: ``course release`` on a temporary copy of
  the repo, then ``--check`` passes, and names the chapter whose solutions changed.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from grading.harness import nb_cell as _cell

from course_utils import grading
from course_utils.variants import declare

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TINY = "ch00_tiny"
LIMITS = ["--cell-timeout", "15", "--timeout", "150", "--memory-mb", "4096"]


# ---------------------------------------------------------------------------------------------
# A tiny chapter and its course
# ---------------------------------------------------------------------------------------------

def tiny_chapter():
    """Three exercises: ``double`` (1 point, a hidden test), ``mean_of`` (numpy.testing, 2 points, a
    hidden test), a concept question (1 point; its test also writes a library-style warning to
    stderr, which must not cost the point). The tests run in the checker kernel and reach the
    student's code through ``probe``; ``shared_imports`` runs in both kernels."""
    cells = [
        _cell("markdown", "# A tiny chapter", "intro", locked=True),
        _cell("code", "import numpy as np\nimport torch\nfrom course_utils.probe import probe, probe_raises", "shared_imports",
              locked=True),
        _cell("code", 'def double(x):\n    """Twice x: a tensor of the same shape."""\n'
              "    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION", "double", solution=True),
        _cell("code", '"""double: twice each entry."""\nassert torch.allclose(probe("double(x)", x=torch.tensor([1.0, 2.0])), '
              'torch.tensor([2.0, 4.0])), "multiply by 2"\n### BEGIN HIDDEN TESTS\n'
              "x = torch.randn(3, 2, generator=torch.Generator().manual_seed(7))\n"
              'assert torch.allclose(probe("double(x)", x=x), 2 * x), "multiply every entry by 2"\n### END HIDDEN TESTS',
              "test_double", grade=True, points=1, locked=True),
        _cell("markdown", "## Part 2", "part2", locked=True),
        _cell("code", 'def mean_of(values):\n    """The mean of a list of numbers, a float."""\n'
              "    ### BEGIN SOLUTION\n    return float(np.mean(values))\n    ### END SOLUTION", "mean_of", solution=True),
        _cell("code", '"""mean_of: the mean of a list."""\nnp.testing.assert_allclose(probe("mean_of([1, 2, 3])"), 2.0)\n'
              '### BEGIN HIDDEN TESTS\nnp.testing.assert_allclose(probe("mean_of([4.0, 6.0])"), 5.0)\n### END HIDDEN TESTS',
              "test_mean_of", grade=True, points=2, locked=True),
        _cell("code", '# answer = "?"  (a, b or c)\n### BEGIN SOLUTION\nanswer = "b"\n### END SOLUTION', "q_answer",
              solution=True),
        _cell("code", '"""Question: b."""\nimport warnings\nwarnings.warn("a library\'s deprecation warning")  # on stderr\n'
              'assert probe("answer") == "b", "the answer is b"', "test_q_answer", grade=True, points=1, locked=True),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def make_tiny_course(folder: Path) -> Path:
    """The repo's nbgrader_config.py and solutions/ch00_tiny/ch00_tiny.ipynb."""
    (folder / "solutions" / TINY).mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", folder / "nbgrader_config.py")
    nbformat.write(tiny_chapter(), str(folder / "solutions" / TINY / f"{TINY}.ipynb"))
    return folder


def released(root: Path, ch: str, tmp: Path):
    """The student version of a chapter, as nbgrader generates it (in a course folder under ``tmp``)."""
    folder = grading.write_course(tmp / "release-course", root, [ch])
    grading.generate(folder, [ch])
    return grading.read_notebook(folder / "release" / ch / f"{ch}.ipynb")


def answered(release, source, only: list[str] | None = None, replace: dict[str, str] | None = None):
    """The student version with the solutions filled in (all, or the grade_ids in ``only``) and
    some cells' sources replaced."""
    return grading.fill_release(release, source, replace, only)


def index_of(nb, gid: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if grading.grade_id(c) == gid)


# ---------------------------------------------------------------------------------------------
# Hostile submissions: each a function of (release, source, paths) -> notebook or bytes
# ---------------------------------------------------------------------------------------------

def infinite_loop(rel, src, paths):
    return answered(rel, src, replace={"double": "def double(x):\n    while True:\n        pass"})


def kernel_exit(rel, src, paths):
    return answered(rel, src, replace={"mean_of": "import os\n\ndef mean_of(values):\n    os._exit(1)"})


def memory_hog(rel, src, paths):
    hog = ("def mean_of(values):\n    blocks = []\n    for _ in range(64):  # 64 GiB, more than the machine has\n"
           "        blocks.append(np.ones(2**27))\n    return 0.0")
    return answered(rel, src, replace={"mean_of": hog})


def deleted_solution_cell(rel, src, paths):
    nb = answered(rel, src)
    del nb.cells[index_of(nb, "double")]
    return nb


def deleted_test_cell(rel, src, paths):
    nb = answered(rel, src)
    del nb.cells[index_of(nb, "test_mean_of")]
    return nb


def duplicated_cell(rel, src, paths):
    nb = answered(rel, src)
    i = index_of(nb, "mean_of")
    stub = copy.deepcopy(rel.cells[index_of(rel, "mean_of")])  # the untouched cell, then the copy they edited
    stub.id = "copied-cell"
    nb.cells.insert(i, stub)
    return nb


def changed_cell_type(rel, src, paths):
    nb = answered(rel, src)
    i = index_of(nb, "double")
    cell = nb.cells[i]
    nb.cells[i] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    return nb


def extra_cells(rel, src, paths):
    nb = answered(rel, src)
    i = index_of(nb, "test_double")
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell("scratch = double(torch.ones(3))\nprint(scratch)"))
    nb.cells.insert(i + 1, nbformat.v4.new_markdown_cell("My notes: double multiplies by two."))
    nb.cells.insert(index_of(nb, "mean_of") + 1, nbformat.v4.new_code_cell("print(mean_of([1, 2]))"))
    return nb


def edited_test_cell(rel, src, paths):
    nb = answered(rel, src, replace={"q_answer": 'answer = "a"'})
    nb.cells[index_of(nb, "test_q_answer")].source = "assert True  # the test, made to pass"
    return nb


def corrupt_json(rel, src, paths):
    return b'{"cells": [{"cell_type": "code", "source": "def double(x'


def empty_notebook(rel, src, paths):
    nb = nbformat.v4.new_notebook()
    nb.metadata = copy.deepcopy(rel.metadata)
    return nb


def patches_torch_allclose(rel, src, paths):
    return answered(rel, src, replace={"double": "torch.allclose = lambda *a, **k: True\n\ndef double(x):\n    return x"})


def patches_numpy_testing(rel, src, paths):
    cheat = ("import numpy.testing\nsetattr(numpy.testing, 'assert_allclose', lambda *a, **k: None)\n\n"
             "def mean_of(values):\n    return 0.0")
    return answered(rel, src, replace={"mean_of": cheat})


def patches_when_called(rel, src, paths):
    cheat = "def double(x):\n    vars(torch)['allclose'] = lambda *a, **k: True  # only once the test runs\n    return x"
    return answered(rel, src, replace={"double": cheat})


def writes_outside(rel, src, paths):
    """Overwrite another student's submission and the class results, by every route: open(),
    a relative path, a hard link, a directory handle (dir_fd), a shell command."""
    other = str(paths["other_original"])
    targets = [other, paths["out"] / "grades.csv", paths["out"] / "work" / "honest" / "x.txt", "../../../../../escaped.txt"]
    attempts = [f"open({str(t)!r}, 'w').write('overwritten')" for t in targets] + [
        f"os.link({other!r}, 'linked.ipynb'); open('linked.ipynb', 'w').write('overwritten')",
        (f"fd = os.open({str(Path(other).parent)!r}, os.O_RDONLY); "
        "os.write(os.open('ch00_tiny.ipynb', os.O_WRONLY | os.O_TRUNC, dir_fd=fd), b'overwritten')"),
        f"os.system('echo overwritten > {other}')"]
    code = "import os\n" + "\n".join(f"try:\n    {a}\nexcept OSError as e:\n    print(e)" for a in attempts)
    nb = answered(rel, src)
    nb.cells.insert(index_of(nb, "double") + 1, nbformat.v4.new_code_cell(code))
    return nb


# Issue 11's classes of attack: each does no honest work, so each must score 0 (or what its
# honest part earns), whatever it manages to do in its own kernel.
NO_WORK = {"double": "def double(x):\n    return x", "mean_of": "def mean_of(values):\n    return 0.0",
           "q_answer": 'answer = "a"'}


def _no_work(rel, src, first: str):
    """Every answer wrong, ``first`` (prepended to the first solution cell) doing the attack."""
    replace = dict(NO_WORK)
    replace["double"] = first + "\n\n" + replace["double"]
    return answered(rel, src, replace=replace)


def reads_solutions(rel, src, paths):
    """Class 1: read what students must never see — the instructor's source (repo, private course
    folder, via /proc/*/cwd), a classmate's submission or workspace — and run the answers found."""
    places = [str(paths["course"] / "solutions" / TINY / f"{TINY}.ipynb"), str(REPO / "solutions"),
              str(paths["other_original"]), str(paths["out"] / "work")]
    attack = f"""import glob, json, os
found = []
for place in {places!r} + glob.glob('/proc/*/cwd'):
    for path in glob.glob(place + '/**/*.ipynb', recursive=True) + ([place] if place.endswith('.ipynb') else []):
        try:
            found.append(json.load(open(path)))
        except Exception:
            pass
for nb in found:
    for cell in nb['cells']:
        text = ''.join(cell['source'])
        if 'BEGIN SOLUTION' in text or ('def double' in text and 'NotImplementedError' not in text):
            exec(text)
print('notebooks read:', len(found))"""
    nb = _no_work(rel, src, "")
    nb.cells.insert(index_of(nb, "test_double") + 1, nbformat.v4.new_code_cell(attack))
    return nb


def writes_gradebooks(rel, src, paths):
    """Class 2: write through channels an audit hook never sees — sqlite3 on the gradebooks (its own
    and the class's), torch.save (C++), a socket, fork_exec, a symlink in place of its own file."""
    gradebooks = [str(paths["out"] / "gradebook.db")] + [str(p) for p in (paths["out"] / "work").glob("*/*/gradebook.db")]
    attack = f"""import glob, os, socket, sqlite3, torch
for db in {gradebooks!r} + glob.glob({str(paths["out"])!r} + '/work/*/*/gradebook.db'):
    try:
        con = sqlite3.connect(db)
        con.execute("update grade set manual_score = 99")
        con.commit()
    except Exception as e:
        print('sqlite', e)
for target in [{str(paths["out"] / "grades.csv")!r}, {str(paths["other_original"])!r}]:
    try:
        torch.save({{'x': 1}}, target)
    except Exception as e:
        print('torch.save', e)
try:
    socket.create_connection(('127.0.0.1', 5432), timeout=2)
except OSError as e:
    print('socket', e)
try:
    import _posixsubprocess  # noqa
    os.system('cp /dev/null {paths["out"] / "grades.csv"!s}')
except Exception as e:
    print('fork_exec', e)
try:
    os.symlink({str(paths["other_original"])!r}, 'ch00_tiny.ipynb')
except OSError as e:
    print('symlink', e)"""
    return _no_work(rel, src, attack)


def daemon_rewrites_grades(rel, src, paths):
    """Class 3: a process that outlives grading (setsid, double fork) and rewrites grades.csv."""
    grades = str(paths["out"] / "grades.csv")
    script = f"while true; do echo student_id,chapter,score,max_score > {grades}; sleep 0.5; done  # {DAEMON_MARK}"
    attack = f"""import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv('/bin/sh', ['sh', '-c', {script!r}])
    os._exit(0)"""
    return _no_work(rel, src, attack)


def changes_how_tests_run(rel, src, paths):
    """Class 4: IPython AST and input transformers, a silenced excepthook, a global TorchFunctionMode
    that makes every comparison true — all in the student's own kernel."""
    attack = """import ast, sys, torch
from IPython import get_ipython
class NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
ip = get_ipython()
ip.ast_transformers.append(NoAsserts())
ip.input_transformers_post.append(lambda lines: [l.replace('assert ', 'pass  # ') for l in lines])
sys.excepthook = lambda *a: None
ip.set_custom_exc((Exception,), lambda *a, **k: None)
class AllTrue(torch.overrides.TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.equal):
            return True
        return func(*args, **(kwargs or {}))
AllTrue().__enter__()"""
    return _no_work(rel, src, attack)


def equal_to_everything(rel, src, paths):
    """Class 5: values whose comparisons always agree (str, float and tensor subclasses)."""
    attack = """import torch
class Yes(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = float.__hash__
class Always(str):
    def __eq__(self, other): return True
    __hash__ = str.__hash__
class AnyTensor(torch.Tensor):
    def __eq__(self, other): return torch.ones_like(other, dtype=torch.bool)
def double(x):
    return torch.zeros_like(x).as_subclass(AnyTensor)
def mean_of(values):
    return Yes(-1.0)
answer = Always('a')"""
    replace = dict(NO_WORK, double=attack, mean_of="# see above", q_answer="# see above")
    return answered(rel, src, replace=replace)


def reads_the_running_test(rel, src, paths):
    """Class 6: read the expected value from the running test (frames, linecache, the request)."""
    attack = """import inspect, linecache, sys, torch
def double(x):
    seen = []
    for frame in inspect.stack():
        seen += [v for v in frame.frame.f_locals.values() if isinstance(v, torch.Tensor) and v is not x]
    seen += [line for lines in linecache.cache.values() if len(lines) > 2 for line in lines[2] if 'assert' in line]
    tensors = [t for t in seen if isinstance(t, torch.Tensor) and t.shape == x.shape]
    return tensors[0] if tensors else x"""
    return answered(rel, src, replace=dict(NO_WORK, double=attack))


def forges_messages(rel, src, paths):
    """Forge what the kernel sends: replace the probe's answering function so every probe gets
    the visible tests' expected values (the hidden tests ask other questions), and publish an
    ``execute_result`` of 4 (nbgrader's partial-credit format) on the kernel's own channel."""
    attack = """import json, torch
import course_utils.probe as p
from IPython import get_ipython
from IPython.display import publish_display_data
def forged(request):
    code = json.loads(request)['code']
    value = [2.0, 4.0] if 'double' in code else 2.0 if 'mean_of' in code else 'a'
    value = torch.tensor(value) if isinstance(value, list) else value
    publish_display_data({p.PROBE_MIME: json.dumps({'ok': p.encode(value)})})
p._serve = forged
kernel = get_ipython().kernel
kernel.session.send(kernel.iopub_socket, 'execute_result', {'data': {'text/plain': '4'}, 'metadata': {},
                    'execution_count': 1}, parent=kernel.get_parent('shell'))"""
    return _no_work(rel, src, attack)


DAEMON_MARK = "course-grading-test-daemon"


def unresponsive_hang(rel, src, paths):
    hang = ("def double(x):\n    while True:\n        try:\n            while True:\n                pass\n"
            "        except KeyboardInterrupt:  # swallows the interrupt sent after the cell timeout\n            pass")
    return answered(rel, src, replace={"double": hang})


# case -> (maker, expected score of 4, expected problem code(s); None: nothing to detect, it just fails)
HOSTILE = {
    "infinite_loop": (infinite_loop, 3, "cell_timeout"),
    # a kernel that dies inside a test's probe is seen dead, or first as not answering the probe
    "kernel_exit": (kernel_exit, 2, ("kernel_crash", "kernel_unresponsive")),
    "memory_hog": (memory_hog, 2, "out_of_memory"),
    "deleted_solution_cell": (deleted_solution_cell, 3, "deleted_cells"),
    "deleted_test_cell": (deleted_test_cell, 4, "deleted_cells"),
    "duplicated_grade_id": (duplicated_cell, 4, "duplicate_cells"),
    "changed_cell_type": (changed_cell_type, 4, "changed_cell_type"),
    "extra_cells": (extra_cells, 4, "extra_cells"),
    "edited_test_cell": (edited_test_cell, 3, "edited_test_cell"),
    "corrupt_json": (corrupt_json, 0, "corrupt_notebook"),
    "empty_notebook": (empty_notebook, 0, "empty_notebook"),
    # the tests run in the checker kernel: a patched check in the student's kernel changes nothing
    "patches_torch_allclose": (patches_torch_allclose, 3, None),
    "patches_numpy_testing": (patches_numpy_testing, 2, None),
    "patches_when_called": (patches_when_called, 3, None),
    "writes_outside": (writes_outside, 4, None),
    "unresponsive_hang": (unresponsive_hang, 3, ("kernel_unresponsive", "kernel_timeout", "cell_timeout")),
    "reads_solutions": (reads_solutions, 0, None),
    "writes_gradebooks": (writes_gradebooks, 0, None),
    "daemon_rewrites_grades": (daemon_rewrites_grades, 0, None),
    "changes_how_tests_run": (changes_how_tests_run, 0, None),
    "equal_to_everything": (equal_to_everything, 0, None),
    "reads_the_running_test": (reads_the_running_test, 0, None),
    "forges_messages": (forges_messages, 0, None),
}
# partial: double and the question; hidden_fail: passes the visible check of mean_of, fails its hidden test;
# master and inbox: honest students named like the grader's own folders once were
HONEST = {"honest": 4, "untouched": 0, "partial": 2, "hidden_fail": 2, "master": 4, "inbox": 4}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def variant_of(root: Path, ch: str, student: str) -> str:
    """The variant ``course grade`` grades a student's chapter on (grades.csv's ``variant``): the folder's
    student's, or ``"0"`` for a chapter without variants (no identity cell)."""
    from course_utils.grading.keysync import configured_key
    from course_utils.variants import variant_label

    if "STUDENT_ID" not in (Path(root) / "solutions" / ch / f"{ch}.ipynb").read_text(encoding="utf-8"):
        return "0"
    return variant_label(ch, student, configured_key(root))


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def course_cli(*args: str, cwd: Path = REPO, timeout: float = 1500) -> subprocess.CompletedProcess:
    """``course ...`` as instructors run it."""
    return subprocess.run([sys.executable, "-m", "course_utils.cli", *map(str, args)], cwd=cwd, capture_output=True, check=False,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def tiny_class(tmp_path_factory):
    """The tiny course, its class (honest students + one per hostile case + an unknown chapter file)
    and one `course grade --jobs 2` run over it."""
    base = tmp_path_factory.mktemp("tiny")
    root = make_tiny_course(base / "course")
    rel, src = released(root, TINY, base), tiny_chapter()
    subs, out = base / "submissions", base / "out"
    paths = {"other_original": subs / "honest" / f"{TINY}.ipynb", "out": out, "course": root}
    notebooks = {"honest": answered(rel, src), "untouched": rel, "partial": answered(rel, src, only=["double", "q_answer"]),
                 "hidden_fail": answered(rel, src, replace={"mean_of": "def mean_of(values):\n    return 2.0"}),
                 "master": answered(rel, src), "inbox": answered(rel, src)}
    notebooks.update({case: maker(rel, src, paths) for case, (maker, _, _) in HOSTILE.items()})
    for student, nb in notebooks.items():
        path = subs / student / f"{TINY}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_bytes(nb) if isinstance(nb, bytes) else nbformat.write(nb, str(path))
    (subs / "honest" / "ch99_unknown.ipynb").write_text(json.dumps(nbformat.v4.new_notebook()), encoding="utf-8")
    (subs / "extra_cells" / TINY).mkdir()  # the other layout, for one student: <student>/<ch>/<ch>.ipynb
    shutil.move(subs / "extra_cells" / f"{TINY}.ipynb", subs / "extra_cells" / TINY / f"{TINY}.ipynb")
    digests = {p: sha(p) for p in subs.rglob("*.ipynb")}
    outside = {p: sha(p) for p in [*root.rglob("*"), *base.glob("*")] if p.is_file()}  # the course, not the output
    proc = course_cli("grade", subs, "--out", out, "--jobs", "2", "--course", root, *LIMITS)
    grades = (out / "grades.csv").read_bytes() if (out / "grades.csv").exists() else b""
    return {"root": root, "subs": subs, "out": out, "proc": proc, "digests": digests, "outside": outside,
            "base": base, "grades": grades}


def test_tiny_class_grades_exactly(tiny_class):
    """One row per student in grades.csv, each with the expected score; the command exits 0."""
    proc = tiny_class["proc"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "grading" in proc.stderr and "student" in proc.stderr, "no progress bar on stderr"
    expected = {s: score for s, score in HONEST.items()} | {case: score for case, (_, score, _) in HOSTILE.items()}
    rows = read_csv(tiny_class["out"] / "grades.csv")
    got = {(r["student_id"], r["chapter"]): (r["score"], r["max_score"]) for r in rows}
    assert len(rows) == len(got) == len(expected), f"duplicated or missing rows: {rows}"
    assert got == {(s, TINY): (f"{score:g}", "4") for s, score in expected.items()}, \
        "\n" + (tiny_class["out"] / "problems.csv").read_text()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_submission(tiny_class, case):
    """A row in problems.csv with the reason, the expected score, the original file unchanged."""
    out, (_, score, problem) = tiny_class["out"], HOSTILE[case]
    problems = [r for r in read_csv(out / "problems.csv") if r["student_id"] == case]
    codes = problem if isinstance(problem, tuple) else (problem,)
    if problem is not None:
        assert any(r["problem"] in codes and len(r["detail"]) > 20 for r in problems), \
            f"expected a {problem!r} row for {case}, got {problems}"
    grade = next(r for r in read_csv(out / "grades.csv") if r["student_id"] == case)
    assert float(grade["score"]) == score, f"{case}: score {grade['score']}, expected {score}; problems: {problems}"
    for path, digest in tiny_class["digests"].items():
        assert sha(path) == digest, f"{path} was changed by grading"
    if problem not in ("corrupt_notebook", "empty_notebook"):
        assert (out / "feedback" / case / f"{TINY}.html").is_file(), f"no feedback for {case}"


def test_honest_students_and_their_files(tiny_class):
    """Honest students get no problem rows and their feedback; an unknown chapter file is named."""
    out = tiny_class["out"]
    problems = read_csv(out / "problems.csv")
    honest_rows = [r for r in problems if r["student_id"] in HONEST]
    assert [(r["student_id"], r["problem"]) for r in honest_rows] == [("honest", "unknown_chapter")], honest_rows
    assert "ch99_unknown" in honest_rows[0]["file"]
    feedback = (out / "feedback" / "honest" / f"{TINY}.html").read_text()
    assert "test_mean_of" in feedback and "Notes from the grader" not in feedback


def test_nothing_outside_the_sandboxes_changed_and_nothing_left_running(tiny_class):
    """The course folder and everything next to the output is as it was, no file escaped, the
    daemon one submission started is gone, and grades.csv is still what the run wrote."""
    import time

    changed = [str(p) for p, digest in tiny_class["outside"].items() if not p.exists() or sha(p) != digest]
    assert not changed, f"files outside the sandboxes changed: {changed}"
    escaped = [str(p) for p in Path("/").glob("*escaped.txt")] + [str(p) for p in tiny_class["base"].rglob("escaped.txt")]
    assert not escaped, escaped
    time.sleep(3)
    assert (tiny_class["out"] / "grades.csv").read_bytes() == tiny_class["grades"], "grades.csv changed after the run"
    running = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if DAEMON_MARK in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
                running.append(pid)
        except OSError:
            pass
    assert not running, f"a process a submission started is still running: {running}"


def test_class_gradebook_equals_grades_csv(tiny_class):
    """Every row of grades.csv is the class gradebook's score for that submission (no submission
    wrote its way into a gradebook)."""
    from nbgrader.api import Gradebook

    rows = read_csv(tiny_class["out"] / "grades.csv")
    with Gradebook("sqlite:///" + str(tiny_class["out"] / "gradebook.db"), "bert-finetuning") as gb:
        for r in rows:
            assert gb.find_submission(TINY, r["student_id"]).score == float(r["score"]), r


def _text(html: str) -> str:
    """What a reader sees of an HTML page (tags dropped, entities decoded): a string in the source is
    found even when syntax highlighting splits it into spans."""
    import html as html_lib
    import re

    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


def test_feedback_keeps_the_hidden_tests_hidden(tiny_class):
    """No student's feedback shows the hidden test's source (``mean_of([4.0, 6.0])`` appears only
    there); the student who fails it sees which test failed and its error name, not its message (numpy's
    "Not equal to tolerance" message quotes the expected value of the hidden input)."""
    feedback = tiny_class["out"] / "feedback"
    pages = {p.parent.name: _text(p.read_text(encoding="utf-8")) for p in feedback.glob(f"*/{TINY}.html")}
    assert {"honest", "hidden_fail", "master", "inbox"} <= set(pages)
    assert [s for s, text in pages.items() if "4.0, 6.0" in text] == []
    failed = pages["hidden_fail"]
    assert "test_mean_of" in failed and "AssertionError" in failed and "Not equal to tolerance" not in failed
    assert "a hidden test failed (its message is not shown in the feedback)" in failed
    assert "hidden tests: not shown in the feedback" in failed


def test_report_and_gradebook(tiny_class):
    """report.md: a table of the graded cells (mean, full marks, zeros) and the histogram PNG;
    the class gradebook holds one submission per graded row."""
    out = tiny_class["out"]
    report = (out / "report.md").read_text()
    for gid in ("test_double", "test_mean_of", "test_q_answer"):
        assert f"| {gid} |" in report
    assert (out / "scores.png").read_bytes()[:4] == b"\x89PNG"
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(out / "gradebook.db"), "bert-finetuning") as gb:
        assert len(gb.find_assignment(TINY).submissions) == len(read_csv(out / "grades.csv"))
        assert gb.find_submission(TINY, "honest").score == 4


def test_rerun_replaces_rows(tiny_class, tmp_path):
    """Grading again into the same folder (a .zip this time) replaces rows, never adds them."""
    out, rows_before = tiny_class["out"], read_csv(tiny_class["out"] / "grades.csv")
    archive = tmp_path / "again.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # honest hands in the untouched notebook this time
        zf.write(tiny_class["subs"] / "untouched" / f"{TINY}.ipynb", f"class/honest/{TINY}.ipynb")
    proc = course_cli("grade", archive, "--out", out, "--course", tiny_class["root"], *LIMITS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = read_csv(out / "grades.csv")
    assert len(rows) == len(rows_before)
    changed = [r for r in rows if r not in rows_before]
    assert changed == [{"student_id": "honest", "chapter": TINY, "score": "0", "max_score": "4",
                        "variant": variant_of(tiny_class["root"], TINY, "honest")}], changed
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(out / "gradebook.db"), "bert-finetuning") as gb:
        assert len(gb.find_assignment(TINY).submissions) == len(rows)
        assert gb.find_submission(TINY, "honest").score == 0


# ---------------------------------------------------------------------------------------------
# A real chapter, end to end
# ---------------------------------------------------------------------------------------------

def test_real_chapter_end_to_end(tmp_path):
    """The first chapter: solution, untouched, first exercise only, and a cheat that answers nothing
    and replaces torch.allclose, torch.equal and numpy.testing in its own kernel; grades.csv checked
    exactly (the cheat scores 0: the tests run in the checker kernel)."""
    ch = grading.discover_chapters(REPO)[0]
    rel, src = released(REPO, ch, tmp_path), grading.read_notebook(REPO / "solutions" / ch / f"{ch}.ipynb")
    solutions = [grading.grade_id(c) for c in rel.cells if grading._flags(c).get("solution")]
    first = solutions[0]
    # the cheat answers nothing and patches the checks in its own kernel: the tests run in the checker
    cheat = "import torch, numpy\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n" \
            "numpy.testing.assert_allclose = lambda *a, **k: None\n"
    notebooks = {"solution": answered(rel, src), "untouched": rel, "first_only": answered(rel, src, only=[first]),
                 "cheat": answered(rel, src, only=[], replace={first: cheat})}
    for student, nb in notebooks.items():  # each declares its student, as a student does: graded on their variant
        (tmp_path / "subs" / student).mkdir(parents=True)
        nbformat.write(declare(nb, student), str(tmp_path / "subs" / student / f"{ch}.ipynb"))
    proc = course_cli("grade", tmp_path / "subs", "--out", tmp_path / "out", "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    points = {grading.grade_id(c): grading._flags(c)["points"] for c in rel.cells if grading._flags(c).get("grade")}
    total = sum(points.values())
    after_first = rel.cells[index_of(rel, first) + 1:index_of(rel, solutions[1])]  # the tests of the first exercise
    partial = sum(points.get(grading.grade_id(c), 0) for c in after_first)
    rows = read_csv(tmp_path / "out" / "grades.csv")
    expected = {"cheat": 0, "first_only": partial, "solution": total, "untouched": 0}
    assert rows == [{"student_id": s, "chapter": ch, "score": f"{v:g}", "max_score": f"{total:g}",
                     "variant": variant_of(REPO, ch, s)} for s, v in sorted(expected.items())], \
        (tmp_path / "out" / "problems.csv").read_text()
    problems = read_csv(tmp_path / "out" / "problems.csv")
    assert [r for r in problems if r["student_id"] != "cheat"] == [], problems


# ---------------------------------------------------------------------------------------------
# course release [--check]
# ---------------------------------------------------------------------------------------------

def test_release_check_names_out_of_sync_chapters(tmp_path):
    """On a copy of the repo: `course release` writes notebooks/, `--check` passes; after a change
    to one chapter's solutions (and a deleted release of another) `--check` exits 1 naming both."""
    chapters = grading.discover_chapters(REPO)[:2]
    copy_root = tmp_path / "repo"
    copy_root.mkdir()
    for name in ("nbgrader_config.py", "pyproject.toml", "README.md"):  # release also writes the Colab URL
        shutil.copy(REPO / name, copy_root)
    for ch in chapters:
        shutil.copytree(REPO / "solutions" / ch, copy_root / "solutions" / ch)
    proc = course_cli("release", cwd=copy_root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all((copy_root / "notebooks" / ch / f"{ch}.ipynb").is_file() for ch in chapters)
    proc = course_cli("release", "--check", cwd=copy_root)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    changed, deleted = chapters[-1], chapters[0]
    path = copy_root / "solutions" / changed / f"{changed}.ipynb"
    nb = grading.read_notebook(path)
    nb.cells[0].source += "\n\nA sentence added to the solutions only."
    nbformat.write(nb, str(path))
    shutil.rmtree(copy_root / "notebooks" / deleted)
    proc = course_cli("release", "--check", cwd=copy_root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{changed}: notebooks/{changed}/ is out of sync" in proc.stdout
    assert "cell 0" in proc.stdout and f"{deleted}.ipynb: missing from notebooks/" in proc.stdout
    if len(chapters) > 1:
        proc = course_cli("release", "--check", chapters[0], cwd=copy_root)
        assert proc.returncode == 1 and changed not in proc.stdout
    assert not os.path.exists(copy_root / "build" / "nbgrader" / "gradebook.db"), "release must not touch the gradebook"


# ---------------------------------------------------------------------------------------------
# A rerun after a chapter changed
# ---------------------------------------------------------------------------------------------

def test_rerun_after_a_chapter_changed_grades_the_others(tmp_path):
    """The class gradebook holds submissions of two chapters; then a test cell of one is removed
    from solutions/. Grading both again: the changed chapter gets a chapter_changed row and keeps
    its previous grade, the other is graded; the command does not abort."""
    other = "ch00_tiny_copy"
    root = make_tiny_course(tmp_path / "course")
    shutil.copytree(root / "solutions" / TINY, root / "solutions" / other)
    (root / "solutions" / other / f"{TINY}.ipynb").rename(root / "solutions" / other / f"{other}.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    master = grading.prepare_master(root, tmp_path / "before", [TINY, other], None)
    url, _ = grading.class_gradebook(master, out, None)
    for ch, score in ((TINY, 3.0), (other, 1.0)):  # an earlier run's grades
        previous = grading.Result("alice", ch, f"alice/{ch}.ipynb", score, 4.0, {"test_double": [score, 1]})
        grading.merge_into_gradebook(url, master.course_id, previous)
        grading.save_result(out, previous)
    path = root / "solutions" / TINY / f"{TINY}.ipynb"
    nb = grading.read_notebook(path)
    nb.cells = [c for c in nb.cells if grading.grade_id(c) != "test_q_answer"]
    nbformat.write(nb, str(path))
    subs = tmp_path / "subs" / "alice"
    subs.mkdir(parents=True)
    for ch in (TINY, other):
        rel = released(root, ch, tmp_path / ch)
        nbformat.write(answered(rel, grading.read_notebook(root / "solutions" / ch / f"{ch}.ipynb")),
                       str(subs / f"{ch}.ipynb"))
    proc = course_cli("grade", subs.parent, "--out", out, "--course", root, *LIMITS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    grades = {r["chapter"]: r["score"] for r in read_csv(out / "grades.csv")}
    assert grades == {TINY: "3", other: "4"}, (out / "problems.csv").read_text()
    rows = [(r["student_id"], r["chapter"], r["problem"]) for r in read_csv(out / "problems.csv")]
    assert rows == [("alice", TINY, "chapter_changed")], rows
    assert "chapter changed since" in read_csv(out / "problems.csv")[0]["detail"]
