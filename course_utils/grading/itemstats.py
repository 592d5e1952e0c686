"""Item analysis: which graded cells work (``report.md``'s "Item analysis" and ``items.png``).

Per graded cell of a chapter, over the students graded in it:

* ``difficulty``: the mean score as a share of the cell's points (1: everyone gets it);
* ``discrimination``: the Pearson correlation of the cell's score with the rest of the chapter's
  score (the chapter total without this cell, so a cell does not correlate with itself); empty
  when either is the same for everyone;
* ``fifths``: the mean share of the points in each fifth of the class, ranked by chapter total,
  weakest fifth first (a working cell rises from left to right);
* ``zero`` / ``full``: the share of students with no points / all of them.

Flags: ``negative discrimination`` (below 0: the stronger students do worse on it: a wrong test or
a misleading question), ``near-zero discrimination`` (below :data:`NEAR_ZERO`), ``everyone gets it``
and ``no one gets it``. One row per cell over all its variants; how a cell's variants compare is
:mod:`.variantstats`' ("Variants" in report.md)."""

from __future__ import annotations

import math
from pathlib import Path

NEAR_ZERO = 0.1   # discrimination below this (and not negative) is flagged as near zero
FIFTHS = 5


def chapter_matrix(results: list, chapter: str):
    """``(scores, points)``: a DataFrame of students × graded cells (points scored) and a Series of
    each cell's points, from the chapter's graded results."""
    import pandas as pd

    rows = {r.student_id: r.cells for r in results if r.chapter == chapter and r.score is not None and r.cells}
    cells = list(dict.fromkeys(g for c in rows.values() for g in c))
    scores = pd.DataFrame({g: {s: float((c.get(g) or [0, 0])[0] or 0) for s, c in rows.items()} for g in cells},
                          columns=cells, dtype=float).fillna(0.0)
    points = pd.Series({g: max(float(c[g][1] or 0) for c in rows.values() if g in c) for g in cells}, dtype=float)
    return scores, points


def item_analysis(results: list, chapter: str):
    """One row per graded cell of ``chapter``: points, difficulty, discrimination, fifths, zero,
    full, flagged (a pandas DataFrame indexed by grade_id)."""
    import numpy as np
    import pandas as pd

    scores, points = chapter_matrix(results, chapter)
    total = scores.sum(axis=1)
    order = total.sort_values(kind="stable").index
    groups = [g for g in np.array_split(np.asarray(order), FIFTHS)]
    rows = {}
    for g in scores.columns:
        share = scores[g] / points[g] if points[g] else scores[g] * 0
        rest = total - scores[g]
        disc = float(np.corrcoef(scores[g], rest)[0, 1]) if scores[g].std() > 0 and rest.std() > 0 else float("nan")
        row = {"points": points[g], "difficulty": float(share.mean()), "discrimination": disc,
               "fifths": [float(share[list(grp)].mean()) if len(grp) else float("nan") for grp in groups],
               "zero": float((scores[g] <= 0).mean()), "full": float((scores[g] >= points[g]).mean())}
        row["flagged"] = flags(row)
        rows[g] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def flags(row: dict) -> list[str]:
    found = []
    if row["discrimination"] < 0:
        found.append("negative discrimination")
    elif row["discrimination"] < NEAR_ZERO:
        found.append("near-zero discrimination")
    if row["full"] == 1:
        found.append("everyone gets it")
    if row["zero"] == 1:
        found.append("no one gets it")
    return found


def _num(x: float, fmt: str = ".2f") -> str:
    return "" if math.isnan(x) else format(x, fmt)  # NaN: empty


def report_lines(results: list, plot: Path | None = None) -> list[str]:
    """The "Item analysis" section of report.md (and ``plot``: difficulty against discrimination)."""
    chapters = sorted({r.chapter for r in results if r.score is not None and r.cells})
    if not chapters:
        return []
    lines = ["## Item analysis", "", (f"Per graded cell: difficulty (mean share of its points), discrimination "
             f"(correlation with the rest of the chapter, the cell left out; flagged below {NEAR_ZERO:g}), the mean "
             "share of its points in each fifth of the class (weakest first), the share of zeros and of full marks."), ""]
    tables = {}
    for ch in chapters:
        table = tables[ch] = item_analysis(results, ch)
        lines += [f"### {ch}", "", ("| graded cell | points | difficulty | discrimination | fifths (weakest → strongest) "
                  "| zero | full | flags |"), "|---|---:|---:|---:|---|---:|---:|---|"]
        lines += [f"| {g} | {r.points:g} | {_num(r.difficulty)} | {_num(r.discrimination)} | "
                  f"{' '.join(_num(x) or '–' for x in r.fifths)} | {r.zero:.0%} | {r.full:.0%} | {', '.join(r.flagged)} |"
                  for g, r in table.iterrows()]
        lines.append("")
    if plot is not None:
        plot_items(plot, tables)
        lines += [f"![difficulty and discrimination]({plot.name})", ""]
    return lines


def plot_items(path: Path, tables: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for ch, table in tables.items():
        ax.scatter(table.difficulty, table.discrimination.fillna(0), label=ch.split("_")[0], s=18)
    ax.axhline(NEAR_ZERO, color="#c60", lw=0.8, ls="--")
    ax.axhline(0, color="#888", lw=0.8)
    ax.set_xlabel("difficulty (mean share of the points)")
    ax.set_ylabel("discrimination")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
