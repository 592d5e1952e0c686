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
    from .runner import Master


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
    for ch in master.releases:
        outcome = api.generate_assignment(ch, force=True)
        text = f"{outcome.get('log') or ''}\n{outcome.get('error') or ''}"
        if not outcome["success"] and "Cannot add or remove cells" in text:
            changed[ch] = "its graded cells were added or removed since the class gradebook recorded its submissions"
        elif not outcome["success"]:
            raise RuntimeError(f"cannot record {ch} in the gradebook {url}:\n{text[-2000:]}")
    return url, changed


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
