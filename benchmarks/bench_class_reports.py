"""What item analysis and the similarity report add to `course grade` for a big class.

A synthetic class of N students (default 300) × every chapter, nothing executed: each student has
an ability; each solution cell is answered with the solution, one of the chapter's recorded wrong
answers (tests/grading/wrong_answers/) or left as the starter, more often right the abler the
student; each graded cell scores accordingly. The notebooks are written to a temporary folder (the
similarity report reads them back, as `course grade` does) and the two reports are timed as
`course grade` runs them: ``similarity.write_similarity`` (reading every notebook) and
``itemstats.report_lines`` (with its plot).

    python benchmarks/bench_class_reports.py                  # 300 students, every chapter
    python benchmarks/bench_class_reports.py --students 50 ch03

Not a test: figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grading"))

from harness import parse_wrong_answers

from course_utils.grading import itemstats, similarity
from course_utils.grading.course import _flags, discover_chapters, fill_release, grade_id, read_notebook
from course_utils.grading.gradebook import Result
from course_utils.grading.submissions import Submission


def synthetic_class(chapters: list[str], students: int, folder: Path, seed: int = 0):
    rng = random.Random(seed)
    releases, sources, subs, results = {}, {}, [], []
    for ch in chapters:
        rel = releases[ch] = read_notebook(ROOT / "notebooks" / ch / f"{ch}.ipynb")
        src = sources[ch] = read_notebook(ROOT / "solutions" / ch / f"{ch}.ipynb")
        wrong: dict[str, list[str]] = {}
        path = ROOT / "tests" / "grading" / "wrong_answers" / f"{ch}.py"
        for w in parse_wrong_answers(path) if path.exists() else []:
            wrong.setdefault(w.grade_id, []).append(w.source)
        graded = {grade_id(c): float(_flags(c).get("points") or 0) for c in rel.cells if _flags(c).get("grade")}
        for i in range(students):
            ability = (i + 0.5) / students
            replace = {}
            for c in rel.cells:
                g = grade_id(c)
                if _flags(c).get("solution") and c.cell_type == "code" and rng.random() > ability:
                    replace[g] = rng.choice(wrong.get(g) or [c.source])
            nb = fill_release(rel, src, replace=replace)
            p = folder / f"s{i:03d}" / f"{ch}.ipynb"
            p.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(p))
            subs.append(Submission(f"s{i:03d}", ch, p, str(p.relative_to(folder))))
            cells = {g: [pts if rng.random() < 0.3 + 0.7 * ability else 0.0, pts] for g, pts in graded.items()}
            results.append(Result(f"s{i:03d}", ch, str(p), sum(s for s, _ in cells.values()),
                                  sum(graded.values()), cells))
    return releases, sources, subs, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter names or their start (default: all)")
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args()
    known = discover_chapters(ROOT)
    chapters = [k for k in known if not args.chapters or any(k.startswith(c) for c in args.chapters)]
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        releases, sources, subs, results = synthetic_class(chapters, args.students, tmp / "class")
        print(f"built {len(subs)} notebooks ({args.students} students × {len(chapters)} chapters) in "
              f"{time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        rows = similarity.write_similarity(tmp, subs, releases, sources)
        sim_s = time.perf_counter() - start
        start = time.perf_counter()
        lines = itemstats.report_lines(results, tmp / "items.png")
        item_s = time.perf_counter() - start
    kinds = {k: sum(r["kind"] == k for r in rows) for k in ("code", "wrong_answers")}
    print(f"similarity: {sim_s:.1f} s ({len(rows)} pair(s) reported: {kinds}; the synthetic answers are drawn verbatim "
          f"from a few recorded wrong answers, so many are identical by construction); item analysis + plot: {item_s:.1f} s "
          f"({len(lines)} report lines)")
    print(f"together {sim_s + item_s:.1f} s for {len(subs)} chapter submissions: "
          f"{1000 * (sim_s + item_s) / len(subs):.1f} ms per submission")


if __name__ == "__main__":
    main()
