"""The class roster (``course grade --roster CSV``, ``course export --roster CSV``): who the students
are, by the ids an LMS puts in its file names.

Two forms are read:

* the course's own: a header with ``student_id`` (required) and any of ``name``, ``email``,
  ``canvas_id``, ``moodle_id``, ``lms_id`` (an id of either LMS), ``sis_user_id``, ``sis_login_id``,
  ``section``;
* a gradebook exported from Canvas as is (``Student, ID, SIS User ID, SIS Login ID, Section, ...``):
  the student id is the SIS User ID where there is one, else Canvas's ID; the "Points Possible" row
  is skipped.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from pathlib import Path

from .submissions import STUDENT_ID

OURS = ("student_id", "name", "email", "canvas_id", "moodle_id", "lms_id", "sis_user_id", "sis_login_id", "section")
CANVAS = {"Student": "name", "ID": "canvas_id", "SIS User ID": "sis_user_id", "SIS Login ID": "sis_login_id",
          "Section": "section"}


class RosterError(ValueError):
    """A roster that cannot be used; the message names the file, the row and the problem."""


@dataclass
class Student:
    student_id: str
    name: str = ""
    email: str = ""
    canvas_id: str = ""
    moodle_id: str = ""
    lms_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


class Roster:
    """Students by student id, and by the id each LMS knows them by."""

    def __init__(self, students: list[Student]):
        self.students = {s.student_id: s for s in students}
        self._by = {"canvas": {}, "moodle": {}, "any": {}}
        for s in students:
            for kind, value in (("canvas", s.canvas_id), ("moodle", s.moodle_id), ("any", s.lms_id)):
                if value:
                    self._by[kind][value] = s

    def find(self, lms_id: str, layout: str) -> Student | None:
        """The student an LMS id of this layout names: by that LMS's own id column, then ``lms_id``,
        then the student id itself."""
        return self._by.get(layout, {}).get(lms_id) or self._by["any"].get(lms_id) or self.students.get(lms_id)

    def __len__(self) -> int:
        return len(self.students)


def read_roster(path: Path | str) -> Roster:
    """The roster in ``path``; a :class:`RosterError` naming the problem when it cannot be used."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError) as e:
        raise RosterError(f"{path}: cannot read the roster ({type(e).__name__}: {e})") from e
    except csv.Error as e:
        raise RosterError(f"{path}: not a CSV file ({e})") from e
    if not rows:
        raise RosterError(f"{path}: the roster is empty")
    header = [h.strip() for h in rows[0]]
    canvas = {"Student", "ID"} <= set(header)
    if not canvas and "student_id" not in {h.lower() for h in header}:
        raise RosterError(f"{path}: no student_id column (the header is {', '.join(header) or 'empty'}); expected "
                          f"student_id and any of {', '.join(OURS[1:])}, or a gradebook exported from Canvas")
    students, seen = [], {}
    for line, row in enumerate(rows[1:], start=2):
        cells = dict(zip(header, (c.strip() for c in row)))
        if not any(cells.values()) or (canvas and cells.get("Student", "").startswith("Points Possible")):
            continue
        if canvas:
            known = {CANVAS[k]: v for k, v in cells.items() if k in CANVAS}
            known["student_id"] = known.get("sis_user_id") or known.get("canvas_id", "")
        else:
            known = {k.lower(): v for k, v in cells.items() if k.lower() in OURS}
        student = Student(**{f.name: known.get(f.name, "") for f in fields(Student)})
        if not STUDENT_ID.match(student.student_id):
            raise RosterError(f"{path}, row {line}: {student.student_id!r} is not a usable student id "
                              "(letters, digits and _.@+-, not starting with _ or .)")
        if student.student_id in seen:
            raise RosterError(f"{path}, row {line}: student {student.student_id!r} is already on row {seen[student.student_id]}")
        seen[student.student_id] = line
        students.append(student)
    return Roster(students)
