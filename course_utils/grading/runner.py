"""Grading a class: the submissions found, the class-wide course (``master``) made once, each
submission graded by an engine (``engine``, which grades one with ``grade_one``), what was graded
before skipped, the results merged one at a time, the tables written."""

from __future__ import annotations

import sys
import time
from dataclasses import replace as dc_replace
from pathlib import Path

from .course import course_root, discover_chapters, load_config
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
from .keysync import configured_key
from .layouts import find_handed_in, write_handed_in
from .master import Master, prepare_master
from .reports import write_tables
from .similarity import write_similarity
from .submissions import INBOX, MASTER, STUDENT_ID, Problem, Submission, unpack
from .worker import Limits, available_cpus


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
    write_similarity(out, found, master.releases, master.sources, int(max_notebook_mb * 2**20), configured_key(master.folder))
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
