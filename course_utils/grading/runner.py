"""Grading a class: the class-wide course, one workspace per submission, regrading after a crash or
hang, submissions graded in parallel, results merged one at a time."""

from __future__ import annotations

import hashlib
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from pathlib import Path

from .course import course_id, course_root, discover_chapters, generate, load_config, read_notebook, write_course
from .gradebook import Result, class_gradebook, copy_feedback, load_results, merge_into_gradebook, save_result
from .outcome import STOPPED, autograded_path, cell_label, how_it_ended, neutralise, output_problems
from .reports import write_tables
from .submissions import INBOX, MASTER, Problem, Submission, find_submissions, prepare_notebook, unpack
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


def _log_tail(ws: Path, outcome: dict | None) -> str:
    text = (outcome or {}).get("error") or ""
    if not text and (ws / "worker.log").exists():
        text = (ws / "worker.log").read_text(errors="replace")
    last = [line for line in text.strip().splitlines() if line.strip()][-1:] or [""]
    return f" [{last[0][:160]}]" if last[0] else ""


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
    folder, unpacked = unpack(submissions, work / INBOX)
    found, extra = find_submissions(folder, known)
    extra = unpacked + extra
    chapters = chapters or sorted({s.chapter for s in found})
    found = [s for s in found if s.chapter in chapters]
    students = sorted({s.student_id for s in found} | {p.student_id for p in extra if p.student_id})
    for student in students:  # a chapter someone handed in and this student did not
        have = {s.chapter for s in found if s.student_id == student}
        found += [Submission(student, ch, None, "") for ch in chapters if ch not in have]
    before = file_digests(sorted(p for p in folder.rglob("*") if p.is_file()))
    setup_start = time.perf_counter()
    master = prepare_master(root, work / MASTER, chapters, limits.cell_timeout)
    cell_timeout = limits.cell_timeout or int(load_config(master.folder).ExecutePreprocessor.get("timeout", 30))
    url, stale = class_gradebook(master, out, db_url)
    skipped = [chapter_changed(sub, stale[sub.chapter]) for sub in found if sub.chapter in stale]
    found = [sub for sub in found if sub.chapter not in stale]
    if progress:
        print(f"course set up for {len(chapters)} chapter(s) in {time.perf_counter() - setup_start:.0f} s; grading "
              f"{len(found)} chapter submission(s), {jobs} at a time, {limits.threads} thread(s) each", file=sys.stderr)
    results = run_class(found, students, master, work, limits, cell_timeout, jobs, out, url, progress)
    if limits.sandbox == "none":  # on request only: every submission so graded is named
        for result in results:
            if result.score is not None:
                result.problems.append(["no_sandbox", ("graded with --sandbox none: the student's code ran with the "
                                                       "grader's rights, outside any sandbox")])
                save_result(out, result)
    for result in skipped:
        save_result(out, result)
    changed = [p for p, digest in before.items() if not p.exists() or file_digests([p]).get(p) != digest]
    extra += [Problem(p.relative_to(folder).parts[0], p.stem, str(p.relative_to(folder)), "original_changed",
                      "the submitted file changed while grading (it should not have)") for p in changed]
    for problem in extra:  # problems.csv is rebuilt from results/, so these are saved there too
        save_result(out, Result(problem.student_id, problem.chapter, problem.file,
                                problems=[[problem.problem, problem.detail]]))
    write_tables(out, load_results(out))
    return results + skipped


def chapter_changed(sub: Submission, why: str) -> Result:
    """A submission not graded: its chapter's graded cells changed since the class gradebook took
    its submissions (the previous grades of that chapter are kept)."""
    return Result(sub.student_id, sub.chapter, sub.file or sub.chapter, problems=[["chapter_changed", (
        f"chapter changed since the last grading into this --out: {why}; not graded, the previous grade is kept. "
        "Grade into a new --out (or remove the chapter's submissions from the gradebook) to grade it again")]])


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
