"""Submissions as an LMS hands them over (course_utils.grading.layouts, identify, roster): layouts
detected, students and late flags read from Canvas/Moodle/nbgrader names, the chapter identified
from the notebook's content (stamp, else its graded cells), the roster's errors named. No grading:
synthetic notebooks of two small chapters."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import nbformat
import pytest
from grading.harness import nb_cell

from course_utils.grading.identify import Identifier, stamp
from course_utils.grading.layouts import detect_layout, find_handed_in, late_flags, name_hint, write_handed_in
from course_utils.grading.roster import RosterError, read_roster
from course_utils.grading.submissions import unpack

COURSE = "bert-finetuning"
CH1, CH2 = "ch01_alpha", "ch02_beta"


def chapter(ch: str, exercise: str):
    nb = nbformat.v4.new_notebook(cells=[
        nb_cell("markdown", f"# {ch}", "intro", locked=True),
        nb_cell("code", "import numpy as np", "shared_imports", locked=True),
        nb_cell("code", f"def {exercise}(x):\n    pass", exercise, solution=True),
        nb_cell("code", f"assert {exercise}(1) == 2", f"test_{exercise}", grade=True, points=1, locked=True),
    ])
    return nb


SOURCES = {CH1: chapter(CH1, "double"), CH2: chapter(CH2, "triple")}
KNOWN = [CH1, CH2]


@pytest.fixture
def identifier():
    return Identifier(COURSE, SOURCES)


def write(path: Path, nb) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def stamped(ch: str, course: str = COURSE):
    nb = nbformat.from_dict(nbformat.v4.new_notebook(cells=list(SOURCES[ch].cells)))
    stamp(nb, course, ch)
    return nb


def test_identify_by_stamp_then_by_graded_cells(identifier):
    assert identifier.identify(stamped(CH1)) == (CH1, "")
    unstamped = nbformat.v4.new_notebook(cells=list(SOURCES[CH2].cells))
    assert identifier.identify(unstamped) == (CH2, "")
    # every graded cell deleted: the stamp alone says which chapter (the grader then reports the deleted cells)
    bare = stamped(CH1)
    bare.cells = bare.cells[:2]
    assert identifier.identify(bare) == (CH1, "")
    # intro/shared_imports are in both chapters: they identify nothing
    chapter_, why = identifier.identify(nbformat.v4.new_notebook(cells=SOURCES[CH1].cells[:2]))
    assert chapter_ is None and "none of the graded cells" in why
    mixed = nbformat.v4.new_notebook(cells=list(SOURCES[CH1].cells) + list(SOURCES[CH2].cells[2:]))
    chapter_, why = identifier.identify(mixed)
    assert chapter_ is None and "2 chapters" in why
    stamped_wrong = stamped(CH1)
    stamped_wrong.cells += SOURCES[CH2].cells[2:]
    assert identifier.identify(stamped_wrong)[0] is None
    assert identifier.identify(stamped(CH1, course="another-course"))[0] == CH1  # by its cells, not the stamp


def test_release_check_names_a_missing_stamp():
    """``course release --check`` tells a committed notebook without the stamp from a stamped one."""
    from course_utils.grading.release import notebook_differences

    unstamped = nbformat.v4.new_notebook(cells=list(SOURCES[CH1].cells))
    assert notebook_differences(stamped(CH1), stamped(CH1)) == []
    assert notebook_differences(stamped(CH1), unstamped) == ["the course stamp (metadata.course_utils) differs"]


def test_committed_student_notebooks_are_stamped():
    """Every notebook in notebooks/ carries its course and chapter (``course release`` writes them)."""
    from course_utils.grading.course import course_id, discover_chapters, read_notebook

    root = Path(__file__).resolve().parents[2]
    for ch in discover_chapters(root):
        nb = read_notebook(root / "notebooks" / ch / f"{ch}.ipynb")
        assert nb.metadata.get("course_utils") == {"course": course_id(root), "chapter": ch}, ch


def test_detect_layouts(tmp_path):
    canvas = tmp_path / "canvas"
    write(canvas / "smithjane_1234_5678_ch01_alpha.ipynb", stamped(CH1))
    write(canvas / "doejohn_late_2345_6789_Copy of ch01_alpha (1).ipynb", stamped(CH1))
    moodle = tmp_path / "moodle"
    write(moodle / "Jane Smith_101_assignsubmission_file_" / "ch01_alpha.ipynb", stamped(CH1))
    nbg = tmp_path / "nbg"
    write(nbg / "submitted" / "jane" / CH1 / f"{CH1}.ipynb", stamped(CH1))
    folders = tmp_path / "folders"
    write(folders / "jane" / f"{CH1}.ipynb", stamped(CH1))
    assert [detect_layout(p) for p in (canvas, moodle, nbg, folders)] == ["canvas", "moodle", "nbgrader", "folders"]


def test_canvas_zip_late_and_renamed(tmp_path, identifier):
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, ch in [("smithjane_1234_5678_ch01_alpha.ipynb", CH1),
                         ("doejohn_late_2345_6789_Copy of ch01_alpha (1).ipynb", CH1),
                         ("doejohn_2345_6790_untitled.ipynb", CH2),
                         ("smithjane_1234_5679_ch02_beta-1.ipynb", CH2)]:
            zf.writestr(name, nbformat.writes(stamped(ch)))
        zf.writestr("doejohn_2345_6791_notes.ipynb", nbformat.writes(nbformat.v4.new_notebook(cells=[
            nb_cell("markdown", "my notes")])))
        zf.writestr("readme.txt", "not a notebook")
    folder, problems = unpack(archive, tmp_path / "inbox")
    assert problems == [] and detect_layout(folder) == "canvas"
    found, problems, records = find_handed_in(folder, "auto", KNOWN, identifier)
    assert sorted((s.student_id, s.chapter) for s in found) == [("1234", CH1), ("1234", CH2), ("2345", CH1), ("2345", CH2)]
    assert [(p.student_id, p.file, p.problem) for p in problems] == [("2345", "doejohn_2345_6791_notes.ipynb", "unknown_chapter")]
    late = {(r.student_id, r.chapter): r.late for r in records}
    assert late == {("1234", CH1): False, ("1234", CH2): False, ("2345", CH1): True, ("2345", CH2): False}
    assert {r.name for r in records} == {"smithjane", "doejohn"} and {r.layout for r in records} == {"canvas"}
    write_handed_in(tmp_path, records)
    assert late_flags(tmp_path) == {("2345", CH1)}


def test_moodle_folders_and_flat_files_through_a_roster(tmp_path, identifier):
    folder = tmp_path / "moodle"
    write(folder / "Jane Smith_101_assignsubmission_file_" / "Copy of ch01_alpha.ipynb", stamped(CH1))
    write(folder / "Jane Smith_101_assignsubmission_file_" / "sub" / "beta.ipynb", stamped(CH2))
    write(folder / "John Doe_102_assignsubmission_file_ch01_alpha.ipynb", stamped(CH1))
    write(folder / "Ann Other_103_assignsubmission_file_" / f"{CH1}.ipynb", stamped(CH1))
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name,moodle_id,canvas_id,email\njsmith,Jane Smith,101,1234,js@uni.edu\n"
                      "jdoe,John Doe,102,2345,jd@uni.edu\n", encoding="utf-8")
    found, problems, records = find_handed_in(folder, "moodle", KNOWN, identifier, read_roster(roster))
    assert sorted((s.student_id, s.chapter) for s in found) == [("103", CH1), ("jdoe", CH1), ("jsmith", CH1), ("jsmith", CH2)]
    assert [(p.student_id, p.problem) for p in problems] == [("103", "not_in_roster")]
    write_handed_in(tmp_path, records)
    assert late_flags(tmp_path) == set()  # from an LMS: a late column, nobody late


def test_nbgrader_tree_and_folders_by_content(tmp_path, identifier):
    nbg = tmp_path / "exchange"
    write(nbg / "submitted" / "jane" / CH1 / "anything.ipynb", stamped(CH1))
    (nbg / "submitted" / "jane" / CH1 / "timestamp.txt").write_text("2026-01-01 10:00:00")
    found, problems, records = find_handed_in(nbg, "auto", KNOWN, identifier)
    assert [(s.student_id, s.chapter) for s in found] == [("jane", CH1)] and problems == []
    folders = tmp_path / "folders"
    write(folders / "jane" / f"{CH1}.ipynb", stamped(CH1))
    write(folders / "bob" / "Copy of ch02_beta (1).ipynb", stamped(CH2))
    write(folders / "bob" / "scratch.ipynb", nbformat.v4.new_notebook(cells=[nb_cell("code", "x = 1")]))
    found, problems, records = find_handed_in(folders, "auto", KNOWN, identifier)
    assert sorted((s.student_id, s.chapter) for s in found) == [("bob", CH2), ("jane", CH1)]
    assert [(p.file, p.problem) for p in problems] == [("bob/scratch.ipynb", "unknown_chapter")]
    write_handed_in(tmp_path, records)
    assert late_flags(tmp_path) is None  # today's folders: no late column


def test_unreadable_or_too_large_notebooks_fall_back_on_their_name(tmp_path, identifier):
    folder = tmp_path / "canvas"
    folder.mkdir()
    (folder / "smithjane_1234_5678_ch01_alpha (2).ipynb").write_text('{"cells": [', encoding="utf-8")
    (folder / "doejohn_2345_6789_homework.ipynb").write_text('{"cells": [', encoding="utf-8")
    write(folder / "annother_3456_7890_big.ipynb", stamped(CH2))
    found, problems, _ = find_handed_in(folder, "canvas", KNOWN, identifier, max_bytes=200)
    assert [(s.student_id, s.chapter) for s in found] == [("1234", CH1)]  # graded: a corrupt_notebook row then
    assert sorted((p.student_id, p.problem) for p in problems) == [("2345", "unknown_chapter"), ("3456", "unknown_chapter")]
    assert name_hint(Path("Copy of Copy of ch02_beta (1) (2).ipynb"), KNOWN) == CH2
    assert name_hint(Path("ch02_beta-3.ipynb"), KNOWN) == CH2 and name_hint(Path("beta.ipynb"), KNOWN) is None


def test_original_files_are_not_renamed_or_moved(tmp_path, identifier):
    folder = tmp_path / "canvas"
    write(folder / "doejohn_late_2345_6789_Copy of ch01_alpha (1).ipynb", stamped(CH1))
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    find_handed_in(folder, "auto", KNOWN, identifier)
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before


def test_lms_names_cannot_become_spreadsheet_formulas(tmp_path, identifier):
    folder = tmp_path / "canvas"
    write(folder / "=1+2@evil_1234_5678_homework.ipynb", stamped(CH1))
    write(folder / "-cmd_2345_6789_homework.ipynb", stamped(CH1))
    _, _, records = find_handed_in(folder, "canvas", KNOWN, identifier)
    write_handed_in(tmp_path, records)
    with open(tmp_path / "handed_in.csv", newline="", encoding="utf-8") as f:
        names = [r["name"] for r in csv.DictReader(f)]
    assert names == ["'=1+2@evil", "'-cmd"]


def test_the_main_process_never_parses_a_submission(tmp_path, identifier, monkeypatch):
    """Identifying the chapters and reading the answers for the similarity report parse each notebook
    in a child process (a hostile notebook's JSON can take far more memory than its size)."""
    import os

    from course_utils.grading import layouts, similarity, submissions

    pids = tmp_path / "pids"
    original = submissions.parse_notebook

    def recording(path):
        with open(pids, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
        return original(path)

    monkeypatch.setattr(layouts, "parse_notebook", recording)
    monkeypatch.setattr(submissions, "parse_notebook", recording)
    folder = tmp_path / "canvas"
    write(folder / "smithjane_1234_5678_homework.ipynb", stamped(CH1))
    write(folder / "doejohn_2345_6789_homework.ipynb", stamped(CH2))
    found, _, _ = find_handed_in(folder, "canvas", KNOWN, identifier)
    answers = similarity.class_answers(found, KNOWN, 2**20)
    assert answers[CH1] == {"1234": {"double": "def double(x):\n    pass"}} and set(answers[CH2]) == {"2345"}
    seen = pids.read_text(encoding="utf-8").split()
    assert len(seen) == 4 and str(os.getpid()) not in seen


def test_roster_forms_and_errors(tmp_path):
    canvas = tmp_path / "canvas.csv"
    with open(canvas, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Quiz 1 (77)"])
        w.writerow(["    Points Possible", "", "", "", "", "10"])
        w.writerow(["Smith, Jane", "1234", "S001", "jsmith", "A", "9"])
        w.writerow(["Doe, John", "2345", "", "jdoe", "A", ""])
    roster = read_roster(canvas)
    assert len(roster) == 2 and roster.find("1234", "canvas").student_id == "S001"
    assert roster.find("2345", "canvas").student_id == "2345" and roster.find("2345", "canvas").name == "Doe, John"
    bad = {"no_id.csv": ("name,email\nJane,j@x\n", "no student_id column"),
           "bad_id.csv": ("student_id,name\n../etc,Jane\n", "row 2: '../etc' is not a usable student id"),
           "twice.csv": ("student_id\njane\njane\n", "row 3: student 'jane' is already on row 2"),
           "empty.csv": ("", "the roster is empty")}
    for name, (text, message) in bad.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(RosterError, match=message.replace("(", r"\(").replace(")", r"\)")):
            read_roster(tmp_path / name)
    with pytest.raises(RosterError, match="cannot read"):
        read_roster(tmp_path / "missing.csv")


# ---------------------------------------------------------------------------------------------
# End to end (slow tier): one class handed in three ways grades the same
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_one_class_three_ways_same_grades(tmp_path):
    """The tiny course of test_grade_cli; three students handed in as ``<student>/<ch>.ipynb`` folders,
    as a Canvas zip (alice late, carol's file renamed ``Copy of ... (1).ipynb``, bob's notebook
    unstamped) and as a Moodle zip: the same grades three times, the late flag only from Canvas,
    nothing in the instructor's folders changed; then ``course export --format canvas`` reads back
    to the same grades."""
    from grading.test_grade_cli import (
        TINY,
        answered,
        course_cli,
        make_tiny_course,
        read_csv,
        released,
        tiny_chapter,
        variant_of,
    )

    root = make_tiny_course(tmp_path / "course")
    rel, src = released(root, TINY, tmp_path), tiny_chapter()
    notebooks = {"alice": answered(rel, src), "bob": answered(rel, src, only=["double"]), "carol": rel}
    for student, nb in notebooks.items():
        if student != "bob":
            stamp(nb, COURSE, TINY)
    ids = {"alice": ("1001", "501", "Alice Adams", "adamsalice"), "bob": ("1002", "502", "Bob Brown", "brownbob"),
           "carol": ("1003", "503", "Carol Clark", "clarkcarol")}
    (tmp_path / "roster.csv").write_text("student_id,name,canvas_id,moodle_id\n" + "".join(
        f"{s},{v[2]},{v[0]},{v[1]}\n" for s, v in ids.items()), encoding="utf-8")
    folders = tmp_path / "folders"
    for student, nb in notebooks.items():
        write(folders / student / f"{TINY}.ipynb", nb)
    canvas, moodle = tmp_path / "canvas.zip", tmp_path / "moodle.zip"
    with zipfile.ZipFile(canvas, "w") as zf:
        zf.writestr(f"adamsalice_late_1001_9001_{TINY}.ipynb", nbformat.writes(notebooks["alice"]))
        zf.writestr("brownbob_1002_9002_homework.ipynb", nbformat.writes(notebooks["bob"]))
        zf.writestr(f"clarkcarol_1003_9003_Copy of {TINY} (1).ipynb", nbformat.writes(notebooks["carol"]))
    with zipfile.ZipFile(moodle, "w") as zf:
        for student, nb in notebooks.items():
            zf.writestr(f"{ids[student][2]}_{ids[student][1]}_assignsubmission_file_/{TINY}.ipynb", nbformat.writes(nb))
    before = {p: p.read_bytes() for p in [canvas, moodle, *folders.rglob("*.ipynb")]}
    grades = {}
    for name, subs, extra in [("folders", folders, []), ("canvas", canvas, ["--roster", tmp_path / "roster.csv"]),
                              ("moodle", moodle, ["--roster", tmp_path / "roster.csv"])]:
        out = tmp_path / f"out-{name}"
        proc = course_cli("grade", subs, "--out", out, "--course", root, "--cell-timeout", "60", "--timeout", "400",
                          "--memory-mb", "4096", *extra)  # generous limits: a busy machine must not change a grade
        assert proc.returncode == 0, proc.stdout + proc.stderr
        grades[name] = read_csv(out / "grades.csv")
        assert read_csv(out / "problems.csv") == [], (name, (out / "problems.csv").read_text(encoding="utf-8"))
        report = (out / "report.md").read_text(encoding="utf-8")
        assert "## Item analysis" in report and "## Similarity" in report and (out / "similarity.csv").exists()
    expected = [{"student_id": s, "chapter": TINY, "score": score, "max_score": "4", "variant": variant_of(root, TINY, s)}
                for s, score in (("alice", "4"), ("bob", "1"), ("carol", "0"))]
    assert grades["folders"] == expected
    assert [r.pop("late") for r in grades["canvas"]] == ["late", "", ""]
    assert [r.pop("late") for r in grades["moodle"]] == ["", "", ""]
    assert grades["canvas"] == expected and grades["moodle"] == expected
    assert {p: p.read_bytes() for p in before} == before
    dest = tmp_path / "canvas_import.csv"
    proc = course_cli("export", "--format", "canvas", "--out", dest, "--grading", tmp_path / "out-canvas")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = list(csv.reader(dest.read_text(encoding="utf-8").splitlines()))
    assert rows[:2] == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", TINY],
                        ["    Points Possible", "", "", "", "", "4"]]
    assert [(r[1], r[5]) for r in rows[2:]] == [("1001", "4"), ("1002", "1"), ("1003", "0")]
