"""Colab: one student repository URL (``[project.urls] Students``) in every set-up cell and README link,
and a set-up cell that installs the course on Colab or says what to do.

The fast tests check the committed files agree, that ``colab.sync`` rewrites a forked course and
nothing else, and what the set-up cell says when the install fails (that it does nothing off Colab
is shown by every chapter's solution run in the grading proof, which runs it first). The slow tests
run ``course release --check`` and ``course release`` on a fork, and play Colab: a fresh virtual environment with torch only, a ``google.colab`` module importable, the
set-up cell of a chapter installing the course from a git snapshot of this checkout, then the
chapter's next cell (imports, encoder, data) run in that environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_utils import colab

ROOT = Path(__file__).resolve().parents[1]
URL = "https://github.com/some-teacher/bert-course"  # a fork's repository
CHAPTERS = colab.chapters_of(ROOT)


def _code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def _stub_colab(folder: Path) -> Path:
    """A folder for PYTHONPATH holding an importable ``google.colab`` (no ``google/__init__.py``:
    ``google`` stays a namespace package, so ``google.protobuf`` still imports)."""
    (folder / "google" / "colab").mkdir(parents=True)
    (folder / "google" / "colab" / "__init__.py").write_text('"""Stands in for Colab\'s module in tests."""\n')
    return folder


def _play(python: str, cell: str, env: dict, cwd: Path, timeout: int) -> subprocess.CompletedProcess:
    """Run notebook cell sources in one process that has imported ``google.colab`` first (as a
    Colab kernel has)."""
    driver = "import google.colab\n" + f"exec(compile({cell!r}, 'cell', 'exec'))\n"
    return subprocess.run([python, "-c", driver], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False)


# ---------------------------------------------------------------------------------------------
# fast: the committed course agrees with pyproject.toml
# ---------------------------------------------------------------------------------------------

def test_set_up_cells_and_readme_agree_with_pyproject():
    assert colab.problems(ROOT) == []
    url = colab.repository_url(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(CHAPTERS) == 6
    for ch in CHAPTERS:
        assert colab.colab_link(url, ch) in readme
        for folder in ("solutions", "notebooks"):
            cell = _code_cells(ROOT / folder / ch / f"{ch}.ipynb")[0]
            assert f'COURSE_REPO = "{url}"' in cell and '@ git+{url}' in cell and "COURSE_REPO_URL" in cell


def test_colab_link_and_url_forms():
    assert colab.colab_link(URL, "ch04_x") == (
        "https://colab.research.google.com/github/some-teacher/bert-course/blob/main/notebooks/ch04_x/ch04_x.ipynb")


def _fork(tmp_path: Path, url: str = URL) -> Path:
    """A copy of the course's pyproject, README and two solution notebooks, with ``url``."""
    root = tmp_path / "fork"
    for ch in CHAPTERS[:2]:
        (root / "solutions" / ch).mkdir(parents=True)
        shutil.copy(ROOT / "solutions" / ch / f"{ch}.ipynb", root / "solutions" / ch)
    shutil.copy(ROOT / "README.md", root)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    old = f'Students = "{colab.repository_url(ROOT)}"'
    assert text.count(old) == 1
    (root / "pyproject.toml").write_text(text.replace(old, f'Students = "{url}"'), encoding="utf-8")
    return root


def test_sync_writes_a_fork_url_into_set_up_cells_and_readme_only(tmp_path):
    root = _fork(tmp_path)
    found = colab.problems(root)
    assert len(found) == 3, found  # two set-up cells and the README block
    assert all(str(colab.repository_url(ROOT)) in f or "README.md" in f for f in found)
    before = {ch: json.loads((root / "solutions" / ch / f"{ch}.ipynb").read_text()) for ch in CHAPTERS[:2]}
    changed = colab.sync(root)
    assert changed == [f"solutions/{ch}/{ch}.ipynb" for ch in CHAPTERS[:2]] + ["README.md"]
    assert colab.problems(root) == [] and colab.sync(root) == []  # agrees, and a second sync writes nothing
    for ch in CHAPTERS[:2]:
        path = root / "solutions" / ch / f"{ch}.ipynb"
        raw = path.read_text(encoding="utf-8")
        after = json.loads(raw)
        assert raw == json.dumps(after, indent=1, ensure_ascii=False) + "\n"  # Jupyter's own layout
        first = next(i for i, c in enumerate(after["cells"]) if c["cell_type"] == "code")
        assert [c for i, c in enumerate(after["cells"]) if i != first] == \
               [c for i, c in enumerate(before[ch]["cells"]) if i != first]
        assert f'COURSE_REPO = "{URL}"' in "".join(after["cells"][first]["source"])
    readme = (root / "README.md").read_text(encoding="utf-8")
    original = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.split(colab.BEGIN)[0] == original.split(colab.BEGIN)[0]
    assert readme.split(colab.END)[1] == original.split(colab.END)[1]
    assert colab.colab_link(URL, CHAPTERS[0]) in readme and colab.colab_link(URL, CHAPTERS[2]) not in readme


@pytest.mark.slow  # two nbgrader generate_assignment runs: 10-40 s on this 2-core machine
def test_course_release_check_fails_on_a_fork_until_course_release_writes_the_url(tmp_path, monkeypatch, capsys):
    from argparse import Namespace

    from course_utils.grading.release import release_command

    root = _fork(tmp_path)  # pyproject names the fork; set-up cells, notebooks/ and README name the original
    ch = CHAPTERS[0]
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.rmtree(root / "solutions" / CHAPTERS[1])
    shutil.copytree(ROOT / "notebooks" / ch, root / "notebooks" / ch)
    monkeypatch.chdir(root)

    assert release_command(Namespace(chapters=None, check=True)) == 1
    out = capsys.readouterr().out
    assert "disagrees with [project.urls] Students" in out
    for place in (f"solutions/{ch}/{ch}.ipynb", f"notebooks/{ch}/{ch}.ipynb", "README.md:"):
        assert place in out, out
    assert release_command(Namespace(chapters=None, check=False)) == 0
    assert release_command(Namespace(chapters=None, check=True)) == 0, capsys.readouterr().out
    assert f'COURSE_REPO = "{URL}"' in _code_cells(root / "notebooks" / ch / f"{ch}.ipynb")[0]


@pytest.mark.parametrize("value, why", [
    ("https://gitlab.com/a/b", "not https://github.com/<org>/<repo>"),
    ("https://github.com/only-org", "not https://github.com/<org>/<repo>"),
])
def test_a_repository_colab_cannot_open_is_refused(tmp_path, value, why):
    root = _fork(tmp_path, value)
    with pytest.raises(colab.ColabConfigError, match=why):
        colab.repository_url(root)
    assert why in colab.problems(root)[0]


def test_missing_repository_and_missing_readme_block_are_named(tmp_path):
    root = _fork(tmp_path)
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text.replace("Students =", "Homepage ="))
    assert "no [project.urls] Students" in colab.problems(root)[0]
    root = _fork(tmp_path / "b")
    (root / "README.md").write_text("# a course\n")
    with pytest.raises(colab.ColabConfigError, match="colab-links"):
        colab.sync(root)


def test_url_read_without_tomllib(tmp_path, monkeypatch):
    root = _fork(tmp_path, URL + ".git")
    assert colab.repository_url(root) == URL
    monkeypatch.setattr(colab, "tomllib", None)  # Python 3.10 without tomli
    assert colab.repository_url(root) == URL


def test_set_up_cell_on_colab_says_what_to_do_when_pip_fails(tmp_path):
    cell = _code_cells(ROOT / "notebooks" / CHAPTERS[0] / f"{CHAPTERS[0]}.ipynb")[0]
    bad = (tmp_path / "no-such-repository").as_uri()
    env = {**os.environ, "PYTHONPATH": str(_stub_colab(tmp_path / "stub")), "COURSE_REPO_URL": bad}
    run = _play(sys.executable, cell, env, tmp_path, timeout=120)
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: Could not install the course package from " + bad), run.stderr
    assert "ask your instructor for the right repository URL." in last
    assert "Course set-up" not in run.stdout  # it stopped before importing the course
    assert "no-such-repository" in run.stdout  # pip's own message is shown above


# ---------------------------------------------------------------------------------------------
# slow: Colab played in a fresh virtual environment
# ---------------------------------------------------------------------------------------------

def _snapshot(dest: Path) -> Path:
    """This checkout as it is now (committed or not; ignored files left out) in a one-commit git
    repository, what ``git+file://`` can install from."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run(git + ["init", "-q", "-b", "main"], cwd=dest, check=True)
    subprocess.run(git + ["add", "-A"], cwd=dest, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "snapshot"], cwd=dest, check=True)
    return dest


@pytest.mark.slow
def test_colab_run_all_installs_from_the_repository(tmp_path):
    ch = next(c for c in CHAPTERS if c.startswith("ch05"))  # its data exists only in the course package
    cells = _code_cells(ROOT / "notebooks" / ch / f"{ch}.ipynb")
    timings = {}
    start = time.perf_counter()
    repo = _snapshot(tmp_path / "repo")
    venv = tmp_path / "colab-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    # Colab's pip is recent; the one a venv starts with may be too old to parse git+file:/// requirements
    subprocess.run([python, "-m", "pip", "install", "-q", "--upgrade", "pip>=24"], check=True, timeout=300)
    subprocess.run([python, "-m", "pip", "install", "-q", "torch==2.13.0"], check=True, timeout=900)
    timings["venv + torch"] = time.perf_counter() - start
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PATH=str(venv / "bin") + os.pathsep + env.get("PATH", ""), HF_HUB_OFFLINE="1", MPLBACKEND="Agg",
               PYTHONPATH=str(_stub_colab(tmp_path / "stub")), COURSE_REPO_URL=repo.as_uri())
    probe = subprocess.run([python, "-c", "import importlib.util as u; print(u.find_spec('course_utils'))"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "None"  # nothing of the course before the set-up cell runs
    t = time.perf_counter()  # "Run all" as far as the data: the set-up cell, then the chapter's imports, encoder, data
    run = _play(python, cells[0] + "\n" + cells[1], env, tmp_path, timeout=1800)
    timings["set-up cell (pip install from git) + the chapter's second cell"] = time.perf_counter() - t
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Course set-up" in run.stdout and "colab      True" in run.stdout, run.stdout
    data = [line for line in run.stdout.splitlines() if line.startswith("Data: ")]
    assert data, run.stdout
    print("\n" + "\n".join(data))
    assert "BUILT-IN SAMPLE" not in data[-1], run.stdout  # a real data source, not the sample
    assert "packaged" in data[-1], data[-1]  # the copy that pip brought with the package
    where = subprocess.run([python, "-c", "import course_utils; print(course_utils.__file__)"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout
    assert str(venv) in where  # installed into the fresh environment, not imported from the checkout
    timings["total"] = time.perf_counter() - start
    print("\n".join(f"{k}: {v:.1f} s" for k, v in timings.items()))
