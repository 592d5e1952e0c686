"""Item analysis (course_utils.grading.itemstats) on a toy gradebook of 10 students, against values
computed here by hand (statistics.correlation, plain means)."""

from __future__ import annotations

import math
import statistics

import pytest

from course_utils.grading.gradebook import Result
from course_utils.grading.itemstats import item_analysis, report_lines

# 10 students × 5 cells (points 1, 2, 1, 1, 2): q1, q2 and q3 rise with ability, `planted` is got right by
# the weakest and wrong by the strongest, `easy` by everyone.
POINTS = {"q1": 1, "q2": 2, "planted": 1, "easy": 1, "q3": 2}
SCORES = {  # student: (q1, q2, planted, easy, q3)
    "s01": (0, 0, 1, 1, 0), "s02": (0, 0, 1, 1, 0), "s03": (0, 1, 1, 1, 0), "s04": (1, 0, 1, 1, 1), "s05": (0, 1, 1, 1, 1),
    "s06": (1, 1, 0, 1, 1), "s07": (1, 2, 0, 1, 2), "s08": (1, 2, 0, 1, 2), "s09": (1, 2, 0, 1, 2), "s10": (1, 2, 0, 1, 2),
}


def toy_results() -> list[Result]:
    out = []
    for student, row in SCORES.items():
        cells = {g: [s, POINTS[g]] for g, s in zip(POINTS, row)}
        out.append(Result(student, "ch09", f"{student}/ch09.ipynb", float(sum(row)), 7.0, cells))
    out.append(Result("s11", "ch09", "s11/ch09.ipynb"))  # not graded (no chapter): left out
    return out


def test_item_statistics_equal_hand_computed_values():
    table = item_analysis(toy_results(), "ch09")
    assert list(table.index) == list(POINTS)
    totals = {s: sum(row) for s, row in SCORES.items()}
    for j, g in enumerate(POINTS):
        col = [row[j] for row in SCORES.values()]
        rest = [totals[s] - SCORES[s][j] for s in SCORES]
        r = table.loc[g]
        assert r.difficulty == pytest.approx(statistics.mean(col) / POINTS[g])
        assert r.zero == pytest.approx(sum(x == 0 for x in col) / 10)
        assert r.full == pytest.approx(sum(x == POINTS[g] for x in col) / 10)
        if len(set(col)) > 1:
            assert r.discrimination == pytest.approx(statistics.correlation(col, rest))
        else:
            assert math.isnan(r.discrimination)
        ranked = sorted(SCORES, key=lambda s: totals[s])  # ties keep the class's order, as in the code
        fifths = [statistics.mean(SCORES[s][j] / POINTS[g] for s in ranked[k:k + 2]) for k in range(0, 10, 2)]
        assert r.fifths == pytest.approx(fifths)
    assert table.loc["q2"].difficulty == pytest.approx(11 / 20)
    assert table.loc["planted"].fifths == pytest.approx([1, 1, 0.5, 0, 0])


def test_flags_the_planted_question_and_the_one_everyone_gets():
    table = item_analysis(toy_results(), "ch09")
    assert table.loc["planted"].discrimination < 0
    assert "negative discrimination" in table.loc["planted"].flagged
    assert table.loc["easy"].flagged == ["everyone gets it"]
    assert all(table.loc[g].flagged == [] for g in ("q1", "q2", "q3"))


def test_report_section_and_plot(tmp_path):
    lines = report_lines(toy_results(), tmp_path / "items.png")
    text = "\n".join(lines)
    assert "## Item analysis" in text and "### ch09" in text
    planted = next(line for line in lines if line.startswith("| planted "))
    assert "negative discrimination" in planted and "1.00 1.00 0.50 0.00 0.00" in planted
    assert (tmp_path / "items.png").stat().st_size > 1000
    assert report_lines([Result("x", "ch09", "x.ipynb")]) == []  # nothing graded: no section
