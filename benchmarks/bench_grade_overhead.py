"""What item analysis, the variants section and similarity add to the time of `course grade` (issue 23's
target: under 10 % for a class of 300), measured on a synthetic class of results.

The class is `bench_class_reports.synthetic_class`'s (N students × every chapter: notebooks answered
with the solution, a recorded wrong answer or the starter, more often right the abler the student;
each result scored from the student's ability), each result given a variant (a personal one, or
variant 0 for one student in 20). The results are saved into a grading folder as `course grade` saves
them (`results/<student>/<chapter>.json`); then, as `course grade` ends:

* ``tables``: ``write_tables(out, load_results(out))``: grades.csv, problems.csv, report.md with its
  per-cell tables and the score histograms, the item analysis + its plot and the variants section
  left out (stubbed to nothing): what `course grade` wrote before these reports;
* ``tables + reports``: the same with everything, as `course grade` runs it now;
* ``similarity``: ``write_similarity`` (reading every notebook again, in a child process).

Added by the reports = (tables + reports − tables) + similarity. Nothing they import is counted: the
``course`` command imports ``course_utils`` (and with it datasets, pandas and numpy) before it grades,
and matplotlib is imported for the histograms with or without them (here, before anything is timed).
Each table step is run ``--repeat`` times and the best kept. The grading it is compared with is
measured, not here (1800 notebooks take hours), but in ``benchmarks/results/cpu_grading_ch01_ch02.json``
(``bench_grading.py``: seconds per submission with ``--jobs 1`` and ``--jobs 2`` on this 2-core CPU),
and, as the hardest case, the projection of docs/GRADING.md for 16 grading machines (~8 min for
1800 chapter submissions): the fewer seconds grading takes, the larger the share the reports take.

    python benchmarks/bench_grade_overhead.py                  # 300 students, every chapter
    python benchmarks/bench_grade_overhead.py --students 50 ch01 --save benchmarks/results/x.json

Prints the figures; asserts nothing (they depend on the machine and on what else runs on it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_class_reports import synthetic_class  # (it puts tests/grading on the path)

from course_utils.grading import itemstats, reports, similarity, variantstats
from course_utils.grading.course import discover_chapters
from course_utils.grading.gradebook import load_results, save_result
from course_utils.grading.similarity import write_similarity

GRADING = ROOT / "benchmarks" / "results" / "cpu_grading_ch01_ch02.json"
CLUSTER_16_S = 8 * 60  # docs/GRADING.md: 16 machines of 16 cores grade 1800 chapter submissions in ~8-10 min


def timed(fn, repeat: int) -> tuple[float, object]:
    """The best of ``repeat`` runs (the machine is shared: the minimum is the least disturbed), and what it returned."""
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter names or their start (default: all)")
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each table step (the best is kept; default 3)")
    parser.add_argument("--similarity-repeat", type=int, default=1, help="runs of the similarity step (default 1)")
    parser.add_argument("--save", default=None, metavar="JSON", help="also write the figures here")
    args = parser.parse_args()
    known = discover_chapters(ROOT)
    chapters = [k for k in known if not args.chapters or any(k.startswith(c) for c in args.chapters)]
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        releases, sources, subs, results = synthetic_class(chapters, args.students, tmp / "class")
        out = tmp / "grading"
        for r in results:
            r.variant = "0" if rng.random() < 0.05 else f"{rng.getrandbits(32):08x}"
            save_result(out, r)
        n = len(results)
        print(f"built {n} chapter submissions ({args.students} students × {len(chapters)} chapters) and saved their "
              f"results in {time.perf_counter() - start:.1f} s; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPU(s)")

        import matplotlib.pyplot  # noqa: F401  (the histograms need it with or without the reports: imported first)

        def tables_only():
            saved = itemstats.report_lines, variantstats.report_lines, similarity.report_lines
            itemstats.report_lines = variantstats.report_lines = similarity.report_lines = lambda *a, **k: []
            try:
                reports.write_tables(out, load_results(out))
            finally:
                itemstats.report_lines, variantstats.report_lines, similarity.report_lines = saved

        base_s, _ = timed(tables_only, args.repeat)
        sim_s, pairs = timed(lambda: write_similarity(out, subs, releases, sources), args.similarity_repeat)
        full_s, _ = timed(lambda: reports.write_tables(out, load_results(out)), args.repeat)
        graded = load_results(out)
        item_s, _ = timed(lambda: itemstats.report_lines(graded, tmp / "items.png"), args.repeat)
        var_s, lines = timed(lambda: variantstats.report_lines(graded), args.repeat)
        report_kb = (out / "report.md").stat().st_size / 1024
    added = full_s - base_s + sim_s
    print(f"tables without the reports: {base_s:.2f} s; with item analysis, variants and the similarity section: "
          f"{full_s:.2f} s (+{full_s - base_s:.2f} s; alone: item analysis + plot {item_s:.2f} s, variants {var_s:.2f} s, "
          f"{len(lines)} lines); similarity.csv: {sim_s:.2f} s ({len(pairs)} pair(s)); "
          f"report.md {report_kb:.0f} KB")
    print(f"added by the reports: {added:.1f} s for {n} submissions ({1000 * added / n:.1f} ms each)")
    figures = {"students": args.students, "chapters": chapters, "submissions": n, "cpus": os.cpu_count(),
               "load_average": os.getloadavg()[0], "tables_s": base_s, "tables_with_reports_s": full_s,
               "item_analysis_s": item_s, "variants_s": var_s, "similarity_s": sim_s, "added_s": added,
               "compared_with": {}}
    if GRADING.exists():
        measured = json.loads(GRADING.read_text(encoding="utf-8"))
        runs = {r["run"]: r for r in measured["runs"]}
        graded_n = len(measured["chapters"]) * measured["students"]
        for run in ("--jobs 1", "--jobs 2"):
            if run in runs:
                per = runs[run]["wall_s"] / graded_n
                grade_s = per * n
                figures["compared_with"][run] = {"s_per_submission": per, "grade_s": grade_s,
                                                 "share": added / (grade_s + base_s)}
                print(f"vs grading {n} submissions on this CPU with {run} ({per:.1f} s each, measured by "
                      f"bench_grading.py: {grade_s / 3600:.1f} h): the reports add {100 * added / (grade_s + base_s):.2f} %")
    figures["compared_with"]["16 machines (projected)"] = {"grade_s": CLUSTER_16_S * n / 1800,
                                                           "share": added / (CLUSTER_16_S * n / 1800 + base_s)}
    print(f"vs the projection for 16 grading machines (docs/GRADING.md: ~8 min per 1800 submissions, "
          f"{CLUSTER_16_S * n / 1800:.0f} s here): the reports add {100 * added / (CLUSTER_16_S * n / 1800 + base_s):.1f} %")
    if args.save:
        Path(args.save).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
        print(f"saved {args.save}")


if __name__ == "__main__":
    main()
