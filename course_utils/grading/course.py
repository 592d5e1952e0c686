"""The course: its folder, its chapters, private nbgrader course folders and their config."""

from __future__ import annotations

import shutil
from pathlib import Path


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
    folder = Path(root) / "solutions"
    return sorted(p.name for p in folder.iterdir() if (p / f"{p.name}.ipynb").is_file()) if folder.is_dir() else []


def write_course(folder: Path, root: Path, chapters: list[str], db_url: str | None = None,
                 cell_timeout: int | None = None) -> Path:
    """A private nbgrader course: the course's ``nbgrader_config.py`` followed by overrides that
    keep every path (and the SQLite gradebook) inside ``folder``; ``source/<ch>`` copied in."""
    folder.mkdir(parents=True, exist_ok=True)
    for ch in chapters:
        dest = folder / "source" / ch
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(root / "solutions" / ch, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    db_url = db_url or "sqlite:///" + str(folder / "gradebook.db")
    overrides = {"root": str(folder), "source_directory": "source", "release_directory": "release",
                 "submitted_directory": "submitted", "autograded_directory": "autograded",
                 "feedback_directory": "feedback", "db_url": db_url}
    lines = [f"c.CourseDirectory.{k} = {v!r}" for k, v in overrides.items()]
    if cell_timeout:
        lines.append(f"c.ExecutePreprocessor.timeout = c.Execute.timeout = {int(cell_timeout)}")
    text = ((root / "nbgrader_config.py").read_text(encoding="utf-8")
            + "\n\n# --- added by course_utils.grading: a private course folder ---\n" + "\n".join(lines) + "\n")
    (folder / "nbgrader_config.py").write_text(text, encoding="utf-8")
    return folder


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
