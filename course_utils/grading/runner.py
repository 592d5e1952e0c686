"""Grading a class: the class-wide course, one workspace per submission, regrading after a crash or
hang, submissions graded in parallel, results merged one at a time."""

from __future__ import annotations

import hashlib
import shutil
import sys
import time
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path

from .course import course_id, course_root, discover_chapters, generate, load_config, read_notebook, write_course
from .engine import NOTEBOOK_MAX_MB, Task, engine_for, file_digest, make_task
from .gradebook import (
    Result,
    class_gradebook,
    load_results,
    log_graded,
    merge_into_gradebook,
    open_gradebook,
    save_result,
    write_feedback,
)
from .identify import Identifier
from .layouts import find_handed_in, write_handed_in
from .outcome import (
    LOG_TAIL,
    STOPPED,
    autograded_path,
    cell_label,
    escape_controls,
    excerpt,
    how_it_ended,
    neutralise,
    output_problems,
    read_tail,
)
from .reports import write_tables
from .similarity import write_similarity
from .submissions import INBOX, MASTER, STUDENT_ID, Problem, Submission, prepare_notebook, unpack
from .worker import Limits, available_cpus, build_font_cache, run_worker

ATTEMPTS = 3              # grading runs of one submission, counting regrades after a crash or hang


@dataclass
class Master:
    """The class-wide course: release notebooks, graded cells and a template gradebook."""

    folder: Path
    course_id: str
    releases: dict      # {ch: release notebook}
    sources: dict       # {ch: source notebook}
    tests: dict         # {ch: [source of each graded test cell, as the gradebook stores it]}
    points: dict        # {ch: {grade_id: max points}}
    versions: dict = field(default_factory=dict)  # {ch: what grades it (see grader_version)}


def prepare_master(root: Path, folder: Path, chapters: list[str], cell_timeout: int | None) -> Master:
    if folder.exists():
        shutil.rmtree(folder)
    write_course(folder, root, chapters, cell_timeout=cell_timeout)
    generate(folder, chapters)
    build_font_cache(folder / "mplconfig")
    return load_master(folder, chapters)


def load_master(folder: Path, chapters: list[str]) -> Master:
    """The master made by :func:`prepare_master` (here or unpacked on a Dask worker)."""
    from nbgrader.api import Gradebook

    cid = course_id(folder)
    tests, points = {}, {}
    with Gradebook("sqlite:///" + str(folder / "gradebook.db"), cid) as gb:
        for ch in chapters:
            nb = gb.find_notebook(ch, ch)
            tests[ch] = [c.source for c in nb.source_cells if c.name in {g.name for g in nb.grade_cells}]
            points[ch] = {g.name: g.max_score for g in nb.grade_cells}
    return Master(folder, cid, {ch: read_notebook(folder / "release" / ch / f"{ch}.ipynb") for ch in chapters},
                  {ch: read_notebook(folder / "source" / ch / f"{ch}.ipynb") for ch in chapters}, tests, points,
                  {ch: grader_version(folder, ch) for ch in chapters})


def grader_version(folder: Path, ch: str) -> str:
    """What decides a grade besides the submission: the course_utils package (its version and code),
    the chapter's source folder and the grading settings (the course config, its paths left out).
    A rerun skips a submission already graded by the same version."""
    import course_utils

    package = Path(course_utils.__file__).parent
    code = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        code.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    chapter = hashlib.sha256()
    for path in sorted(p for p in (folder / "source" / ch).rglob("*") if p.is_file()):
        chapter.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    config = (folder / "nbgrader_config.py").read_text(encoding="utf-8").replace(str(folder), "<course>")
    chapter.update(config.encode())
    return f"{course_utils.__version__}+{code.hexdigest()[:12]}.{chapter.hexdigest()[:12]}"


def setup_workspace(ws: Path, master: Master, ch: str, student: str, nb) -> None:
    """The private course of one submission: config, source, a copy of the template gradebook and
    the submitted notebook (none of it visible to the student's sandboxed kernel)."""
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
    result.variant, rows = identity(nb, sub, master)
    result.problems += rows
    ws = work / sub.student_id / sub.chapter
    for result.attempts in range(1, ATTEMPTS + 1):
        setup_workspace(ws, master, sub.chapter, sub.student_id, nb)
        outcome, ended = run_worker(ws, sub.chapter, sub.student_id, limits)
        result.problems += [row for row in (outcome or {}).get("sandbox_problems", []) if row not in result.problems]
        how, stopped = how_it_ended(ws, sub, ended, cell_timeout)
        if how == "ok":
            break
        where = f" (at {cell_label(nb.cells[stopped], stopped)})" if stopped is not None else ""
        name = neutralise(nb, stopped, STOPPED[how]) if stopped is not None and how != "error" else None
        if name is None or result.attempts == ATTEMPTS:
            # the run finished and saved its grades: keep what it graded (a failed run has none)
            kept = how == "unresponsive" and "scores" in (outcome or {})
            result.problems.append([f"grading_{how}", STOPPED[how] + where + "; nothing more could be recovered: "
                                    + ("graded as it ran" if kept else "scored 0" + _log_tail(ws, outcome))])
            outcome = outcome if kept else None
            break
        result.problems.append([f"kernel_{how}", (f"{STOPPED[how]}{where}; {name} was replaced by an error and the "
                                "notebook regraded: that part scores 0")])
    if outcome is not None:
        result.problems += [list(r) for r in output_problems(autograded_path(ws, sub), limits, cell_timeout)]
        result.cells = outcome["scores"]
        result.score = float(sum(s or 0 for s, _ in outcome["scores"].values()))
    result.seconds = round(time.perf_counter() - start, 1)
    return result


def identity(nb, sub: Submission, master: Master) -> tuple[str, list[list[str]]]:
    """The variant a submission is graded on (always its folder's student: the grader decides, never the
    notebook) and a ``problems.csv`` row when the notebook declares another id, or none."""
    from ..variants import course_key, declared_student, normalise_id, variant_label

    config = load_config(master.folder)
    key = course_key(config.CourseDirectory.get("course_id", "default_course"), config.CourseVariants.get("salt", ""))
    label = variant_label(sub.chapter, sub.student_id, key)
    if not any("STUDENT_ID" in c.source for c in master.releases[sub.chapter].cells if c.cell_type == "code"):
        return label, []  # a chapter without variants
    declared, graded = declared_student(nb), normalise_id(sub.student_id)
    if declared is None:
        return label, [["identity_missing", f"the notebook declares no student id (STUDENT_ID): graded on {graded}'s "
                        "variant; answers given for the shared variant 0 lose the points that vary"]]
    if declared != graded:
        return label, [["identity_mismatch", f"the notebook declares the id {escape_controls(declared[:60])!r}, its folder is "
                        f"{graded}'s: graded on {graded}'s variant (answers of another variant lose the points that vary)"]]
    return label, []


def _log_tail(ws: Path, outcome: dict | None) -> str:
    """The last line of the run's error or ``worker.log`` (read from its tail, at most ``LOG_TAIL``
    bytes), as a short escaped excerpt: the student's kernel writes into that log too."""
    text = ((outcome or {}).get("error") or "")[-LOG_TAIL:]
    if not text:
        text = read_tail(ws / "worker.log", LOG_TAIL)
    last = [line for line in text.strip().splitlines() if line.strip()][-1:] or [""]
    return f" [{excerpt(last[0])}]" if last[0] else ""


def file_digests(files: list[Path]) -> dict[Path, str]:
    return {p: file_digest(p) for p in files if p.is_file() and not p.is_symlink()}


def grade(submissions: Path, out: Path, chapters: list[str] | None = None, jobs: int = 1, limits: Limits | None = None,
          root: Path | None = None, db_url: str | None = None, progress: bool = True, scheduler: str | None = None,
          regrade: bool = False, keep_work: bool = False, max_notebook_mb: float = NOTEBOOK_MAX_MB,
          layout: str = "auto", roster=None) -> list[Result]:
    """Grade every submission in ``submissions`` into ``out``; returns this run's results. A
    submission already graded into ``out`` with the same notebook and the same grader is skipped
    (unless ``regrade``): a run killed at any point continues where it stopped. A notebook larger
    than ``max_notebook_mb`` is never read: it scores 0 with a ``too_large`` row."""
    root = Path(root or course_root()).resolve()
    out, submissions = Path(out).resolve(), Path(submissions).resolve()
    limits = limits or Limits()
    if limits.threads is None and not scheduler:  # on Dask, each worker divides its own machine
        limits = dc_replace(limits, threads=max(1, available_cpus() // max(1, jobs)))
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    known = discover_chapters(root)
    folder, unpacked = unpack(submissions, work / INBOX)
    found, extra, handed_in = find_handed_in(folder, layout, known, Identifier.for_course(root, known), roster,
                                             int(max_notebook_mb * 2**20))
    write_handed_in(out, handed_in)
    extra = unpacked + extra
    chapters = chapters or sorted({s.chapter for s in found})
    found = [s for s in found if s.chapter in chapters]
    students = sorted({s.student_id for s in found}
                      | {p.student_id for p in extra if p.student_id and STUDENT_ID.match(p.student_id)})
    for student in students:  # a chapter someone handed in and this student did not
        have = {s.chapter for s in found if s.student_id == student}
        found += [Submission(student, ch, None, "") for ch in chapters if ch not in have]
    before = file_digests(sorted(p for p in folder.rglob("*") if p.is_file()))
    setup_start = time.perf_counter()
    master = prepare_master(root, work / MASTER, chapters, limits.cell_timeout)
    cell_timeout = limits.cell_timeout or int(load_config(master.folder).ExecutePreprocessor.get("timeout", 30))
    url, stale = class_gradebook(master, out, db_url)
    skipped = [chapter_changed(sub, stale[sub.chapter]) for sub in found if sub.chapter in stale]
    tasks = [make_task(s.student_id, s.chapter, s.path, s.file, int(max_notebook_mb * 2**20))
             for s in sorted(found, key=lambda s: (s.student_id, s.chapter)) if s.chapter not in stale]
    done = {} if regrade else already_graded(out, master, limits.sandbox)
    todo = [t for t in tasks if done.get(t.key) != t.digest]
    engine = engine_for(scheduler, jobs)
    if progress:
        print(f"course set up for {len(chapters)} chapter(s) in {time.perf_counter() - setup_start:.0f} s; grading "
              f"{len(todo)} chapter submission(s){engine.describe()}"
              + (f", {limits.threads} thread(s) each" if limits.threads else "")
              + (f"; {len(tasks) - len(todo)} already graded into {out} (--regrade grades them again)"
                 if len(todo) < len(tasks) else ""), file=sys.stderr)
    results = run_class(engine, todo, tasks, master, work, limits, cell_timeout, out, url, progress, keep_work)
    for result in skipped:
        save_result(out, result)
    changed = [p for p, digest in before.items() if not p.exists() or file_digests([p]).get(p) != digest]
    extra += [Problem(_student_of(p.relative_to(folder)), p.stem, str(p.relative_to(folder)), "original_changed",
                      "the submitted file changed while grading (it should not have)") for p in changed]
    for problem in extra:  # problems.csv is rebuilt from results/, so these are saved there too
        save_result(out, Result(problem.student_id, problem.chapter, problem.file,
                                problems=[[problem.problem, problem.detail]]))
    write_similarity(out, found, master.releases, master.sources, int(max_notebook_mb * 2**20))
    write_tables(out, load_results(out))
    return results + skipped


def _student_of(rel: Path) -> str:
    """The student a file under SUBMISSIONS belongs to, or "" where its folder is no usable id."""
    return rel.parts[0] if len(rel.parts) > 1 and STUDENT_ID.match(rel.parts[0]) else ""


def already_graded(out: Path, master: Master, sandbox: str = "bwrap") -> dict[str, str]:
    """``{student/chapter: digest}`` of the results in ``out`` that this grader would give again:
    graded by the same version (a grader error is always graded again, and so is a submission
    graded with ``--sandbox none`` when this run has a sandbox)."""
    again = {"grader_error"} | ({"no_sandbox"} if sandbox != "none" else set())
    done = {}
    for r in load_results(out):
        if (r.score is not None and r.chapter in master.versions and r.grader == master.versions[r.chapter]
                and not any(p in again for p, _ in r.problems)):
            done[f"{r.student_id}/{r.chapter}"] = r.digest
    return done


def chapter_changed(sub: Submission, why: str) -> Result:
    """A submission not graded: its chapter's graded cells changed since the class gradebook took
    its submissions (the previous grades of that chapter are kept)."""
    return Result(sub.student_id, sub.chapter, sub.file or sub.chapter, problems=[["chapter_changed", (
        f"chapter changed since the last grading into this --out: {why}; not graded, the previous grade is kept. "
        "Grade into a new --out (or remove the chapter's submissions from the gradebook) to grade it again")]])


def run_class(engine, todo: list[Task], tasks: list[Task], master: Master, work: Path, limits: Limits,
              cell_timeout: int, out: Path, url: str, progress: bool, keep_work: bool = False) -> list[Result]:
    """Grade ``todo`` on ``engine``; each result is merged as it comes, by this process alone: the
    class gradebook first, then the feedback page, then ``results/`` (a result there marks the
    submission done, so a run killed in between grades it again and replaces, never adds) and a
    line in ``graded.jsonl``. The progress bar counts students whose chapters are all graded."""
    from tqdm import tqdm

    students = sorted({t.student_id for t in tasks})
    left = {s: sum(t.student_id == s for t in todo) for s in students}
    results = []
    with tqdm(total=len(students), desc="grading", unit="student", disable=not progress) as bar, \
            open_gradebook(url, master.course_id) as gradebook:
        bar.update(sum(n == 0 for n in left.values()))
        for task, graded in engine.run(todo, master, work, limits, cell_timeout, keep_work):
            result = graded.result
            if limits.sandbox == "none" and result.score is not None:  # on request only: every such submission named
                result.problems.append(["no_sandbox", ("graded with --sandbox none: the student's code ran with the "
                                                       "grader's rights, outside any sandbox")])
            if result.score is not None:
                merge_into_gradebook(gradebook, master.course_id, result)
            write_feedback(out, result, graded.feedback)
            save_result(out, result)
            log_graded(out, result, engine.name)
            results.append(result)
            left[task.student_id] -= 1
            bar.update(left[task.student_id] == 0)
    return results
