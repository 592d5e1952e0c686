"""Shared set-up for the course's tests.

* Offline fast mode everywhere: ``HF_HUB_OFFLINE=1``, ``COURSE_FAST=1``; the data is the copy that
  ships with the package (``course_utils/data_files``): ``COURSE_DATA_DIR`` is removed.
* This interpreter's ``bin`` folder first on ``PATH``, so ``nbgrader``, ``alembic`` (which
  nbgrader calls to create a gradebook) and the ``python`` of the Jupyter kernel are the venv's.
* Chapters are discovered from ``solutions/<ch>/<ch>.ipynb``: a test that takes a ``chapter``
  argument runs once per chapter, one that takes ``wrong_answer`` once per wrong answer in
  ``tests/grading/wrong_answers/<ch>.py`` (ids ``<ch>/<grade_id>/<n>-<description>``), one that
  takes ``right_answer`` once per correct alternative in ``tests/grading/right_answers/<ch>.py``.
* Wrong (and right) answers: the first of every solution cell is in the default tier (CI), the others are
  ``slow``; the fast checker tries only those the run selects (and each chapter's first one,
  which the slow tier cross-checks against a real autograde).
* ``proof(ch)`` (session-wide) holds each chapter's grading proof (``grading.harness.ChapterProof``):
  the solution's run in one kernel, the wrong-answer verdicts and the real nbgrader runs, each done
  once and shared by ``tests/grading`` and ``tests/notebooks``. Throwaway nbgrader courses live in
  pytest's temporary folders; tests never write into ``build/nbgrader``. The executed notebooks go
  to ``build/executed/<ch>.ipynb``.
* At the end pytest prints how long each chapter took, step by step and per test file.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
RELEASE = REPO / "notebooks"
WRONG_ANSWERS = REPO / "tests" / "grading" / "wrong_answers"
RIGHT_ANSWERS = REPO / "tests" / "grading" / "right_answers"
EXECUTED = REPO / "build" / "executed"

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["COURSE_FAST"] = "1"
os.environ.pop("COURSE_GRADEBOOK_URL", None)  # throwaway courses use their own sqlite gradebook
os.environ.pop("COURSE_DATA_DIR", None)  # tests (and the notebooks they run) read the packaged copy
_bin = str(Path(sys.executable).parent)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _bin:
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

from grading import harness  # after the environment is set


def discover_chapters() -> list[str]:
    """Every ``solutions/<ch>/<ch>.ipynb``, in order."""
    if not SOLUTIONS.is_dir():
        return []
    return sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())


CHAPTERS = discover_chapters()


def _slug(text: str, limit: int = 40) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:limit].rstrip("_")


def _wrong_answer_params() -> list:
    params = []
    for ch in CHAPTERS:
        try:
            answers = harness.parse_wrong_answers(WRONG_ANSWERS / f"{ch}.py")
        except (FileNotFoundError, ValueError):
            continue  # test_wrong_answer_coverage reports a missing or unreadable file
        # CI proves the first wrong answer of every solution cell; the others are the slow tier
        params += [pytest.param(ch, a, id=f"{ch}/{a.grade_id}/{a.number}-{_slug(a.description)}",
                                marks=[pytest.mark.slow] if a.number > 1 else []) for a in answers]
    return params


def _right_answer_params() -> list:
    """One per correct alternative in ``right_answers/<ch>.py``; a chapter without that file yet is
    one skipped test (``right_answer`` None) that says so."""
    params = []
    for ch in CHAPTERS:
        path = RIGHT_ANSWERS / f"{ch}.py"
        if not path.exists():
            params.append(pytest.param(ch, None, id=f"{ch}/no-right-answers-file"))
            continue
        try:
            answers = harness.parse_wrong_answers(path)
        except ValueError as e:
            params.append(pytest.param(ch, e, id=f"{ch}/unreadable"))
            continue
        # as for the wrong answers: the first of every solution cell in CI, the others slow
        params += [pytest.param(ch, a, id=f"{ch}/{a.grade_id}/{a.number}-{_slug(a.description)}",
                                marks=[pytest.mark.slow] if a.number > 1 else []) for a in answers]
    return params


_SELECTED: dict[str, set] = defaultdict(set)  # chapter -> {(grade_id, number)} of the wrong answers this run tests
_SELECTED_RIGHT: dict[str, set] = defaultdict(set)  # the same for the right answers


_THOROUGH_VARIANTS: set = set()  # chapters whose slow variant proof this run makes (three ids, every pair)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The fast checker tries only the wrong and right answers this run will test (after ``-m``/``-k``),
    and proves three variants of a chapter only when the slow variant test of that chapter runs."""
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        if item.originalname == "test_variants_thorough":
            _THOROUGH_VARIANTS.add(callspec.params["chapter"])
        for name, selected in (("wrong_answer", _SELECTED), ("right_answer", _SELECTED_RIGHT)):
            a = callspec.params.get(name)
            if isinstance(a, harness.WrongAnswer):
                selected[callspec.params["chapter"]].add((a.grade_id, a.number))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "wrong_answer" in metafunc.fixturenames:
        metafunc.parametrize(("chapter", "wrong_answer"), _wrong_answer_params())
    elif "right_answer" in metafunc.fixturenames:
        metafunc.parametrize(("chapter", "right_answer"), _right_answer_params())
    elif "chapter" in metafunc.fixturenames:
        metafunc.parametrize("chapter", CHAPTERS)


@pytest.fixture(scope="session")
def chapters() -> list[str]:
    return CHAPTERS


_PROOFS: dict[str, harness.ChapterProof] = {}


@pytest.fixture(scope="session")
def proof(tmp_path_factory: pytest.TempPathFactory):
    """``proof(ch)``: the chapter's ``ChapterProof``, created once per session."""
    def get(ch: str) -> harness.ChapterProof:
        if ch not in _PROOFS:
            _PROOFS[ch] = harness.ChapterProof(
                ch, solutions=SOLUTIONS, release=RELEASE, wrong_answers=WRONG_ANSWERS,
                workdir=tmp_path_factory.mktemp(ch), executed=EXECUTED, selected=_SELECTED[ch],
                right_answers=RIGHT_ANSWERS, selected_right=_SELECTED_RIGHT[ch],
                thorough_variants=ch in _THOROUGH_VARIANTS)
        return _PROOFS[ch]
    return get


@pytest.fixture(scope="session")
def make_course(tmp_path_factory: pytest.TempPathFactory):
    """``make_course(solutions=..., release=..., chapters=None)``: a throwaway nbgrader course
    (``grading.harness.Course``) with its own generated config and sqlite gradebook."""
    def make(solutions: Path = SOLUTIONS, release: Path | None = RELEASE, chapters: list[str] | None = None):
        return harness.Course.create(tmp_path_factory.mktemp("course"), solutions, release, chapters)
    return make


# -- timing report ------------------------------------------------------------------------------

_DURATIONS: dict[tuple[str, str], float] = defaultdict(float)  # (chapter, test file) -> seconds
_PARAM = re.compile(r"\[(?P<ch>[A-Za-z0-9_]+)")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    match = _PARAM.search(report.nodeid)
    if match and match["ch"] in CHAPTERS:
        _DURATIONS[(match["ch"], report.nodeid.split("::")[0])] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    if not _DURATIONS and not _PROOFS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("grading proof: time per chapter (wall seconds; CPU = this process and its children)")
    for ch in CHAPTERS:
        files = [(f, t) for (c, f), t in sorted(_DURATIONS.items()) if c == ch]
        if not files and ch not in _PROOFS:
            continue
        write(f"{ch}: " + ", ".join(f"{f} {t:.0f}" for f, t in files))
        if ch in _PROOFS and _PROOFS[ch].timings:
            for step, (wall, cpu) in _PROOFS[ch].timings.items():
                write(f"    {step}: {wall:.1f} s" + ("" if math.isnan(cpu) else f" (CPU {cpu:.1f} s)"))
