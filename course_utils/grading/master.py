"""The class-wide course (the master): the chapters' release and source notebooks, their graded cells
and a template gradebook, made once per ``course grade`` run (or unpacked on a Dask worker), and
the version of the grader that grades each chapter."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .course import course_id, generate, read_notebook, write_course
from .worker import build_font_cache


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
