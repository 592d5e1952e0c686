"""Every student their own variant (issue 22, docs/VARIANTS.md), proved per chapter on the fast
checker's live session (``grading.variant_harness.prove``, run by ``ChapterProof.fast_check``):

* the solution, declared as a student, keeps full marks on every varied test graded as that student;
  the real ``nbgrader autograde`` of ``test_grading`` grades the solution as student ``solution``, a
  variant of its own, and the untouched notebook (no id) scores zero;
* the solution of one student handed in by another keeps at most 20 % of the varied points;
* over 50 ids, each varied test has at least ``distinct`` correct answers (its metadata) and none is
  right for more than a fifth of the ids;
* what the student's kernel shows is the variant the checker grades, and no Markdown cell holds a
  varied option's text;
* at least 80 % of the course's concept and numeric points vary.

Default tier: one id and one copied pair per chapter. Slow tier: three ids and all six copied pairs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from grading.harness import graded_tests, solution_cells
from grading.variant_harness import IDS, TOP_SHARE, varied_tests

from course_utils.grading.course import read_notebook

REPO = Path(__file__).resolve().parents[2]
COPIED_LIMIT = 0.2   # the share of the varied points a copied notebook may keep
VARIED_TARGET = 0.8  # the share of concept and numeric points that must vary


def _report(proof, chapter):
    p = proof(chapter)
    _ = p.fast_check  # runs the chapter (and makes its variant report) once
    report = p.variant_report
    assert report is not None, "the fast checker made no variant report (its solution run failed: see test_grading)"
    assert report.error is None, f"the variant proof failed: {report.error}"
    assert report.tests, f"{chapter} has no varied test (metadata course.varies): every student gets the same answers"
    return report


def _check(report, ids) -> None:
    problems = [f"{sid}: {gid} {s}/{m}" for sid in ids for gid, (s, m) in report.own[sid].items() if s != m]
    assert not problems, "the solution of a student's own variant lost points:\n  " + "\n  ".join(problems)
    share = report.copied_share()
    print(f"copied notebooks keep {share:.1%} of the varied points over {len(report.copied)} pair(s)")
    assert share <= COPIED_LIMIT, (f"a notebook copied from another student keeps {share:.0%} of the varied points "
                                   f"(at most {COPIED_LIMIT:.0%}): {report.copied}")


def test_variants(chapter, proof) -> None:
    """One student's variant: their solution full, a classmate's copy at most 20 %, answers differ over
    50 ids, the text shown is the variant graded."""
    report = _report(proof, chapter)
    _check(report, IDS[:1])
    spread = report.spread()
    for gid, (distinct, top) in spread.items():
        print(f"{gid}: {distinct} distinct correct answers over 50 ids, the commonest right for {top:.0%}")
    low = [f"{gid}: {d} distinct (at least {report.tests[gid]['distinct']})" for gid, (d, _) in spread.items()
           if d < report.tests[gid]["distinct"]]
    common = [f"{gid}: one answer right for {t:.0%} of the ids" for gid, (_, t) in spread.items() if t > TOP_SHARE]
    assert not low + common, "varied questions that vary too little:\n  " + "\n  ".join(low + common)
    problems = [p for found in report.text.values() for p in found]
    assert not problems, "the text shown disagrees with the variant graded:\n  " + "\n  ".join(problems)


@pytest.mark.slow
def test_variants_thorough(chapter, proof) -> None:
    """Three students: each one's solution full on their own variant; every copy among them at most 20 %."""
    _check(_report(proof, chapter), IDS)


def concept_points(nb) -> tuple[float, float]:
    """(points of tests that grade data answers — concept questions and numbers, not code —, of those
    the varied ones). A test grades the solution cell before it; a cell that defines a function or a
    class is code."""
    answers = sorted(solution_cells(nb).items(), key=lambda kv: kv[1])
    varied = varied_tests(nb)
    total = vary = 0.0
    for gid, index in graded_tests(nb).items():
        before = [g for g, i in answers if i < index]
        if not before:
            continue
        source = nb.cells[dict(answers)[before[-1]]].source
        tree = ast.parse(source)
        if any(isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef) for n in ast.walk(tree)):
            continue
        points = float(nb.cells[index].metadata["nbgrader"]["points"])
        total += points
        vary += points if gid in varied else 0.0
    return total, vary


def test_most_concept_points_vary(chapters) -> None:
    """At least 80 % of the points of concept questions and numeric answers vary per student."""
    rows = {ch: concept_points(read_notebook(REPO / "solutions" / ch / f"{ch}.ipynb")) for ch in chapters}
    for ch, (total, vary) in rows.items():
        print(f"{ch}: {vary:g} of {total:g} concept/numeric points vary")
    total, vary = sum(t for t, _ in rows.values()), sum(v for _, v in rows.values())
    assert total and vary / total >= VARIED_TARGET, f"only {vary:g} of {total:g} concept/numeric points vary"
