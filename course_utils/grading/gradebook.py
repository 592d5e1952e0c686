"""The class gradebook (nbgrader's), each submission's result as JSON, its feedback page."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .course import load_config, nbgrader_api

if TYPE_CHECKING:
    from .master import Master


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
    digest: str = ""                  # sha256 of the notebook graded ("" when none was handed in)
    grader: str = ""                  # what graded it: package version, chapter source and settings
    variant: str = ""                 # the variant graded: "0" or "v" and 8 hex digits of its seed (course_utils.variants)



def class_gradebook(master: Master, out: Path, db_url: str | None) -> tuple[str, dict[str, str]]:
    """The class gradebook's URL, with this run's chapters recorded in it, and ``{chapter: why}`` for
    the chapters it cannot record: their graded cells changed since it recorded them and it holds
    submissions of them (nbgrader refuses to add or remove cells then). The default SQLite file
    starts as a copy of the template; another database gets ``generate_assignment`` run against it."""
    url = db_url or os.environ.get("COURSE_GRADEBOOK_URL") or "sqlite:///" + str(out / "gradebook.db")
    default = "sqlite:///" + str(out / "gradebook.db")
    if url == default and not (out / "gradebook.db").exists():
        shutil.copy2(master.folder / "gradebook.db", out / "gradebook.db")
        return url, {}
    config = load_config(master.folder)
    config.CourseDirectory.db_url = url
    api = nbgrader_api(master.folder, config)
    changed = {}
    template = "sqlite:///" + str(master.folder / "gradebook.db")
    for ch in master.releases:
        if recorded_cells(url, master.course_id, ch) == recorded_cells(template, master.course_id, ch):
            continue  # set up by an earlier run (or another grader): nothing to regenerate
        outcome = api.generate_assignment(ch, force=True)
        text = f"{outcome.get('log') or ''}\n{outcome.get('error') or ''}"
        if not outcome["success"] and "Cannot add or remove cells" in text:
            changed[ch] = "its graded cells were added or removed since the class gradebook recorded its submissions"
        elif not outcome["success"]:
            raise RuntimeError(f"cannot record {ch} in the gradebook {url}:\n{text[-2000:]}")
    return url, changed


def recorded_cells(url: str, cid: str, ch: str) -> tuple | None:
    """What a gradebook holds of a chapter's cells (names, checksums, points), or None without it."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(url, cid) as gb:
        try:
            nb = gb.find_notebook(ch, ch)
        except MissingEntry:
            return None
        return (sorted((c.name, c.checksum or "") for c in nb.source_cells),
                sorted((c.name, float(c.max_score or 0)) for c in nb.grade_cells),
                sorted(c.name for c in nb.solution_cells))


def open_gradebook(url: str, cid: str):
    """The class gradebook, opened once for a whole run (opening it costs more than a merge)."""
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's add_submission, with SQLAlchemy 2
    return Gradebook(url, cid)


def merge_into_gradebook(gradebook, cid: str, result: Result) -> None:
    """Replace the student's submission of the chapter in the class gradebook (an open one, or its
    URL) by this result."""
    from nbgrader.api import MissingEntry

    if isinstance(gradebook, str):
        with open_gradebook(gradebook, cid) as gb:
            return merge_into_gradebook(gb, cid, result)
    gb = gradebook
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
    """``results/<student>/<chapter>.json``, written whole or not at all (a run killed while writing
    leaves the previous file)."""
    path = out / "results" / _safe(result.student_id or "_") / f"{_safe(result.chapter)}.json"
    if not result.chapter or result.score is None:
        path = path.with_name(f"{_safe(result.file)}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    os.replace(tmp, path)


def log_graded(out: Path, result: Result, engine: str) -> None:
    """One line per submission graded and merged, in ``graded.jsonl``, appended run after run: the
    record of what was graded when, by what and where."""
    import time

    line = {"student_id": result.student_id, "chapter": result.chapter, "digest": result.digest,
            "grader": result.grader, "score": result.score, "engine": engine, "seconds": result.seconds,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    with open(out / "graded.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def load_results(out: Path) -> list[Result]:
    return [Result(**json.loads(p.read_text(encoding="utf-8"))) for p in sorted((out / "results").glob("*/*.json"))]


def graded_log(out: Path) -> list[dict]:
    path = out / "graded.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if path.exists() else []


def write_feedback(out: Path, result: Result, html: str | None) -> None:
    """``feedback/<student>/<ch>.html``: nbgrader's page made safe to open (:func:`.safe_page.secure_feedback`:
    no script of the student's runs in it) with the grader's notes about the submission on top
    (none when nbgrader wrote none)."""
    from .safe_page import secure_feedback

    dest = out / "feedback" / result.student_id / f"{result.chapter}.html"
    if dest.exists():
        dest.unlink()
    if html is None:
        return
    html = secure_feedback(html)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if result.problems:
        import html as html_lib

        items = "".join(f"<li><b>{html_lib.escape(p)}</b>: {html_lib.escape(d)}</li>" for p, d in result.problems)
        note = (f'<div style="border:2px solid #c60;padding:8px;margin:8px"><b>Notes from the grader</b><ul>{items}</ul></div>')
        html = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + note, html, count=1)
    dest.write_text(html, encoding="utf-8")
