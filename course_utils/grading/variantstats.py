"""The instructor's view of variants (``report.md``'s "Variants"; issue 22 item 5).

Every submission is graded on a variant (``Result.variant``: ``"0"``, the shared notebook, for no
student id, else "v" and 8 hex digits of the student's seed; empty when none was recorded: nothing handed
in, a notebook that could not be read, or a result graded before variants existed). Per chapter:

* how many variants were graded, how many submissions on variant 0, how many without a variant;
* per graded cell, the share of full marks on variant 0 and on the personal variants (each with its
  number of submissions): a personal share far below variant 0's says that the personal variants
  are harder, or that variant 0's answers are going round;
* where variants repeat (a variant graded at least :data:`REPEATED` times has a mean of its own),
  the spread of those variants' mean shares of the cell's points (highest minus lowest), and a flag
  on a variant whose mean is :data:`FAR_BELOW` or more below the mean of the other repeated
  variants' means: that variant of the question is much harder than the others (a value that makes
  the question harder, an option order that misleads, or a wrong key for that variant).
"""

from __future__ import annotations

REPEATED = 3      # submissions a variant needs to have a mean of its own
FAR_BELOW = 0.3   # a repeated variant's mean share this far below the others' mean is flagged


def _share(score, points) -> float:
    return float(score or 0) / float(points) if points else 0.0


def variant_statistics(results: list, chapter: str) -> dict:
    """``{"graded", "variants", "on_zero", "unrecorded", "cells": {grade_id: {...}}}`` for one chapter's
    graded results. A cell: ``zero_full`` / ``zero_n`` (variant 0), ``personal_full`` / ``personal_n``
    (the other variants), ``repeated`` (``{variant: (mean share, submissions)}`` of the variants graded
    at least :data:`REPEATED` times), ``spread`` (their highest mean minus their lowest, ``None``
    under two such variants) and ``flagged`` (``[(variant, its mean, the others' mean)]``)."""
    graded = [r for r in results if r.chapter == chapter and r.score is not None]
    known = [r for r in graded if r.variant]
    stats = {"graded": len(graded), "variants": len({r.variant for r in known}),
             "on_zero": sum(r.variant == "0" for r in known), "unrecorded": len(graded) - len(known), "cells": {}}
    for g in dict.fromkeys(g for r in known for g in r.cells):
        scored = [(r.variant, _share(*r.cells[g][:2])) for r in known if g in r.cells]
        zero = [s for v, s in scored if v == "0"]
        personal = [s for v, s in scored if v != "0"]
        by_variant: dict[str, list[float]] = {}
        for v, s in scored:
            by_variant.setdefault(v, []).append(s)
        repeated = {v: (sum(s) / len(s), len(s)) for v, s in sorted(by_variant.items()) if len(s) >= REPEATED}
        means = [m for m, _ in repeated.values()]
        flagged = []
        for v, (mean, _) in repeated.items():
            others = [m for u, (m, _) in repeated.items() if u != v]
            if others and sum(others) / len(others) - mean >= FAR_BELOW - 1e-12:
                flagged.append((v, mean, sum(others) / len(others)))
        stats["cells"][g] = {
            "zero_full": sum(s >= 1 for s in zero) / len(zero) if zero else None, "zero_n": len(zero),
            "personal_full": sum(s >= 1 for s in personal) / len(personal) if personal else None,
            "personal_n": len(personal), "repeated": repeated,
            "spread": max(means) - min(means) if len(means) >= 2 else None, "flagged": flagged}
    return stats


def _pct(x: float | None, n: int) -> str:
    return "" if x is None else f"{x:.0%} ({n})"


def report_lines(results: list) -> list[str]:
    """The "Variants" section of report.md; nothing when no graded result recorded a variant."""
    graded = [r for r in results if r.score is not None]
    if not any(r.variant for r in graded):
        return []
    lines = ["## Variants", "",
             ("Each submission is graded on its student's own variant (variant 0, the shared notebook, when the "
             "student id is missing). Full marks: the share of submissions with all of a cell's points, on variant 0 "
             "and on the personal variants (submissions in brackets). Where a variant was graded "
             f"{REPEATED} or more times, its mean share of the cell's points is compared with the other such "
             f"variants': the spread is the highest mean minus the lowest; a variant {FAR_BELOW:.0%} of the points or "
             "more below the others' mean is flagged (that variant is much harder)."), ""]
    for ch in sorted({r.chapter for r in graded}):
        s = variant_statistics(results, ch)
        lines += [f"### {ch}", "", (f"{s['graded']} submission(s) graded on {s['variants']} distinct variant(s); "
                  f"{s['on_zero']} on variant 0 (no student id)"
                  + (f"; {s['unrecorded']} without a variant (nothing handed in, unreadable, or graded before "
                     "variants)" if s["unrecorded"] else "") + "."), ""]
        if not s["cells"]:
            continue
        lines += [("| graded cell | full marks, variant 0 | full marks, personal variants | variants graded "
                  f"≥ {REPEATED} times | spread of their means | flag |"), "|---|---:|---:|---:|---:|---|"]
        for g, c in s["cells"].items():
            flag = "; ".join(f"variant {v}: mean {m:.2f} vs {o:.2f} on the others" for v, m, o in c["flagged"])
            lines.append(f"| {g} | {_pct(c['zero_full'], c['zero_n'])} | {_pct(c['personal_full'], c['personal_n'])} "
                         f"| {len(c['repeated'])} | {'' if c['spread'] is None else format(c['spread'], '.2f')} | {flag} |")
        lines.append("")
    return lines
