"""``course export --format canvas|moodle|csv --out FILE``: the grades of a grading folder in a file
the LMS imports as is.

* ``canvas``: Canvas's gradebook layout: ``Student, ID, SIS User ID, SIS Login ID, Section``, then
  one column per chapter; the second row is Canvas's ``Points Possible`` row (each chapter's points).
  A chapter column that is not yet a Canvas assignment becomes a new one on import. With
  ``--canvas-gradebook FILE`` (the instructor's Canvas gradebook export) the identifying columns,
  the students and the assignment columns' headers (``Chapter 1 (123456)``) are taken from it, so
  the grades go into the existing assignments (:mod:`.canvas`).
* ``moodle``: Moodle's grade import: one identifier column (``Email address`` when the roster gives
  every student one, else ``ID number``: the student id), then one column per chapter.
* ``csv``: ``student_id, name``, then per chapter its score, its late flag and one column per graded
  cell (``<chapter>:<grade_id>``).

The students are the roster's (``--roster``, else the one ``course grade --roster`` saved into the
grading folder) and everyone graded; who is who in the LMS comes from the roster, else from the LMS
file names the submissions came in (``handed_in.csv``). A chapter a student did not hand in is an
empty cell (the LMS leaves it ungraded), or 0 with ``--missing-zero``. Every cell goes through
:func:`.csvsafe.csv_cell` (no spreadsheet formulas)."""

from __future__ import annotations

import sys
from pathlib import Path

from .canvas import CanvasGradebookError, canvas_rows, read_gradebook, resolve_columns
from .csvsafe import write_csv
from .gradebook import load_results
from .layouts import read_handed_in
from .roster import Roster, RosterError, Student, read_roster

FORMATS = ("canvas", "moodle", "csv")
CANVAS_IDS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"  # as Canvas writes it in its own exports


def _num(x) -> str:
    return "" if x is None else f"{float(x):g}"


def class_table(grading: Path, roster: Roster | None):
    """``(students, chapters, points, results)`` of a grading folder: :class:`.roster.Student` rows
    (roster first, then the others graded), the chapters graded, their points, and
    ``{(student, chapter): Result}``."""
    results = {(r.student_id, r.chapter): r for r in load_results(grading) if r.score is not None}
    chapters = sorted({ch for _, ch in results})
    points = {ch: max(r.max_score or 0 for (_, c), r in results.items() if c == ch) for ch in chapters}
    students = dict((roster.students if roster else {}).items())
    seen = {}
    for row in read_handed_in(grading):
        seen.setdefault(row["student_id"], row)
    for sid in sorted({s for s, _ in results} | set(seen)):
        if sid not in students:
            row = seen.get(sid, {})
            lms = row.get("lms_id", "")
            students[sid] = Student(sid, name=row.get("name", ""), canvas_id=lms if row.get("layout") == "canvas" else "",
                                    moodle_id=lms if row.get("layout") == "moodle" else "")
    return list(students.values()), chapters, points, results


def export(grading: Path, fmt: str, dest: Path, roster: Roster | None = None, missing_zero: bool = False,
           canvas_gradebook: Path | None = None, mapping: dict[str, str] | None = None) -> int:
    """Write ``dest``; the number of students written. ``canvas_gradebook`` (``fmt`` canvas only): the
    instructor's Canvas gradebook export, whose students and assignment columns the file takes;
    ``mapping``: ``{chapter or its start: column}`` for the chapters its column names do not name.
    A :class:`.canvas.CanvasGradebookError` lists every chapter or graded student that does not fit
    it; nothing is written then."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if (canvas_gradebook or mapping) and fmt != "canvas":
        raise ValueError("--canvas-gradebook and --map go with --format canvas")
    students, chapters, points, results = class_table(grading, roster)
    late = {(r["student_id"], r["chapter"]) for r in read_handed_in(grading) if r.get("late")}

    def score(s: Student | None, ch: str) -> str:
        r = results.get((s.student_id, ch)) if s is not None else None
        return _num(r.score) if r is not None else ("0" if missing_zero else "")

    if fmt == "canvas" and (canvas_gradebook or mapping):
        if not canvas_gradebook:
            raise ValueError("--map names columns of the Canvas gradebook: give it with --canvas-gradebook FILE")
        book = read_gradebook(canvas_gradebook)
        columns, problems = resolve_columns(chapters, book, mapping or {})
        header, rows = canvas_rows(book, students, {s for s, _ in results}, chapters, columns, points, score, problems)
        write_csv(dest, header, rows)
        return len(rows) - 1
    if fmt == "canvas":
        rows = [[POINTS_POSSIBLE, "", "", "", ""] + [_num(points[ch]) for ch in chapters]]
        rows += [[s.name or s.student_id, s.canvas_id, s.sis_user_id or ("" if s.canvas_id else s.student_id),
                  s.sis_login_id, s.section] + [score(s, ch) for ch in chapters] for s in students]
        write_csv(dest, CANVAS_IDS + chapters, rows)
    elif fmt == "moodle":
        by_email = bool(students) and all(s.email for s in students)
        write_csv(dest, ["Email address" if by_email else "ID number"] + chapters,
                  ([s.email if by_email else s.student_id] + [score(s, ch) for ch in chapters] for s in students))
    else:
        cells = {ch: list(dict.fromkeys(g for (_, c), r in results.items() if c == ch for g in r.cells)) for ch in chapters}
        header = ["student_id", "name"]
        for ch in chapters:
            header += [ch, f"{ch}:late"] + [f"{ch}:{g}" for g in cells[ch]]
        rows = []
        for s in students:
            row = [s.student_id, s.name]
            for ch in chapters:
                r = results.get((s.student_id, ch))
                row += [score(s, ch), "late" if (s.student_id, ch) in late else ""]
                row += [_num((r.cells.get(g) or [None])[0]) if r is not None else ("0" if missing_zero else "")
                        for g in cells[ch]]
            rows.append(row)
        write_csv(dest, header, rows)
    return len(students)


def export_command(args) -> int:
    grading = Path(args.grading)
    if not (grading / "results").is_dir():
        print(f"{grading}: no grading folder (no results/ in it); run `course grade ... --out {grading}` first",
              file=sys.stderr)
        return 2
    roster_path = Path(args.roster) if args.roster else grading / "roster.csv"
    try:
        roster = read_roster(roster_path) if args.roster or roster_path.exists() else None
    except RosterError as e:
        print(e, file=sys.stderr)
        return 2
    mapping = {}
    for item in args.map or []:
        key, sep, column = item.partition("=")
        if not sep or not key.strip() or not column.strip():
            print(f"--map {item!r}: expected CHAPTER=COLUMN, e.g. --map ch01=\"Chapter 1 (123456)\"", file=sys.stderr)
            return 2
        mapping[key.strip()] = column.strip()
    try:
        n = export(grading, args.format, Path(args.out), roster, args.missing_zero, args.canvas_gradebook, mapping)
    except (CanvasGradebookError, ValueError) as e:
        print(e, file=sys.stderr)
        return 2
    into = f" into the assignments of {args.canvas_gradebook}" if args.canvas_gradebook else ""
    print(f"wrote {args.out}: {n} student(s) in {args.format}'s layout{into}")
    return 0


def add_command(sub) -> None:
    e = sub.add_parser("export", help="the grades of a grading folder as Canvas or Moodle imports them, or a plain CSV")
    e.add_argument("--format", choices=FORMATS, required=True)
    e.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    e.add_argument("--grading", default="grading", metavar="DIR", help="the folder `course grade --out` wrote (default ./grading)")
    e.add_argument("--roster", default=None, metavar="CSV",
                   help="who is who in the LMS (default: the roster `course grade --roster` saved, else the LMS file names)")
    e.add_argument("--canvas-gradebook", default=None, metavar="CSV",
                   help="with --format canvas: the gradebook exported from Canvas (Grades > Export); the file then "
                        "takes its students and the headers of its assignment columns, so the grades go into them")
    e.add_argument("--map", action="append", default=[], metavar="CHAPTER=COLUMN",
                   help="the Canvas assignment column of a chapter, e.g. --map ch01=\"Chapter 1 (123456)\" (the "
                        "header, its name or its id; default: the column whose name names the chapter)")
    e.add_argument("--missing-zero", action="store_true",
                   help="a chapter not handed in scores 0 (default: an empty cell, which the LMS leaves ungraded)")
