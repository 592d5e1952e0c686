"""The variants' course key, written by ``course release`` into each chapter's set-up cell.

The key is the course config's ``course_id`` and ``c.CourseVariants.salt`` (``nbgrader_config.py``);
each set-up cell carries it as ``COURSE_KEY = "<key>"`` and calls ``cu.use_course(COURSE_KEY)``, so a
student's kernel shows the variant the grader grades. Change the salt to give a new term new variants,
then run ``course release``: ``course release --check`` names every set-up cell that disagrees.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..variants import course_key
from .course import course_id, load_config

KEY_LINE = re.compile(r'^COURSE_KEY = "([^"\n]*)"', re.MULTILINE)


def configured_key(root: Path) -> str:
    salt = load_config(Path(root)).CourseVariants.get("salt", "")
    return course_key(course_id(Path(root)), salt)


def _first_code(nb: dict) -> dict | None:
    return next((c for c in nb.get("cells", []) if c.get("cell_type") == "code"), None)


def cell_key(path: Path) -> str | None:
    """The key of a notebook's set-up cell (``None``: no ``COURSE_KEY`` line, or several)."""
    cell = _first_code(json.loads(Path(path).read_text(encoding="utf-8")))
    found = KEY_LINE.findall("".join(cell["source"])) if cell else []
    return found[0] if len(found) == 1 else None


def sync(root: Path, chapters: list[str]) -> list[str]:
    """Write the configured key into the set-up cell of each chapter's solution notebook that has a
    ``COURSE_KEY`` line; returns the files changed."""
    key, changed = configured_key(root), []
    for ch in chapters:
        path = Path(root) / "solutions" / ch / f"{ch}.ipynb"
        have = cell_key(path)
        if have is None or have == key:
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = _first_code(nb)
        cell["source"] = KEY_LINE.sub(lambda _: f"COURSE_KEY = {json.dumps(key)}", "".join(cell["source"])).splitlines(keepends=True)
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        changed.append(f"solutions/{ch}/{ch}.ipynb")
    return changed


def problems(root: Path, chapters: list[str]) -> list[str]:
    """Set-up cells whose key is not the configured one, or that carry none."""
    key, found = configured_key(root), []
    for ch in chapters:
        for folder in ("solutions", "notebooks"):
            path = Path(root) / folder / ch / f"{ch}.ipynb"
            if not path.is_file():
                continue
            have = cell_key(path)
            if have is None:
                found.append(f'{folder}/{ch}/{ch}.ipynb: the set-up cell needs one line COURSE_KEY = "..." (the variants\' key)')
            elif have != key:
                found.append(f"{folder}/{ch}/{ch}.ipynb: the set-up cell's COURSE_KEY is {have!r}, the course config's "
                             f"{key!r}: run `course release`")
    return found
