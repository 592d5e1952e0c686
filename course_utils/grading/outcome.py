"""How a grading run ended: the cell that stopped it, replacing that cell, timeouts and memory errors."""

from __future__ import annotations

import json
from pathlib import Path

from .course import _flags, grade_id, read_notebook
from .submissions import END_MARK, Submission, escape_controls
from .worker import Limits

LOG_TAIL = 64 * 2**10     # bytes of a log the main process reads: its tail
EXCERPT = 120             # characters of the student's text a problems.csv row quotes at most


def read_tail(path: Path, limit: int = LOG_TAIL) -> str:
    """The last ``limit`` bytes of a file as text ("" when there is none): a log the student's code
    may have filled is never read whole."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - limit))
            return f.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """Text that may come from the student's code, as problems.csv quotes it: marked as such, its
    control characters escaped, at most ``limit`` characters of it."""
    shown = escape_controls(text[:limit])
    return f"last output (may be the student's own): «{shown}{'…' if len(text) > limit else ''}»"


def culprit(ws: Path, how: str, cell_timeout: int) -> int | None:
    """The cell that stopped the run. After a crash or a cell the kernel never finished: the last
    cell sent to the kernel. After the wall clock: the first of the cells at the end that each
    waited a whole cell timeout (a kernel that ignores the interrupt makes every later cell time
    out too)."""
    starts = _starts(ws)
    if not starts:
        return None
    if how != "timeout":
        return starts[-1]["cell"]
    k = len(starts) - 1
    while k > 0 and starts[k]["t"] - starts[k - 1]["t"] >= 0.9 * cell_timeout:
        k -= 1
    return starts[k]["cell"]


def _starts(ws: Path) -> list[dict]:
    """The grader's own record of the run: when each code cell was sent to a kernel (``progress.jsonl``,
    written by the worker, out of the student's reach)."""
    path = ws / "progress.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def cell_seconds(ws: Path, ended: float) -> dict[int, float]:
    """``{cell index: seconds it ran}`` on the grader's clock: from its start to the next cell's start
    (to ``ended`` for the last one); a cell run in both kernels counts its longer run."""
    starts = _starts(ws)
    seconds: dict[int, float] = {}
    for k, start in enumerate(starts):
        until = starts[k + 1]["t"] if k + 1 < len(starts) else ended
        seconds[start["cell"]] = max(seconds.get(start["cell"], 0.0), until - start["t"])
    return seconds


# the errors a timeout leaves in a cell, with the share of the cell timeout it must have run to be
# one: nbgrader's own after a whole cell timeout, a probe's after half of it (it gives up then)
TIMEOUT_ERRORS = {"CellTimeoutError": 0.9, "ProbeTimeout": 0.45}


def timed_out_cells(path: Path, nb, cell_timeout: int) -> list[int]:
    """The cells of the autograded notebook ``path`` (read as ``nb``) that timed out. An error named
    like a timeout counts only when the grader's own clock saw the cell run that long: a student's
    exception called ``CellTimeoutError`` that took no time is no timeout."""
    ws = path.parents[3]  # WS/autograded/<student>/<chapter>/<chapter>.ipynb
    seconds = cell_seconds(ws, path.stat().st_mtime)
    found = []
    for i, cell in enumerate(nb.cells):
        shares = [TIMEOUT_ERRORS[o.get("ename")] for o in cell.get("outputs", [])
                  if o.get("output_type") == "error" and o.get("ename") in TIMEOUT_ERRORS]
        if shares and seconds.get(i, 0.0) >= min(shares) * cell_timeout:
            found.append(i)
    return found


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
    timed_out = timed_out_cells(path, nb, cell_timeout)
    timeouts = [cell_label(nb.cells[i], i) for i in timed_out]
    memory = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error" or i in timed_out or out.get("ename") in TIMEOUT_ERRORS:
                continue
            if any(m in f"{out.get('ename')}: {out.get('evalue')}" for m in MEMORY_ERRORS):
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


def unresponsive_cell(path: Path, cell_timeout: int) -> int | None:
    """After a completed run: the first timed-out cell if the kernel never answered again (the
    grader's own last cell, a bare ``pass``, timed out too), else None. Timed out as the grader's
    clock saw it (:func:`timed_out_cells`), not as the outputs say."""
    if not path.exists():
        return None
    nb = read_notebook(path)
    timed_out = timed_out_cells(path, nb, cell_timeout)
    last = len(nb.cells) - 1
    return timed_out[0] if timed_out and timed_out[-1] == last and END_MARK in nb.cells[last].source else None


STOPPED = {"crash": "the Python process died here (a crash or os._exit)",
           "timeout": "the grading run took longer than its time limit",
           "unresponsive": "this cell timed out and the kernel did not answer again",
           "error": "the grading run failed"}


def how_it_ended(ws: Path, sub: Submission, ended: str, cell_timeout: int) -> tuple[str, int | None]:
    """``('ok', None)``, or how the run stopped and the cell that stopped it."""
    if ended == "ok":
        stuck = unresponsive_cell(autograded_path(ws, sub), cell_timeout)
        return ("ok", None) if stuck is None else ("unresponsive", stuck)
    return ended, culprit(ws, ended, cell_timeout)
