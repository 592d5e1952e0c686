"""Proof that grading works, for every chapter in ``solutions/`` (found when the tests are collected).

Per chapter (test id ``[<ch>]``):

* ``notebooks/<ch>/`` is exactly what ``nbgrader generate_assignment`` makes from ``solutions/<ch>/``;
* the committed notebooks carry no outputs or execution counts;
* ``nbgrader validate`` passes on the source, ``nbgrader validate --invert`` on the release;
* ``nbgrader autograde`` gives the filled-in student notebook full marks on every graded cell, and
  the untouched student notebook zero on every graded cell, without the grading run failing;
* every solution cell has at least two wrong answers in ``tests/grading/wrong_answers/<ch>.py``;
* the fast checker and a real ``nbgrader autograde`` agree on the chapter's first wrong answer.

Per wrong answer (test id ``[<ch>/<grade_id>/<n>-<description>]``): it loses points. Per right
answer (``tests/grading/right_answers/<ch>.py``, same format; a chapter without that file is
skipped): it keeps full marks on every graded test cell.

The work is shared through the session-wide ``proof(ch)`` fixture (see ``tests/conftest.py``), so
each chapter is run once by the fast checker and once per nbgrader command.

Tiers: the default run (the README's test command, CI) proves for every chapter the release in
sync, no outputs, the wrong-answer coverage, the solution run top to bottom, the first wrong answer of every solution cell
losing points, and one real ``nbgrader autograde`` of the solution and the untouched notebook.
The ``slow`` tier adds what repeats those runs through other nbgrader commands: ``validate``,
``validate --invert`` and the cross-check of the fast checker against ``autograde`` (about 10 more
minutes on a 2-core CPU).
"""

from __future__ import annotations

import warnings

import pytest
from grading.harness import ChapterProof, WrongAnswer, graded_tests, key_values, output_problems

# validate, validate --invert and the autograde cross-check repeat runs the default tier already
# makes through other nbgrader commands: they are the `slow` tier (see the module docstring).
slow = pytest.mark.slow


def _lines(items) -> str:
    return "\n  " + "\n  ".join(str(i) for i in items)


def _autograded(p: ChapterProof, student: str) -> dict[str, tuple]:
    """Scores of one submission; the solution and the untouched notebook are autograded together in
    one nbgrader run, whichever is asked for first."""
    return p.scores(*dict.fromkeys(["solution", "stub", student]))[student]


def test_release_is_generated_from_solutions(chapter: str, proof) -> None:
    """notebooks/<ch>/ equals what `nbgrader generate_assignment` makes from solutions/<ch>/."""
    p: ChapterProof = proof(chapter)
    problems = p.sync_problems()
    assert not problems, (f"notebooks/{chapter}/ is out of sync with solutions/{chapter}/; regenerate it with "
                          f"`nbgrader generate_assignment {chapter} --force`:" + _lines(problems))


def test_committed_notebooks_have_no_outputs(chapter: str, proof) -> None:
    """Notebooks are committed clean: no outputs, no execution counts."""
    p: ChapterProof = proof(chapter)
    problems = [f"solutions/{chapter}: {x}" for x in output_problems(p.source_path)]
    if p.release_path.exists():
        problems += [f"notebooks/{chapter}: {x}" for x in output_problems(p.release_path)]
    else:
        problems.append(f"{p.release_path} is missing")
    assert not problems, "clear the outputs before committing:" + _lines(problems)


@slow
def test_validate_passes_on_source(chapter: str, proof) -> None:
    """`nbgrader validate solutions/<ch>/<ch>.ipynb`: every test passes on the solution."""
    result = proof(chapter).validation
    assert result.ok, f"nbgrader validate failed on the solution of {chapter}:\n{result.output[-4000:]}"


@slow
def test_validate_invert_passes_on_release(chapter: str, proof) -> None:
    """`nbgrader validate --invert notebooks/<ch>/<ch>.ipynb`: no graded test passes on the stubs."""
    result = proof(chapter).inverted_validation
    assert result.ok, f"some graded tests of {chapter} pass on the unanswered notebook:\n{result.output[-4000:]}"


def test_autograde_gives_solution_full_marks(chapter: str, proof) -> None:
    """The student notebook filled in with the solutions scores full marks on every graded cell."""
    p: ChapterProof = proof(chapter)
    scores = _autograded(p, "solution")
    assert set(scores) >= set(graded_tests(p.source)), f"graded cells missing from the gradebook: {set(graded_tests(p.source)) - set(scores)}"
    short = {gid: f"{s}/{m}" for gid, (s, m) in scores.items() if s != m}
    errors = p.autograded_errors("solution")
    assert not short, "the solution loses points under nbgrader autograde:" + _lines(
        f"{gid}: {score}  {errors.get(gid, '')}" for gid, score in short.items())


def test_autograde_gives_untouched_notebook_zero(chapter: str, proof) -> None:
    """The untouched student notebook scores zero on every graded cell, and grading it completes."""
    p: ChapterProof = proof(chapter)
    scores = _autograded(p, "stub")  # raises if the nbgrader run itself fails
    assert scores, "no graded cells found in the gradebook"
    passing = {gid: f"{s}/{m}" for gid, (s, m) in scores.items() if s != 0}
    assert not passing, "graded cells that give points to an unanswered notebook:" + _lines(
        f"{gid}: {score}" for gid, score in passing.items())


def test_wrong_answer_coverage(chapter: str, proof) -> None:
    """Every solution cell has >= 2 wrong answers; every section names an existing solution cell."""
    p: ChapterProof = proof(chapter)
    from grading.harness import coverage_problems
    problems = coverage_problems(p.source, p.wrong_answers)  # raises if the file is missing or malformed
    assert not problems, f"tests/grading/wrong_answers/{chapter}.py:" + _lines(problems)


def test_right_answer_coverage(chapter: str, proof) -> None:
    """Every graded code cell (a solution that defines a function or class) has >= 2 correct
    alternatives written another way (issue 19), every other answer cell >= 1."""
    p: ChapterProof = proof(chapter)
    from grading.harness import coverage_problems, defines_code
    problems = (coverage_problems(p.source, p.right_answers, 2, "right", defines_code)
                + coverage_problems(p.source, p.right_answers, 1, "right", lambda c: not defines_code(c)))
    assert not problems, f"tests/grading/right_answers/{chapter}.py:" + _lines(sorted(set(problems)))


def test_wrong_answer_loses_points(chapter: str, wrong_answer: WrongAnswer, proof) -> None:
    """The solution cell replaced by this wrong answer makes at least one graded test cell fail."""
    p: ChapterProof = proof(chapter)
    run, _ = p.fast_check
    assert not run.errors and not run.baseline_problems, (
        f"the solution of {chapter} does not run cleanly, so wrong answers cannot be judged:"
        + _lines(run.errors + run.baseline_problems))
    verdict = p.verdict(wrong_answer)
    where = f"tests/grading/wrong_answers/{chapter}.py:{wrong_answer.line}"
    assert verdict is not None and verdict.problem is None, f"{where}: {verdict.problem if verdict else 'not checked'}"
    if not verdict.restored:
        warnings.warn(f"{where}: after this wrong answer, the correct solution no longer passed in the same kernel "
                      "(a test cell or the answer changes shared state); the notebook was rerun in a fresh kernel")
    assert verdict.lost_points > 0, (
        f"{where}: wrong answer {wrong_answer.label!r} keeps full marks on every graded test cell "
        f"{sorted(verdict.scores)}" + (f" (the cell itself raised {verdict.cell_error})" if verdict.cell_error else "")
        + ": the tests cannot tell it from the solution")


# chapters whose hidden tests are proved to print no key value into a wrong answer's feedback (issue 19);
# add a chapter here once its hidden tests print only which parts are wrong
NO_KEY_IN_FEEDBACK = {"ch01_bert_representations", "ch02_prediction_network", "ch03_fine_tuning_objective",
                      "ch04_sentiment_analysis", "ch05_legal_document_classification", "ch06_complexity_and_diagnosis"}


def test_wrong_answer_feedback_shows_no_key(chapter: str, wrong_answer: WrongAnswer, proof) -> None:
    """A failed test's output (what the feedback shows) holds none of the values of the answer key
    (the solution cell's literals, for answers written as literals: shapes, letters, orders)."""
    if chapter not in NO_KEY_IN_FEEDBACK:
        pytest.skip(f"{chapter}: not yet proved (see NO_KEY_IN_FEEDBACK)")
    p: ChapterProof = proof(chapter)
    cell = next(c for c in p.source.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == wrong_answer.grade_id)
    key = key_values(cell.source)
    if not key:
        pytest.skip("a code answer: no literal key")
    verdict = p.verdict(wrong_answer)
    assert verdict is not None, "not checked"
    shown = {gid: [k for k in key if k in text] for gid, text in verdict.outputs.items()}
    assert not any(shown.values()), f"the feedback of {wrong_answer.label!r} shows the key: {shown}"


def test_right_answer_keeps_full_marks(chapter: str, right_answer, proof) -> None:
    """The solution cell replaced by this correct alternative (another style, another library call)
    keeps full marks on every graded test cell, and the cell itself runs without an error."""
    if right_answer is None:
        pytest.skip(f"tests/grading/right_answers/{chapter}.py does not exist yet")
    if isinstance(right_answer, Exception):
        pytest.fail(f"tests/grading/right_answers/{chapter}.py cannot be read: {right_answer}")
    p: ChapterProof = proof(chapter)
    run, _ = p.fast_check
    assert not run.errors and not run.baseline_problems, (
        f"the solution of {chapter} does not run cleanly, so right answers cannot be judged:"
        + _lines(run.errors + run.baseline_problems))
    verdict = p.verdict(right_answer)
    where = f"tests/grading/right_answers/{chapter}.py:{right_answer.line}"
    assert verdict is not None and verdict.problem is None, f"{where}: {verdict.problem if verdict else 'not checked'}"
    assert verdict.cell_error is None, f"{where}: right answer {right_answer.label!r} raised {verdict.cell_error}"
    assert verdict.lost_points == 0, (
        f"{where}: right answer {right_answer.label!r} loses {verdict.lost_points} point(s) on "
        f"{sorted(verdict.failed)}:" + _lines(f"{gid}: {msg}" for gid, msg in verdict.messages.items()))


@slow
def test_fast_checker_agrees_with_autograde(chapter: str, proof) -> None:
    """The chapter's first wrong answer, graded by a real `nbgrader autograde`, fails exactly the test
    cells the fast checker says it fails."""
    p: ChapterProof = proof(chapter)
    if not p.wrong_answers:
        pytest.fail(f"tests/grading/wrong_answers/{chapter}.py has no wrong answers")
    wrong = p.wrong_answers[0]
    verdict = p.verdict(wrong)
    assert verdict is not None, "the fast checker did not run (see test_wrong_answer_loses_points)"
    student = p.student_for(wrong)
    scores = _autograded(p, student)
    real_failed = sorted(gid for gid, (s, m) in scores.items() if s < m)
    assert real_failed == sorted(verdict.failed), (
        f"{wrong.label!r}: nbgrader autograde fails {real_failed} "
        f"({p.autograded_errors(student)}), the fast checker {sorted(verdict.failed)} ({verdict.messages})")
