"""How fast `course grade` grades a class, with one job and with several.

Builds a class of honest submissions (the student notebook filled in with the solutions, one copy
per student and chapter), grades it with `course grade --jobs 1` and then `--jobs N` into fresh
output folders, checks that every submission got full marks, and prints seconds per submission and
the throughput ratio, both measured in this run.

    python benchmarks/bench_grading.py                          # ch01 and ch02, 4 students, jobs 1 vs 2
    python benchmarks/bench_grading.py ch03 --students 6 --jobs 2

Not a test: figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]


def honest_submission(ch: str):
    """The released notebook with every solution cell answered as in solutions/."""
    source = nbformat.read(str(REPO / "solutions" / ch / f"{ch}.ipynb"), as_version=4)
    release = nbformat.read(str(REPO / "notebooks" / ch / f"{ch}.ipynb"), as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return nb


def grade(class_dir: Path, out: Path, jobs: int) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    env.pop("COURSE_GRADEBOOK_URL", None)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "course_utils.cli", "grade", str(class_dir), "--jobs", str(jobs),
                           "--out", str(out)], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"course grade --jobs {jobs} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", default=["ch01", "ch02"], help="chapter names or prefixes")
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2, help="compared with --jobs 1")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    available = sorted(p.name for p in (REPO / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())
    chapters = [c for c in available if any(c.startswith(a) for a in args.chapters)]
    if not chapters:
        parser.error(f"no chapter matches {args.chapters}; chapters: {available}")

    with tempfile.TemporaryDirectory(prefix="bench_grading_") as tmp:
        class_dir = Path(tmp) / "class"
        for ch in chapters:
            nb = honest_submission(ch)
            for s in range(args.students):
                (class_dir / f"student{s:02d}").mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, str(class_dir / f"student{s:02d}" / f"{ch}.ipynb"))
        n = len(chapters) * args.students
        seconds = {}
        for jobs in (1, args.jobs):
            out = Path(tmp) / f"out_jobs{jobs}"
            seconds[jobs] = grade(class_dir, out, jobs)
            with open(out / "grades.csv", newline="") as f:
                rows = list(csv.DictReader(f))
            short = [r for r in rows if float(r["score"]) != float(r["max_score"])]
            if len(rows) != n or short:
                raise SystemExit(f"--jobs {jobs}: expected {n} rows at full marks, got {len(rows)} rows, "
                                 f"{len(short)} below full marks: {short[:3]}")
            print(f"--jobs {jobs}: {n} submissions in {seconds[jobs]:.1f} s "
                  f"({seconds[jobs] / n:.1f} s per submission), all full marks", flush=True)

    ratio = seconds[1] / seconds[args.jobs]
    print(f"\n{', '.join(chapters)}; {args.students} students; {os.cpu_count()} CPU(s)\n")
    print("| jobs | wall s | s per submission | throughput vs --jobs 1 |\n|---|---|---|---|")
    for jobs, s in seconds.items():
        print(f"| {jobs} | {s:.1f} | {s / n:.1f} | {seconds[1] / s:.2f}× |")
    if args.json:
        args.json.write_text(json.dumps({"chapters": chapters, "students": args.students, "seconds": seconds,
                                         "ratio": ratio}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
