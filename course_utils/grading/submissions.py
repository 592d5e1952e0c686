"""Submissions: finding and unpacking them, reading them, inspecting and repairing their structure."""

from __future__ import annotations

import copy
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .course import _flags, grade_id

END_MARK = "# grader: end of the notebook"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")  # never "_...": the grader's own folders start so
MASTER, INBOX = "_master", "_inbox"  # the grader's own folders under work/, next to work/<student>/
ZIP_MAX_MB = 4096         # a .zip of submissions: all it unpacks to
ZIP_MAX_FILE_MB = 256     # ... one file of it
ZIP_MAX_MEMBERS = 50_000  # ... its number of files


# control characters, and Unicode's line separators and direction overrides (they reorder what is shown)
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``text`` (the student's, perhaps) with its control and direction characters written as escapes."""
    return _HIDDEN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass
class Problem:
    student_id: str
    chapter: str
    file: str
    problem: str   # a short code, e.g. cell_timeout
    detail: str    # what happened and what was done about it


@dataclass
class Submission:
    student_id: str
    chapter: str
    path: Path | None   # None: nothing handed in
    file: str           # the path as given, relative to SUBMISSIONS


def unpack(submissions: Path, inbox: Path, max_bytes: int = ZIP_MAX_MB * 2**20,
           max_file_bytes: int = ZIP_MAX_FILE_MB * 2**20, max_members: int = ZIP_MAX_MEMBERS) -> tuple[Path, list[Problem]]:
    """A folder of submissions: ``submissions`` itself, or a .zip extracted into ``inbox`` (members
    with absolute paths or ``..`` are skipped; a single wrapping folder is stepped into), with the
    problems met. A zip bomb is refused: no file unpacks past ``max_file_bytes``, the archive past
    ``max_bytes``, and at most ``max_members`` files are unpacked (the sizes are counted while
    unpacking, not taken from the archive's headers)."""
    if submissions.is_dir():
        return submissions, []
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    problems: list[Problem] = []

    def refuse(member: str, problem: str, detail: str) -> None:
        problems.append(Problem("", Path(member).stem if member.endswith(".ipynb") else "", member, problem, detail))

    try:
        zf = zipfile.ZipFile(submissions)
    except (zipfile.BadZipFile, OSError) as e:
        refuse(submissions.name, "bad_archive", f"not a folder or a readable .zip ({e}): nothing was graded")
        return inbox, problems
    with zf:
        members = [m for m in zf.infolist() if not (m.is_dir() or m.filename.startswith("/")
                   or {"..", "__MACOSX"} & set(Path(m.filename).parts))]
        if len(members) > max_members:
            refuse(submissions.name, "archive_too_large", (f"the .zip holds {len(members)} files, more than "
                   f"{max_members}: only the first {max_members} were unpacked"))
            members = members[:max_members]
        total = 0
        for member in members:
            budget = min(max_file_bytes, max_bytes - total)
            target = inbox.joinpath(*Path(member.filename).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                written = _copy_at_most(zf, member, target, budget)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:  # a damaged member
                target.unlink(missing_ok=True)
                refuse(member.filename, "bad_archive", f"cannot be unpacked ({type(e).__name__}: {e}): not graded")
                continue
            if written is not None:
                total += written
                continue
            target.unlink(missing_ok=True)
            if budget == max_file_bytes:
                refuse(member.filename, "file_too_large", (f"unpacks to more than {max_file_bytes // 2**20} MB "
                       "(a zip bomb?): not unpacked, not graded"))
                continue
            refuse(member.filename, "archive_too_large", (f"the .zip unpacks to more than {max_bytes // 2**20} MB "
                   "in all: this file and the ones after it were not unpacked, not graded"))
            break
    folder = inbox
    while True:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
        if len(entries) == 1 and entries[0].is_dir() and not any(entries[0].glob("*.ipynb")):
            folder = entries[0]
        else:
            return folder, problems


def _copy_at_most(zf: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, limit: int) -> int | None:
    """Unpack one member into ``target``; its size, or None once it passes ``limit`` bytes."""
    if member.file_size > limit:
        return None
    written = 0
    with zf.open(member) as src, open(target, "wb") as dst:
        while chunk := src.read(2**20):
            written += len(chunk)
            if written > limit:
                return None
            dst.write(chunk)
    return written


def find_submissions(folder: Path, known: list[str]) -> tuple[list[Submission], list[Problem]]:
    """``<student>/<ch>.ipynb`` or ``<student>/<ch>/<ch>.ipynb``; anything else is a problem."""
    found, problems = [], []
    for path in sorted(folder.rglob("*.ipynb")):
        rel = path.relative_to(folder)
        if {".ipynb_checkpoints", "__MACOSX"} & set(rel.parts) or any(p.startswith(".") for p in rel.parts):
            continue
        student, rest = rel.parts[0], rel.parts[1:]
        if not rest:
            problems.append(Problem("", path.stem, str(rel), "no_student_folder",
                                    "a notebook outside any <student_id>/ folder: not graded"))
        elif not STUDENT_ID.match(student):
            problems.append(Problem("", path.stem, str(rel), "bad_student_id",  # never a student: no id column
                                    "the folder name is not a usable student id (letters, digits, _.@+-): not graded"))
        elif len(rest) > 2 or (len(rest) == 2 and rest[0] != path.stem):
            problems.append(Problem(student, path.stem, str(rel), "unexpected_path",
                                    "expected <student_id>/<chapter>.ipynb or <student_id>/<chapter>/<chapter>.ipynb: not graded"))
        elif path.stem not in known:
            problems.append(Problem(student, path.stem, str(rel), "unknown_chapter",
                                    f"{path.name!r} names no chapter of this course ({', '.join(known)}): not graded"))
        else:
            found.append(Submission(student, path.stem, path, str(rel)))
    return _one_per_chapter(found, problems)


def _one_per_chapter(found: list[Submission], problems: list[Problem]) -> tuple[list[Submission], list[Problem]]:
    """Both layouts for one chapter: keep the newest file and say so."""
    chosen: dict[tuple[str, str], Submission] = {}
    for sub in found:
        key = (sub.student_id, sub.chapter)
        if key in chosen:
            keep, drop = sorted([chosen[key], sub], key=lambda s: s.path.stat().st_mtime, reverse=True)
            problems.append(Problem(*key, drop.file, "two_files", f"two notebooks for this chapter: graded the newer, {keep.file}"))
            chosen[key] = keep
        else:
            chosen[key] = sub
    return list(chosen.values()), problems


def parse_notebook(path: Path):
    """``(notebook, None)`` or ``(None, (problem, detail))`` for a file that is no notebook."""
    import nbformat

    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception as e:  # noqa: BLE001  (any unreadable file is a corrupt submission)
        return None, ("corrupt_notebook", (f"not a readable notebook ({type(e).__name__}: {escape_controls(str(e)[:120])}): "
                                           "scored 0"))
    if not nb.get("cells"):
        return None, ("empty_notebook", "the notebook has no cells: scored 0")
    return nb, None


@dataclass
class Structure:
    """How a submission's graded cells differ from the released notebook's."""

    missing: list[str] = field(default_factory=list)       # grade_ids no cell carries
    duplicated: list[str] = field(default_factory=list)    # grade_ids on several cells
    retyped: list[str] = field(default_factory=list)       # graded cells of another type
    unknown: list[str] = field(default_factory=list)       # grade_ids the release does not have
    edited_locked: list[str] = field(default_factory=list)  # read-only cells whose source changed
    damaged: list[str] = field(default_factory=list)        # cells whose nbgrader metadata nbgrader refuses
    extra: int = 0                                          # cells added by the student
    invalid: str | None = None                              # nbformat schema error

    @property
    def needs_rebuild(self) -> bool:
        return bool(self.missing or self.duplicated or self.retyped or self.unknown or self.invalid or self.damaged)


def damaged_metadata(nb) -> list[str]:
    """Cells whose nbgrader metadata ``nbgrader autograde`` would refuse (no or an old
    ``schema_version``, a missing key, a wrong type), named by grade_id or position. Metadata that is
    not even a mapping is removed here (every later step reads it as one)."""
    from nbgrader.nbgraderformat import MetadataValidator

    validator, damaged = MetadataValidator(), []
    for i, cell in enumerate(nb.cells):
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        name = meta.get("grade_id") if isinstance(meta, dict) else None
        label = repr(name[:40]) if isinstance(name, str) and name else f"cell {i}"  # the student's text: short
        if not isinstance(meta, dict) or not isinstance(name, (str, type(None))):
            cell.metadata.pop("nbgrader")
            damaged.append(label)
            continue
        try:
            validator.validate_cell(copy.deepcopy(cell))
        except Exception:  # noqa: BLE001  (nbgrader's ValidationError, SchemaTooOld/NewError, KeyError...)
            damaged.append(label)
    return damaged


def _release_match(cell, release) -> int | None:
    """Index of the release cell a submitted cell is (by grade_id, cell id or identical source)."""
    gid = grade_id(cell)
    for i, rc in enumerate(release.cells):
        if gid is not None and grade_id(rc) == gid:
            return i
    if gid is None:
        for i, rc in enumerate(release.cells):
            if grade_id(rc) is None and ((cell.get("id") and rc.get("id") == cell.get("id")) or rc.source == cell.source):
                return i
    return None


def inspect_structure(nb, release) -> Structure:
    import nbformat

    found = Structure(damaged=damaged_metadata(nb))
    try:
        nbformat.validate(nb)
    except Exception as e:  # noqa: BLE001
        found.invalid = escape_controls((str(e).splitlines() or [""])[0][:120])
    by_gid: dict[str, list] = {}
    for cell in nb.cells:
        if grade_id(cell) is not None and _flags(cell):
            by_gid.setdefault(grade_id(cell), []).append(cell)
        elif _release_match(cell, release) is None:
            found.extra += 1
    released = {grade_id(c): c for c in release.cells if grade_id(c) is not None}
    found.missing = [g for g in released if g not in by_gid]
    found.unknown = [g for g in by_gid if g not in released]
    found.extra += sum(len(by_gid[g]) for g in found.unknown)
    for gid, cells in by_gid.items():
        if gid not in released:
            continue
        if len(cells) > 1:
            found.duplicated.append(gid)
        if any(c.cell_type != released[gid].cell_type for c in cells):
            found.retyped.append(gid)
        elif _flags(released[gid]).get("locked") and not _flags(released[gid]).get("solution") \
                and any(c.source != released[gid].source for c in cells):
            found.edited_locked.append(gid)
    return found


def _chosen_answer(cells, stub: str) -> str:
    """Of several copies of a solution cell, the last one the student changed (it ran last)."""
    edited = [c.source for c in cells if c.source.strip() != stub.strip()]
    return edited[-1] if edited else stub


def rebuild(nb, release):
    """A fresh copy of the released notebook with the student's answers carried over by
    ``grade_id`` (the last edited copy of a duplicated cell; text of a retyped cell as code),
    their edits of editable ungraded cells, and the cells they added, each after the cell it
    followed."""
    answers: dict[str, list] = {}
    edited: dict[int, str] = {}
    added: dict[int, list] = {}
    anchor = -1
    for cell in nb.cells:
        index = _release_match(cell, release)
        if index is None:
            extra = copy.deepcopy(cell)
            extra.get("metadata", {}).pop("nbgrader", None)
            added.setdefault(anchor, []).append(extra)
            continue
        anchor = index
        rc = release.cells[index]
        if _flags(rc).get("solution"):
            answers.setdefault(grade_id(rc), []).append(cell)
        elif not _flags(rc).get("locked") and grade_id(rc) is None and cell.source != rc.source:
            edited[index] = cell.source
    out = copy.deepcopy(release)
    out.cells = [copy.deepcopy(c) for c in added.get(-1, [])]
    for i, rc in enumerate(release.cells):
        cell = copy.deepcopy(rc)
        if _flags(rc).get("solution"):
            cell.source = _chosen_answer(answers.get(grade_id(rc), []), rc.source)
        cell.source = edited.get(i, cell.source)
        out.cells.append(cell)
        out.cells += [copy.deepcopy(c) for c in added.get(i, [])]
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return out


def structure_problems(found: Structure, rebuilt: bool) -> list[tuple[str, str]]:
    """Rows for problems.csv that describe a submission's structure."""
    how = (" — graded a fresh copy of the released notebook with the student's answers carried over by grade_id"
           + (f" (and the {found.extra} cell(s) they added)" if found.extra else ""))
    rows = []
    if found.invalid:
        rows.append(("invalid_notebook", f"the notebook breaks the notebook format ({found.invalid})" + how))
    if found.damaged:
        rows.append(("damaged_metadata", f"nbgrader metadata damaged or of an old format: {', '.join(found.damaged)}; "
                     "the released cells' metadata was used" + how))
    if found.missing:
        rows.append(("deleted_cells", f"graded cells deleted: {', '.join(found.missing)}; deleted test cells were "
                     "restored, a deleted answer scores 0" + how))
    if found.duplicated:
        rows.append(("duplicate_cells", f"grade_id on several cells (copied cells): {', '.join(found.duplicated)}; "
                     "the last changed copy was graded" + how))
    if found.retyped:
        rows.append(("changed_cell_type", f"graded cells of another type: {', '.join(found.retyped)}; "
                     "their text was graded as code" + how))
    if found.unknown:
        names = ", ".join(repr(g[:40]) for g in found.unknown[:10]) + (", ..." if len(found.unknown) > 10 else "")
        rows.append(("unknown_cells", f"cells with grade_ids the release does not have: {names}; "
                     "kept as ordinary cells" + how))
    if found.edited_locked:
        rows.append(("edited_test_cell", (f"read-only cells edited: {', '.join(found.edited_locked)}; "
                     "graded with the originals from the gradebook")))
    if found.extra and not rebuilt:
        rows.append(("extra_cells", f"{found.extra} cell(s) added to the notebook: kept and graded as submitted"))
    return rows


def prepare_notebook(path: Path, release):
    """Read a submission and make it gradable: ``(notebook or None, [(problem, detail)])``."""
    nb, broken = parse_notebook(path)
    if broken:
        return None, [broken]
    found = inspect_structure(nb, release)
    if found.needs_rebuild:
        nb = rebuild(nb, release)
    nb.cells.append(_end_cell())
    return nb, structure_problems(found, found.needs_rebuild)


def _end_cell():
    import nbformat

    return nbformat.v4.new_code_cell(f"pass  {END_MARK} (the grader checks the checks here)")
