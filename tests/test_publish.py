"""``course publish``: the student repository holds no answer, and the scan finds one that is planted."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils import colab
from course_utils.grading import publish as pub

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = colab.chapters_of(ROOT)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("students") / "course-students"
    return out, pub.publish(ROOT, out)


def _copy(published, tmp_path: Path) -> Path:
    """A copy of the published folder to plant things in."""
    out, _ = published
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    return copy


def _new_leaks(copy: Path, published) -> list:
    """What the scan finds in ``copy`` beyond what it finds in the course as published."""
    _, baseline = published
    return [x for x in pub.scan(copy, ROOT) if x not in set(baseline)]


def _first_solution_line(ch: str, min_chars: int = pub.MIN_CHARS) -> str:
    """A significant line of one of the chapter's solution regions that students never see."""
    for block in pub.secret_blocks(ROOT):
        if block.where.startswith(f"solutions/{ch}: solution"):
            return block.lines[0]
    raise AssertionError(f"no secret solution line in {ch}")


def test_the_real_course_publishes_without_a_leak(published):
    out, found = published
    leaks = [x for x in found if not x.noted]
    assert not leaks, "the student repository states answers:\n  " + "\n  ".join(map(str, leaks))
    for note in (x for x in found if x.noted):  # only package code, and only for exercises that refuse it
        assert note.file.startswith("course_utils/") and ": solution of" in note.source, note
    top = {p.name for p in out.iterdir()}
    assert top == {"notebooks", "course_utils", "pyproject.toml", "README.md", ".gitignore", pub.MARKER}
    for ch in CHAPTERS:  # the student notebooks exactly as released
        assert (out / "notebooks" / ch / f"{ch}.ipynb").read_bytes() == (ROOT / "notebooks" / ch / f"{ch}.ipynb").read_bytes()
    assert not list(out.rglob("__pycache__"))


def test_student_repository_installs_from_itself_and_links_to_itself(published):
    out, _ = published
    url = colab.repository_url(ROOT)  # [project.urls] Students
    text = (out / "pyproject.toml").read_text()
    assert re.search(rf'^Repository = "{re.escape(url)}"$', text, re.MULTILINE)
    assert colab.repository_url(out) == url
    readme = (out / "README.md").read_text()
    for ch in CHAPTERS:
        assert colab.colab_link(url, ch) in readme
        cell = json.loads((out / "notebooks" / ch / f"{ch}.ipynb").read_text())["cells"]
        setup = next("".join(c["source"]) for c in cell if c["cell_type"] == "code")
        assert f'COURSE_REPO = "{url}"' in setup  # the Colab install cell points at the student repository
    assert "solutions" not in readme and "hidden" not in readme.lower()


def test_secrets_cover_every_solution_region_and_hidden_test():
    blocks = [b.where for b in pub.secret_blocks(ROOT)]
    for ch in CHAPTERS:
        assert any(w.startswith(f"solutions/{ch}: solution") for w in blocks), ch
        assert any(w.startswith(f"solutions/{ch}: hidden test") for w in blocks), ch
    assert any("wrong_answers" in w for w in blocks)


def test_a_solution_line_planted_in_a_student_notebook_is_named(published, tmp_path):
    copy = _copy(published, tmp_path)
    ch = CHAPTERS[1]
    line = _first_solution_line(ch)
    path = copy / "notebooks" / ch / f"{ch}.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["A hint:\n", f"    {line}\n"]})
    path.write_text(json.dumps(nb, indent=1))
    leaks = _new_leaks(copy, published)
    assert [x.file for x in leaks] == [f"notebooks/{ch}/{ch}.ipynb"], leaks
    assert f"solutions/{ch}: solution of" in leaks[0].source


def test_a_hidden_test_in_the_readme_or_a_gzipped_file_is_named(published, tmp_path):
    import gzip
    copy = _copy(published, tmp_path)
    hidden = next(b.lines[0] for b in pub.secret_blocks(ROOT) if ": hidden test of" in b.where)
    with (copy / "README.md").open("a") as f:
        f.write(f"\n{hidden}\n")
    (copy / "course_utils" / "data_files" / "extra.jsonl.gz").write_bytes(gzip.compress(f"{hidden}\n".encode()))
    leaks = _new_leaks(copy, published)
    assert {x.file for x in leaks} == {"README.md", "course_utils/data_files/extra.jsonl.gz"}, leaks
    assert all(": hidden test of" in x.source for x in leaks)


def test_package_code_leaks_by_the_block_not_by_an_ordinary_line(published, tmp_path):
    copy = _copy(published, tmp_path)
    block = max((b for b in pub.secret_blocks(ROOT) if ": solution of" in b.where and not b.guarded),
                key=lambda b: len(b.lines))
    where, lines = block.where, block.lines
    assert len(lines) >= 3
    module = copy / "course_utils" / "helpers_planted.py"
    module.write_text(f"# one ordinary line shared with a solution is no leak\nx = 1\n# {lines[0]}\n")
    assert _new_leaks(copy, published) == []
    body = "\n".join(f"    {x}" for x in lines)
    module.write_text(f"def answer():\n{body}\n")
    leaks = _new_leaks(copy, published)  # the solution, and wrong answers that share most of its lines
    assert {x.file for x in leaks} == {"course_utils/helpers_planted.py"} and not any(x.noted for x in leaks)
    assert where in {x.source.split(" (")[0] for x in leaks}


def test_solutions_or_tests_folders_are_leaks_whatever_they_hold(published, tmp_path):
    copy = _copy(published, tmp_path)
    (copy / "tests").mkdir()
    (copy / "tests" / "notes.txt").write_text("nothing\n")
    assert [x.file for x in _new_leaks(copy, published)] == ["tests/notes.txt"]


def test_publish_refuses_a_folder_of_something_else_and_keeps_git(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.tex").write_text("mine")
    with pytest.raises(pub.PublishError, match="not empty"):
        pub.publish(ROOT, other)
    assert (other / "thesis.tex").read_text() == "mine"
    with pytest.raises(pub.PublishError, match="inside the course repository"):
        pub.publish(ROOT, ROOT / "build" / "students")


def test_republish_into_a_clone_keeps_its_git_and_drops_stale_files(published, tmp_path):
    clone = _copy(published, tmp_path)
    (clone / ".git").mkdir()
    (clone / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (clone / "notebooks" / "old_chapter.ipynb").write_text("{}")
    assert pub.publish(ROOT, clone) == published[1]  # the same scan result as the first publish
    assert (clone / ".git" / "HEAD").is_file() and not (clone / "notebooks" / "old_chapter.ipynb").exists()


def test_course_publish_check_exit_codes(published, tmp_path):
    copy = _copy(published, tmp_path)
    course = [sys.executable, "-m", "course_utils.cli"]
    ok = subprocess.run([*course, "publish", str(copy), "--check"], cwd=ROOT, capture_output=True, text=True,
                        check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    ch = CHAPTERS[0]
    with (copy / "notebooks" / "notes.md").open("w") as f:
        f.write(_first_solution_line(ch) + "\n")
    bad = subprocess.run([*course, "publish", str(copy), "--check"], cwd=ROOT, capture_output=True, text=True,
                        check=False)
    assert bad.returncode == 1 and "notebooks/notes.md:1:" in bad.stderr, bad.stderr
    assert "no solution, hidden test or answer found" in ok.stdout
