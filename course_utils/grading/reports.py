"""The class tables: grades.csv, problems.csv, report.md and the score histograms."""

from __future__ import annotations

from pathlib import Path

from . import itemstats, similarity, variantstats
from .csvsafe import FORMULA_START, NUMBER, csv_cell, write_csv  # noqa: F401  (re-exported: they lived here)
from .gradebook import Result
from .layouts import late_flags


def _number(x) -> str:
    return "" if x is None else f"{float(x):g}"


def write_tables(out: Path, results: list[Result]) -> None:
    graded = sorted((r for r in results if r.score is not None), key=lambda r: (r.student_id, r.chapter))
    late = late_flags(out)  # None unless handed in from an LMS's download: then a "late" column at the end
    write_csv(out / "grades.csv", ["student_id", "chapter", "score", "max_score", "variant"]
              + (["late"] if late is not None else []),
              ([r.student_id, r.chapter, _number(r.score), _number(r.max_score), r.variant]
               + (["late" if (r.student_id, r.chapter) in late else ""] if late is not None else []) for r in graded))
    rows = [[r.student_id, r.chapter, r.file, p, d] for r in results for p, d in r.problems]
    write_csv(out / "problems.csv", ["student_id", "chapter", "file", "problem", "detail"], sorted(rows))
    write_report(out, graded, len(rows))


def cell_statistics(results: list[Result]) -> dict[str, dict[str, dict]]:
    """``{chapter: {grade_id: {points, mean, full, zero}}}`` over the graded submissions."""
    stats: dict[str, dict[str, dict]] = {}
    for ch in sorted({r.chapter for r in results}):
        rows = [r for r in results if r.chapter == ch and r.cells]
        names = list(dict.fromkeys(g for r in rows for g in r.cells))
        stats[ch] = {}
        for g in names:
            pairs = [r.cells[g] for r in rows if g in r.cells]
            scores, top = [s or 0 for s, _ in pairs], max(m for _, m in pairs)
            stats[ch][g] = {"points": top, "mean": sum(scores) / len(scores),
                            "full": sum(s >= top for s in scores) / len(scores),
                            "zero": sum(s == 0 for s in scores) / len(scores)}
    return stats


def write_report(out: Path, graded: list[Result], problem_count: int) -> None:
    chapters = sorted({r.chapter for r in graded})
    lines = ["# Grading report", "", (f"{len({r.student_id for r in graded})} student(s), {len(graded)} chapter submission(s), "
             f"{problem_count} row(s) in problems.csv."), "", "![score histograms](scores.png)", ""]
    for ch, cells in cell_statistics(graded).items():
        totals = [r.score for r in graded if r.chapter == ch]
        top = max(r.max_score for r in graded if r.chapter == ch)
        lines += [f"## {ch}", "", f"{len(totals)} submission(s); mean {sum(totals) / len(totals):.2f} of {top:g}.", "",
                  "| graded cell | points | mean score | full marks | zero |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {g} | {s['points']:g} | {s['mean']:.2f} | {s['full']:.0%} | {s['zero']:.0%} |" for g, s in cells.items()]
        lines.append("")
    lines += (variantstats.report_lines(graded) + itemstats.report_lines(graded, out / "items.png")
              + similarity.report_lines(out))
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
    plot_histograms(out / "scores.png", graded, chapters)


def plot_histograms(path: Path, graded: list[Result], chapters: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, max(len(chapters), 1), figsize=(4 * max(len(chapters), 1), 3), squeeze=False)
    for ax, ch in zip(axes[0], chapters):
        rows = [r for r in graded if r.chapter == ch]
        top = max(r.max_score for r in rows)
        ax.hist([r.score for r in rows], bins=[x - 0.5 for x in range(int(top) + 2)], color="#4477aa")
        ax.set_title(ch, fontsize=9)
        ax.set_xlabel(f"score (of {top:g})")
        ax.set_ylabel("students")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
