"""``course release`` and ``course grade``: nbgrader without its folder conventions.

``course release [CH...] [--check]`` regenerates ``notebooks/<ch>/`` from ``solutions/<ch>/`` with
``nbgrader generate_assignment`` in a throwaway course folder; ``--check`` only compares and names
the chapters whose committed student version is out of date.

``course grade SUBMISSIONS --out DIR`` grades ``<student>/<ch>.ipynb`` notebooks (a folder or a
.zip). Every chapter submission is graded on its own, in a private nbgrader course under
``DIR/work/<student>/<ch>/`` with its own SQLite gradebook, by a worker process
(``python -m course_utils.grading worker ...``) that runs under resource limits (address space,
file size, wall clock; nbgrader's per-cell timeout). The results are merged, one submission at a
time, into the class gradebook (``DIR/gradebook.db``, or ``COURSE_GRADEBOOK_URL``), and the tables
``grades.csv``, ``problems.csv``, ``report.md`` + ``scores.png`` are rebuilt from
``DIR/results/<student>/<ch>.json``, so a rerun replaces rows instead of adding them.

Hostile or broken submissions:

* structure: deleted, duplicated or retyped graded cells -> the answers, found by ``grade_id``,
  are carried into a fresh copy of the released notebook, which is graded instead;
* a crash (``os._exit``, a killed kernel) or a hang past the wall clock -> the cell that stopped
  the run (for a test cell: the solution cell it tests) is replaced by an error, and the rest regraded;
* the kernel runs a guard (``_kernel_guard``, an IPython start-up file) before any cell: an audit
  hook refuses writes outside the submission's own folder and starting programs, and before every
  statement of every cell the checking functions (``torch.allclose``, ``numpy.testing.*``,
  builtins, ``course_utils``, ...) are compared with, and put back to, the originals; a submission
  that replaced one scores zero.

Everything unusual is written to ``problems.csv`` with the reason and what was done about it.
Only the standard library is imported here at module level: ``course`` starts fast, and the
guard's source is copied into the kernel.
"""

from __future__ import annotations

import ast
import copy
import csv
import hashlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path

MEMORY_MB = 6144          # address-space limit per submission (kernel and nbgrader each)
TIMEOUT_S = 600           # wall clock per grading run of a chapter submission
FILE_MB = 1024            # largest file a submission may write
ATTEMPTS = 3              # grading runs of one submission, counting regrades after a crash or hang
END_MARK = "# grader: end of the notebook"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")
NOISE = {"execution", "ExecuteTime", "collapsed", "scrolled", "trusted", "id"}  # metadata that says nothing


# ---------------------------------------------------------------------------------------------
# The course: where it is, its chapters, a throwaway nbgrader course folder
# ---------------------------------------------------------------------------------------------

def course_root(start: Path | str | None = None) -> Path:
    """The course folder (``nbgrader_config.py`` + ``solutions/``): the working directory or
    one of its parents, else the folder this package was installed from."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents, Path(__file__).resolve().parents[1]):
        if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
            return folder
    raise FileNotFoundError(f"no course folder (nbgrader_config.py and solutions/) at or above {here}")


def discover_chapters(root: Path) -> list[str]:
    """Every ``solutions/<ch>/<ch>.ipynb``, in order."""
    folder = Path(root) / "solutions"
    return sorted(p.name for p in folder.iterdir() if (p / f"{p.name}.ipynb").is_file()) if folder.is_dir() else []


def write_course(folder: Path, root: Path, chapters: list[str], db_url: str | None = None,
                 cell_timeout: int | None = None) -> Path:
    """A private nbgrader course: the course's ``nbgrader_config.py`` followed by overrides that
    keep every path (and the SQLite gradebook) inside ``folder``; ``source/<ch>`` copied in."""
    folder.mkdir(parents=True, exist_ok=True)
    for ch in chapters:
        dest = folder / "source" / ch
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(root / "solutions" / ch, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    db_url = db_url or "sqlite:///" + str(folder / "gradebook.db")
    overrides = {"root": str(folder), "source_directory": "source", "release_directory": "release",
                 "submitted_directory": "submitted", "autograded_directory": "autograded",
                 "feedback_directory": "feedback", "db_url": db_url}
    lines = [f"c.CourseDirectory.{k} = {v!r}" for k, v in overrides.items()]
    if cell_timeout:
        lines.append(f"c.ExecutePreprocessor.timeout = c.Execute.timeout = {int(cell_timeout)}")
    text = ((root / "nbgrader_config.py").read_text(encoding="utf-8")
            + "\n\n# --- added by course_utils.grading: a private course folder ---\n" + "\n".join(lines) + "\n")
    (folder / "nbgrader_config.py").write_text(text, encoding="utf-8")
    return folder


def load_config(folder: Path):
    """The traitlets ``Config`` of a course folder's ``nbgrader_config.py``."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()


def nbgrader_api(folder: Path, config=None):
    from nbgrader.apps import NbGraderAPI

    return NbGraderAPI(config=config or load_config(folder))


def course_id(folder: Path) -> str:
    return load_config(folder).CourseDirectory.get("course_id", "default_course")


def generate(folder: Path, chapters: list[str]) -> None:
    """``nbgrader generate_assignment`` for each chapter (release notebooks + gradebook entries)."""
    api = nbgrader_api(folder)
    for ch in chapters:
        outcome = api.generate_assignment(ch, force=True)
        if not outcome["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {ch} failed:\n{outcome.get('log', '')}\n{outcome.get('error', '')}")


# ---------------------------------------------------------------------------------------------
# course release [--check]
# ---------------------------------------------------------------------------------------------

def read_notebook(path: Path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _comparable(cell) -> dict:
    meta = {k: v for k, v in cell.get("metadata", {}).items() if k not in NOISE}
    return {"cell_type": cell.cell_type, "source": cell.source, "metadata": meta}


def notebook_differences(expected, actual, shown: int = 3) -> list[str]:
    """What differs for grading: cell types, sources, metadata (ids and outputs ignored)."""
    found = []
    if expected.metadata.get("kernelspec") != actual.metadata.get("kernelspec"):
        found.append("kernelspec differs")
    exp, act = [_comparable(c) for c in expected.cells], [_comparable(c) for c in actual.cells]
    if len(exp) != len(act):
        found.append(f"{len(exp)} cells expected, {len(act)} committed")
    for i, (e, a) in enumerate(zip(exp, act)):
        if e != a:
            name = e["metadata"].get("nbgrader", {}).get("grade_id") or e["cell_type"]
            what = "source" if e["source"] != a["source"] else "type" if e["cell_type"] != a["cell_type"] else "metadata"
            found.append(f"cell {i} ({name}): {what} differs")
    return found[:shown] + ([f"... and {len(found) - shown} more"] if len(found) > shown else [])


def folder_differences(generated: Path, committed: Path, compare=None) -> list[str]:
    """File by file, a freshly generated release folder against the committed one; notebooks are
    compared by ``compare(expected, actual)`` (default: ``notebook_differences``)."""
    compare = compare or notebook_differences

    def files(folder: Path) -> set[Path]:
        return {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()
                and not {".ipynb_checkpoints", "__pycache__"} & set(p.parts)} if folder.is_dir() else set()

    gen, com = files(generated), files(committed)
    found = [f"{p}: missing from notebooks/" for p in sorted(gen - com)]
    found += [f"{p}: not generated from solutions/" for p in sorted(com - gen)]
    for rel in sorted(gen & com):
        if rel.suffix == ".ipynb":
            found += [f"{rel}: {d}" for d in compare(read_notebook(generated / rel), read_notebook(committed / rel))]
        elif (generated / rel).read_bytes() != (committed / rel).read_bytes():
            found.append(f"{rel}: contents differ")
    return found


def release(root: Path, chapters: list[str] | None = None, check: bool = False) -> dict[str, list[str]]:
    """Generate the student version of each chapter in a temporary course; with ``check``, return
    ``{chapter: differences}`` for the chapters whose ``notebooks/<ch>/`` is out of date, else
    write ``notebooks/<ch>/`` and return ``{}``."""
    chapters = chapters or discover_chapters(root)
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        folder = write_course(Path(tmp), root, chapters)
        generate(folder, chapters)
        stale = {}
        for ch in chapters:
            generated, committed = folder / "release" / ch, root / "notebooks" / ch
            if check:
                found = folder_differences(generated, committed)
                if found:
                    stale[ch] = found
            else:
                if committed.exists():
                    shutil.rmtree(committed)
                shutil.copytree(generated, committed)
        return stale


def resolve_chapters(names: list[str] | None, known: list[str]) -> tuple[list[str], list[str]]:
    """Chapter names as typed (``ch03`` for ``ch03_fine_tuning_objective``: a full name or a prefix of
    exactly one chapter) -> (chapters, the names that match none or several)."""
    chapters, bad = [], []
    for name in names or []:
        matches = [name] if name in known else [k for k in known if k.startswith(name)]
        if len(matches) == 1:
            chapters += [m for m in matches if m not in chapters]
        else:
            bad.append(name)
    return chapters, bad


def release_command(args) -> int:
    root = course_root()
    known = discover_chapters(root)
    chapters, unknown = resolve_chapters(args.chapters, known)
    if unknown:
        print(f"unknown or ambiguous chapter(s): {', '.join(unknown)} (chapters: {', '.join(known)})", file=sys.stderr)
        return 2
    chapters = chapters or known
    stale = release(root, chapters, check=args.check)
    if not args.check:
        print(f"regenerated notebooks/ for {len(chapters)} chapter(s): {', '.join(chapters)}")
        return 0
    for ch, found in stale.items():
        print(f"{ch}: notebooks/{ch}/ is out of sync with solutions/{ch}/\n  " + "\n  ".join(found))
    if stale:
        print(f"\nrun `course release {' '.join(stale)}` and commit notebooks/", file=sys.stderr)
        return 1
    print(f"notebooks/ is in sync with solutions/ ({len(chapters)} chapter(s))")
    return 0


# ---------------------------------------------------------------------------------------------
# Submissions: finding them, reading them, repairing their structure
# ---------------------------------------------------------------------------------------------

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


def unpack(submissions: Path, inbox: Path) -> Path:
    """A folder of submissions: ``submissions`` itself, or a .zip extracted into ``inbox`` (members
    with absolute paths or ``..`` are skipped; a single wrapping folder is stepped into)."""
    if submissions.is_dir():
        return submissions
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    with zipfile.ZipFile(submissions) as zf:
        for member in zf.infolist():
            parts = Path(member.filename).parts
            if member.is_dir() or member.filename.startswith("/") or ".." in parts or "__MACOSX" in parts:
                continue
            target = inbox.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    folder = inbox
    while True:
        entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
        if len(entries) == 1 and entries[0].is_dir() and not any(entries[0].glob("*.ipynb")):
            folder = entries[0]
        else:
            return folder


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
            problems.append(Problem(student, path.stem, str(rel), "bad_student_id",
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


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _flags(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def parse_notebook(path: Path):
    """``(notebook, None)`` or ``(None, (problem, detail))`` for a file that is no notebook."""
    import nbformat

    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception as e:  # noqa: BLE001  (any unreadable file is a corrupt submission)
        return None, ("corrupt_notebook", f"not a readable notebook ({type(e).__name__}: {str(e)[:120]}): scored 0")
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
    extra: int = 0                                          # cells added by the student
    invalid: str | None = None                              # nbformat schema error

    @property
    def needs_rebuild(self) -> bool:
        return bool(self.missing or self.duplicated or self.retyped or self.unknown or self.invalid)


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

    found = Structure()
    try:
        nbformat.validate(nb)
    except Exception as e:  # noqa: BLE001
        found.invalid = str(e).splitlines()[0][:120]
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
        rows.append(("unknown_cells", f"cells with grade_ids the release does not have: {', '.join(found.unknown)}; "
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


# ---------------------------------------------------------------------------------------------
# The guard that runs inside the student's kernel
# ---------------------------------------------------------------------------------------------

def _kernel_guard(spec_path):
    """Installed by an IPython start-up file before the first cell; its source is copied there, so
    it imports only the standard library and keeps its state in this closure.

    * An audit hook (it cannot be removed) refuses writes outside ``spec["writable"]`` and starting
      programs, and reports both.
    * Before every statement of a test cell (and at the end of the notebook) it compares the public
      functions and classes of the modules the chapter imports, their submodules and the builtins
      with the originals taken here, puts back any that changed and reports it (the submission then
      scores 0); the names the chapter's imports bind (``torch``, ``F``, ...) are put back too.
    * Its report must start and end (the grader's last cell): one cut short also scores 0.
    """
    import builtins
    import importlib
    import json
    import linecache
    import os
    import sys
    import types

    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    report_fd = os.open(spec["report"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(report_fd, b'{"event": "start"}\n')
    writable = [os.path.realpath(p) for p in spec["writable"]] + ["/dev/null"]
    sealed = {os.path.realpath(spec["report"]), os.path.realpath(spec_path)}
    tests = {s.strip() for s in spec["tests"]}
    busy = []
    missing = object()
    end_mark = spec["end_mark"]
    # names IPython and ipykernel themselves set and reset around each cell
    skip_builtins = {"exit", "quit", "get_ipython", "display", "help", "copyright", "credits", "license", "_",
                     "input", "raw_input", "getpass"}

    def note(event, **info):
        os.write(report_fd, (json.dumps({"event": event, **info}) + "\n").encode())

    def take(owner, label, skip=()):
        names = vars(owner)
        return [[owner, names, f"{label}.{k}", k, v, v.__code__ if isinstance(v, types.FunctionType) else None]
                for k, v in list(names.items())
                if k not in skip and (not k.startswith("_") or owner is builtins)
                and (callable(v) or isinstance(v, types.ModuleType))]

    modules = {}
    for name in spec["modules"]:
        try:
            modules[name] = importlib.import_module(name)
        except Exception as e:  # noqa: BLE001  (a module the chapter cannot import is not ours to protect)
            note("guard_note", detail=f"cannot import {name}: {e}")
    for name in list(sys.modules):
        if name.split(".")[0] in spec["packages"] and isinstance(sys.modules[name], types.ModuleType):
            modules.setdefault(name, sys.modules[name])
    originals = take(builtins, "builtins", skip_builtins)
    for name, module in modules.items():
        originals += take(module, name)
    torch = modules.get("torch")
    if torch is not None:
        originals += take(torch.Tensor, "torch.Tensor")
    aliases = {a: modules[m] for a, m in spec["aliases"].items() if m in modules}
    user_ns = get_ipython().user_ns  # noqa: F821  (IPython runs this file with get_ipython available)

    libraries = tuple(os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})

    def library_wrapper(new, old):
        """A library wrapping a function later (``torch._dynamo`` wraps ``torch.manual_seed``)."""
        code = getattr(new, "__code__", None)
        return getattr(new, "__wrapped__", None) is old and code is not None \
            and os.path.realpath(code.co_filename).startswith(libraries)

    def restore():
        """Put back every original that changed; their names."""
        changed = []
        for entry in originals:
            owner, names, label, key, value, code = entry
            now = names.get(key, missing)
            if now is value and (code is None or value.__code__ is code):
                continue
            if now is not value and library_wrapper(now, value):
                entry[4], entry[5] = now, now.__code__
                continue
            changed.append(label)
            if code is not None:
                value.__code__ = code
            if isinstance(names, dict):
                names[key] = value
            else:  # a class: its namespace is read-only, setattr goes through type.__setattr__
                setattr(owner, key, value)
        return changed

    def check(code):
        lines = linecache.cache.get(code.co_filename)
        source = "".join(lines[2]).strip() if lines else ""
        ending = end_mark in source
        if source not in tests and not ending:
            return
        first_line = source.splitlines()[0][:80]
        try:
            changed = restore()
            if changed:
                note("tamper", what=sorted(set(changed))[:10], cell=first_line)
            for alias, module in aliases.items():
                if alias in user_ns and user_ns[alias] is not module:
                    note("rebound", what=alias, cell=first_line)
                    user_ns[alias] = module
        finally:
            if ending:
                note("end")

    def refuse(event, what):
        note(event, what=str(what)[:200])
        raise PermissionError(f"grading: {what} is not allowed while grading")

    def is_writable(path):
        path = os.path.realpath(os.fsdecode(path))
        if path in sealed:
            return False
        return any(path == root or path.startswith(root + os.sep) for root in writable)

    def check_write(path):
        if path is None or isinstance(path, int) or is_writable(path):
            return
        if "__pycache__" in os.fsdecode(path):  # bytecode caches: refused quietly
            raise PermissionError("grading: no bytecode caches outside the submission's folder")
        refuse("blocked_write", os.path.realpath(os.fsdecode(path)))

    write_events = {"os.remove", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown", "os.utime",
                    "shutil.rmtree", "os.symlink", "os.link", "os.rename", "shutil.copyfile", "shutil.copytree",
                    "shutil.move", "os.setxattr", "os.removexattr", "os.chflags", "os.mkfifo", "os.mknod"}
    program_events = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                      "os.forkpty", "pty.spawn"}
    introspection = {"gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys.settrace", "sys.setprofile"}

    def targets(event, args):
        """The paths an event would change."""
        if event == "open":
            path, mode, flags = args
            if mode is None and not isinstance(path, int) and os.path.isdir(path):
                return [path]  # a directory handle (os.open) would let dir_fd= reach outside
            writes = (mode is not None and any(ch in mode for ch in "wax+")) or \
                     (mode is None and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
            return [path] if writes else []
        if event in ("os.rename", "shutil.move", "os.link"):  # a hard link to a file can change it
            return [args[0], args[1]]
        if event in ("shutil.copyfile", "shutil.copytree", "os.symlink"):
            return [args[1]]
        if event == "os.truncate" and args and args[0] == report_fd:
            return [spec["report"]]
        return [args[0]] if args else []

    def hook(event, args):
        if busy:
            return
        busy.append(1)
        try:
            if event == "exec":
                code = args[0]
                if isinstance(code, types.CodeType) and "ipykernel_" in code.co_filename:
                    try:
                        check(code)
                    except Exception as e:  # noqa: BLE001  (a bug here must not fail the student's cell)
                        note("guard_error", what=f"{type(e).__name__}: {e}")
            elif event == "open" or event in write_events:
                for path in targets(event, args):
                    check_write(path)
            elif event in program_events:
                refuse("blocked_program", args[0] if args else event)
            elif event in introspection and "ipykernel_" in sys._getframe(1).f_code.co_filename:
                refuse("blocked_introspection", event)
        finally:
            busy.pop()

    sys.addaudithook(hook)
    note("ready", cwd=os.getcwd(), protected=len(originals))


UNGUARDED = {"sys", "os", "subprocess", "signal", "IPython"}  # IPython swaps sys's hooks around each cell


def guard_spec(source_nb, tests: list[str], report: Path, writable: list[Path]) -> dict:
    """What ``_kernel_guard`` protects for one chapter: the modules the chapter's own cells import
    (all but the solutions; hidden tests included) and the names they bind, the test cells'
    sources, where writes may go."""
    modules, aliases = set(), {}
    for cell in source_nb.cells:
        if cell.cell_type != "code" or _flags(cell).get("solution"):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    modules.add(a.name)
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module)
    modules = {m for m in modules if m.split(".")[0] not in UNGUARDED}
    aliases = {a: m for a, m in aliases.items() if m.split(".")[0] not in UNGUARDED}
    packages = sorted({m.split(".")[0] for m in modules})
    extra = [m for m, pkg in (("torch.testing", "torch"), ("numpy.testing", "numpy")) if pkg in packages]
    return {"modules": sorted(modules | set(packages) | set(extra)), "packages": packages, "aliases": aliases,
            "tests": tests, "end_mark": END_MARK, "report": str(report), "writable": [str(p) for p in writable]}


def write_startup(ipython_dir: Path) -> None:
    """An IPython profile whose start-up file installs ``_kernel_guard`` (``COURSE_GUARD_SPEC``)."""
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    source = inspect.getsource(_kernel_guard)
    (startup / "00-course-grading-guard.py").write_text(
        f"{source}\n\nimport os as _os\n"
        "try:\n    _kernel_guard(_os.environ['COURSE_GUARD_SPEC'])\n"
        "finally:\n    del _kernel_guard, _os\n", encoding="utf-8")


@dataclass
class GuardReport:
    started: bool = False
    ended: bool = False
    tampered: list[str] = field(default_factory=list)
    rebound: list[str] = field(default_factory=list)
    blocked_writes: list[str] = field(default_factory=list)
    blocked_programs: list[str] = field(default_factory=list)
    introspection: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_guard_report(path: Path) -> GuardReport:
    report = GuardReport()
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        kind, what = event.get("event"), event.get("what")
        if kind == "start":
            report.started = True
        elif kind == "end":
            report.ended = True
        elif kind == "tamper":
            report.tampered += [f"{w} (found before: {event.get('cell')})" for w in what if w not in str(report.tampered)]
        elif kind == "rebound" and what not in report.rebound:
            report.rebound.append(what)
        elif kind == "blocked_write" and what not in report.blocked_writes:
            report.blocked_writes.append(what)
        elif kind == "blocked_program":
            report.blocked_programs.append(what)
        elif kind == "blocked_introspection":
            report.introspection.append(what)
        elif kind == "guard_error" and what not in report.errors:
            report.errors.append(what)
    return report


def guard_problems(report: GuardReport, graded: bool) -> list[tuple[str, str]]:
    rows = []
    if report.tampered:
        rows.append(("checks_tampered", "replaced functions the tests check with: " + "; ".join(report.tampered[:5])
                     + ". The originals were put back before every statement; the chapter scores 0 (review by hand)"))
    if graded and not (report.started and report.ended):
        rows.append(("checks_tampered", ("the grader's integrity report is missing or was cut off before the end "
                                         "of the notebook: the chapter scores 0 (review by hand)")))
    if report.errors:
        rows.append(("guard_error", f"the grader's check failed ({'; '.join(report.errors[:2])}): please report"))
    if report.rebound:
        rows.append(("rebound_names", (f"rebound names the tests use ({', '.join(report.rebound)}); "
                     "the tests ran with the originals")))
    if report.blocked_writes:
        rows.append(("write_outside", (f"tried to write outside its own folder: {', '.join(report.blocked_writes[:5])}; "
                     "refused (nothing outside the submission's folder was changed)")))
    if report.blocked_programs:
        rows.append(("started_program", f"tried to start programs ({', '.join(report.blocked_programs[:3])}); refused"))
    if report.introspection:
        rows.append(("grader_introspection", f"called {', '.join(sorted(set(report.introspection)))}; refused"))
    return rows


def must_zero(report: GuardReport) -> bool:
    """After a completed run: checks replaced, or the guard's report missing or cut short."""
    return bool(report.tampered) or not (report.started and report.ended)


# ---------------------------------------------------------------------------------------------
# The worker: one chapter submission in its private course, under resource limits
# ---------------------------------------------------------------------------------------------

def limit_resources(memory_mb: int) -> None:
    import resource

    limits = [(resource.RLIMIT_AS, memory_mb * 2**20), (resource.RLIMIT_FSIZE, FILE_MB * 2**20), (resource.RLIMIT_CORE, 0)]
    for kind, value in limits:
        _, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, hard))


def _progress_hook(path: Path):
    """nbclient's ``on_cell_start``: note when each code cell is sent to the kernel."""
    def record(cell=None, cell_index=None, **_):
        if cell is not None and cell.cell_type == "code" and cell.source.strip():
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"cell": cell_index, "t": time.time()}) + "\n")
    return record


def read_scores(db_url: str, cid: str, ch: str, student: str) -> dict[str, list]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, cid) as gb:
        nb = gb.find_submission_notebook(ch, ch, student)
        return {g.name: [g.score, g.max_score] for g in nb.grades}


def zero_grades(db_url: str, cid: str, ch: str, student: str) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, cid) as gb:
        for g in gb.find_submission_notebook(ch, ch, student).grades:
            g.manual_score = 0
        gb.db.commit()


def worker(ws: Path, ch: str, student: str, memory_mb: int) -> int:
    """``python -m course_utils.grading worker WS CH STUDENT MEMORY_MB``: autograde, then (unless the
    guard saw tampering, which zeroes the grades) feedback; writes ``WS/result.json``."""
    limit_resources(memory_mb)
    config = load_config(ws)
    config.Execute.on_cell_start = _progress_hook(ws / "progress.jsonl")
    api = nbgrader_api(ws, config)
    outcome = api.autograde(ch, student, force=True, create=True)
    result = {"success": bool(outcome["success"]), "log": (outcome.get("log") or "")[-4000:],
              "error": (outcome.get("error") or "")[-4000:]}
    if outcome["success"]:
        db, cid = config.CourseDirectory.db_url, config.CourseDirectory.course_id
        if must_zero(read_guard_report(ws / "guard" / "report.jsonl")):
            zero_grades(db, cid, ch, student)
        feedback = api.generate_feedback(ch, student, force=True)
        result["feedback"] = bool(feedback["success"])
        result["scores"] = read_scores(db, cid, ch, student)
    (ws / "result.json").write_text(json.dumps(result), encoding="utf-8")
    return 0


# ---------------------------------------------------------------------------------------------
# Grading one chapter submission (the parent's side)
# ---------------------------------------------------------------------------------------------

@dataclass
class Limits:
    memory_mb: int = MEMORY_MB
    timeout_s: float = TIMEOUT_S
    cell_timeout: int | None = None   # None: the course's nbgrader_config.py
    threads: int | None = None        # torch/BLAS threads per kernel; None: CPU cores ÷ jobs


def available_cpus() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass
class Result:
    student_id: str
    chapter: str
    file: str
    score: float | None = None        # None: not graded (no chapter of this course)
    max_score: float | None = None
    cells: dict = field(default_factory=dict)   # {grade_id: [score, max]}
    problems: list = field(default_factory=list)  # [[problem, detail]]
    seconds: float = 0.0
    attempts: int = 0


@dataclass
class Master:
    """The class-wide course: release notebooks, graded cells and a template gradebook."""

    folder: Path
    course_id: str
    releases: dict      # {ch: release notebook}
    sources: dict       # {ch: source notebook}
    tests: dict         # {ch: [source of each graded test cell, as the gradebook stores it]}
    points: dict        # {ch: {grade_id: max points}}


def prepare_master(root: Path, folder: Path, chapters: list[str], cell_timeout: int | None) -> Master:
    if folder.exists():
        shutil.rmtree(folder)
    write_course(folder, root, chapters, cell_timeout=cell_timeout)
    generate(folder, chapters)
    build_font_cache(folder / "mplconfig")
    from nbgrader.api import Gradebook

    cid = course_id(folder)
    tests, points = {}, {}
    with Gradebook("sqlite:///" + str(folder / "gradebook.db"), cid) as gb:
        for ch in chapters:
            nb = gb.find_notebook(ch, ch)
            tests[ch] = [c.source for c in nb.source_cells if c.name in {g.name for g in nb.grade_cells}]
            points[ch] = {g.name: g.max_score for g in nb.grade_cells}
    return Master(folder, cid, {ch: read_notebook(folder / "release" / ch / f"{ch}.ipynb") for ch in chapters},
                  {ch: read_notebook(folder / "source" / ch / f"{ch}.ipynb") for ch in chapters}, tests, points)


def build_font_cache(folder: Path) -> Path:
    """matplotlib's font cache, built once per run (it calls ``fc-list``, which the guard would
    refuse); kernels read it from there."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env={**os.environ, "MPLCONFIGDIR": str(folder)},
                   check=False, capture_output=True, timeout=300)
    return folder


def _kernel_env(ws: Path, threads: int | None = None) -> dict:
    """The worker's (and so the kernel's) environment: caches and temporary files inside the
    submission's folder (matplotlib's font cache from the class-wide folder), fast mode, the
    guard's start-up file, and ``threads`` compute threads for torch and BLAS (unless the
    environment already sets ``OMP_NUM_THREADS``): kernels graded side by side that each start
    one thread per core oversubscribe the CPU and all run several times slower."""
    tmp = ws / "tmp"
    for sub in ("", "cache"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_GRADEBOOK_URL", "JPY_PARENT_PID")}
    env.update(TMPDIR=str(tmp), MPLCONFIGDIR=str(ws.parents[1] / "master" / "mplconfig"), XDG_CACHE_HOME=str(tmp / "cache"),
               MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", HF_HUB_OFFLINE="1", COURSE_FAST="1",
               IPYTHONDIR=str(ws / "ipython"), COURSE_GUARD_SPEC=str(ws / "guard" / "spec.json"),
               HF_DATASETS_CACHE=str(tmp / "cache" / "datasets"), TOKENIZERS_PARALLELISM="false")
    if threads and "OMP_NUM_THREADS" not in os.environ:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    bin_dir = str(Path(sys.executable).parent)  # nbgrader calls alembic, kernels are this python
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def setup_workspace(ws: Path, master: Master, ch: str, student: str, nb) -> None:
    """The private course of one submission: config, source, a copy of the template gradebook,
    the submitted notebook, and the guard's spec and start-up file."""
    import nbformat

    if ws.exists():
        shutil.rmtree(ws)
    ws.mkdir(parents=True)
    shutil.copy2(master.folder / "nbgrader_config.py", ws / "nbgrader_config.py")
    text = (ws / "nbgrader_config.py").read_text(encoding="utf-8").replace(str(master.folder), str(ws))
    (ws / "nbgrader_config.py").write_text(text, encoding="utf-8")
    shutil.copytree(master.folder / "source" / ch, ws / "source" / ch)
    shutil.copy2(master.folder / "gradebook.db", ws / "gradebook.db")
    submitted = ws / "submitted" / student / ch / f"{ch}.ipynb"
    submitted.parent.mkdir(parents=True)
    nbformat.write(nb, str(submitted))
    (ws / "guard").mkdir()
    cwd = ws / "autograded" / student / ch
    spec = guard_spec(master.sources[ch], master.tests[ch], ws / "guard" / "report.jsonl", [cwd, ws / "tmp"])
    (ws / "guard" / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    write_startup(ws / "ipython")


def kill_tree(pid: int) -> None:
    """End a worker and everything it started (the kernel runs in a session of its own)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for p in family:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


def run_worker(ws: Path, ch: str, student: str, limits: Limits) -> tuple[dict | None, str]:
    """Run the worker; ``(result or None, how it ended)``: ``ok``, ``crash``, ``timeout`` (the
    wall clock), ``unresponsive`` (a cell never finished after its timeout) or ``error``."""
    # Run as a script, not ``-m``: importing the package would load torch into the worker for nothing.
    cmd = [sys.executable, str(Path(__file__).resolve()), "worker", str(ws), ch, student, str(limits.memory_mb)]
    with open(ws / "worker.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=ws, env=_kernel_env(ws, limits.threads), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            proc.wait(timeout=limits.timeout_s)
        except subprocess.TimeoutExpired:
            kill_tree(proc.pid)
            return None, "timeout"
        kill_tree(proc.pid)  # whatever it left behind
    path = ws / "result.json"
    if not path.exists():
        return None, "error"
    result = json.loads(path.read_text(encoding="utf-8"))
    if result["success"]:
        return result, "ok"
    text = result["log"] + result["error"]
    if "DeadKernel" in text or "Kernel died" in text:
        return result, "crash"
    # a kernel that swallowed the interrupt after a cell timeout never reports the cell done
    return result, "unresponsive" if "CellTimeoutError" in text else "error"


def culprit(ws: Path, how: str, cell_timeout: int) -> int | None:
    """The cell that stopped the run. After a crash or a cell the kernel never finished: the last
    cell sent to the kernel. After the wall clock: the first of the cells at the end that each
    waited a whole cell timeout (a kernel that ignores the interrupt makes every later cell time
    out too)."""
    path = ws / "progress.jsonl"
    starts = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    if not starts:
        return None
    if how != "timeout":
        return starts[-1]["cell"]
    k = len(starts) - 1
    while k > 0 and starts[k]["t"] - starts[k - 1]["t"] >= 0.9 * cell_timeout:
        k -= 1
    return starts[k]["cell"]


def neutralise(nb, index: int, why: str) -> str | None:
    """Replace the cell that stopped the run (for a read-only cell: the solution cell before it)
    by one that raises; returns its name, or None if nothing can be replaced."""
    target = index
    if _flags(nb.cells[index]).get("locked") or END_MARK in nb.cells[index].source:
        earlier = [i for i in range(index) if _flags(nb.cells[i]).get("solution")]
        if not earlier:
            return None
        target = earlier[-1]
    cell = nb.cells[target]
    if cell.source.startswith("raise RuntimeError(\"grading:"):
        return None
    cell.source = f"raise RuntimeError(\"grading: this cell was not run: {why}\")\n" + \
        "\n".join("# " + line for line in cell.source.splitlines())
    cell.cell_type = "code"
    return grade_id(cell) or f"cell {target}"


def cell_label(cell, index: int) -> str:
    return grade_id(cell) or f"cell {index}"


MEMORY_ERRORS = ("MemoryError", "can't allocate memory", "DefaultCPUAllocator", "bad_alloc", "Cannot allocate memory")


def output_problems(path: Path, limits: Limits, cell_timeout: int) -> list[tuple[str, str]]:
    """Cell timeouts and memory errors in the autograded notebook."""
    if not path.exists():
        return []
    nb = read_notebook(path)
    timeouts, memory = [], []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            text = f"{out.get('ename')}: {out.get('evalue')}"
            if out.get("ename") == "CellTimeoutError":
                timeouts.append(cell_label(cell, i))
            elif any(m in text for m in MEMORY_ERRORS):
                memory.append(cell_label(cell, i))
    rows = []
    if timeouts:
        rows.append(("cell_timeout", (f"ran longer than {cell_timeout} s and was interrupted: {', '.join(dict.fromkeys(timeouts))}; "
                     "those cells score 0, grading went on")))
    if memory:
        rows.append(("out_of_memory", (f"ran out of memory (limit {limits.memory_mb} MB): {', '.join(dict.fromkeys(memory))}; "
                     "those cells score 0, grading went on")))
    return rows


def autograded_path(ws: Path, sub: Submission) -> Path:
    return ws / "autograded" / sub.student_id / sub.chapter / f"{sub.chapter}.ipynb"


def unresponsive_cell(path: Path) -> int | None:
    """After a completed run: the first timed-out cell if the kernel never answered again (the
    grader's own last cell, a bare ``pass``, timed out too), else None."""
    if not path.exists():
        return None
    nb = read_notebook(path)
    timed_out = [i for i, c in enumerate(nb.cells)
                 if any(o.get("ename") == "CellTimeoutError" for o in c.get("outputs", []))]
    return timed_out[0] if timed_out and END_MARK in nb.cells[timed_out[-1]].source else None


STOPPED = {"crash": "the Python process died here (a crash or os._exit)",
           "timeout": "the grading run took longer than its time limit",
           "unresponsive": "this cell timed out and the kernel did not answer again",
           "error": "the grading run failed"}


def how_it_ended(ws: Path, sub: Submission, ended: str, cell_timeout: int) -> tuple[str, int | None]:
    """``('ok', None)``, or how the run stopped and the cell that stopped it."""
    if ended == "ok":
        stuck = unresponsive_cell(autograded_path(ws, sub))
        return ("ok", None) if stuck is None else ("unresponsive", stuck)
    return ended, culprit(ws, ended, cell_timeout)


def grade_submission(sub: Submission, master: Master, work: Path, limits: Limits, cell_timeout: int) -> Result:
    """Grade one chapter submission; after a crash or hang, disable the cell that caused it and regrade."""
    start = time.perf_counter()
    result = Result(sub.student_id, sub.chapter, sub.file, 0.0, sum(master.points[sub.chapter].values()))
    if sub.path is None:
        result.problems.append(["missing", "no notebook for this chapter: scored 0"])
        return result
    nb, rows = prepare_notebook(sub.path, master.releases[sub.chapter])
    result.problems += [list(r) for r in rows]
    if nb is None:
        return result
    ws = work / sub.student_id / sub.chapter
    for result.attempts in range(1, ATTEMPTS + 1):
        setup_workspace(ws, master, sub.chapter, sub.student_id, nb)
        outcome, ended = run_worker(ws, sub.chapter, sub.student_id, limits)
        how, stopped = how_it_ended(ws, sub, ended, cell_timeout)
        if how == "ok":
            break
        where = f" (at {cell_label(nb.cells[stopped], stopped)})" if stopped is not None else ""
        name = neutralise(nb, stopped, STOPPED[how]) if stopped is not None and how != "error" else None
        if name is None or result.attempts == ATTEMPTS:
            kept = how == "unresponsive"  # the run finished: keep what it graded
            result.problems.append([f"grading_{how}", STOPPED[how] + where + "; nothing more could be recovered: "
                                    + ("graded as it ran" if kept else "scored 0" + _log_tail(ws, outcome))])
            outcome = outcome if kept else None
            break
        result.problems.append([f"kernel_{how}", (f"{STOPPED[how]}{where}; {name} was replaced by an error and the "
                                "notebook regraded: that part scores 0")])
    report = read_guard_report(ws / "guard" / "report.jsonl")
    result.problems += [list(r) for r in guard_problems(report, outcome is not None)]
    if outcome is not None:
        result.problems += [list(r) for r in output_problems(autograded_path(ws, sub), limits, cell_timeout)]
        result.cells = outcome["scores"]
        result.score = float(sum(s or 0 for s, _ in outcome["scores"].values()))
    result.seconds = round(time.perf_counter() - start, 1)
    return result


def _log_tail(ws: Path, outcome: dict | None) -> str:
    text = (outcome or {}).get("error") or ""
    if not text and (ws / "worker.log").exists():
        text = (ws / "worker.log").read_text(errors="replace")
    last = [line for line in text.strip().splitlines() if line.strip()][-1:] or [""]
    return f" [{last[0][:160]}]" if last[0] else ""


# ---------------------------------------------------------------------------------------------
# The class: parallel students, the class gradebook, the tables
# ---------------------------------------------------------------------------------------------

def class_gradebook(master: Master, out: Path, db_url: str | None) -> str:
    """The class gradebook's URL, with this run's chapters recorded in it. The default SQLite file
    starts as a copy of the template; another database gets ``generate_assignment`` run against it."""
    url = db_url or os.environ.get("COURSE_GRADEBOOK_URL") or "sqlite:///" + str(out / "gradebook.db")
    default = "sqlite:///" + str(out / "gradebook.db")
    if url == default and not (out / "gradebook.db").exists():
        shutil.copy2(master.folder / "gradebook.db", out / "gradebook.db")
        return url
    config = load_config(master.folder)
    config.CourseDirectory.db_url = url
    api = nbgrader_api(master.folder, config)
    for ch in master.releases:
        outcome = api.generate_assignment(ch, force=True)
        if not outcome["success"]:
            raise RuntimeError(f"cannot record {ch} in the gradebook {url}:\n{outcome.get('log', '')[-2000:]}")
    return url


def merge_into_gradebook(url: str, cid: str, result: Result) -> None:
    """Replace the student's submission of the chapter in the class gradebook by this result."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's add_submission, with SQLAlchemy 2
    with Gradebook(url, cid) as gb:
        gb.update_or_create_student(result.student_id)
        try:
            gb.remove_submission(result.chapter, result.student_id)
        except MissingEntry:
            pass
        gb.add_submission(result.chapter, result.student_id)
        for g in gb.find_submission_notebook(result.chapter, result.chapter, result.student_id).grades:
            score = (result.cells.get(g.name) or [0])[0]
            g.auto_score, g.needs_manual_grade = float(score or 0), False
        gb.db.commit()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@+-]", "_", name) or "_"


def save_result(out: Path, result: Result) -> None:
    path = out / "results" / _safe(result.student_id or "_") / f"{_safe(result.chapter)}.json"
    if not result.chapter or result.score is None:
        path = path.with_name(f"{_safe(result.file)}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")


def load_results(out: Path) -> list[Result]:
    return [Result(**json.loads(p.read_text(encoding="utf-8"))) for p in sorted((out / "results").glob("*/*.json"))]


def copy_feedback(ws: Path, out: Path, result: Result) -> None:
    """``feedback/<student>/<ch>.html``, with the grader's notes about the submission on top."""
    source = ws / "feedback" / result.student_id / result.chapter / f"{result.chapter}.html"
    dest = out / "feedback" / result.student_id / f"{result.chapter}.html"
    if dest.exists():
        dest.unlink()
    if not source.exists():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    html = source.read_text(encoding="utf-8")
    if result.problems:
        import html as html_lib

        items = "".join(f"<li><b>{html_lib.escape(p)}</b>: {html_lib.escape(d)}</li>" for p, d in result.problems)
        note = (f'<div style="border:2px solid #c60;padding:8px;margin:8px"><b>Notes from the grader</b><ul>{items}</ul></div>')
        html = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + note, html, count=1)
    dest.write_text(html, encoding="utf-8")


def _number(x) -> str:
    return "" if x is None else f"{float(x):g}"


def write_tables(out: Path, results: list[Result]) -> None:
    graded = sorted((r for r in results if r.score is not None), key=lambda r: (r.student_id, r.chapter))
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "chapter", "score", "max_score"])
        w.writerows([r.student_id, r.chapter, _number(r.score), _number(r.max_score)] for r in graded)
    rows = [[r.student_id, r.chapter, r.file, p, d] for r in results for p, d in r.problems]
    with open(out / "problems.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "chapter", "file", "problem", "detail"])
        w.writerows(sorted(rows))
    write_report(out, graded, len(rows))


def cell_statistics(results: list[Result]) -> dict[str, dict[str, dict]]:
    """``{chapter: {grade_id: {points, mean, full, zero}}}`` over the graded submissions."""
    stats: dict[str, dict[str, dict]] = {}
    for ch in sorted({r.chapter for r in results}):
        rows = [r for r in results if r.chapter == ch and r.cells]
        names = list(dict.fromkeys(g for r in rows for g in r.cells))
        stats[ch] = {}
        for g in names:
            pairs = [r.cells[g] for r in rows if g in r.cells]
            scores, top = [s or 0 for s, _ in pairs], max(m for _, m in pairs)
            stats[ch][g] = {"points": top, "mean": sum(scores) / len(scores),
                            "full": sum(s >= top for s in scores) / len(scores),
                            "zero": sum(s == 0 for s in scores) / len(scores)}
    return stats


def write_report(out: Path, graded: list[Result], problem_count: int) -> None:
    chapters = sorted({r.chapter for r in graded})
    lines = ["# Grading report", "", (f"{len({r.student_id for r in graded})} student(s), {len(graded)} chapter submission(s), "
             f"{problem_count} row(s) in problems.csv."), "", "![score histograms](scores.png)", ""]
    for ch, cells in cell_statistics(graded).items():
        totals = [r.score for r in graded if r.chapter == ch]
        top = max(r.max_score for r in graded if r.chapter == ch)
        lines += [f"## {ch}", "", f"{len(totals)} submission(s); mean {sum(totals) / len(totals):.2f} of {top:g}.", "",
                  "| graded cell | points | mean score | full marks | zero |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {g} | {s['points']:g} | {s['mean']:.2f} | {s['full']:.0%} | {s['zero']:.0%} |" for g, s in cells.items()]
        lines.append("")
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
    plot_histograms(out / "scores.png", graded, chapters)


def plot_histograms(path: Path, graded: list[Result], chapters: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, max(len(chapters), 1), figsize=(4 * max(len(chapters), 1), 3), squeeze=False)
    for ax, ch in zip(axes[0], chapters):
        rows = [r for r in graded if r.chapter == ch]
        top = max(r.max_score for r in rows)
        ax.hist([r.score for r in rows], bins=[x - 0.5 for x in range(int(top) + 2)], color="#4477aa")
        ax.set_title(ch, fontsize=9)
        ax.set_xlabel(f"score (of {top:g})")
        ax.set_ylabel("students")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def file_digests(files: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def grade(submissions: Path, out: Path, chapters: list[str] | None = None, jobs: int = 1, limits: Limits | None = None,
          root: Path | None = None, db_url: str | None = None, progress: bool = True) -> list[Result]:
    """Grade every submission in ``submissions`` into ``out``; returns this run's results."""
    root = Path(root or course_root()).resolve()
    out, submissions = Path(out).resolve(), Path(submissions).resolve()
    limits = limits or Limits()
    if limits.threads is None:
        limits = dc_replace(limits, threads=max(1, available_cpus() // max(1, jobs)))
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    known = discover_chapters(root)
    folder = unpack(submissions, work / "inbox")
    found, extra = find_submissions(folder, known)
    chapters = chapters or sorted({s.chapter for s in found})
    found = [s for s in found if s.chapter in chapters]
    students = sorted({s.student_id for s in found} | {p.student_id for p in extra if p.student_id})
    for student in students:  # a chapter someone handed in and this student did not
        have = {s.chapter for s in found if s.student_id == student}
        found += [Submission(student, ch, None, "") for ch in chapters if ch not in have]
    before = file_digests(sorted(p for p in folder.rglob("*") if p.is_file()))
    setup_start = time.perf_counter()
    master = prepare_master(root, work / "master", chapters, limits.cell_timeout)
    cell_timeout = limits.cell_timeout or int(load_config(master.folder).ExecutePreprocessor.get("timeout", 30))
    url = class_gradebook(master, out, db_url)
    if progress:
        print(f"course set up for {len(chapters)} chapter(s) in {time.perf_counter() - setup_start:.0f} s; grading "
              f"{len(found)} chapter submission(s), {jobs} at a time, {limits.threads} thread(s) each", file=sys.stderr)
    results = run_class(found, students, master, work, limits, cell_timeout, jobs, out, url, progress)
    changed = [p for p, digest in before.items() if not p.exists() or file_digests([p]).get(p) != digest]
    extra += [Problem(p.relative_to(folder).parts[0], p.stem, str(p.relative_to(folder)), "original_changed",
                      "the submitted file changed while grading (it should not have)") for p in changed]
    for problem in extra:  # problems.csv is rebuilt from results/, so these are saved there too
        save_result(out, Result(problem.student_id, problem.chapter, problem.file,
                                problems=[[problem.problem, problem.detail]]))
    write_tables(out, load_results(out))
    return results


def run_class(found: list[Submission], students: list[str], master: Master, work: Path, limits: Limits,
              cell_timeout: int, jobs: int, out: Path, url: str, progress: bool) -> list[Result]:
    """Chapter submissions in parallel (each graded by a worker process of its own); results merged
    one at a time as they come; the progress bar counts students whose chapters are all graded."""
    from tqdm import tqdm

    def one_submission(sub: Submission) -> Result:
        try:
            return grade_submission(sub, master, work, limits, cell_timeout)
        except Exception as e:  # noqa: BLE001  (one broken submission must not stop the class)
            return Result(sub.student_id, sub.chapter, sub.file, 0.0, sum(master.points[sub.chapter].values()),
                          problems=[["grader_error", (f"the grader failed on this submission ({type(e).__name__}: {e}):"
                                                      " scored 0, please report")]])

    left = {s: sum(sub.student_id == s for sub in found) for s in students}
    results = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool, \
            tqdm(total=len(students), desc="grading", unit="student", disable=not progress) as bar:
        bar.update(sum(n == 0 for n in left.values()))
        futures = [pool.submit(one_submission, sub) for sub in sorted(found, key=lambda s: (s.student_id, s.chapter))]
        for future in as_completed(futures):
            result = future.result()
            save_result(out, result)
            if result.score is not None:
                merge_into_gradebook(url, master.course_id, result)
            copy_feedback(work / result.student_id / result.chapter, out, result)
            results.append(result)
            left[result.student_id] -= 1
            bar.update(left[result.student_id] == 0)
    return results


def grade_command(args) -> int:
    submissions = Path(args.submissions)
    if not submissions.exists():
        print(f"{submissions}: no such folder or .zip", file=sys.stderr)
        return 2
    root = course_root(args.course) if args.course else course_root()
    known = discover_chapters(root)
    chapters, unknown = resolve_chapters(args.chapter, known)
    if unknown:
        print(f"unknown or ambiguous chapter(s): {', '.join(unknown)} (chapters: {', '.join(known)})", file=sys.stderr)
        return 2
    out = Path(args.out)
    inside = [p for p in (root / "solutions", root / "notebooks") if out.resolve().is_relative_to(p.resolve())]
    if inside:
        print(f"--out must not be inside {inside[0]}", file=sys.stderr)
        return 2
    if args.jobs < 1 or (args.threads is not None and args.threads < 1):
        print("--jobs and --threads must be at least 1", file=sys.stderr)
        return 2
    limits = Limits(args.memory_mb, args.timeout, args.cell_timeout, args.threads)
    start = time.perf_counter()
    results = grade(submissions, out, chapters or None, args.jobs, limits, root, args.db_url)
    seconds = time.perf_counter() - start
    graded = [r for r in results if r.score is not None]
    print(f"graded {len(graded)} chapter submission(s) of {len({r.student_id for r in graded})} student(s) "
          f"in {seconds:.0f} s; {sum(len(r.problems) for r in results)} problem(s)")
    print(f"wrote {out / 'grades.csv'}, {out / 'problems.csv'}, {out / 'report.md'}, {out / 'scores.png'}, {out / 'feedback'}/")
    return 0


# ---------------------------------------------------------------------------------------------
# Command line (wired into ``course`` by course_utils/cli.py)
# ---------------------------------------------------------------------------------------------

def add_commands(sub) -> None:
    """Add ``release`` and ``grade`` to the ``course`` command's subparsers."""
    r = sub.add_parser("release", help="regenerate notebooks/ (the student version) from solutions/ with nbgrader")
    r.add_argument("chapters", nargs="*", metavar="CHAPTER",
                   help="a name or its start, e.g. ch03 (default: every chapter in solutions/)")
    r.add_argument("--check", action="store_true", help="only compare; exit 1 naming the chapters out of sync")
    g = sub.add_parser("grade", help="autograde a class: SUBMISSIONS/<student_id>/<chapter>.ipynb (a folder or a .zip)")
    g.add_argument("submissions", metavar="SUBMISSIONS")
    g.add_argument("--chapter", nargs="+", metavar="CH",
                   help="grade only these chapters, by name or its start, e.g. ch03 (default: those handed in)")
    g.add_argument("--jobs", type=int, default=1, help="students graded in parallel (default 1)")
    g.add_argument("--out", default="grading", help="where the results go (default ./grading)")
    g.add_argument("--memory-mb", type=int, default=MEMORY_MB, help=f"address-space limit per submission (default {MEMORY_MB})")
    g.add_argument("--timeout", type=float, default=TIMEOUT_S,
                   help=f"seconds per grading run of a chapter submission (default {TIMEOUT_S})")
    g.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell (default: nbgrader_config.py)")
    g.add_argument("--threads", type=int, default=None,
                   help="torch threads per kernel (default: CPU cores ÷ jobs; OMP_NUM_THREADS, if set, wins)")
    g.add_argument("--db-url", default=None, help="class gradebook (default: COURSE_GRADEBOOK_URL, else OUT/gradebook.db)")
    g.add_argument("--course", default=None, help="course folder (default: the one containing the working directory)")


COMMANDS = {"release": release_command, "grade": grade_command}


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    # run as a script: drop this file's folder from the import path (its data.py, env.py, ... are not top-level modules)
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    ws_, ch_, student_, memory_ = sys.argv[2:6]
    sys.exit(worker(Path(ws_), ch_, student_, int(memory_)))
