"""Grades into an existing Canvas gradebook (``course export --format canvas --canvas-gradebook FILE``).

Canvas's gradebook export (Grades → Export → CSV) holds the identifying columns (``Student, ID, SIS
User ID, SIS Login ID, Section``; some institutions also get ``Integration ID`` or ``Root Account``),
then one column per assignment named ``<assignment name> (<assignment id>)``, then computed columns
(``Current Points``, ``Final Score``, … without an id), a ``Points Possible`` row under the header
and, in newer exports, rows such as ``Manual Posting`` with no student id. Canvas's import updates
an assignment when the CSV's column header equals that assignment's header, so the exported file
takes from the instructor's export:

* the identifying columns and cells of every student in it, verbatim (Canvas matches its students
  on them), and
* the header of the assignment column each chapter goes into, with its id: given by
  ``--map CHAPTER=COLUMN`` (the header, its name without the id, or the id), else found by the
  chapter in the column's name (``ch01_bert_representations``, ``ch01``, ``Chapter 1``, ``Ch. 01``
  or the title's words, ``BERT representations``).

Nothing is dropped silently: a chapter that matches no column or several, two chapters in one column,
a chapter whose points differ from the assignment's, and a graded student the gradebook does not
hold are each named in a :class:`CanvasGradebookError`, and no file is written.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

IDENTIFYING = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Root Account", "Section")
ASSIGNMENT = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)$")   # "Chapter 1 (123456)"
POINTS_ROW = "Points Possible"


class CanvasGradebookError(ValueError):
    """The grades cannot go into this gradebook as they are; ``problems`` lists every reason."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: the grades cannot be mapped to this Canvas gradebook ({len(problems)} problem(s); "
                         "nothing was written):\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class CanvasGradebook:
    path: Path
    identifying: list[str]                            # the identifying columns, in the file's order
    assignments: list[str]                            # assignment column headers ("name (id)")
    points: dict[str, str] = field(default_factory=dict)    # {assignment header: points possible as written}
    students: list[dict] = field(default_factory=list)      # {column: cell} per student row


def read_gradebook(path: Path | str) -> CanvasGradebook:
    """The instructor's Canvas gradebook export; a :class:`CanvasGradebookError` when it is none."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise CanvasGradebookError(path, [f"cannot read it ({type(e).__name__}: {e})"]) from e
    header = [h.strip() for h in rows[0]] if rows else []
    if not {"Student", "ID"} <= set(header):
        raise CanvasGradebookError(path, [(f"no Student and ID columns (the header is {', '.join(header) or 'empty'}): "
                                          "expected the CSV of Canvas's Grades → Export")])
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise CanvasGradebookError(path, [f"the column {h!r} appears twice" for h in repeated])
    book = CanvasGradebook(path, [h for h in header if h in IDENTIFYING], [h for h in header if ASSIGNMENT.match(h)])
    seen: dict[str, int] = {}
    problems = []
    for line, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, (c.strip() for c in row)))
        if cells.get("Student", "").startswith(POINTS_ROW):
            book.points = {a: cells.get(a, "") for a in book.assignments}
        elif cells.get("ID"):  # rows without a Canvas id ("Manual Posting", blank lines) are no students
            if cells["ID"] in seen:
                problems.append(f"row {line}: the Canvas ID {cells['ID']} is already on row {seen[cells['ID']]}")
            seen[cells["ID"]] = line
            book.students.append({h: row[i] if i < len(row) else "" for i, h in enumerate(header)})
    if problems:
        raise CanvasGradebookError(path, problems)
    return book


def _name(header: str) -> str:
    return ASSIGNMENT.match(header).group("name")


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


def chapter_matches(chapter: str, header: str) -> bool:
    """Does the assignment column ``header`` name ``chapter`` (``ch01_bert_representations``)? By its
    full name, its ``ch01`` part, its number (``Chapter 1``, ``Ch. 01``, ``ch 1``) or its title's words."""
    name = _words(_name(header))
    number = re.match(r"ch(?:apter)?[_ -]?0*(\d+)", chapter, re.IGNORECASE)
    title = re.sub(r"^ch(?:apter)?[_ -]?\d+[_ -]*", "", chapter, flags=re.IGNORECASE)
    if _words(chapter) in name:
        return True
    if number and re.search(rf" (?:ch|chap|chapter) ?0*{number.group(1)} ", name):
        return True
    # "ch01" glued to letters ("ch01a") is another column; the title alone needs two or more words
    return bool(title) and len(_words(title).split()) >= 2 and _words(title) in name


def resolve_columns(chapters: list[str], book: CanvasGradebook, mapping: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """``({chapter: assignment header}, problems)``. ``mapping`` (``--map``) keys are chapters or their
    start (``ch01``); its values an assignment's header, its name without the id, or its id."""
    columns: dict[str, str] = {}
    problems = []
    for key, wanted in mapping.items():
        hits = [ch for ch in chapters if ch == key] or [ch for ch in chapters if ch.startswith(key)]
        if len(hits) != 1:
            problems.append(f"--map {key}={wanted}: {key!r} is " + ("no chapter graded" if not hits else
                            f"the start of several chapters ({', '.join(hits)})") + f" (graded: {', '.join(chapters)})")
            continue
        found = [a for a in book.assignments if wanted.strip() in (a, _name(a), ASSIGNMENT.match(a).group("id"))]
        if len(found) != 1:
            problems.append(f"--map {key}={wanted}: " + ("no assignment column of the gradebook is called that" if not found
                            else f"several assignment columns are called that ({'; '.join(found)}): give the header with its id")
                            + _columns_hint(book))
            continue
        columns[hits[0]] = found[0]
    for ch in chapters:
        if ch in columns or any(ch == k or ch.startswith(k) for k in mapping):
            continue
        found = [a for a in book.assignments if chapter_matches(ch, a)]
        if len(found) == 1:
            columns[ch] = found[0]
        elif not found:
            problems.append(f"{ch}: no assignment column of the gradebook names this chapter; map it with "
                            f"--map {ch}=\"<column>\"" + _columns_hint(book))
        else:
            problems.append(f"{ch}: several assignment columns name this chapter ({'; '.join(found)}); choose one with "
                            f"--map {ch}=\"<column>\"")
    taken: dict[str, str] = {}
    for ch, column in sorted(columns.items()):
        if column in taken:
            problems.append(f"{taken[column]} and {ch} would both go into the column {column!r}")
        taken.setdefault(column, ch)
    return columns, problems


def _columns_hint(book: CanvasGradebook) -> str:
    shown = book.assignments[:12]
    return (" (its assignment columns: " + "; ".join(shown) + ("; …" if len(book.assignments) > 12 else "") + ")"
            if shown else " (it has no assignment column: create the assignments in Canvas and export the gradebook again)")


def find_student(student, book: CanvasGradebook) -> dict | None:
    """The gradebook row of a :class:`.roster.Student`: by the Canvas ID, SIS User ID or SIS Login ID
    the roster or the Canvas file names gave it; a student with none of these, by its student id in
    the SIS User ID, ID, SIS Login ID or Integration ID column. ``None`` when no single row matches."""
    given = [("ID", student.canvas_id), ("SIS User ID", student.sis_user_id), ("SIS Login ID", student.sis_login_id)]
    if not any(v for _, v in given):
        given = [(column, student.student_id) for column in ("SIS User ID", "ID", "SIS Login ID", "Integration ID")]
    for column, value in given:
        if value and column in book.identifying:
            hits = [row for row in book.students if row.get(column, "").strip() == value]
            if len(hits) == 1:
                return hits[0]
    return None


def canvas_rows(book: CanvasGradebook, students, graded: set[str], chapters: list[str], columns: dict[str, str],
                points: dict[str, float], score, problems: list[str] = ()) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)`` of the file to import: the gradebook's identifying columns, then each chapter's
    assignment column; the ``Points Possible`` row first, then every student of the gradebook, in its
    order. ``graded``: the student ids with a result, each of which must be in the gradebook;
    ``score(student or None, chapter)`` a cell (``None``: a gradebook student with no grade here).
    A :class:`CanvasGradebookError` names every problem, ``problems`` (those of the columns) first."""
    problems = list(problems)
    for ch in (ch for ch in chapters if ch in columns):
        written = book.points.get(columns[ch], "").strip()
        try:
            differs = written != "" and abs(float(written) - points[ch]) > 1e-9
        except ValueError:
            differs = False  # "(read only)" and the like: nothing to compare
        if differs:
            problems.append(f"{ch} is worth {points[ch]:g} points, its Canvas assignment {columns[ch]!r} {written}: "
                            f"set the assignment's points to {points[ch]:g} in Canvas (or map another column)")
    by_row: dict[int, object] = {}   # id(gradebook row) -> the graded student written there
    for s in students:
        if s.student_id not in graded:
            continue  # no grade to lose: the gradebook's row, if any, gets what a student without one gets
        row = find_student(s, book)
        if row is None:
            known = ", ".join(f"{k} {v}" for k, v in (("Canvas ID", s.canvas_id), ("SIS User ID", s.sis_user_id),
                                                      ("SIS Login ID", s.sis_login_id)) if v)
            problems.append(f"student {s.student_id}" + (f" ({s.name})" if s.name else "") + (f", {known}," if known else "")
                            + " has grades but is not in the Canvas gradebook (matched on its ID, SIS User ID and SIS "
                            "Login ID; a roster with canvas_id or sis_user_id columns tells who is who)")
        elif id(row) in by_row:
            problems.append(f"students {by_row[id(row)].student_id} and {s.student_id} both match the Canvas student "
                            f"{row.get('Student', '')!r} (ID {row.get('ID', '')})")
        else:
            by_row[id(row)] = s
    if problems:
        raise CanvasGradebookError(book.path, problems)
    header = book.identifying + [columns[ch] for ch in chapters]
    rows = [[("    " + POINTS_ROW) if h == "Student" else "" for h in book.identifying] + [f"{points[ch]:g}" for ch in chapters]]
    rows += [[row.get(h, "") for h in book.identifying] + [score(by_row.get(id(row)), ch) for ch in chapters]
             for row in book.students]
    return header, rows
