"""Fast tests of the pure parts of ``course_utils.grading``: no nbgrader run, no kernel.

Chapter names and discovery, the private course's config, filling a release, finding submissions
(student ids, layouts), unpacking a .zip, and inspecting / repairing a submission's structure.
"""

from __future__ import annotations

import copy
import zipfile
from pathlib import Path

import nbformat
import pytest
from grading.harness import nb_cell as _cell

from course_utils import grading


def release_nb():
    """A released chapter: set-up, one answer, its test, a free-text answer."""
    nb = nbformat.v4.new_notebook(cells=[
        _cell("code", "import numpy as np", "setup", locked=True),
        _cell("code", "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()", "f", solution=True),
        _cell("code", "assert f(1) == 2", "test_f", grade=True, locked=True, points=1),
        _cell("markdown", "YOUR ANSWER HERE", "why", solution=True, grade=True, points=1),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def source_nb():
    nb = release_nb()
    nb.cells[1].source = "def f(x):\n    return 2 * x"
    nb.cells[3].source = "Because."
    return nb


# -- chapters and the course folder -----------------------------------------------------------

def test_resolve_chapters_by_full_name_or_unique_start():
    known = ["ch01_a", "ch02_b", "ch10_c"]
    assert grading.resolve_chapters(["ch02", "ch01_a", "ch02"], known) == (["ch02_b", "ch01_a"], [])
    assert grading.resolve_chapters(["ch1", "ch0", "x"], known) == (["ch10_c"], ["ch0", "x"])  # ch0: two
    assert grading.resolve_chapters(None, known) == ([], [])


def test_chapters_are_folders_holding_their_notebook(tmp_path):
    for name, has_notebook in (("ch02_b", True), ("ch01_a", True), ("notes", False)):
        (tmp_path / "solutions" / name).mkdir(parents=True)
        if has_notebook:
            (tmp_path / "solutions" / name / f"{name}.ipynb").write_text("{}")
    assert grading.discover_chapters(tmp_path) == ["ch01_a", "ch02_b"]
    assert grading.chapters_in(tmp_path / "solutions") == ["ch01_a", "ch02_b"]
    assert grading.discover_chapters(tmp_path / "nowhere") == []


def test_private_course_config_keeps_every_path_inside(tmp_path):
    base = tmp_path / "base_config.py"
    base.write_text("c = get_config()\nc.CourseDirectory.course_id = 'demo'\nc.ExecutePreprocessor.timeout = 120\n")
    (tmp_path / "course").mkdir()
    path = grading.write_config(tmp_path / "course", base, cell_timeout=7)
    config = grading.load_config(path.parent)
    assert config.CourseDirectory.root == str(tmp_path / "course")
    assert config.CourseDirectory.db_url == "sqlite:///" + str(tmp_path / "course" / "gradebook.db")
    assert config.CourseDirectory.course_id == "demo"
    assert config.ExecutePreprocessor.timeout == 7 and config.CourseDirectory.release_directory == "release"


def test_fill_release_answers_the_named_cells():
    full = grading.fill_release(release_nb(), source_nb())
    assert full.cells[1].source == "def f(x):\n    return 2 * x" and full.cells[3].source == "Because."
    only = grading.fill_release(release_nb(), source_nb(), only=["why"])
    assert "NotImplementedError" in only.cells[1].source and only.cells[3].source == "Because."
    wrong = grading.fill_release(release_nb(), source_nb(), replace={"f": "def f(x):\n    return x"})
    assert wrong.cells[1].source == "def f(x):\n    return x"
    with pytest.raises(KeyError, match="nope"):
        grading.fill_release(release_nb(), source_nb(), replace={"nope": ""})


def test_notebook_differences_ignore_outputs_but_not_sources():
    a, b = release_nb(), release_nb()
    b.cells[0].outputs = [nbformat.v4.new_output("stream", text="hi")]
    b.cells[0].metadata["ExecuteTime"] = {"start": 1}
    assert grading.notebook_differences(a, b) == []
    b.cells[2].source = "assert True"
    assert grading.notebook_differences(a, b) == ["cell 2 (test_f): source differs"]


# -- finding submissions ----------------------------------------------------------------------

def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_find_submissions_layouts_and_bad_names(tmp_path):
    _touch(tmp_path / "alice" / "ch01_a.ipynb")
    _touch(tmp_path / "bob" / "ch01_a" / "ch01_a.ipynb")
    _touch(tmp_path / "-rf" / "ch01_a.ipynb")
    _touch(tmp_path / "_x" / "ch01_a.ipynb")
    _touch(tmp_path / "loose.ipynb")
    _touch(tmp_path / "carol" / "deep" / "er" / "ch01_a.ipynb")
    _touch(tmp_path / "dan" / "ch99.ipynb")
    _touch(tmp_path / "erin" / ".ipynb_checkpoints" / "ch01_a.ipynb")
    found, problems = grading.find_submissions(tmp_path, ["ch01_a"])
    assert sorted((s.student_id, s.chapter) for s in found) == [("alice", "ch01_a"), ("bob", "ch01_a")]
    codes = sorted((p.student_id, p.problem) for p in problems)
    assert codes == [("", "bad_student_id"), ("", "bad_student_id"), ("", "no_student_folder"),
                     ("carol", "unexpected_path"), ("dan", "unknown_chapter")]


@pytest.mark.parametrize("student", ["alice", "a.b@uni.edu", "s123", "master", "inbox"])
def test_usable_student_ids(student):
    assert grading.STUDENT_ID.match(student)


@pytest.mark.parametrize("student", ["_master", "_inbox", ".hidden", "a b", "a/b", "", "-x"])
def test_unusable_student_ids(student):
    assert not grading.STUDENT_ID.match(student)


def test_the_graders_own_folders_are_outside_the_students_namespace():
    """Students named ``master`` or ``inbox`` get ``work/master/``, never the grader's folders."""
    assert (grading.MASTER, grading.INBOX) == ("_master", "_inbox")
    assert not grading.STUDENT_ID.match(grading.MASTER) and not grading.STUDENT_ID.match(grading.INBOX)


def test_two_layouts_for_one_chapter_keep_the_newer(tmp_path):
    old = _touch(tmp_path / "alice" / "ch01_a.ipynb")
    new = _touch(tmp_path / "alice" / "ch01_a" / "ch01_a.ipynb")
    import os

    os.utime(old, (1_000_000, 1_000_000))
    found, problems = grading.find_submissions(tmp_path, ["ch01_a"])
    assert [s.path for s in found] == [new]
    assert [(p.problem, p.file) for p in problems] == [("two_files", "alice/ch01_a.ipynb")]


# -- unpacking a .zip -------------------------------------------------------------------------

def test_unpack_steps_into_one_wrapping_folder_and_skips_escapes(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("class/alice/ch01_a.ipynb", "{}")
        zf.writestr("class/bob/ch01_a.ipynb", "{}")
        zf.writestr("../escaped.ipynb", "{}")
        zf.writestr("__MACOSX/class/._alice", "")
    folder = grading.unpack(archive, tmp_path / "inbox")[0]
    assert folder == tmp_path / "inbox" / "class"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.ipynb")) == \
        ["alice/ch01_a.ipynb", "bob/ch01_a.ipynb"]
    assert not (tmp_path / "escaped.ipynb").exists()
    assert grading.unpack(tmp_path / "inbox", tmp_path / "unused") == (tmp_path / "inbox", [])


def test_unpack_refuses_a_zip_bomb_with_a_problem_row(tmp_path):
    """A member that unpacks past the per-file limit is refused (counted while unpacking, whatever
    the header says); past the total, the rest is not unpacked; too many members are cut. Each with
    a row, never a crash; the honest members are unpacked."""
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("alice/ch01_a.ipynb", "{}")
        zf.writestr("bomb/ch01_a.ipynb", b"\0" * 3_000_000)  # 3 MB of zeros: a few kB compressed
        zf.writestr("bob/ch01_a.ipynb", "{}")
    assert archive.stat().st_size < 20_000
    folder, problems = grading.unpack(archive, tmp_path / "inbox", max_bytes=10**7, max_file_bytes=10**6)
    assert sorted(p.parent.name for p in folder.rglob("*.ipynb")) == ["alice", "bob"]
    assert [(p.problem, p.file) for p in problems] == [("file_too_large", "bomb/ch01_a.ipynb")]
    assert "zip bomb" in problems[0].detail

    _, problems = grading.unpack(archive, tmp_path / "inbox", max_bytes=2_000_000, max_file_bytes=10**7)
    assert [(p.problem, p.file) for p in problems] == [("archive_too_large", "bomb/ch01_a.ipynb")]
    assert not (tmp_path / "inbox" / "bob").exists(), "nothing is unpacked after the total is passed"

    folder, problems = grading.unpack(archive, tmp_path / "inbox", max_members=1)
    assert [p.problem for p in problems] == ["archive_too_large"] and "3 files" in problems[0].detail
    assert [p.parent.name for p in folder.rglob("*.ipynb")] == ["alice"]


def test_unpack_names_a_file_that_is_no_zip(tmp_path):
    (tmp_path / "class.zip").write_text("not a zip")
    folder, problems = grading.unpack(tmp_path / "class.zip", tmp_path / "inbox")
    assert [p.problem for p in problems] == ["bad_archive"] and list(folder.iterdir()) == []


def test_unpack_default_limits_are_generous_but_finite():
    import inspect

    defaults = {k: v.default for k, v in inspect.signature(grading.unpack).parameters.items() if k.startswith("max")}
    assert defaults == {"max_bytes": 4096 * 2**20, "max_file_bytes": 256 * 2**20, "max_members": 50_000}


# -- a submission's structure -----------------------------------------------------------------

def test_structure_of_an_untouched_release_is_clean():
    found = grading.inspect_structure(release_nb(), release_nb())
    assert not found.needs_rebuild and found.extra == 0 and not found.edited_locked


def test_deleted_duplicated_retyped_and_edited_cells_are_found():
    rel = release_nb()
    nb = copy.deepcopy(rel)
    nb.cells[2].source = "assert True"                       # edited read-only test
    dup = copy.deepcopy(nb.cells[1])
    dup.source = "def f(x):\n    return 2 * x"
    nb.cells.insert(2, dup)                                  # duplicated answer, the copy edited
    nb.cells[0] = nbformat.v4.new_markdown_cell(nb.cells[0].source, metadata=nb.cells[0].metadata)  # retyped
    del nb.cells[-1]                                         # deleted free-text answer
    nb.cells.append(nbformat.v4.new_code_cell("print('mine')"))  # added
    found = grading.inspect_structure(nb, rel)
    assert found.missing == ["why"] and found.duplicated == ["f"] and found.retyped == ["setup"]
    assert found.edited_locked == ["test_f"] and found.extra == 1 and found.needs_rebuild
    rebuilt = grading.rebuild(nb, rel)
    # the added cell stays after the last released cell it followed; the deleted answer is back, as a stub
    assert [grading.grade_id(c) for c in rebuilt.cells] == ["setup", "f", "test_f", None, "why"]
    assert rebuilt.cells[1].source == "def f(x):\n    return 2 * x"   # the edited copy
    assert rebuilt.cells[2].source == "assert f(1) == 2"               # the original test
    assert rebuilt.cells[0].cell_type == "code" and rebuilt.cells[3].source == "print('mine')"
    codes = [code for code, _ in grading.structure_problems(found, rebuilt=True)]
    assert codes == ["deleted_cells", "duplicate_cells", "changed_cell_type", "edited_test_cell"]


def test_unreadable_and_empty_notebooks_are_named(tmp_path):
    (tmp_path / "bad.ipynb").write_text('{"cells": [')
    assert grading.parse_notebook(tmp_path / "bad.ipynb")[1][0] == "corrupt_notebook"
    nbformat.write(nbformat.v4.new_notebook(), str(tmp_path / "empty.ipynb"))
    assert grading.parse_notebook(tmp_path / "empty.ipynb")[1][0] == "empty_notebook"
    nb, rows = grading.prepare_notebook(tmp_path / "bad.ipynb", release_nb())
    assert nb is None and rows[0][0] == "corrupt_notebook"
    nbformat.write(release_nb(), str(tmp_path / "ok.ipynb"))
    nb, rows = grading.prepare_notebook(tmp_path / "ok.ipynb", release_nb())
    assert rows == [] and grading.END_MARK in nb.cells[-1].source


def test_grading_package_loads_only_the_standard_library():
    """``course`` imports the grading package at start-up, and the worker runs without importing
    ``course_utils/__init__`` (torch): importing ``course_utils.grading`` alone loads no third-party
    module (nbgrader, nbformat, psutil... are imported where they are used)."""
    import subprocess
    import sys

    package = Path(grading.__file__).resolve().parents[1]
    code = ("import sys, types\n"
            f"p = types.ModuleType('course_utils'); p.__path__ = [{str(package)!r}]; sys.modules['course_utils'] = p\n"
            "import course_utils.grading\n"
            "heavy = ('torch', 'numpy', 'nbformat', 'nbgrader', 'nbclient', 'jupyter_client', 'traitlets', 'psutil',"
            " 'matplotlib', 'tqdm')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout


# -- the runner's bookkeeping (worker runs replaced by their outcomes) ---------------------------

def test_unresponsive_run_without_scores_is_scored_zero_not_a_grader_error(tmp_path, monkeypatch):
    """A worker that failed (no "scores") after an unresponsive kernel: the submission scores 0
    with a grading_unresponsive row; it must not crash into grader_error."""
    from course_utils.grading import grade_one

    path = tmp_path / "alice.ipynb"
    nbformat.write(grading.fill_release(release_nb(), source_nb()), str(path))
    master = grading.Master(tmp_path / "master", "demo", {"ch": release_nb()}, {"ch": source_nb()}, {"ch": []},
                            {"ch": {"test_f": 1, "why": 1}})
    master.folder.mkdir()  # the course config: the variant is derived from its course id
    (master.folder / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'demo'\n")
    failed = {"success": False, "log": "CellTimeoutError: no reply", "error": ""}
    monkeypatch.setattr(grade_one, "setup_workspace", lambda ws, *a: ws.mkdir(parents=True, exist_ok=True))
    monkeypatch.setattr(grade_one, "run_worker", lambda *a, **k: (failed, "unresponsive"))
    monkeypatch.setattr(grade_one, "how_it_ended", lambda *a: ("unresponsive", 2))  # a read-only cell, nothing earlier
    sub = grading.Submission("alice", "ch", path, "alice/ch.ipynb")
    result = grade_one.grade_submission(sub, master, tmp_path / "work", grading.Limits(), 30)
    assert (result.score, result.max_score, result.cells) == (0.0, 2, {})
    # first run: the answer before the stuck test is disabled and the notebook regraded; then nothing is left
    assert [p for p, _ in result.problems] == ["kernel_unresponsive", "grading_unresponsive"]
    assert "scored 0" in result.problems[1][1] and result.attempts == 2


def _fake_worker(tmp_path: Path, body: str) -> Path:
    """An executable that stands in for ``python`` in ``run_worker``: it runs ``body`` (Python),
    ignoring the worker's arguments."""
    import sys

    (tmp_path / "fake_worker.py").write_text(body)
    script = tmp_path / "fake_python"
    script.write_text(f"#!/bin/sh\nexec '{sys.executable}' '{tmp_path / 'fake_worker.py'}'\n")
    script.chmod(0o755)
    return script


def test_a_kernel_left_behind_by_a_dead_worker_is_killed(tmp_path, monkeypatch):
    """The worker starts a process in a session of its own (as jupyter_client starts a kernel),
    then exits: that process must not outlive the grading run."""
    import importlib
    import sys
    import time

    import psutil

    worker = importlib.import_module("course_utils.grading.worker")  # the module, not the function

    pidfile = tmp_path / "kernel.pid"
    body = ("import subprocess, time\n"
            "p = subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
            f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
            "time.sleep(1.5)\n")
    monkeypatch.setattr(sys, "executable", str(_fake_worker(tmp_path, body)))
    ws = tmp_path / "work" / "alice" / "ch"
    ws.mkdir(parents=True)
    try:
        assert worker.run_worker(ws, "ch", "alice", grading.Limits(timeout_s=60)) == (None, "error")
        time.sleep(0.2)
        try:
            status = psutil.Process(int(pidfile.read_text())).status()
        except psutil.NoSuchProcess:
            status = "gone"
        assert status in ("gone", psutil.STATUS_ZOMBIE), "the kernel outlived its worker"
    finally:
        if pidfile.exists():
            try:
                psutil.Process(int(pidfile.read_text())).kill()
            except psutil.NoSuchProcess:
                pass


def test_grading_kernels_are_hidden_from_gpus_unless_asked(tmp_path, monkeypatch):
    """CUDA and ROCm devices are hidden from the worker and its kernel by default (a GPU under
    RLIMIT_AS commonly fails to start); ``course grade --gpu`` leaves the machine's setting."""
    import argparse

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    env = grading._kernel_env(tmp_path / "work" / "alice" / "ch01")
    assert env["CUDA_VISIBLE_DEVICES"] == "" and env["HIP_VISIBLE_DEVICES"] == ""
    env = grading._kernel_env(tmp_path / "work" / "bob" / "ch01", gpu=True)
    assert env["CUDA_VISIBLE_DEVICES"] == "1" and "HIP_VISIBLE_DEVICES" not in env
    parser = argparse.ArgumentParser()
    grading.add_commands(parser.add_subparsers(dest="command"))
    assert parser.parse_args(["grade", "x", "--gpu"]).gpu and not parser.parse_args(["grade", "x"]).gpu


def test_feedback_hides_the_hidden_tests_but_keeps_the_failure():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        '"""mean_of."""\nassert mean_of([1, 2]) == 1.5\n    ### BEGIN HIDDEN TESTS\n'
        "assert mean_of([40, 60]) == 50, 'the mean'\n### END HIDDEN TESTS\nprint('done')")])
    nb.cells[0].outputs = [nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="the mean",
        traceback=["\x1b[0;31mAssertionError\x1b[0m: Traceback", ("Cell In[3], line 4\n\x1b[0;32m----> 4\x1b[0m "
                   "\x1b[38;5;28;01massert\x1b[39;00m mean_of([40, 60]) == 50, 'the mean'"), "AssertionError: the mean"])]
    out = grading.hide_hidden_tests(nb).cells[0]
    assert "[40, 60]" not in out.source and "[40, 60]" not in "".join(out.outputs[0].traceback)
    assert out.source.splitlines() == ['"""mean_of."""', "assert mean_of([1, 2]) == 1.5",
                                       "    # (hidden tests: not shown in the feedback)", "print('done')"]
    # the failing line is hidden: its message (which could state the expected value) is not shown either
    assert out.outputs[0].ename == "AssertionError" and "the mean" not in out.outputs[0].evalue
    assert not any("the mean" in frame for frame in out.outputs[0].traceback)
    assert out.outputs[0].traceback[-1] == f"AssertionError: {grading.feedback.HIDDEN_MESSAGE}"


def test_feedback_keeps_a_visible_failure_and_its_message():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        '"""mean_of."""\nassert mean_of([1, 2]) == 1.5, "the mean of [1, 2] is 1.5"\n### BEGIN HIDDEN TESTS\n'
        "assert mean_of([40, 60]) == 50, f'expected {50}'\n### END HIDDEN TESTS")])
    nb.cells[0].outputs = [nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="the mean of [1, 2] is 1.5",
        traceback=["AssertionError: Traceback", ("Cell In[3], line 2\n----> 2 assert mean_of([1, 2]) == 1.5, "
                   '"the mean of [1, 2] is 1.5"'), "AssertionError: the mean of [1, 2] is 1.5"])]
    out = grading.hide_hidden_tests(nb).cells[0]
    assert out.outputs[0].evalue == "the mean of [1, 2] is 1.5"
    assert out.outputs[0].traceback[-1] == "AssertionError: the mean of [1, 2] is 1.5"


def test_the_feedback_preprocessor_is_on():
    """nbconvert's preprocessors start disabled: the one given to generate_feedback must run."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "assert True\n### BEGIN HIDDEN TESTS\nassert secret_value == 42\n### END HIDDEN TESTS")])
    _, hide, _ = grading.feedback.feedback_preprocessors()
    out, _ = hide()(nb, {})
    assert "secret_value" not in out.cells[0].source


# -- resuming a run and the engine's task (no worker runs) ----------------------------------------

def _master(tmp_path: Path, version: str = "v1") -> grading.Master:
    return grading.Master(tmp_path / "master", "demo", {"ch": release_nb()}, {"ch": source_nb()}, {"ch": []},
                          {"ch": {"test_f": 1, "why": 1}}, {"ch": version})


def test_a_rerun_skips_only_what_the_same_grader_graded_from_the_same_notebook(tmp_path):
    out, master = tmp_path / "out", _master(tmp_path)
    grading.save_result(out, grading.Result("alice", "ch", "alice/ch.ipynb", 2.0, 2, digest="a1", grader="v1"))
    grading.save_result(out, grading.Result("bob", "ch", "bob/ch.ipynb", 1.0, 2, digest="b1", grader="v0"))  # older grader
    grading.save_result(out, grading.Result("carol", "ch", "carol/ch.ipynb", 0.0, 2, digest="c1", grader="v1",
                                            problems=[["grader_error", "the grader failed"]]))
    grading.save_result(out, grading.Result("dave", "ch9", "dave/ch9.ipynb", problems=[["unknown_chapter", "x"]]))
    grading.save_result(out, grading.Result("erin", "ch", "erin/ch.ipynb", 2.0, 2, digest="e1", grader="v1",
                                            problems=[["no_sandbox", "graded with --sandbox none"]]))
    assert grading.already_graded(out, master) == {"alice/ch": "a1"}  # erin: graded again, now in a sandbox
    assert grading.already_graded(out, master, sandbox="none") == {"alice/ch": "a1", "erin/ch": "e1"}
    assert not list(out.rglob("*.tmp")), "a result is written whole, through a temporary file"
    tasks = [grading.Task("alice", "ch", "alice/ch.ipynb", b"{}", "a1"), grading.Task("alice", "ch", "", b"[]", "a2")]
    assert [t.key for t in tasks] == ["alice/ch", "alice/ch"] and tasks[0].digest == "a1"


def test_a_task_whose_grading_fails_is_a_grader_error_and_leaves_no_workspace(tmp_path, monkeypatch):
    from course_utils.grading import grade_one

    def broken(sub, master, work, limits, cell_timeout):
        (work / sub.student_id / sub.chapter).mkdir(parents=True)
        assert sub.path.read_bytes() == b'{"cells": []}'  # the task's bytes, next to its workspace
        raise OSError("disk full")

    monkeypatch.setattr(grade_one, "grade_submission", broken)
    task = grading.Task("alice", "ch", "alice/ch.ipynb", b'{"cells": []}', "d1")
    graded = grading.grade_task(task, _master(tmp_path), tmp_path / "work", grading.Limits(), 30)
    r = graded.result
    assert (r.score, r.max_score, r.digest, r.grader, graded.feedback) == (0.0, 2, "d1", "v1", None)
    assert r.problems[0][0] == "grader_error" and "disk full" in r.problems[0][1]
    assert [p for p in (tmp_path / "work").rglob("*") if p.is_file()] == []


def test_graded_log_appends_one_line_per_merged_submission(tmp_path):
    for score in (1.0, 2.0):
        grading.log_graded(tmp_path, grading.Result("alice", "ch", "f", score, 2, digest="d", grader="v"), "dask")
    log = grading.graded_log(tmp_path)
    assert [(e["student_id"], e["score"], e["engine"], e["digest"]) for e in log] == [("alice", 1.0, "dask", "d"),
                                                                                     ("alice", 2.0, "dask", "d")]
