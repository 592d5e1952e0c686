"""The instructor's view of variants (course_utils.grading.variantstats, issue 22 item 5) on synthetic
results, no notebook run: grades.csv's ``variant`` column, and report.md's "Variants" section (variants
graded, submissions on variant 0, full marks on variant 0 against the personal variants, the spread of
the repeated variants' means and the flag on a variant far below the others), against values worked
out here by hand."""

from __future__ import annotations

import csv

import pytest

from course_utils.grading.gradebook import Result
from course_utils.grading.reports import write_tables
from course_utils.grading.variantstats import FAR_BELOW, REPEATED, report_lines, variant_statistics

CH = "ch09_demo"
POINTS = {"q1": 1, "q2": 2}
CLASS = [  # (student, variant, q1, q2)
    ("z1", "0", 1, 2), ("z2", "0", 1, 0),                                      # no student id: variant 0
    ("a1", "aaaa0001", 1, 2), ("a2", "aaaa0001", 1, 2), ("a3", "aaaa0001", 1, 2),
    ("b1", "bbbb0002", 1, 0), ("b2", "bbbb0002", 1, 0), ("b3", "bbbb0002", 1, 1),  # q2 much harder here
    ("c1", "cccc0003", 1, 2), ("c2", "cccc0003", 1, 2), ("c3", "cccc0003", 1, 1),
    ("p1", "11110001", 0, 2), ("p2", "11110002", 1, 2), ("p3", "11110003", 1, 0), ("p4", "11110004", 1, 2),
]


def klass() -> list[Result]:
    results = [Result(s, CH, f"{s}/{CH}.ipynb", float(q1 + q2), 3.0, {"q1": [q1, 1], "q2": [q2, 2]}, variant=v)
               for s, v, q1, q2 in CLASS]
    results.append(Result("m1", CH, "", 0.0, 3.0, problems=[["missing", "no notebook"]]))  # no variant recorded
    results.append(Result("", "", "notes.ipynb", problems=[["unknown_chapter", "..."]]))   # not graded
    return results


def test_variant_statistics_equal_hand_computed_values():
    assert (REPEATED, FAR_BELOW) == (3, 0.3)  # the thresholds the values below are worked out with
    s = variant_statistics(klass(), CH)
    assert (s["graded"], s["variants"], s["on_zero"], s["unrecorded"]) == (16, 8, 2, 1)
    q1, q2 = s["cells"]["q1"], s["cells"]["q2"]
    # q1: both variant-0 submissions full; 12 of the 13 personal ones (p1 has 0)
    assert (q1["zero_full"], q1["zero_n"], q1["personal_n"]) == (1.0, 2, 13)
    assert q1["personal_full"] == pytest.approx(12 / 13)
    assert q1["repeated"] == {"aaaa0001": (1.0, 3), "bbbb0002": (1.0, 3), "cccc0003": (1.0, 3)}  # "0" has 2 only
    assert q1["spread"] == 0 and q1["flagged"] == []
    # q2 as shares of 2 points: a 1, 1, 1 -> 1; b 0, 0, .5 -> 1/6; c 1, 1, .5 -> 5/6
    assert (q2["zero_full"], q2["zero_n"]) == (0.5, 2)
    assert q2["personal_full"] == pytest.approx(8 / 13)  # a1-a3, c1, c2, p1, p2, p4
    means = {v: m for v, (m, _) in q2["repeated"].items()}
    assert means == pytest.approx({"aaaa0001": 1.0, "bbbb0002": 1 / 6, "cccc0003": 5 / 6})
    assert q2["spread"] == pytest.approx(1 - 1 / 6)
    # b's mean is 0.75 below the mean of a's and c's (0.9167): flagged; c is 0.25 below a and b's mean: not
    assert len(q2["flagged"]) == 1
    v, mean, others = q2["flagged"][0]
    assert (v, mean, others) == ("bbbb0002", pytest.approx(1 / 6), pytest.approx((1 + 5 / 6) / 2))


def test_one_repeated_variant_has_no_spread_and_is_never_flagged():
    results = [Result(f"s{i}", CH, "", 0.0, 1.0, {"q": [0, 1]}, variant="dddd0004") for i in range(3)]
    results += [Result("t", CH, "", 1.0, 1.0, {"q": [1, 1]}, variant="eeee0005")]  # once: no mean of its own
    q = variant_statistics(results, CH)["cells"]["q"]
    assert (q["spread"], q["flagged"], q["zero_full"], q["personal_full"]) == (None, [], None, 0.25)


def test_report_section():
    lines = report_lines(klass())
    text = "\n".join(lines)
    assert lines[0] == "## Variants" and f"### {CH}" in lines
    assert "16 submission(s) graded on 8 distinct variant(s); 2 on variant 0 (no student id); 1 without a variant" in text
    row = next(line for line in lines if line.startswith("| q2 |"))
    assert row == ("| q2 | 50% (2) | 62% (13) | 3 | 0.83 | variant bbbb0002: mean 0.17 vs 0.92 on the others |")
    assert next(line for line in lines if line.startswith("| q1 |")) == "| q1 | 100% (2) | 92% (13) | 3 | 0.00 |  |"
    # results graded before variants existed (no variant recorded anywhere): no section
    assert report_lines([Result("x", CH, "", 1.0, 1.0, {"q": [1, 1]})]) == []


def test_grades_csv_has_the_variant_and_report_md_the_section(tmp_path):
    write_tables(tmp_path, klass())
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["student_id", "chapter", "score", "max_score", "variant"]
    by_student = {r[0]: r for r in rows[1:]}
    assert by_student["b3"] == ["b3", CH, "2", "3", "bbbb0002"] and by_student["z1"] == ["z1", CH, "3", "3", "0"]
    assert by_student["m1"] == ["m1", CH, "0", "3", ""]  # nothing handed in: no variant
    assert len(rows) == 1 + 16
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Variants" in report and "variant bbbb0002: mean 0.17" in report
    assert report.index("## Variants") < report.index("## Item analysis")
