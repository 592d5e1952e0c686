"""Hostile submissions against the grader's own process (issue 20, items 4-6): each test holds a
fixture that the grader before these fixes trusted (a lying .npy header, a formula for a student id,
a forged timeout, a script in the feedback, damaged nbgrader metadata, a huge notebook)."""

from __future__ import annotations

import base64
import copy
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest

from course_utils.probe import ProbeError, parse_reply

# -- item 6: a reply whose .npy header lies ----------------------------------------------------

def lying_npy(shape: tuple, dtype: str = "<f8", payload: bytes = b"\0" * 16) -> str:
    """An .npy of ~130 bytes whose header claims ``shape`` of ``dtype``."""
    from numpy.lib import format as npy

    buf = io.BytesIO()
    npy.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return base64.b64encode(buf.getvalue() + payload).decode()


@pytest.mark.parametrize("shape, dtype, message", [
    ((2**33,), "<f8", "larger than"),          # claims 64 GiB
    ((2**30,), "<f4", "larger than"),          # claims 4 GiB
    ((1000, 1000), "<f8", "header claims"),    # 8 MB claimed, 16 bytes sent
    ((1,), "|O", "not accepted"),              # objects: pickle
])
def test_a_lying_npy_header_fails_the_test_before_anything_is_allocated(shape, dtype, message):
    reply = json.dumps({"ok": {"__array__": lying_npy(shape, dtype)}})
    with pytest.raises(ProbeError, match=message) as e:
        parse_reply(reply)
    assert isinstance(e.value, AssertionError)  # one failed test with a message, not MemoryError


def test_an_honest_npy_still_arrives():
    buf = io.BytesIO()
    np.save(buf, np.arange(6, dtype=np.float32).reshape(2, 3))
    out = parse_reply(json.dumps({"ok": {"__array__": base64.b64encode(buf.getvalue()).decode()}}))
    assert out.shape == (2, 3) and out.dtype == np.float32 and out[1, 2] == 5


# -- item 4: nothing the student wrote is a formula, a student id, or more than an excerpt ------

def test_csv_cells_that_start_like_a_formula_are_text(tmp_path):
    from course_utils.grading.gradebook import Result
    from course_utils.grading.reports import write_tables

    results = [Result("alice", "ch01", "alice/ch01.ipynb", 2.0, 3.0, cells={"f": [2.0, 3.0]}),
               Result("bob", "ch01", "bob/ch01.ipynb", -1.5, 3.0, problems=[
                   ["unknown_cells", "=HYPERLINK(\"http://x\",\"y\")"], ["x", "+1+cmd|' /C calc'!A0"],
                   ["y", "@SUM(1)"], ["z", "\t=1"], ["w", "\r=1"], ["v", "-2+3"]])]
    write_tables(tmp_path, results)
    import csv

    grades = list(csv.reader((tmp_path / "grades.csv").read_text(encoding="utf-8").splitlines()))
    assert grades[0] == ["student_id", "chapter", "score", "max_score", "variant"]
    assert grades[1:] == [["alice", "ch01", "2", "3", ""], ["bob", "ch01", "-1.5", "3", ""]]  # numbers stay numbers
    with open(tmp_path / "problems.csv", newline="", encoding="utf-8") as f:
        details = [r[4] for r in csv.reader(f)][1:]
    assert sorted(details) == sorted(["'=HYPERLINK(\"http://x\",\"y\")", "'+1+cmd|' /C calc'!A0", "'@SUM(1)",
                                      "'\t=1", "'\r=1", "'-2+3"])


def test_a_formula_for_a_student_folder_is_never_a_student(tmp_path):
    from course_utils.grading.reports import csv_cell
    from course_utils.grading.submissions import find_submissions

    for student in ("=SUM(2,3)", "alice"):
        (tmp_path / student).mkdir()
        (tmp_path / student / "ch01.ipynb").write_text("{}")
    found, problems = find_submissions(tmp_path, ["ch01"])
    assert [s.student_id for s in found] == ["alice"]
    assert [(p.student_id, p.problem, csv_cell(p.file)) for p in problems] == [
        ("", "bad_student_id", "'=SUM(2,3)/ch01.ipynb")]


def test_a_log_is_read_from_its_tail(tmp_path):
    """worker.log holds what the student's kernel wrote to stderr: 256 MB of it (a sparse file here)
    is read from its last 64 KB, and its last line is quoted short, escaped, marked as theirs."""
    import tracemalloc

    from course_utils.grading.grade_one import _log_tail

    log = tmp_path / "worker.log"
    with open(log, "wb") as f:
        f.truncate(256 * 2**20)
        f.seek(0, 2)
        f.write(b"\n=cmd|' /C calc'!A0 \x1b[31m\xe2\x80\xaeevil" + b"x" * 500 + b"\n")
    tracemalloc.start()
    tail = _log_tail(tmp_path, None)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 * 2**20, f"reading the log's tail took {peak / 2**20:.0f} MB"
    assert "may be the student's own" in tail and "\\x1b" in tail and "\\u202e" in tail and "\x1b" not in tail
    assert len(tail) < 220 and tail.rstrip("]").endswith("…»")


def test_a_300_mb_notebook_is_refused_without_being_read(tmp_path):
    """A 300 MB notebook (sparse: no disk used) is refused by its size: the main process's peak
    resident memory grows by less than 50 MB (measured in a fresh process), the result is 0 with a
    ``too_large`` row, and its digest is the file's (so a rerun skips it as already graded)."""
    import subprocess
    import sys

    big = tmp_path / "alice" / "ch01.ipynb"
    big.parent.mkdir()
    with open(big, "wb") as f:
        f.truncate(300 * 2**20)
    import course_utils

    package = str(Path(course_utils.__file__).parent)
    script = f"""
import resource, sys, types
from pathlib import Path
sys.modules["course_utils"] = types.ModuleType("course_utils")  # without its __init__ (torch): as the worker does
sys.modules["course_utils"].__path__ = [{package!r}]
from course_utils.grading.engine import file_digest, grade_task, make_task
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
master = types.SimpleNamespace(points={{"ch01": {{"f": 2.0, "g": 1.0}}}}, versions={{"ch01": "v1"}})
task = make_task("alice", "ch01", Path({str(big)!r}), "alice/ch01.ipynb")
graded = grade_task(task, master, Path({str(tmp_path / "work")!r}), None, 30)
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
r = graded.result
assert task.notebook is None and r.score == 0.0 and r.max_score == 3.0, r
assert [p for p, _ in r.problems] == ["too_large"] and "300 MB" in r.problems[0][1], r.problems
assert r.digest == file_digest(Path({str(big)!r})) and r.grader == "v1"
print(grown // 1024)
"""
    proc = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    grown_mb = int(proc.stdout.split()[-1])
    assert grown_mb < 50, f"the main process grew by {grown_mb} MB refusing a 300 MB notebook"


def test_a_notebook_under_the_limit_is_read_and_a_link_is_not(tmp_path):
    import os

    from course_utils.grading.engine import digest, make_task

    nb = tmp_path / "ch01.ipynb"
    nb.write_bytes(b'{"cells": []}')
    task = make_task("alice", "ch01", nb, "alice/ch01.ipynb", max_bytes=100)
    assert task.notebook == b'{"cells": []}' and task.digest == digest(task.notebook) and not task.refused
    assert make_task("alice", "ch01", nb, "alice/ch01.ipynb", max_bytes=10).refused[0] == "too_large"
    link = tmp_path / "link.ipynb"
    os.symlink("/dev/zero", link)  # read whole, it never ends
    assert make_task("alice", "ch01", link, "alice/ch01.ipynb").refused[0] == "not_a_file"


def _forged_run(tmp_path, monkeypatch, gap_s: float):
    """``grade_submission`` with a stand-in worker run: every cell of the autograded notebook holds
    an error named ``CellTimeoutError`` (the grader's last cell too, as a kernel that never answered
    again would leave it); the grader's clock saw each cell run ``gap_s`` seconds."""
    import nbformat
    from test_units import release_nb, source_nb

    from course_utils import grading
    from course_utils.grading import grade_one
    from course_utils.grading.outcome import autograded_path

    path = tmp_path / "alice.ipynb"
    nbformat.write(grading.fill_release(release_nb(), source_nb()), str(path))
    master = grading.Master(tmp_path / "master", "demo", {"ch": release_nb()}, {"ch": source_nb()}, {"ch": []},
                            {"ch": {"test_f": 1, "why": 1}})
    master.folder.mkdir()  # the course config: the variant is derived from its course id
    (master.folder / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'demo'\n")
    sub = grading.Submission("alice", "ch", path, "alice/ch.ipynb")
    runs = []

    def setup(ws, master, ch, student, nb):
        ws.mkdir(parents=True, exist_ok=True)
        runs.append(nb)

    def worker(ws, ch, student, limits):
        nb = copy.deepcopy(runs[-1])
        forged = nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="",
                                        traceback=["CellTimeoutError: No reply from kernel before timeout"])
        t = 1_000_000.0
        with open(ws / "progress.jsonl", "w") as f:
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    cell.outputs = [forged]
                    f.write(json.dumps({"cell": i, "t": t}) + "\n")
                    t += gap_s if i else 0.1  # the set-up cell is quick either way
        out = autograded_path(ws, sub)
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(out))
        os.utime(out, (t, t))
        return {"success": True, "log": "", "error": "", "scores": {"test_f": [1, 1], "why": [0, 1]}}, "ok"

    monkeypatch.setattr(grade_one, "setup_workspace", setup)
    monkeypatch.setattr(grade_one, "run_worker", worker)
    return grade_one.grade_submission(sub, master, tmp_path / "work", grading.Limits(), 30)


def test_forged_timeouts_in_the_outputs_give_no_regrade_and_no_problem_row(tmp_path, monkeypatch):
    """The student's code raised exceptions named ``CellTimeoutError`` (no cell took any time on the
    grader's clock): graded once, as it ran, with no timeout row."""
    result = _forged_run(tmp_path, monkeypatch, gap_s=0.2)
    assert result.attempts == 1 and result.problems == [] and result.score == 1.0, result


def test_real_timeouts_on_the_graders_clock_are_still_found(tmp_path, monkeypatch):
    """The same outputs where the grader's clock saw every cell run a whole cell timeout: the kernel
    never answered again, so the answer before it is disabled and the notebook regraded."""
    result = _forged_run(tmp_path, monkeypatch, gap_s=31.0)
    assert result.attempts > 1 and result.problems[0][0] == "kernel_unresponsive", result.problems


# -- item 5: feedback that cannot run code ---------------------------------------------------------

MARK = "window.__ran = (window.__ran || 0) + 1"  # every hostile script below counts itself here


def hostile_notebook():
    """A submission whose Markdown, raw cells and outputs try every way into the feedback page."""
    import nbformat

    v4 = nbformat.v4
    return v4.new_notebook(cells=[
        v4.new_markdown_cell(f"# Answer\n<script>{MARK}</script>\n<img src=x onerror=\"{MARK}\">\n"
                             f"[click](javascript:{MARK})\n<a href=\"jAvAsCrIpT:{MARK}\">x</a>\n"
                             f"<iframe srcdoc=\"<script>parent.{MARK}</script>\"></iframe>\n"
                             f"<svg><script>{MARK}</script></svg><details open ontoggle=\"{MARK}\">d</details>"),
        v4.new_raw_cell(f"<script>{MARK}</script>", metadata={"raw_mimetype": "text/html"}),
        v4.new_code_cell("x = 1", outputs=[
            v4.new_output("display_data", data={
                "text/html": f"<b onmouseover=\"{MARK}\">hi</b><script>{MARK}</script><style>body{{display:none}}</style>",
                "text/plain": "hi"}),
            v4.new_output("display_data", data={"application/javascript": MARK, "text/plain": "js"}),
            v4.new_output("display_data", data={"image/svg+xml": f"<svg onload=\"{MARK}\"><script>{MARK}</script></svg>"}),
            v4.new_output("display_data", data={"text/markdown": f"<img src=1 onerror=\"{MARK}\">"}),
            v4.new_output("error", ename="CellTimeoutError", evalue=f"<script>{MARK}</script>",
                          traceback=[f"<script>{MARK}</script>"]),
        ]),
    ])


def hostile_feedback_page() -> str:
    """nbgrader's feedback page for :func:`hostile_notebook`, as nbgrader renders it (its exporter and
    template, without a course)."""
    import os

    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
    config = Config()  # as nbgrader's GenerateFeedback sets up its exporter
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [os.path.join(formgrader, "templates")]
    config.HTMLExporter.extra_template_paths = [os.path.join(formgrader, "static", "node_modules", "bootstrap", "dist",
                                                             "css")]
    resources = {"nbgrader": {"notebook": "ch01", "score": 1, "max_score": 2, "late_penalty": 0}}
    page, _ = HTMLExporter(config=config).from_notebook_node(hostile_notebook(), resources=resources)
    return page


def test_the_feedback_page_has_no_script_no_handler_no_javascript_url_and_a_csp(tmp_path):
    import re

    from course_utils.grading.gradebook import Result, write_feedback
    from course_utils.grading.safe_page import CSP

    raw = hostile_feedback_page()
    assert raw.count("__ran") >= 8, "the fixture no longer carries its scripts into nbgrader's page"
    write_feedback(tmp_path, Result("alice", "ch01", "alice/ch01.ipynb", 1.0, 2.0,
                                    problems=[["x", "<script>alert(1)</script>"]]), raw)
    page = (tmp_path / "feedback" / "alice" / "ch01.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower(), "a script element survived"
    bad_url = r"""(href|src|action|data)\s*=\s*["']?\s*(javascript|vbscript|data:text)"""
    assert not re.search(bad_url, page, re.IGNORECASE), "a script URL survived"
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page, re.IGNORECASE), "an event handler survived"
    assert not re.search(r"<(iframe|svg|object|embed)", page, re.IGNORECASE)
    head = page[:page.index("</head>")]
    assert head.index(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">') < head.index("<style")
    assert "script-src 'none'" in CSP and "default-src 'none'" in CSP
    assert "Answer" in page and "Notes from the grader" in page and "&lt;script&gt;alert(1)" in page


# -- item 6: damaged nbgrader metadata is repaired, not zeroed -----------------------------------

@pytest.mark.parametrize("damage", ["no_schema_version", "old_schema", "not_a_mapping", "missing_points"])
def test_damaged_metadata_is_rebuilt_from_the_release_and_keeps_the_answers(damage):
    """An honest notebook whose read-only test cell lost ``schema_version`` (or has an old one, or
    metadata that is no mapping, or lost its points): the rebuild nbgrader accepts, answers kept."""
    from nbgrader.nbgraderformat import MetadataValidator
    from test_units import release_nb, source_nb

    from course_utils import grading
    from course_utils.grading.submissions import inspect_structure, rebuild, structure_problems

    nb = grading.fill_release(release_nb(), source_nb())
    meta = nb.cells[2].metadata["nbgrader"]
    if damage == "no_schema_version":
        del meta["schema_version"]
    elif damage == "old_schema":
        meta["schema_version"] = 1
    elif damage == "missing_points":
        del meta["points"]
    else:
        nb.cells[2].metadata["nbgrader"] = "test_f"
    with pytest.raises(Exception):  # noqa: B017 - what nbgrader autograde would have met: a grading_error, 0
        MetadataValidator().validate_nb(copy.deepcopy(nb))
    found = inspect_structure(nb, release_nb())
    assert found.needs_rebuild and found.damaged == [("cell 2" if damage == "not_a_mapping" else "'test_f'")]
    fixed = rebuild(nb, release_nb())
    MetadataValidator().validate_nb(fixed)  # nbgrader accepts every cell now
    honest = grading.fill_release(release_nb(), source_nb())
    by_id = {grading.grade_id(c): c.source for c in fixed.cells if grading.grade_id(c)}
    assert by_id == {grading.grade_id(c): c.source for c in honest.cells if grading.grade_id(c)}  # answers kept
    # metadata that is no mapping has lost its grade_id too: that test cell also counts as deleted (and restored)
    assert [p for p, _ in structure_problems(found, True)] == ["damaged_metadata"] + (
        ["deleted_cells"] if damage == "not_a_mapping" else [])


def test_the_main_process_never_parses_a_submission(tmp_path):
    """``--jobs N`` grades each task in a process of its own: a 20 MB notebook whose JSON holds 10
    million numbers (parsed, ~100 MB of Python objects) leaves the main process's peak resident
    memory within 50 MB of where it was (measured in a fresh process), and is a corrupt_notebook row."""
    import subprocess
    import sys

    import course_utils

    package = str(Path(course_utils.__file__).parent)
    script = f"""
import resource, sys, types
from pathlib import Path
sys.modules["course_utils"] = types.ModuleType("course_utils")
sys.modules["course_utils"].__path__ = [{package!r}]
from course_utils.grading.engine import LocalPool, Task, digest
from course_utils.grading.worker import Limits
data = b'{{"cells": [' + b"1," * 10_000_000 + b'1] }} trailing'
task = Task("alice", "ch01", "alice/ch01.ipynb", data, digest(data))
master = types.SimpleNamespace(points={{"ch01": {{"f": 2.0}}}}, versions={{"ch01": "v1"}}, releases={{"ch01": None}})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
[(_, graded)] = list(LocalPool(1).run([task], master, Path({str(tmp_path / "work")!r}), Limits(), 30, False))
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
assert [p for p, _ in graded.result.problems] == ["corrupt_notebook"], graded.result.problems
assert graded.result.score == 0.0 and graded.result.digest == task.digest
print(grown // 1024)
"""
    proc = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    grown_mb = int(proc.stdout.split()[-1])
    assert grown_mb < 50, f"the main process grew by {grown_mb} MB while a submission was parsed"
    assert not [p for p in (tmp_path / "work").rglob("*") if p.is_file()], "the task's files were left behind"


# -- all of it through `course grade` (slow tier: a small class of the tiny chapter) ---------------

FORGED_TIMEOUT = """class CellTimeoutError(Exception):
    pass
def _forge(lines):  # every later cell of this kernel, the grader's last one included, 'times out'
    return lines + ["raise CellTimeoutError('No reply from kernel before timeout')\\n"]
get_ipython().input_transformers_post.append(_forge)"""

LYING_NPY = """import base64, io, json
import IPython.display
from numpy.lib import format as _npy
_buf = io.BytesIO()
_npy.write_array_header_1_0(_buf, {"descr": "<f8", "fortran_order": False, "shape": (2**33,)})  # 64 GiB
_lie = {"__array__": base64.b64encode(_buf.getvalue() + b"\\0" * 16).decode()}
_publish = IPython.display.publish_display_data
def _lying(data, *args, **kwargs):  # every probe reply that is a float (mean_of's) becomes the lying array
    for key, text in list(data.items()):
        if "probe" in key and isinstance(json.loads(text).get("ok"), float):
            data = {**data, key: json.dumps({"ok": _lie})}
    return _publish(data, *args, **kwargs)
IPython.display.publish_display_data = _lying"""


@pytest.mark.slow
def test_course_grade_trusts_nothing_it_reads(tmp_path):
    """One ``course grade`` run over the hostile cases of items 4-6 beside an honest student."""
    import csv
    import subprocess
    import sys

    import nbformat
    from grading.test_grade_cli import TINY, answered, make_tiny_course, released, tiny_chapter

    from course_utils.grading.safe_page import CSP

    root = make_tiny_course(tmp_path / "course")
    rel, src = released(root, TINY, tmp_path), tiny_chapter()
    stale = answered(rel, src)
    del next(c for c in stale.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_double") \
        .metadata["nbgrader"]["schema_version"]
    forged, lying, hostile = answered(rel, src), answered(rel, src), answered(rel, src)
    forged.cells.append(nbformat.v4.new_code_cell(FORGED_TIMEOUT))
    lying.cells.insert(2, nbformat.v4.new_code_cell(LYING_NPY))
    hostile.cells += hostile_notebook().cells[:2]
    subs = tmp_path / "submissions"
    for student, nb in {"honest": answered(rel, src), "stale_metadata": stale, "forged_timeout": forged,
                        "lying_npy": lying, "hostile_feedback": hostile, "=SUM(2,3)": answered(rel, src)}.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, str(subs / student / f"{TINY}.ipynb"))
    (subs / "too_large").mkdir()
    with open(subs / "too_large" / f"{TINY}.ipynb", "wb") as f:
        f.truncate(300 * 2**20)  # sparse: no disk used
    out = tmp_path / "out"
    limits = ["--cell-timeout", "60", "--timeout", "900", "--memory-mb", "4096"]  # a busy machine is no timeout
    proc = subprocess.run([sys.executable, "-m", "course_utils.cli", "grade", subs, "--out", out, "--jobs", "2",
                           "--course", root, "--keep-work", *limits], capture_output=True, text=True, check=False, timeout=3000)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        grades = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
    with open(out / "problems.csv", newline="", encoding="utf-8") as f:
        problems = list(csv.DictReader(f))
    rows = {s: [r["problem"] for r in problems if r["student_id"] == s] for s in grades}
    assert grades == {"honest": 4, "stale_metadata": 4, "forged_timeout": 4, "lying_npy": 2, "hostile_feedback": 4,
                      "too_large": 0}, (grades, problems)
    assert rows["honest"] == [] and rows["stale_metadata"] == ["damaged_metadata"], rows
    assert rows["forged_timeout"] == ["extra_cells"] and rows["hostile_feedback"] == ["extra_cells"], rows
    assert rows["lying_npy"] == ["extra_cells"] and rows["too_large"] == ["too_large"], rows  # no out_of_memory
    attempts = json.loads((out / "results" / "forged_timeout" / f"{TINY}.json").read_text())["attempts"]
    assert attempts == 1, "a forged timeout was regraded"
    assert [(r["student_id"], r["problem"], r["file"]) for r in problems if "SUM" in r["file"]] == [
        ("", "bad_student_id", f"'=SUM(2,3)/{TINY}.ipynb")]
    page = (out / "feedback" / "hostile_feedback" / f"{TINY}.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "__ran" in page and CSP in page


def test_a_huge_feedback_page_is_not_read(tmp_path, monkeypatch):
    """The feedback page's size is the student's doing (their outputs): past 32 MB it is replaced by
    a note, not read into the main process."""
    import types

    from course_utils import grading
    from course_utils.grading import grade_one
    from course_utils.grading.engine import Task, grade_task

    def graded_with_a_huge_page(sub, master, work, limits, cell_timeout):
        page = work / sub.student_id / sub.chapter / "feedback" / sub.student_id / sub.chapter / f"{sub.chapter}.html"
        page.parent.mkdir(parents=True)
        with open(page, "wb") as f:
            f.truncate(200 * 2**20)  # sparse
        return grading.Result(sub.student_id, sub.chapter, sub.file, 1.0, 2.0)

    monkeypatch.setattr(grade_one, "grade_submission", graded_with_a_huge_page)
    master = types.SimpleNamespace(points={"ch": {"f": 2.0}}, versions={"ch": "v1"})
    graded = grade_task(Task("alice", "ch", "alice/ch.ipynb", b"{}", "d"), master, tmp_path / "work", None, 30)
    assert graded.result.score == 1.0 and "200 MB" in graded.feedback and len(graded.feedback) < 1000
