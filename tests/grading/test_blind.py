"""No blind strategy scores: every concept question earns at most 15 % of its points for an answer
given without reading it (issue 21, item 5).

``tests/grading/blind_answers/<ch>.py`` has the format of the wrong answers (``# %% <grade_id>:
<strategy>`` sections, each replacing the whole solution cell of a concept question). The strategy
starts with one of the five kinds in ``KINDS``: random answers, all options, no option, one constant
answer, the items as listed. Each is graded by the harness's fast checker (``check_notebook``: the
real test cells, two kernels, nbgrader's ``determine_grade``) on the chapter's notebook cut down to
what the concept questions need: its set-up cells, the questions' solution cells and the graded
test cells that follow each of them (the rest of the chapter, its training runs included, cannot
change a question's score).

A question's score under a strategy is the sum over its test cells; random answers are draws, so
their *mean* is the estimate of the expected score that must stay within the limit (each draw is
printed); every other strategy must stay within it on its own. Each question's worst case is
printed (``pytest -s`` shows it; a failure names it).

Tiers: the default run checks every file's coverage (each question has all five kinds) without a
kernel, and grades the strategies other than random draws for the chapters in ``DEFAULT_TIER``
(two kernels for one cut-down notebook: about 20 s of CPU, 60 s wall on a busy 2-core machine);
the ``slow`` tier grades every strategy,
random draws included, of every chapter.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest
from grading.harness import (
    WrongAnswer,
    check_notebook,
    graded_tests,
    parse_wrong_answers,
    solution_cells,
)
from nbgrader.utils import is_solution

from course_utils.grading.course import grade_id, read_notebook
from course_utils.grading.executor import roles

REPO = Path(__file__).resolve().parents[2]
BLIND = REPO / "tests" / "grading" / "blind_answers"
SOLUTIONS = REPO / "solutions"
LIMIT = 0.15  # the most a blind strategy may earn, as a share of the question's points
KINDS = ("random answers", "all options", "no option", "one constant answer", "the items as listed")
DEFAULT_TIER = {"ch03_fine_tuning_objective"}  # graded in the default tier (the others: slow)
CHAPTERS = sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file()) if SOLUTIONS.is_dir() else []


def kind_of(answer: WrongAnswer) -> str | None:
    """The strategy kind a section's description starts with (None if it names none)."""
    return next((k for k in KINDS if answer.description.startswith(k)), None)


def blind_answers(ch: str) -> list[WrongAnswer]:
    path = BLIND / f"{ch}.py"
    if not path.exists():
        pytest.skip(f"no blind answers yet for {ch} (tests/grading/blind_answers/{ch}.py)")
    return parse_wrong_answers(path)


def question_tests(nb, question: str) -> list[str]:
    """The graded test cells of a concept question: those after its solution cell, up to the next
    solution cell."""
    index = solution_cells(nb)[question]
    later = sorted(i for i in solution_cells(nb).values() if i > index)
    end = later[0] if later else len(nb.cells)
    return [gid for gid, i in graded_tests(nb).items() if index < i < end]


def cut_down(nb, questions: set[str]):
    """The notebook with only its set-up cells, the questions' solution cells and their test cells."""
    setup = set(roles(nb)["setup"])
    tests = {gid for q in questions for gid in question_tests(nb, q)}
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    out.cells = [c for c in nb.cells if c.cell_type == "code"
                 and (grade_id(c) in setup or grade_id(c) in tests or (is_solution(c) and grade_id(c) in questions))]
    return out


def problems_in_file(nb, answers: list[WrongAnswer]) -> list[str]:
    """What is missing from a blind-answers file: unknown cells, sections of no kind, kinds not covered."""
    problems, kinds = [], defaultdict(set)
    solutions = solution_cells(nb)
    for a in answers:
        if a.grade_id not in solutions:
            problems.append(f"line {a.line}: {a.grade_id!r} names no solution cell")
        elif not question_tests(nb, a.grade_id):
            problems.append(f"line {a.line}: {a.grade_id!r} has no graded test cell after it")
        if kind_of(a) is None:
            problems.append(f"line {a.line}: {a.description!r} starts with none of {KINDS}")
        kinds[a.grade_id].add(kind_of(a))
    for question, covered in kinds.items():
        missing = [k for k in KINDS if k not in covered]
        if missing:
            problems.append(f"{question}: no strategy of kind {missing}")
    return problems


def graded(ch: str, workdir: str, draws: bool) -> tuple[dict, list]:
    """``({question: max points}, verdicts)`` of the chapter's blind answers (random draws only if ``draws``)."""
    nb = read_notebook(SOLUTIONS / ch / f"{ch}.ipynb")
    answers = [a for a in blind_answers(ch) if draws or kind_of(a) != "random answers"]
    questions = {a.grade_id for a in answers}
    cwd = Path(workdir) / "run"
    shutil.copytree(SOLUTIONS / ch, cwd, dirs_exist_ok=True)
    path = cwd / f"{ch}.ipynb"
    nbformat.write(cut_down(nb, questions), str(path))
    run, verdicts = check_notebook(path, answers, cwd)
    assert not run.errors and not run.baseline_problems, (
        f"{ch}: the cut-down notebook does not run cleanly with the solutions, so blind answers cannot be "
        f"judged: {run.errors + run.baseline_problems}")
    points = {q: sum(run.test_scores[t][1] for t in question_tests(nb, q)) for q in questions}
    return points, verdicts


@pytest.mark.parametrize("ch", CHAPTERS)
def test_blind_answers_cover_every_strategy(ch: str) -> None:
    """Each concept question in the file has all five strategy kinds, and each section names a
    solution cell with graded tests after it."""
    nb = read_notebook(SOLUTIONS / ch / f"{ch}.ipynb")
    problems = problems_in_file(nb, blind_answers(ch))
    assert not problems, f"tests/grading/blind_answers/{ch}.py:\n  " + "\n  ".join(problems)


TIERS = [pytest.param(ch, True, id=f"{ch}-every-strategy", marks=[pytest.mark.slow]) for ch in CHAPTERS]
TIERS += [pytest.param(ch, False, id=f"{ch}-no-random-draws") for ch in CHAPTERS if ch in DEFAULT_TIER]


@pytest.mark.parametrize(("ch", "draws"), TIERS)
def test_no_blind_strategy_scores(ch: str, draws: bool, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every strategy earns at most LIMIT of its question's points (random draws: on average)."""
    nb = read_notebook(SOLUTIONS / ch / f"{ch}.ipynb")
    points, verdicts = graded(ch, str(tmp_path_factory.mktemp(f"blind_{ch}")), draws)
    unchecked = [f"{v.wrong.label}: {v.problem}" for v in verdicts if v.problem]
    assert not unchecked, "blind answers that could not be graded:\n  " + "\n  ".join(unchecked)
    share: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for v in verdicts:
        question = v.wrong.grade_id
        score = sum(v.scores[t][0] for t in question_tests(nb, question))
        strategy = "random answers (mean of the draws)" if kind_of(v.wrong) == "random answers" else v.wrong.description
        share[question][strategy].append(score / points[question])
    too_high = []
    for question, strategies in share.items():
        means = {s: sum(x) / len(x) for s, x in strategies.items()}
        worst = max(means, key=means.get)
        draws = strategies.get("random answers (mean of the draws)", [])
        print(f"{ch} {question} ({points[question]:g} points): worst blind strategy {worst!r} earns {means[worst]:.1%}"
              + (f"; random draws {[f'{x:.0%}' for x in draws]}" if draws else ""))
        too_high += [f"{question}: {s!r} earns {m:.1%} of {points[question]:g} points" for s, m in means.items() if m > LIMIT]
    assert not too_high, f"blind strategies that earn more than {LIMIT:.0%}:\n  " + "\n  ".join(too_high)
