"""How fast `course grade` grades a class, with one job and with several.

Builds a class of honest submissions (the student notebook filled in with the solutions, one copy
per student and chapter), grades it with `course grade --jobs 1` and then `--jobs N` into fresh
output folders, checks that every submission got full marks, and prints seconds per submission and
the throughput ratio, both measured in this run — for the whole command and for its grading phase
(after the one-off, serial course set-up that `course grade` reports on stderr) — and, per chapter,
the mean seconds one submission took in its worker (from ``results/*.json``).

    python benchmarks/bench_grading.py                          # ch01 and ch02, 4 students, jobs 1 vs 2
    python benchmarks/bench_grading.py ch03 --students 6 --jobs 2
    python benchmarks/bench_grading.py --oversubscribed         # also --jobs N with every kernel using
                                                                # all cores (the old default)
    python benchmarks/bench_grading.py --dask ch0 --students 2  # --jobs 2 against a local Dask cluster of 2
                                                                # workers (--scheduler local), every chapter
    python benchmarks/bench_grading.py --paths --jobs 1         # the grading path before the sandbox (one kernel,
                                                                # in-kernel guard, no sandbox) against today's (tests
                                                                # in a checker kernel, student kernel in bubblewrap)

Not a test: figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course_utils.grading import fill_release, read_notebook

REPO = Path(__file__).resolve().parents[1]


def honest_submission(ch: str):
    """The released notebook with every solution cell answered as in solutions/."""
    source = read_notebook(REPO / "solutions" / ch / f"{ch}.ipynb")
    return fill_release(read_notebook(REPO / "notebooks" / ch / f"{ch}.ipynb"), source)


def grade(class_dir: Path, out: Path, jobs: int, threads: int | None = None, old_path: bool = False,
          dask: bool = False) -> tuple[float, float]:
    """(wall seconds of the whole command, seconds of its set-up). ``old_path``: one kernel with the
    in-kernel guard and no sandbox, as before the two-kernel grader."""
    env = {**os.environ, "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
           **({"COURSE_ONE_KERNEL": "1"} if old_path else {})}
    env.pop("COURSE_GRADEBOOK_URL", None)
    env.pop("OMP_NUM_THREADS", None)
    cmd = [sys.executable, "-m", "course_utils.cli", "grade", str(class_dir), "--jobs", str(jobs), "--out", str(out)]
    start = time.perf_counter()
    cmd += ["--threads", str(threads)] if threads else []
    cmd += ["--sandbox", "none"] if old_path else []
    cmd += ["--scheduler", "local"] if dask else []
    proc = subprocess.run(cmd, cwd=REPO, env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"course grade --jobs {jobs} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    found = re.search(r"course set up for \d+ chapter\(s\) in (\d+) s", proc.stderr)
    return seconds, float(found.group(1)) if found else float("nan")


def per_chapter_seconds(out: Path) -> dict[str, float]:
    """Mean seconds per submission, by chapter, as each run recorded it in ``results/``."""
    from course_utils.grading import load_results

    seconds: dict[str, list[float]] = {}
    for r in load_results(out):
        if r.score is not None:
            seconds.setdefault(r.chapter, []).append(r.seconds)
    return {ch: sum(v) / len(v) for ch, v in seconds.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", default=["ch01", "ch02"], help="chapter names or prefixes")
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2, help="compared with --jobs 1")
    parser.add_argument("--oversubscribed", action="store_true",
                        help="also grade with --jobs N and every kernel using all cores")
    parser.add_argument("--paths", action="store_true",
                        help="compare the old grading path (one kernel, no sandbox) with the two-kernel sandboxed one, "
                             "both with --jobs N")
    parser.add_argument("--dask", action="store_true",
                        help="compare --jobs N with a local Dask cluster of N workers (--scheduler local --jobs N)")
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
        cores = os.cpu_count() or 1
        if args.paths:
            runs = [(f"old path: one kernel, no sandbox, --jobs {args.jobs}", args.jobs, None, True, False),
                    (f"two kernels + bubblewrap, --jobs {args.jobs}", args.jobs, None, False, False)]
        elif args.dask:
            runs = [(f"--jobs {args.jobs}", args.jobs, None, False, False),
                    (f"--scheduler local --jobs {args.jobs} (Dask)", args.jobs, None, False, True)]
        else:
            runs = [("--jobs 1", 1, None, False, False), (f"--jobs {args.jobs}", args.jobs, None, False, False)]
        if args.oversubscribed:
            runs.append((f"--jobs {args.jobs} --threads {cores}", args.jobs, cores, False, False))
        measured = []
        for name, jobs, threads, old_path, dask in runs:
            out = Path(tmp) / f"out_{len(measured)}"
            wall, setup = grade(class_dir, out, jobs, threads, old_path, dask)
            with open(out / "grades.csv", newline="") as f:
                rows = list(csv.DictReader(f))
            short = [r for r in rows if float(r["score"]) != float(r["max_score"])]
            if len(rows) != n or short:
                raise SystemExit(f"{name}: expected {n} rows at full marks, got {len(rows)} rows, "
                                 f"{len(short)} below full marks: {short[:3]}")
            measured.append({"run": name, "jobs": jobs, "threads": threads, "wall_s": wall, "setup_s": setup,
                             "grading_s": wall - setup, "per_chapter_s": per_chapter_seconds(out)})
            print(f"{name}: {n} submissions in {wall:.1f} s (set-up {setup:.0f} s), "
                  f"{wall / n:.1f} s per submission, all full marks", flush=True)

    base = measured[0]
    print(f"\n{', '.join(chapters)}; {args.students} students ({n} submissions); {cores} CPU(s)\n")
    print(f"| run | wall s | set-up s | grading s | s per submission | throughput vs {base['run']} (whole / grading) |\n"
          "|---|---:|---:|---:|---:|---:|")
    for m in measured:
        m["ratio_wall"] = base["wall_s"] / m["wall_s"]
        m["ratio_grading"] = base["grading_s"] / m["grading_s"]
        print(f"| {m['run']} | {m['wall_s']:.1f} | {m['setup_s']:.0f} | {m['grading_s']:.1f} | {m['wall_s'] / n:.1f} | "
              f"{m['ratio_wall']:.2f}× / {m['ratio_grading']:.2f}× |")
    print(f"\nMean seconds per submission in its worker (attempts included), by chapter:\n\n"
          f"| chapter | {' | '.join(m['run'] for m in measured)} |\n|---|{'---:|' * len(measured)}")
    for ch in chapters:
        print(f"| {ch} | " + " | ".join(f"{m['per_chapter_s'].get(ch, float('nan')):.1f}" for m in measured) + " |")
    if args.json:
        args.json.write_text(json.dumps({"chapters": chapters, "students": args.students, "cpus": cores,
                                         "runs": measured}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
