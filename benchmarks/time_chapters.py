"""Run the chapters top to bottom as a student would, and time them.

Each solution notebook runs in a fresh Jupyter kernel, in a temporary copy of its folder, and the
executed copy is written to ``build/executed-<mode>/<chapter>.ipynb``. Prints a markdown table:
wall seconds per chapter, the target, and the slowest cells.

    python benchmarks/time_chapters.py                 # fast mode, as on a laptop (COURSE_FAST=1)
    python benchmarks/time_chapters.py --grading       # fast mode as under `nbgrader autograde`
    python benchmarks/time_chapters.py --full ch04     # full mode (COURSE_FAST=0): on a CPU the
                                                       # offline encoder on the full local splits

Not a test: figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
TARGET_S = {"ch01": 60, "ch02": 60, "ch03": 60, "ch04": 90, "ch05": 90, "ch06": 90}  # fast mode, this CPU


def cell_seconds(cell) -> float | None:
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        start = dt.datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return (end - start).total_seconds()


def run_chapter(ch: str, env: dict, out_dir: Path, cell_timeout: int) -> dict:
    source = REPO / "solutions" / ch / f"{ch}.ipynb"
    with tempfile.TemporaryDirectory(prefix=f"{ch}_") as tmp:
        work = Path(tmp) / ch
        shutil.copytree(source.parent, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        nb = nbformat.read(str(work / source.name), as_version=4)
        client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(work)}})
        start = time.perf_counter()
        with client.setup_kernel(env=env, cwd=str(work)):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(out_dir / f"{ch}.ipynb"))
    errors = [f"cell {i}: {o.ename}: {o.evalue}" for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.output_type == "error"]
    cells = sorted(((cell_seconds(c) or 0.0, i) for i, c in enumerate(nb.cells) if c.cell_type == "code"), reverse=True)
    return {"chapter": ch, "seconds": seconds, "errors": errors, "slowest_cells": cells[:3]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", help="chapter names or prefixes (default: all)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--grading", action="store_true", help="set NBGRADER_EXECUTION=autograde, as nbgrader does")
    mode.add_argument("--full", action="store_true", help="full mode (COURSE_FAST=0)")
    parser.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell (default 600; full: 7200)")
    parser.add_argument("--json", type=Path, help="also write the results here (after each chapter)")
    parser.add_argument("--executed", type=Path, help="folder for the executed notebooks "
                        "(default build/executed-<mode>/)")
    args = parser.parse_args(argv)

    available = sorted(p.name for p in (REPO / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())
    chapters = [c for c in available if not args.chapters or any(c.startswith(a) for a in args.chapters)]
    if not chapters:
        parser.error(f"no chapter matches {args.chapters}; chapters: {available}")
    name = "full" if args.full else "grading" if args.grading else "fast"
    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
    env.update(HF_HUB_OFFLINE=env.get("HF_HUB_OFFLINE", "1"), COURSE_FAST="0" if args.full else "1",
               MPLBACKEND="Agg", PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
    if args.grading:
        env["NBGRADER_EXECUTION"] = "autograde"
    timeout = args.cell_timeout or (7200 if args.full else 600)
    out_dir = args.executed or REPO / "build" / f"executed-{name}"

    results = []
    for ch in chapters:
        r = run_chapter(ch, env, out_dir, timeout)
        results.append(r)
        print(f"{ch}: {r['seconds']:.1f} s" + (f", {len(r['errors'])} error(s)" if r["errors"] else ""), flush=True)
        if args.json:  # after each chapter, so that a run stopped part-way keeps what it measured
            args.json.write_text(json.dumps({"mode": name, "results": results}, indent=2))

    print(f"\n{name} mode, {os.cpu_count()} CPU(s); executed notebooks in {out_dir}/\n")
    print("| chapter | wall s | target s | slowest cells (s) |\n|---|---|---|---|")
    for r in results:
        target = TARGET_S.get(r["chapter"][:4], "") if name != "full" else ""
        slow = ", ".join(f"cell {i}: {s:.0f}" for s, i in r["slowest_cells"])
        print(f"| {r['chapter']} | {r['seconds']:.1f} | {target} | {slow} |")
    for r in results:
        for e in r["errors"]:
            print(f"ERROR {r['chapter']} {e}")
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
