"""``course export`` (course_utils.grading.export) on a synthetic grading folder: each format checked
column by column against the LMS's documented import layout (Canvas: Student, ID, SIS User ID, SIS
Login ID, Section, one column per assignment, the "Points Possible" row; Moodle: one identifier
column mapped to a user field, one column per grade item), a round trip (the file read back gives
grades.csv's grades), empty cells for chapters not handed in (0 with --missing-zero), no formulas."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from course_utils.cli import main
from course_utils.grading.export import export
from course_utils.grading.gradebook import Result, save_result
from course_utils.grading.layouts import HandedIn, write_handed_in
from course_utils.grading.reports import write_tables
from course_utils.grading.roster import read_roster

CH1, CH2 = "ch01_alpha", "ch02_beta"
GRADES = {  # (student, chapter): (score, {cell: [score, points]})
    ("S001", CH1): (3.0, {"test_a": [1, 1], "test_b": [2, 2]}),
    ("S001", CH2): (1.0, {"test_c": [1, 2]}),
    ("S002", CH1): (0.5, {"test_a": [0.5, 1], "test_b": [0, 2]}),
    ("2345", CH2): (2.0, {"test_c": [2, 2]}),
}
POINTS = {CH1: 3.0, CH2: 2.0}


@pytest.fixture
def grading(tmp_path) -> Path:
    out = tmp_path / "grading"
    for (student, ch), (score, cells) in GRADES.items():
        save_result(out, Result(student, ch, f"{student}_{ch}.ipynb", score, POINTS[ch], cells))
    save_result(out, Result("", "", "notes.ipynb", problems=[["unknown_chapter", "..."]]))
    write_handed_in(out, [HandedIn("S001", CH1, "f1", "1234", "smithjane", False, "canvas"),
                          HandedIn("S001", CH2, "f2", "1234", "smithjane", True, "canvas"),
                          HandedIn("S002", CH1, "f3", "3456", "=cmd|' /C calc'!A0", False, "canvas"),
                          HandedIn("2345", CH2, "f4", "2345", "doejohn", False, "canvas")])
    write_tables(out, [Result(s, ch, "", sc, POINTS[ch], cells) for (s, ch), (sc, cells) in GRADES.items()])
    with open(out / "roster.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "name", "canvas_id", "sis_login_id", "section", "email"])
        w.writerow(["S001", "Smith, Jane", "1234", "jsmith", "Sec A", "js@uni.edu"])
        w.writerow(["S002", "@SUM(A1:A9)", "3456", "-2+3", "Sec A", "ab@uni.edu"])
        w.writerow(["S003", "Nobody, Handed In", "4567", "nobody", "Sec B", "nb@uni.edu"])
    return out


def rows_of(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_layout_column_by_column(grading, tmp_path):
    dest = tmp_path / "canvas.csv"
    assert export(grading, "canvas", dest, read_roster(grading / "roster.csv")) == 4
    rows = rows_of(dest)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", CH1, CH2]
    assert rows[1] == ["    Points Possible", "", "", "", "", "3", "2"]
    assert rows[2] == ["Smith, Jane", "1234", "", "jsmith", "Sec A", "3", "1"]
    assert rows[3] == ["'@SUM(A1:A9)", "3456", "", "'-2+3", "Sec A", "0.5", ""]  # formulas neutralised
    assert rows[4] == ["Nobody, Handed In", "4567", "", "nobody", "Sec B", "", ""]  # no submission: empty, not 0
    assert rows[5] == ["doejohn", "2345", "", "", "", "", "2"]  # not in the roster: from the Canvas file names


def test_moodle_layout_and_missing_zero(grading, tmp_path):
    dest = tmp_path / "moodle.csv"
    export(grading, "moodle", dest, None, missing_zero=True)
    rows = rows_of(dest)
    assert rows[0] == ["ID number", CH1, CH2]  # without a roster's emails: the student id
    assert rows[1:] == [["2345", "0", "2"], ["S001", "3", "1"], ["S002", "0.5", "0"]]
    roster = tmp_path / "emails.csv"
    roster.write_text("student_id,email\nS001,js@uni.edu\nS002,ab@uni.edu\n2345,jd@uni.edu\n", encoding="utf-8")
    export(grading, "moodle", dest, read_roster(roster))
    assert rows_of(dest) == [["Email address", CH1, CH2], ["js@uni.edu", "3", "1"], ["ab@uni.edu", "0.5", ""],
                             ["jd@uni.edu", "", "2"]]


def test_plain_csv_has_the_questions_and_late_flags(grading, tmp_path):
    dest = tmp_path / "plain.csv"
    export(grading, "csv", dest, read_roster(grading / "roster.csv"))
    rows = rows_of(dest)
    assert rows[0] == ["student_id", "name", CH1, f"{CH1}:late", f"{CH1}:test_a", f"{CH1}:test_b",
                       CH2, f"{CH2}:late", f"{CH2}:test_c"]
    assert rows[1] == ["S001", "Smith, Jane", "3", "", "1", "2", "1", "late", "1"]
    assert rows[2][:6] == ["S002", "'@SUM(A1:A9)", "0.5", "", "0.5", "0"]


@pytest.mark.parametrize("fmt", ["canvas", "moodle", "csv"])
def test_round_trip_gives_the_graded_scores(grading, tmp_path, fmt):
    """The exported file, read back by its identifier column, holds grades.csv's scores and nothing else."""
    dest = tmp_path / f"{fmt}.csv"
    assert main(["export", "--format", fmt, "--out", str(dest), "--grading", str(grading)]) == 0  # roster.csv found
    with open(grading / "grades.csv", newline="", encoding="utf-8") as f:
        graded = {(r["student_id"], r["chapter"]): r["score"] for r in csv.DictReader(f)}
    rows = rows_of(dest)
    header, body = rows[0], [r for r in rows[1:] if not r[0].strip().startswith("Points Possible")]
    key = {"canvas": "ID", "moodle": "ID number", "csv": "student_id"}[fmt]
    to_student = {"1234": "S001", "3456": "S002", "4567": "S003", "2345": "2345"} if fmt == "canvas" else {}
    back = {}
    for row in body:
        cells = dict(zip(header, row))
        for ch in (CH1, CH2):
            if cells[ch]:
                back[(to_student.get(cells[key], cells[key]), ch)] = cells[ch]
    assert back == graded


def test_export_errors_are_named(tmp_path, capsys):
    assert main(["export", "--format", "canvas", "--out", str(tmp_path / "x.csv"), "--grading", str(tmp_path)]) == 2
    assert "no grading folder" in capsys.readouterr().err
    (tmp_path / "results").mkdir()
    (tmp_path / "bad.csv").write_text("name\nx\n", encoding="utf-8")
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "x.csv"), "--grading", str(tmp_path),
                 "--roster", str(tmp_path / "bad.csv")]) == 2
    assert "no student_id column" in capsys.readouterr().err
