"""Submissions as an LMS hands them over (``course grade --layout``), read where they lie (nothing in
the instructor's folder is renamed or moved):

* ``canvas``: Canvas's "Download Submissions" zip, flat files ``<name>_<userid>_<submissionid>_<file>``,
  with ``_late`` after the name for a late one (``smithjane_late_1234_5678_ch01 (1).ipynb``);
* ``moodle``: Moodle's "Download all submissions", folders ``<Full Name>_<id>_assignsubmission_file_/``
  (or, without "download in folders", flat files ``<Full Name>_<id>_assignsubmission_file_<file>``);
* ``nbgrader``: nbgrader's exchange, ``submitted/<student>/<assignment>/<notebook>.ipynb``;
* ``folders``: ``<student_id>/<chapter>.ipynb`` (see :func:`.submissions.find_submissions`); a notebook
  there whose name is no chapter is identified by its content.

The chapter of an LMS file is identified from its content (:mod:`.identify`), so a student's
``Copy of ch01... (1).ipynb`` is graded; the student by the LMS id in its name, through the roster."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from .csvsafe import write_csv
from .identify import Identifier
from .roster import Roster
from .submissions import STUDENT_ID, Problem, Submission, _one_per_chapter, find_submissions, parse_notebook

LAYOUTS = ("canvas", "moodle", "nbgrader", "folders")
CANVAS = re.compile(r"^(?P<name>[^_/]+?)(?P<late>_late)?_(?P<lms_id>\d+)_(?P<submission>\d+)_(?P<file>.+)$", re.IGNORECASE)
MOODLE_DIR = re.compile(r"^(?P<name>.+)_(?P<lms_id>\d+)_assignsubmission_[a-z]+_?$")
MOODLE_FILE = re.compile(r"^(?P<name>.+)_(?P<lms_id>\d+)_assignsubmission_file_(?P<file>.+)$")
RENAMED = re.compile(r"^(copy of )+|( ?\(\d+\)|-\d+)+$", re.IGNORECASE)  # Colab's "Copy of", a browser's " (1)", Canvas's "-1"


@dataclass
class HandedIn:
    """One notebook as handed in: who (the LMS's id and name), late or not."""

    student_id: str
    chapter: str
    file: str
    lms_id: str = ""
    name: str = ""
    late: bool = False
    layout: str = "folders"


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX")


def detect_layout(folder: Path) -> str:
    """The layout of an unpacked submissions folder (the one most of its entries follow)."""
    entries = _visible(folder)
    if (folder / "submitted").is_dir():
        return "nbgrader"
    canvas = sum(p.is_file() and bool(CANVAS.match(p.name)) for p in entries)
    moodle = sum(bool(MOODLE_DIR.match(p.name) if p.is_dir() else MOODLE_FILE.match(p.name)) for p in entries)
    if max(canvas, moodle) * 2 > len(entries):
        return "canvas" if canvas >= moodle else "moodle"
    if any(folder.glob("*/*/timestamp.txt")):
        return "nbgrader"
    return "folders"


def _notebooks(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*.ipynb")) if not any(
        part.startswith(".") or part == "__MACOSX" for part in p.relative_to(folder).parts)]


def listed(folder: Path, layout: str) -> list[tuple[Path, str, str, bool]]:
    """``(notebook, lms id or student folder, name, late)`` for each notebook of ``layout``; a
    notebook that does not follow it gets an empty id."""
    found = []
    if layout == "canvas":
        for path in _notebooks(folder):
            m = CANVAS.match(path.name) if path.parent == folder else None
            found.append((path, m["lms_id"], m["name"], bool(m["late"])) if m else (path, "", "", False))
    elif layout == "moodle":
        for path in _notebooks(folder):
            top = path.relative_to(folder).parts[0]
            m = MOODLE_DIR.match(top) if path.parent != folder else MOODLE_FILE.match(path.name)
            found.append((path, m["lms_id"], m["name"], False) if m else (path, "", "", False))
    else:  # nbgrader
        root = folder / "submitted" if (folder / "submitted").is_dir() else folder
        for path in _notebooks(root):
            parts = path.relative_to(root).parts
            found.append((path, parts[0] if len(parts) == 3 else "", "", False))
    return found


def name_hint(path: Path, known: list[str]) -> str | None:
    """The chapter a file's name gives (Canvas/Moodle prefixes, "Copy of" and " (1)" taken off), if any."""
    m = CANVAS.match(path.name) or MOODLE_FILE.match(path.name)
    stem = Path(m["file"]).stem if m else path.stem
    stem = RENAMED.sub("", stem).strip()
    return stem if stem in known else None


def find_handed_in(folder: Path, layout: str, known: list[str], identifier: Identifier, roster: Roster | None = None,
                   max_bytes: int = 20 * 2**20) -> tuple[list[Submission], list[Problem], list[HandedIn]]:
    """The submissions in ``folder`` (``layout``: one of :data:`LAYOUTS`, or ``auto``), the problems
    met, and who handed in what (``handed_in.csv``). A notebook over ``max_bytes``, or no plain
    file, is not read: its name alone may say its chapter."""
    layout = detect_layout(folder) if layout == "auto" else layout
    if layout == "folders":
        found, problems = find_submissions(folder, known)
        unnamed = [p for p in problems if p.problem in {"unknown_chapter", "unexpected_path"}
                   and STUDENT_ID.match(p.student_id)]  # a notebook named after no chapter: identified by content
        chapters = dict(zip((id(p) for p in unnamed), identify_files([folder / p.file for p in unnamed], known,
                                                                     identifier, max_bytes)))
        kept = []
        for p in problems:
            chapter = chapters.get(id(p), (None, ""))[0]
            if chapter:
                found.append(Submission(p.student_id, chapter, folder / p.file, p.file))
            else:
                kept.append(p)
        found, problems = _one_per_chapter(found, kept)
        if roster is not None:
            found, problems = _through_roster(found, problems, roster, "folders")
        return found, problems, [HandedIn(s.student_id, s.chapter, s.file) for s in found]
    found, problems, who = [], [], {}
    entries = listed(folder, layout)
    named = [e for e in entries if e[1]]
    chapters = identify_files([e[0] for e in named], known, identifier, max_bytes)
    for path, lms_id, _, _ in entries:
        if not lms_id:
            problems.append(Problem("", path.stem, str(path.relative_to(folder)), "unexpected_path",
                                    f"not named as a {layout} submission is: not graded"))
    for (path, lms_id, name, late), (chapter, why) in zip(named, chapters):
        rel = str(path.relative_to(folder))
        if chapter is None:
            problems.append(Problem(lms_id, path.stem, rel, "unknown_chapter", why + ": not graded"))
            continue
        found.append(Submission(lms_id, chapter, path, rel))
        who[rel] = (lms_id, name, late)
    found, problems = _one_per_chapter(found, problems)
    if roster is not None:
        found, problems = _through_roster(found, problems, roster, layout)
    records = [HandedIn(s.student_id, s.chapter, s.file, *who[s.file], layout=layout) for s in found]
    return found, problems, records


def identify_files(paths: list[Path], known: list[str], identifier: Identifier,
                   max_bytes: int) -> list[tuple[str | None, str]]:
    """``(chapter or None, why)`` for each notebook, read in a process of its own: a submission is
    never parsed by the grader's main process (a hostile notebook's JSON can take far more memory
    than its size)."""
    return in_child(_chapter, [(p, known, identifier, max_bytes) for p in paths])


def in_child(fn, calls: list[tuple]) -> list:
    """``[fn(*call) for call in calls]``, run in one child process (none for no calls)."""
    from concurrent.futures import ProcessPoolExecutor

    if not calls:
        return []
    with ProcessPoolExecutor(max_workers=1) as pool:
        return list(pool.map(_star, [(fn, c) for c in calls], chunksize=16))


def _star(job):
    fn, call = job
    return fn(*call)


def _chapter(path: Path, known: list[str], identifier: Identifier, max_bytes: int) -> tuple[str | None, str]:
    readable = path.is_file() and not path.is_symlink() and path.stat().st_size <= max_bytes
    nb, broken = parse_notebook(path) if readable else (None, ("", "too large to read, or not a plain file"))
    if nb is not None:
        return identifier.identify(nb)
    hint = name_hint(path, known)  # unreadable: its name may still say which chapter it is (graded 0 then)
    return (hint, "") if hint else (None, f"{broken[1].split(' (')[0].split(':')[0]}, and its name names no chapter")


def _through_roster(found: list[Submission], problems: list[Problem], roster: Roster,
                    layout: str) -> tuple[list[Submission], list[Problem]]:
    """Student ids from the roster; an id it lacks is kept as the student id, with a problem row."""
    out = []
    for s in found:
        student = roster.find(s.student_id, layout)
        if student is None:
            problems.append(Problem(s.student_id, s.chapter, s.file, "not_in_roster",
                                    f"{s.student_id!r} is not in the roster: graded under that id"))
            out.append(s)
        else:
            out.append(Submission(student.student_id, s.chapter, s.path, s.file))
    return out, problems


def write_handed_in(out: Path, records: list[HandedIn]) -> None:
    """``handed_in.csv``: who handed in which file, under which LMS id and name, late or not."""
    write_csv(out / "handed_in.csv", ["student_id", "chapter", "file", "lms_id", "name", "late", "layout"],
              ([r.student_id, r.chapter, r.file, r.lms_id, r.name, "late" if r.late else "", r.layout]
               for r in sorted(records, key=lambda r: (r.student_id, r.chapter))))


def read_handed_in(out: Path) -> list[dict]:
    path = out / "handed_in.csv"
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def late_flags(out: Path) -> set[tuple[str, str]] | None:
    """``{(student, chapter)}`` handed in late, or None when the class was not handed in from an LMS's
    download (no LMS ids in ``handed_in.csv``: grades.csv then has no ``late`` column)."""
    rows = read_handed_in(out)
    if not any(r["lms_id"] for r in rows):
        return None
    return {(r["student_id"], r["chapter"]) for r in rows if r["late"]}
