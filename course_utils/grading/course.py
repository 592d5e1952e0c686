"""The course: its folder, its chapters, private nbgrader course folders and their config, and the
notebook helpers every part of grading (and the tests' grading harness) shares."""

from __future__ import annotations

import copy
import os
import shutil
import sys
from pathlib import Path

IGNORED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")


def course_root(start: Path | str | None = None) -> Path:
    """The course folder (``nbgrader_config.py`` + ``solutions/``): the working directory or
    one of its parents, else the folder this package was installed from."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents, Path(__file__).resolve().parents[2]):
        if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
            return folder
    raise FileNotFoundError(f"no course folder (nbgrader_config.py and solutions/) at or above {here}")


def discover_chapters(root: Path) -> list[str]:
    """Every ``solutions/<ch>/<ch>.ipynb``, in order."""
    return chapters_in(Path(root) / "solutions")


def chapters_in(folder: Path) -> list[str]:
    """The chapters of a source folder: every ``<ch>/<ch>.ipynb``, in order."""
    folder = Path(folder)
    return sorted(p.name for p in folder.iterdir() if (p / f"{p.name}.ipynb").is_file()) if folder.is_dir() else []


def python_bin_dir() -> str:
    """The folder of this interpreter's scripts (``nbgrader``, ``alembic``, ``jupyter``)."""
    return str(Path(sys.executable).parent)


def with_python_on_path(env: dict) -> dict:
    """``env`` with this interpreter's scripts first on ``PATH``: nbgrader calls ``alembic`` to create a
    gradebook, and kernels must be this Python."""
    return {**env, "PATH": python_bin_dir() + os.pathsep + env.get("PATH", "")}


def write_course(folder: Path, root: Path, chapters: list[str], db_url: str | None = None,
                 cell_timeout: int | None = None) -> Path:
    """A private nbgrader course: the course's ``nbgrader_config.py`` followed by overrides that
    keep every path (and the SQLite gradebook) inside ``folder``; ``source/<ch>`` copied in."""
    folder.mkdir(parents=True, exist_ok=True)
    for ch in chapters:
        dest = folder / "source" / ch
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(root / "solutions" / ch, dest, ignore=IGNORED)
    write_config(folder, root / "nbgrader_config.py", db_url, cell_timeout)
    return folder


def write_config(folder: Path, base: Path, db_url: str | None = None, cell_timeout: int | None = None,
                 source: str = "source", release: str = "release") -> Path:
    """``folder/nbgrader_config.py``: the course's config ``base`` followed by overrides that keep every
    path (and, by default, a SQLite gradebook) inside ``folder``."""
    db_url = db_url or "sqlite:///" + str(Path(folder) / "gradebook.db")
    overrides = {"root": str(folder), "source_directory": source, "release_directory": release,
                 "submitted_directory": "submitted", "autograded_directory": "autograded",
                 "feedback_directory": "feedback", "db_url": db_url}
    lines = [f"c.CourseDirectory.{k} = {v!r}" for k, v in overrides.items()]
    if cell_timeout:
        lines.append(f"c.ExecutePreprocessor.timeout = c.Execute.timeout = {int(cell_timeout)}")
    text = (Path(base).read_text(encoding="utf-8")
            + "\n\n# --- added by course_utils.grading: a private course folder ---\n" + "\n".join(lines) + "\n")
    path = Path(folder) / "nbgrader_config.py"
    path.write_text(text, encoding="utf-8")
    return path


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


def read_notebook(path: Path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _flags(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def fill_release(release, source, replace: dict[str, str] | None = None, only: list[str] | None = None):
    """The student version as a student hands it in: every solution cell of ``release`` (or those whose
    grade_id is in ``only``) takes the source of the same ``grade_id`` in ``source`` (the instructor's
    notebook); the cells named in ``replace`` get the given source instead."""
    replace = replace or {}
    answers = {grade_id(c): c.source for c in source.cells if _flags(c).get("solution")}
    unknown = set(replace) - {grade_id(c) for c in release.cells}
    if unknown:
        raise KeyError(f"no cell with grade_id {sorted(unknown)}")
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in replace:
            cell.source = replace[gid]
        elif _flags(cell).get("solution") and (only is None or gid in only):
            cell.source = answers[gid]
    return nb
