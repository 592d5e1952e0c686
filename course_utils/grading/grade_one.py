"""Grading one chapter submission: its private course folder, the worker's runs (a cell that
crashed or hung the kernel is disabled and the notebook regraded), the variant it is graded on.
The engines (``engine``) call :func:`grade_submission` wherever they run; the class (``runner``)
uses the engines."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from .gradebook import Result
from .master import Master
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
from .submissions import Submission, prepare_notebook
from .worker import Limits, run_worker

ATTEMPTS = 3              # grading runs of one submission, counting regrades after a crash or hang


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
    from ..variants import declared_student, normalise_id, variant_label
    from .keysync import configured_key

    key = configured_key(master.folder)
    if not any("STUDENT_ID" in c.source for c in master.releases[sub.chapter].cells if c.cell_type == "code"):
        return "0", []  # a chapter without variants: every student has the same notebook
    label = variant_label(sub.chapter, sub.student_id, key)
    declared, graded = declared_student(nb), normalise_id(sub.student_id)
    if declared is None:
        return label, [["identity_missing", (f"the notebook declares no student id (STUDENT_ID): graded on {graded}'s "
                        "variant; answers given for the shared variant 0 lose the points that vary")]]
    if declared != graded:
        return label, [["identity_mismatch", (f"the notebook declares the id {escape_controls(declared[:60])!r}, its folder is "
                        f"{graded}'s: graded on {graded}'s variant (answers of another variant lose the points that vary)")]]
    return label, []


def _log_tail(ws: Path, outcome: dict | None) -> str:
    """The last line of the run's error or ``worker.log`` (read from its tail, at most ``LOG_TAIL``
    bytes), as a short escaped excerpt: the student's kernel writes into that log too."""
    text = ((outcome or {}).get("error") or "")[-LOG_TAIL:]
    if not text:
        text = read_tail(ws / "worker.log", LOG_TAIL)
    last = [line for line in text.strip().splitlines() if line.strip()][-1:] or [""]
    return f" [{excerpt(last[0])}]" if last[0] else ""
