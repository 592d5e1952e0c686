"""The grading-proof harness, tried on a toy chapter built in a temporary folder.

The toy has the shape of a real chapter (a read-only set-up cell, two exercises and a concept
question, each with a graded test cell holding visible and hidden tests) but needs nothing more
than plain Python, so it grades in seconds. A *good* toy must pass every check of
``test_grading.py``; a *broken* copy carries one defect of each kind the proof exists to catch:

* a graded test that passes on the unanswered stub (``assert callable(masked_mean)``);
* a "wrong" answer that is in fact right, so it cannot lose points;
* a committed student notebook that drifted from the source, and a source committed with outputs;
* a wrong answer that names no solution cell, and one that poisons the kernel (it replaces a
  builtin), which must not change the verdict on the next wrong answer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from grading.harness import (
    ChapterProof,
    WrongAnswer,
    check_notebook,
    coverage_problems,
    output_problems,
    parse_wrong_answers,
    read_notebook,
)

slow = pytest.mark.slow  # the parser tests are quick; the toy's nbgrader and kernel runs are not
TOY = "toy"


def _meta(gid: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "task": False, "grade_id": gid, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _code(source: str, **nbgrader) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata=_meta(**nbgrader) if nbgrader else {})


def _md(source: str, **nbgrader) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source, metadata=_meta(**nbgrader) if nbgrader else {})


def toy_notebook(weak_test: bool = False) -> nbformat.NotebookNode:
    cells = [
        _md("# Toy chapter\nThe shape of a real chapter, in plain Python.", gid="intro", locked=True),
        _code("import math", gid="setup", locked=True),
        _md("### Exercise 1 — add one (1 point)"),
        _code('def add_one(x):\n    """Return x + 1."""\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION',
              gid="add_one", solution=True),
        _code('"""add_one adds exactly one."""\nassert add_one(1) == 2, "add_one(1) should be 2"\n'
              '### BEGIN HIDDEN TESTS\nassert add_one(-3) == -2, "add_one(-3) should be -2"\n### END HIDDEN TESTS',
              gid="test_add_one", grade=True, locked=True, points=1),
        _md("### Exercise 2 — masked mean (2 points)"),
        _code('def masked_mean(values, mask):\n    """Mean of the values where mask is 1 (two lists of equal length)."""\n'
              '    ### BEGIN SOLUTION\n    kept = [v for v, m in zip(values, mask) if m]\n    return sum(kept) / len(kept)\n'
              '    ### END SOLUTION', gid="masked_mean", solution=True),
        _code('"""masked_mean ignores padded positions."""\n'
              'assert abs(masked_mean([1.0, 2.0, 0.0], [1, 1, 0]) - 1.5) < 1e-9, "padding (mask 0) must not count"\n'
              '### BEGIN HIDDEN TESTS\nassert abs(masked_mean([4.0, 0.0, 0.0, 0.0], [1, 0, 0, 0]) - 4.0) < 1e-9\n'
              '### END HIDDEN TESTS', gid="test_masked_mean", grade=True, locked=True, points=2),
    ]
    if weak_test:  # defect: passes on the stub, which defines masked_mean too
        cells.append(_code('"""masked_mean exists."""\nassert callable(masked_mean)',
                           gid="test_masked_mean_exists", grade=True, locked=True, points=1))
    cells += [
        _md("### Concept check (1 point)\nWhich part of $y = F(\\mathrm{BERT}(x))$ starts from random weights?"),
        _code('# "a": BERT, "b": F, "c": neither\n### BEGIN SOLUTION\nanswer = "b"\n### END SOLUTION',
              gid="answer", solution=True),
        _code('"""Concept check: graded after submission."""\nassert answer in ("a", "b", "c"), "set answer to a, b or c"\n'
              '### BEGIN HIDDEN TESTS\nassert answer == "b", "F starts at random; BERT starts from pre-trained weights"\n'
              '### END HIDDEN TESTS', gid="test_answer", grade=True, locked=True, points=1),
        _code("print(add_one(41), masked_mean([1, 2], [1, 1]))"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


WRONG_ANSWERS = '''"""Wrong answers for the toy chapter (this preamble is ignored)."""

# %% add_one: adds two
def add_one(x):
    return x + 2

# %% add_one: returns x unchanged
def add_one(x):
    return x

# %% add_one: imports a module that does not exist, so the cell fails before defining the function
import no_such_module

def add_one(x):
    return x + 1

# %% masked_mean: counts the padding
def masked_mean(values, mask):
    return sum(values) / len(values)

# %% masked_mean: divides by the sequence length instead of the number of real tokens
def masked_mean(values, mask):
    return sum(v for v, m in zip(values, mask) if m) / len(values)

# %% answer: BERT starts at random
answer = "a"

# %% answer: nothing starts at random
answer = "c"
'''

BROKEN_EXTRA = '''
# %% add_one: replaces a builtin, which poisons the kernel for every later answer
import builtins
builtins.abs = lambda x: 1.0

def add_one(x):
    return x + 2

# %% add_one: returns a float (this one is right, so it cannot lose points)
def add_one(x):
    return x + 1.0

# %% no_such_cell: names a cell that does not exist
x = 1
'''


def make_toy(root: Path, broken: bool) -> ChapterProof:
    """A toy repo under ``root``: solutions/toy, notebooks/toy (generated by nbgrader, then
    "committed"), wrong_answers/toy.py; and its ChapterProof."""
    (root / "solutions" / TOY).mkdir(parents=True)
    nbformat.write(toy_notebook(weak_test=broken), str(root / "solutions" / TOY / f"{TOY}.ipynb"))
    (root / "solutions" / TOY / "notes.txt").write_text("a data file that travels with the chapter\n")
    (root / "wrong_answers").mkdir()
    (root / "wrong_answers" / f"{TOY}.py").write_text(WRONG_ANSWERS + (BROKEN_EXTRA if broken else ""))
    proof = ChapterProof(TOY, solutions=root / "solutions", release=root / "notebooks",
                         wrong_answers=root / "wrong_answers", workdir=root / "work")
    # One generate_assignment serves twice: its output is "committed" as the release, and it is
    # what the sync check compares the committed release with.
    committed = root / "notebooks" / TOY
    shutil.copytree(proof.generated_release, committed)
    if broken:
        nb = read_notebook(committed / f"{TOY}.ipynb")  # a hand edit of the generated notebook
        nb.cells[2].source = nb.cells[2].source.replace("(1 point)", "(2 points)")
        nbformat.write(nb, str(committed / f"{TOY}.ipynb"))
        source = root / "solutions" / TOY / f"{TOY}.ipynb"  # committed after running it
        nb = read_notebook(source)
        nb.cells[1].execution_count = 1
        nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
        nbformat.write(nb, str(source))
    shutil.copytree(committed, proof.course.root / "committed" / TOY)  # as Course.create would have
    return proof


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> ChapterProof:
    return make_toy(tmp_path_factory.mktemp("good_toy"), broken=False)


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> ChapterProof:
    return make_toy(tmp_path_factory.mktemp("broken_toy"), broken=True)


_RIGHT = "wrong_add_one_5"  # the "wrong" answer of the broken toy that is right


def _students(p: ChapterProof) -> list[str]:
    return [p.student_for(a) for a in p.wrong_answers if a.grade_id in {"add_one", "masked_mean", "answer"}]


# -- the parser -------------------------------------------------------------------------------

def test_parser_reads_sections(tmp_path: Path) -> None:
    path = tmp_path / "toy.py"
    path.write_text(WRONG_ANSWERS)
    answers = parse_wrong_answers(path)
    assert [(a.grade_id, a.number) for a in answers] == [
        ("add_one", 1), ("add_one", 2), ("add_one", 3), ("masked_mean", 1), ("masked_mean", 2), ("answer", 1), ("answer", 2)]
    assert answers[0].description == "adds two"
    assert answers[0].source == "def add_one(x):\n    return x + 2"
    assert answers[2].source.startswith("import no_such_module\n\ndef add_one")  # blank lines inside are kept


@pytest.mark.parametrize("text, message", [
    ("# %% add_one adds two\nx = 1\n", "marker must read"),
    ("# %% add_one: empty\n\n# %% add_one: second\nx = 1\n", "is empty"),
], ids=["marker_without_colon", "empty_section"])
def test_parser_rejects_malformed_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.py"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        parse_wrong_answers(path)


# -- a good chapter passes every check ----------------------------------------------------------

@slow
def test_good_toy_passes_the_static_checks(good: ChapterProof) -> None:
    assert good.sync_problems() == []
    assert output_problems(good.source_path) == [] and output_problems(good.release_path) == []
    assert coverage_problems(good.source, good.wrong_answers) == []


@slow
def test_good_toy_validates(good: ChapterProof) -> None:
    assert good.validation.ok, good.validation.output
    assert good.inverted_validation.ok, good.inverted_validation.output


@slow
def test_good_toy_autogrades_full_and_zero(good: ChapterProof) -> None:
    scores = good.scores("solution", "stub", *_students(good))  # one nbgrader run for all of them
    assert scores["solution"] == {"test_add_one": (1, 1), "test_masked_mean": (2, 2), "test_answer": (1, 1)}
    assert scores["stub"] == {"test_add_one": (0, 1), "test_masked_mean": (0, 2), "test_answer": (0, 1)}


@slow
def test_good_toy_every_wrong_answer_loses_points(good: ChapterProof) -> None:
    run, verdicts = good.fast_check
    assert run.errors == [] and run.baseline_problems == []
    assert len(verdicts) == 7
    for v in verdicts:
        assert v.lost_points > 0 and v.restored, v
        assert v.failed == ["test_" + v.wrong.grade_id], v
    # the cell fails before it defines add_one: the correct add_one must not survive from the first run
    missing_module = good.verdict(good.wrong_answer("add_one", 3))
    assert "ModuleNotFoundError" in missing_module.cell_error
    assert "NameError" in missing_module.messages["test_add_one"]
    assert run.notebook.cells[-1].outputs[0].text == "42 1.5\n"  # the executed copy keeps its outputs


@slow
def test_fast_checker_fails_a_wrong_answer_that_hangs(good: ChapterProof, tmp_path: Path) -> None:
    hang = WrongAnswer("add_one", "never returns", "def add_one(x):\n    while True:\n        pass", 1, 1)
    shutil.copytree(good.solutions / TOY, tmp_path, dirs_exist_ok=True)
    _, [verdict] = check_notebook(tmp_path / f"{TOY}.ipynb", [hang], tmp_path, timeout=3)
    assert verdict.failed == ["test_add_one"] and verdict.restored, verdict
    assert any(e in verdict.messages["test_add_one"] for e in ("CellTimeoutError", "KeyboardInterrupt")), verdict


@slow
def test_fast_checker_agrees_with_autograde_on_every_toy_wrong_answer(good: ChapterProof) -> None:
    scores = good.scores(*_students(good))
    for wrong in good.wrong_answers:
        real = sorted(gid for gid, (s, m) in scores[good.student_for(wrong)].items() if s < m)
        assert real == good.verdict(wrong).failed, wrong.label


# -- a broken chapter is caught ---------------------------------------------------------------------

@slow
def test_broken_toy_release_out_of_sync_is_caught(broken: ChapterProof) -> None:
    problems = broken.sync_problems()
    assert len(problems) == 1 and "cell 2 (markdown) source differs" in problems[0], problems
    assert "+### Exercise 1 — add one (2 points)" in problems[0]


@slow
def test_broken_toy_committed_outputs_are_caught(broken: ChapterProof) -> None:
    assert output_problems(broken.source_path) == ["cell 1 (setup): 1 output(s)", "cell 1 (setup): execution_count 1"]


@slow
def test_broken_toy_test_that_passes_on_the_stub_is_caught(broken: ChapterProof) -> None:
    assert not broken.inverted_validation.ok
    assert "NOTEBOOK PASSED ON 1 CELL(S)!" in broken.inverted_validation.output
    stub = broken.scores("stub", _RIGHT)["stub"]  # one nbgrader run for both
    assert stub["test_masked_mean_exists"] == (1, 1) and stub["test_masked_mean"] == (0, 2)


@slow
def test_broken_toy_wrong_answer_that_keeps_full_marks_is_caught(broken: ChapterProof) -> None:
    verdict = broken.verdict(broken.wrong_answer("add_one", 5))
    assert verdict.lost_points == 0 and verdict.failed == []
    scores = broken.scores("stub", _RIGHT)[_RIGHT]  # nbgrader agrees: full marks
    assert all(s == m for s, m in scores.values()), scores


@slow
def test_broken_toy_poisoned_kernel_does_not_leak_into_the_next_verdict(broken: ChapterProof) -> None:
    # add_one#4 and #5 are tried together; afterwards test_masked_mean fails with the correct
    # solution, so the pair is tried again one at a time, #5 in a fresh kernel
    poison = broken.verdict(broken.wrong_answer("add_one", 4))
    assert not poison.restored and poison.failed == ["test_add_one", "test_masked_mean"]
    after = broken.verdict(broken.wrong_answer("add_one", 5))
    assert after.restored and after.failed == []
    assert all(v.restored for v in broken.fast_check[1] if v.wrong.number < 4)


@slow
def test_broken_toy_wrong_answer_naming_no_cell_is_caught(broken: ChapterProof) -> None:
    problems = coverage_problems(broken.source, broken.wrong_answers)
    assert len(problems) == 1 and "'no_such_cell#1: names a cell that does not exist' names no solution cell" in problems[0]
    assert broken.verdict(broken.wrong_answer("no_such_cell", 1)).problem
