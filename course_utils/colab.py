"""Colab: one repository URL, written everywhere a student's Colab needs it.

The URL of the **student repository** (public; ``course publish`` writes it: notebooks, package,
student README, no answers) lives in one place, ``Students`` under ``[project.urls]`` in
``pyproject.toml``; ``Repository`` there is this one, the instructor's (private: it holds every
solution and hidden test). An instructor who forks the course changes the ``Students`` line and runs
``course release``, which calls ``sync`` to write it into

* every chapter's set-up cell (the first code cell of ``solutions/<ch>/<ch>.ipynb``, and through
  nbgrader the student notebook): the line ``COURSE_REPO = "<url>"`` that the cell's
  ``pip install "course-utils[offline] @ git+<url>"`` reads on Colab;
* the "Open in Colab" links in ``README.md``, between ``<!-- colab-links -->`` and
  ``<!-- /colab-links -->``, one per chapter.

``course release --check`` calls ``problems``, which names every place that disagrees with
``pyproject.toml``. Only the release step reads ``pyproject.toml``: a student's Colab never
imports this module (the set-up cell carries the URL itself; ``COURSE_REPO_URL`` overrides it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    try:
        import tomli as tomllib
    except ImportError:
        tomllib = None

KEY = "Students"  # [project.urls] key of the student repository
REPO_LINE = re.compile(r'^COURSE_REPO = "([^"\n]*)"', re.MULTILINE)  # in the set-up cell
GITHUB = re.compile(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?")
BEGIN, END = "<!-- colab-links -->", "<!-- /colab-links -->"
BRANCH = "main"  # the branch the Colab links open


class ColabConfigError(ValueError):
    """pyproject.toml, a set-up cell or README.md cannot carry the repository URL as expected."""


# ---------------------------------------------------------------------------------------------
# The one source: pyproject.toml
# ---------------------------------------------------------------------------------------------

def repository_url(root: Path | str) -> str:
    """The student repository: ``[project.urls] Students`` of ``root/pyproject.toml``, checked to be a
    GitHub repository (Colab opens notebooks from GitHub), as ``https://github.com/<org>/<repo>``."""
    path = Path(root) / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    if tomllib is not None:
        url = tomllib.loads(text).get("project", {}).get("urls", {}).get(KEY)
    else:  # neither tomllib nor tomli: read the one line
        section = re.search(r"^\[project\.urls\]\s*$(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL)
        line = section and re.search(rf'^{KEY}\s*=\s*"([^"]*)"', section.group(1), re.MULTILINE)
        url = line.group(1) if line else None
    if not url:
        raise ColabConfigError(f'{path}: no [project.urls] {KEY} = "https://github.com/<org>/<repo>" '
                               "(the student repository)")
    found = GITHUB.fullmatch(url.strip())
    if not found:
        raise ColabConfigError(f"{path}: [project.urls] {KEY} = {url!r} is not https://github.com/<org>/<repo> "
                               "(Colab opens notebooks from GitHub)")
    return f"https://github.com/{found.group(1)}/{found.group(2)}"


def colab_link(repo_url: str, chapter: str) -> str:
    """The "Open in Colab" address of ``notebooks/<chapter>/<chapter>.ipynb`` on ``repo_url``."""
    org_repo = repo_url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{org_repo}/blob/{BRANCH}/notebooks/{chapter}/{chapter}.ipynb"


def chapters_of(root: Path | str) -> list[str]:
    """Every ``solutions/<ch>/<ch>.ipynb``, in order."""
    return sorted(p.parent.name for p in Path(root).glob("solutions/*/*.ipynb") if p.stem == p.parent.name)


# ---------------------------------------------------------------------------------------------
# Set-up cells
# ---------------------------------------------------------------------------------------------

def _setup_cell(nb: dict, path: Path) -> dict:
    cell = next((c for c in nb.get("cells", []) if c.get("cell_type") == "code"), None)
    if cell is None:
        raise ColabConfigError(f"{path}: no code cell (the first code cell installs the course on Colab)")
    return cell


def cell_url(path: Path | str) -> str:
    """The URL in the ``COURSE_REPO = "..."`` line of a notebook's first code cell."""
    path = Path(path)
    source = "".join(_setup_cell(json.loads(path.read_text(encoding="utf-8")), path)["source"])
    found = REPO_LINE.findall(source)
    if len(found) != 1:
        raise ColabConfigError(f'{path}: the first code cell must hold exactly one line COURSE_REPO = "<url>" '
                               f"(found {len(found)}); see docs/AUTHORING.md")
    return found[0]


def write_cell_url(path: Path | str, url: str) -> bool:
    """Set the URL of a notebook's set-up cell; only that cell changes, and the file is written in
    Jupyter's own format (one-space indent, UTF-8). Returns whether the file changed."""
    path = Path(path)
    if cell_url(path) == url:  # also checks there is exactly one line to change
        return False
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = _setup_cell(nb, path)
    source = REPO_LINE.sub(lambda _: f'COURSE_REPO = "{url}"', "".join(cell["source"]))
    cell["source"] = source.splitlines(keepends=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


# ---------------------------------------------------------------------------------------------
# README links
# ---------------------------------------------------------------------------------------------

def readme_block(repo_url: str, chapters: list[str]) -> str:
    """The lines between the markers: one "Open in Colab" link per chapter."""
    return "\n".join(f"- [`{ch}`]({colab_link(repo_url, ch)})" for ch in chapters)


def _readme_parts(path: Path) -> tuple[str, str, str]:
    text = path.read_text(encoding="utf-8")
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ColabConfigError(f"{path}: needs one {BEGIN} ... {END} block for the Colab links")
    head, rest = text.split(BEGIN)
    body, tail = rest.split(END)
    return head, body, tail


# ---------------------------------------------------------------------------------------------
# course release: write, or check
# ---------------------------------------------------------------------------------------------

def sync(root: Path | str, chapters: list[str] | None = None) -> list[str]:
    """Write the repository URL of ``pyproject.toml`` into the set-up cell of each chapter's
    solution notebook and into the README's Colab links (all chapters); returns the files changed.
    The student notebooks follow when nbgrader regenerates them."""
    root = Path(root)
    url = repository_url(root)
    changed = [f"solutions/{ch}/{ch}.ipynb" for ch in chapters or chapters_of(root)
               if write_cell_url(root / "solutions" / ch / f"{ch}.ipynb", url)]
    readme = root / "README.md"
    head, body, tail = _readme_parts(readme)
    block = "\n" + readme_block(url, chapters_of(root)) + "\n"
    if body != block:
        readme.write_text(head + BEGIN + block + END + tail, encoding="utf-8")
        changed.append("README.md")
    return changed


def problems(root: Path | str, chapters: list[str] | None = None) -> list[str]:
    """Every place that disagrees with ``pyproject.toml``'s repository URL: the set-up cells of
    the solution and student notebooks, and the README's Colab links. Empty when all agree."""
    root = Path(root)
    try:
        url = repository_url(root)
    except ColabConfigError as e:
        return [str(e)]
    found = []
    for ch in chapters or chapters_of(root):
        for folder in ("solutions", "notebooks"):
            path = root / folder / ch / f"{ch}.ipynb"
            if not path.is_file():
                continue  # a missing student notebook is the release check's to report
            try:
                have = cell_url(path)
            except ColabConfigError as e:
                found.append(str(e))
                continue
            if have != url:
                found.append(f"{folder}/{ch}/{ch}.ipynb: the set-up cell installs from {have}, pyproject.toml says {url}")
    try:
        _, body, _ = _readme_parts(root / "README.md")
    except ColabConfigError as e:
        return found + [str(e)]
    if body.strip() != readme_block(url, chapters_of(root)):
        found.append(f"README.md: the Colab links between {BEGIN} and {END} are not one per chapter on {url}")
    return found
