"""Similarity (course_utils.grading.similarity) on the real ch03: three correct solutions written
independently (tests/grading/similar/{a,b,c}.txt) are not flagged; a copy of one with the names
renamed, the comments changed, the layout changed and its functions reordered (a_copied.txt) is.
Shared wrong answers on concept questions: a pair with the same two wrong answers is reported, a
pair with one, or with the right answers, is not. No notebook is run."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import nbformat
import pytest

from course_utils.grading import similarity as sim
from course_utils.grading.course import fill_release, read_notebook

REPO = Path(__file__).resolve().parents[2]
CH = "ch03_fine_tuning_objective"
HERE = Path(__file__).parent / "similar"


def cells_of(name: str) -> dict[str, str]:
    """``{grade_id: source}`` from a file of ``# %% <grade_id>`` sections."""
    parts = re.split(r"^# %% (\w+)\n", (HERE / name).read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {gid: src.rstrip() for gid, src in zip(parts[1::2], parts[2::2])}


@pytest.fixture(scope="module")
def ch03():
    release = read_notebook(REPO / "notebooks" / CH / f"{CH}.ipynb")
    source = read_notebook(REPO / "solutions" / CH / f"{CH}.ipynb")
    return release, source


def class_of(release, source, students: dict[str, str]) -> dict[str, dict[str, str]]:
    return {s: sim.answers(fill_release(release, source, replace=cells_of(f))) for s, f in students.items()}


def test_planted_copy_is_found_independent_solutions_are_not(ch03):
    release, source = ch03
    students = class_of(release, source, {"ann": "a.txt", "bob": "b.txt", "cat": "c.txt", "dan": "a_copied.txt"})
    rows = sim.code_pairs(CH, students, sim.answers(release), sim.answers(source))
    assert [(r["student_a"], r["student_b"]) for r in rows] == [("ann", "dan")]
    assert float(rows[0]["score"]) >= sim.CODE_THRESHOLD
    independent = {s: students[s] for s in ("ann", "bob", "cat")}
    assert sim.code_pairs(CH, independent, sim.answers(release), sim.answers(source)) == []


def test_solution_and_starter_lines_are_not_evidence(ch03):
    """Two students who hand in the solution itself (or the untouched notebook) are not a pair."""
    release, source = ch03
    students = {"eve": sim.answers(fill_release(release, source)), "fay": sim.answers(fill_release(release, source)),
                "gus": sim.answers(release), "hal": sim.answers(release)}
    assert sim.code_pairs(CH, students, sim.answers(release), sim.answers(source)) == []


STUB = {"q1": 'answer = "?"', "q2": "letters = []", "q3": "order = []", "f": "def f(x):\n    pass"}
SOLUTION = {"q1": 'answer = "b"', "q2": 'letters = ["a", "c"]', "q3": 'order = ["C", "A", "B"]',
            "f": "def f(x):\n    return x + 1"}


def test_shared_wrong_answers_on_several_concept_questions():
    students = {
        "ann": {"q1": 'answer = "c"', "q2": 'letters = ["a"]', "q3": 'order = ["C", "A", "B"]'},
        "bob": {"q1": "answer = 'c'  # I think", "q2": 'letters = ["a"]', "q3": 'order = ["A", "B", "C"]'},
        "cat": {"q1": 'answer = "c"', "q2": 'letters = ["a", "c"]', "q3": 'order = ["A", "C", "B"]'},
        "dan": {"q1": 'answer = "b"', "q2": 'letters = ["a", "c"]', "q3": 'order = ["C", "A", "B"]'},
        "eve": {"q1": 'answer = "b"', "q2": 'letters = ["a", "c"]', "q3": 'order = ["C", "A", "B"]'},
        "fay": {"q1": 'answer = "?"', "q2": "letters = []", "q3": "order = []"},
        "gus": {"q1": 'answer = "?"', "q2": "letters = []", "q3": "order = []"},
    }
    wrong = sim.wrong_answers("ch09", students, STUB, SOLUTION)
    assert ("ann", "ch09/f") not in wrong and ("dan", "ch09/q1") not in wrong and ("fay", "ch09/q1") not in wrong
    rows = sim.wrong_pairs(wrong)
    assert [(r["student_a"], r["student_b"], r["shared"]) for r in rows] == [("ann", "bob", 2)]
    assert rows[0]["detail"] == "same wrong answer on ch09/q1, ch09/q2"


def test_write_similarity_and_report_section(ch03, tmp_path):
    from course_utils.grading.submissions import Submission

    release, source = ch03
    subs = []
    for student, f in {"ann": "a.txt", "bob": "b.txt", "dan": "a_copied.txt"}.items():
        path = tmp_path / "in" / student / f"{CH}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(fill_release(release, source, replace=cells_of(f)), str(path))
        subs.append(Submission(student, CH, path, f"{student}/{CH}.ipynb"))
    subs.append(Submission("cat", CH, None, ""))  # nothing handed in
    rows = sim.write_similarity(tmp_path, subs, {CH: release}, {CH: source})
    with open(tmp_path / "similarity.csv", newline="", encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    assert [(r["kind"], r["student_a"], r["student_b"]) for r in written] == [("code", "ann", "dan")] == \
        [(r["kind"], r["student_a"], r["student_b"]) for r in rows]
    text = "\n".join(sim.report_lines(tmp_path))
    assert "## Similarity" in text and "| code | " + CH + " | ann, dan |" in text and "no grade was changed" in text


def test_concept_question_literals():
    assert sim.literals('x = {"a": True, "b": None}\ny = [1, 2]') == {"x": {"a": True, "b": None}, "y": [1, 2]}
    assert sim.literals("x = f(1)") is None and sim.literals("def f(): pass") is None
    assert sim.literals("x = (") is None and sim.literals("# only a comment") is None
