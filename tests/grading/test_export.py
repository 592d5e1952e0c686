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
from course_utils.grading.canvas import chapter_matches, read_gradebook, resolve_columns
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


# -- into an existing Canvas gradebook (--canvas-gradebook, --map) ------------------------------

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Chapter 1: Alpha (123456)",
                 "Quiz 1 (99)", "ch02 beta notebook (123457)", "Chapter 10 review (555)",
                 "Assignments Current Points", "Current Points", "Final Score"]
CANVAS_ROWS = [  # as Canvas's Grades > Export writes them: points row, a posting row, students, the test student
    ["    Points Possible", "", "", "", "", "3.00", "10.00", "2.00", "5.00", "(read only)", "(read only)", "(read only)"],
    ["", "", "", "", "", "Manual Posting", "", "", "", "", "", ""],
    ["Doe, John", "2345", "", "doejohn", "Sec B", "", "7", "", "", "7", "7", "70"],
    ["Smith, Jane", "1234", "S001", "jsmith", "Sec A", "1", "9", "", "", "10", "10", "100"],
    ["@SUM(A1:A9)", "3456", "S002", "-2+3", "Sec A", "", "", "", "", "", "", ""],
    ["Nobody, Handed In", "4567", "S003", "nobody", "Sec B", "", "", "", "", "", "", ""],
    ["Student, Test", "9999", "", "", "", "", "", "", "", "", "", ""],
]


def canvas_export(path: Path, header=CANVAS_HEADER, rows=CANVAS_ROWS) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as f:  # Canvas writes a BOM
        csv.writer(f).writerows([header] + rows)
    return path


def test_canvas_gradebook_columns_and_students_column_by_column(grading, tmp_path):
    book = canvas_export(tmp_path / "gradebook.csv")
    dest = tmp_path / "canvas.csv"
    assert main(["export", "--format", "canvas", "--out", str(dest), "--grading", str(grading),
                 "--canvas-gradebook", str(book)]) == 0
    rows = rows_of(dest)
    # the gradebook's identifying columns, then each chapter's assignment column, header and id as Canvas wrote them
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Chapter 1: Alpha (123456)",
                       "ch02 beta notebook (123457)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "3", "2"]
    # every student of the gradebook, in its order, identifying cells verbatim (formulas neutralised)
    assert rows[2] == ["Doe, John", "2345", "", "doejohn", "Sec B", "", "2"]  # graded as 2345 (Canvas file names)
    assert rows[3] == ["Smith, Jane", "1234", "S001", "jsmith", "Sec A", "3", "1"]
    assert rows[4] == ["'@SUM(A1:A9)", "3456", "S002", "'-2+3", "Sec A", "0.5", ""]
    assert rows[5] == ["Nobody, Handed In", "4567", "S003", "nobody", "Sec B", "", ""]  # no submission: empty
    assert rows[6] == ["Student, Test", "9999", "", "", "", "", ""]
    assert len(rows) == 7  # no "Manual Posting" row, no other assignment, no computed column
    with open(grading / "grades.csv", newline="", encoding="utf-8") as f:  # round trip by Canvas ID
        graded = {(r["student_id"], r["chapter"]): r["score"] for r in csv.DictReader(f)}
    to_student = {"1234": "S001", "3456": "S002", "4567": "S003", "2345": "2345", "9999": "test"}
    column = {CH1: rows[0][5], CH2: rows[0][6]}
    back = {(to_student[r[1]], ch): dict(zip(rows[0], r))[column[ch]] for r in rows[2:] for ch in (CH1, CH2)}
    assert {k: v for k, v in back.items() if v} == graded


def test_canvas_gradebook_missing_zero_and_matching_without_roster(grading, tmp_path):
    """Without a roster: students graded under their SIS User ID (folders named S001...) are found by it."""
    (grading / "roster.csv").unlink()
    (grading / "handed_in.csv").unlink()
    dest = tmp_path / "canvas.csv"
    book = canvas_export(tmp_path / "gradebook.csv", rows=CANVAS_ROWS[:2] + CANVAS_ROWS[3:]
                         + [["Doe, John", "777", "2345", "doejohn", "Sec B"] + [""] * 7])
    assert export(grading, "canvas", dest, None, missing_zero=True, canvas_gradebook=book) == 5
    rows = rows_of(dest)
    assert [r[1:3] + r[5:] for r in rows[2:]] == [["1234", "S001", "3", "1"], ["3456", "S002", "0.5", "0"],
                                                  ["4567", "S003", "0", "0"], ["9999", "", "0", "0"],
                                                  ["777", "2345", "0", "2"]]


def test_map_names_the_column_by_header_name_or_id(grading, tmp_path):
    header = CANVAS_HEADER[:5] + ["Representations (123456)", "Quiz 1 (99)", "Networks (123457)"]
    book = canvas_export(tmp_path / "gradebook.csv", header, [r[:8] for r in CANVAS_ROWS])
    dest = tmp_path / "canvas.csv"
    for ch1, ch2 in (("Representations (123456)", "Networks (123457)"), ("Representations", "123457")):
        assert main(["export", "--format", "canvas", "--out", str(dest), "--grading", str(grading),
                     "--canvas-gradebook", str(book), "--map", f"{CH1}={ch1}", "--map", f"ch02={ch2}"]) == 0
        assert rows_of(dest)[0][5:] == ["Representations (123456)", "Networks (123457)"]
        assert rows_of(dest)[3][5:] == ["3", "1"]
    # a map wins over the names: ch01's grades into the quiz column (its points then have to agree)
    with pytest.raises(ValueError, match="worth 3 points, its Canvas assignment 'Quiz 1 \\(99\\)' 10.00"):
        export(grading, "canvas", dest, canvas_gradebook=book, mapping={"ch01": "99", "ch02": "Networks"})


def test_canvas_gradebook_problems_are_all_named_and_nothing_is_written(grading, tmp_path, capsys):
    header = CANVAS_HEADER[:5] + ["Chapter 1 (123456)", "Ch. 01 retake (123458)", "Chapter 10 review (555)"]
    rows = [r[:8] for r in CANVAS_ROWS if r[1] != "2345"]  # the student graded as 2345 is not in this course
    book = canvas_export(tmp_path / "gradebook.csv", header, rows)
    dest = tmp_path / "canvas.csv"
    assert main(["export", "--format", "canvas", "--out", str(dest), "--grading", str(grading),
                 "--canvas-gradebook", str(book)]) == 2
    err = capsys.readouterr().err
    assert "3 problem(s); nothing was written" in err and not dest.exists()
    assert f"{CH1}: several assignment columns name this chapter (Chapter 1 (123456); Ch. 01 retake (123458))" in err
    assert f"{CH2}: no assignment column of the gradebook names this chapter; map it with --map {CH2}=" in err
    assert "Chapter 10 review (555)" in err  # listed among the columns to choose from, not matched to ch01
    assert "student 2345 (doejohn), Canvas ID 2345, has grades but is not in the Canvas gradebook" in err
    # mapped: the ambiguity and the missing column are settled, the student still is not dropped silently
    assert main(["export", "--format", "canvas", "--out", str(dest), "--grading", str(grading), "--canvas-gradebook",
                 str(book), "--map", "ch01=123456", "--map", f"{CH2}=Chapter 10 review"]) == 2
    err = capsys.readouterr().err
    assert "(1 problem(s)" in err and "student 2345 (doejohn)" in err and not dest.exists()
    # a map that names nothing, a chapter not graded, two chapters in one column
    problems = resolve_columns([CH1, CH2], read_gradebook(book),
                               {"ch09": "Chapter 1", CH1: "Chapter 7", CH2: "Ch. 01 retake (123458)"})[1]
    assert problems[0].startswith("--map ch09=Chapter 1: 'ch09' is no chapter graded")
    assert problems[1].startswith(f"--map {CH1}=Chapter 7: no assignment column of the gradebook is called that")
    assert len(problems) == 2


def test_canvas_gradebook_arguments_are_checked(grading, tmp_path, capsys):
    args = ["export", "--out", str(tmp_path / "x.csv"), "--grading", str(grading)]
    assert main(args + ["--format", "moodle", "--canvas-gradebook", str(canvas_export(tmp_path / "g.csv"))]) == 2
    assert "go with --format canvas" in capsys.readouterr().err
    assert main(args + ["--format", "canvas", "--map", "ch01"]) == 2
    assert "expected CHAPTER=COLUMN" in capsys.readouterr().err
    assert main(args + ["--format", "canvas", "--map", "ch01=Chapter 1"]) == 2
    assert "give it with --canvas-gradebook" in capsys.readouterr().err
    (tmp_path / "roster.csv").write_text("student_id,name\nS001,x\n", encoding="utf-8")
    assert main(args + ["--format", "canvas", "--canvas-gradebook", str(tmp_path / "roster.csv")]) == 2
    assert "no Student and ID columns" in capsys.readouterr().err
    twice = canvas_export(tmp_path / "twice.csv", rows=CANVAS_ROWS + [CANVAS_ROWS[3]])
    assert main(args + ["--format", "canvas", "--canvas-gradebook", str(twice)]) == 2
    assert "row 9: the Canvas ID 1234 is already on row 5" in capsys.readouterr().err


@pytest.mark.parametrize("header, ch, named", [
    ("Chapter 1: BERT representations (1)", "ch01_bert_representations", True),
    ("Ch. 01 (1)", "ch01_bert_representations", True),
    ("ch01 (1)", "ch01_bert_representations", True),
    ("ch01_bert_representations (1)", "ch01_bert_representations", True),
    ("BERT representations homework (1)", "ch01_bert_representations", True),
    ("Chapter 10 (1)", "ch01_bert_representations", False),
    ("Chapter 11 (1)", "ch01_bert_representations", False),
    ("ch01a (1)", "ch01_bert_representations", False),
    ("Sentiment (1)", "ch04_sentiment_analysis", False),   # one word of the title is not enough
    ("Quiz 1 (1)", "ch01_bert_representations", False),
])
def test_which_column_names_a_chapter(header, ch, named):
    assert chapter_matches(ch, header) is named
