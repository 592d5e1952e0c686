"""``course release`` and ``course grade`` on the command line (wired into ``course`` by ``course_utils/cli.py``)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from .course import course_root, discover_chapters
from .engine import NOTEBOOK_MAX_MB
from .export import add_command as add_export
from .export import export_command
from .layouts import LAYOUTS
from .publish import add_command as add_publish
from .publish import publish_command
from .release import release_command, resolve_chapters
from .roster import RosterError, read_roster
from .runner import grade
from .sandbox import KINDS, check
from .worker import MEMORY_MB, TIMEOUT_S, Limits


def grade_command(args) -> int:
    submissions = Path(args.submissions)
    if not submissions.exists():
        print(f"{submissions}: no such folder or .zip", file=sys.stderr)
        return 2
    root = course_root(args.course) if args.course else course_root()
    known = discover_chapters(root)
    chapters, unknown = resolve_chapters(args.chapter, known)
    if unknown:
        print(f"unknown or ambiguous chapter(s): {', '.join(unknown)} (chapters: {', '.join(known)})", file=sys.stderr)
        return 2
    out = Path(args.out)
    inside = [p for p in (root / "solutions", root / "notebooks") if out.resolve().is_relative_to(p.resolve())]
    if inside:
        print(f"--out must not be inside {inside[0]}", file=sys.stderr)
        return 2
    if args.jobs < 1 or (args.threads is not None and args.threads < 1):
        print("--jobs and --threads must be at least 1", file=sys.stderr)
        return 2
    if args.sandbox == "none":
        print("WARNING: --sandbox none: every student's code runs with your rights, outside any sandbox; "
              "each submission gets a no_sandbox row in problems.csv", file=sys.stderr)
    else:
        usable, why = check(args.sandbox)
        if not usable:
            print(f"--sandbox {args.sandbox} cannot run here: {why}. Install it, choose another sandbox, or grade "
                  "without one on purpose with --sandbox none", file=sys.stderr)
            return 2
        if args.sandbox in ("docker", "podman") and not args.image:
            print(f"--sandbox {args.sandbox} needs --image (an image with the course's Python environment)", file=sys.stderr)
            return 2
    limits = Limits(args.memory_mb, args.timeout, args.cell_timeout, args.threads, args.gpu, args.show_hidden_tests,
                    args.sandbox, args.image)
    roster = None
    if args.roster:
        try:
            roster = read_roster(args.roster)
        except RosterError as e:
            print(e, file=sys.stderr)
            return 2
    start = time.perf_counter()
    if args.scheduler:
        try:
            import distributed  # noqa: F401
        except ImportError:
            print("--scheduler needs Dask: pip install 'dask[distributed]' (in the course's environment, on every "
                  "machine that grades)", file=sys.stderr)
            return 2
        problem = scheduler_problem(args.scheduler)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    results = grade(submissions, out, chapters or None, args.jobs, limits, root, args.db_url,
                    scheduler=args.scheduler, regrade=args.regrade, keep_work=args.keep_work,
                    max_notebook_mb=args.max_notebook_mb, layout=args.layout, roster=roster)
    if args.roster:  # for `course export`, which reads it from here
        shutil.copyfile(args.roster, out / "roster.csv")
    seconds = time.perf_counter() - start
    graded = [r for r in results if r.score is not None]
    print(f"graded {len(graded)} chapter submission(s) of {len({r.student_id for r in graded})} student(s) "
          f"in {seconds:.0f} s; {sum(len(r.problems) for r in results)} problem(s)")
    print(f"wrote {out / 'grades.csv'}, {out / 'problems.csv'}, {out / 'report.md'}, {out / 'scores.png'}, {out / 'feedback'}/")
    return 0


def scheduler_problem(address: str, timeout_s: int = 20) -> str | None:
    """Why ``--scheduler ADDRESS`` cannot be used (checked before the course is set up), or None."""
    if address == "local":
        return None
    from distributed import Client

    try:
        with Client(address, timeout=f"{timeout_s}s") as client:
            workers = client.scheduler_info()["workers"]
    except (OSError, ValueError) as e:
        return (f"cannot reach the Dask scheduler at {address} ({type(e).__name__}: {e}); start one with "
                "`dask scheduler`, or grade on this machine with --scheduler local or without --scheduler")
    if not workers:
        print(f"note: the Dask scheduler at {address} has no workers yet; grading starts when some join",
              file=sys.stderr)
    return None


def add_commands(sub) -> None:
    """Add ``release``, ``grade``, ``export`` and ``publish`` to the ``course`` command's subparsers."""
    add_publish(sub)
    r = sub.add_parser("release", help="regenerate notebooks/ (the student version) from solutions/ with nbgrader")
    r.add_argument("chapters", nargs="*", metavar="CHAPTER",
                   help="a name or its start, e.g. ch03 (default: every chapter in solutions/)")
    r.add_argument("--check", action="store_true", help="only compare; exit 1 naming the chapters out of sync")
    g = sub.add_parser("grade", help="autograde a class: SUBMISSIONS/<student_id>/<chapter>.ipynb (a folder or a .zip), "
                                     "or a Canvas/Moodle download or nbgrader's submitted/ as is")
    g.add_argument("submissions", metavar="SUBMISSIONS")
    g.add_argument("--chapter", nargs="+", metavar="CH",
                   help="grade only these chapters, by name or its start, e.g. ch03 (default: those handed in)")
    g.add_argument("--jobs", type=int, default=1,
                   help="submissions graded in parallel on this machine (default 1); with --scheduler local, Dask workers")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="grade on a Dask cluster: its scheduler (tcp://HOST:8786), or 'local' for a Dask cluster of "
                        "--jobs workers on this machine (default: no Dask, --jobs worker processes)")
    g.add_argument("--regrade", action="store_true",
                   help="grade every submission again (default: skip those already graded into --out with the same "
                        "notebook and grader)")
    g.add_argument("--keep-work", action="store_true",
                   help="keep each submission's private course folder (default: removed once merged); on Dask, in "
                        "the worker's local directory")
    g.add_argument("--out", default="grading", help="where the results go (default ./grading)")
    g.add_argument("--max-notebook-mb", type=float, default=NOTEBOOK_MAX_MB,
                   help=f"a larger notebook is not read and scores 0, a too_large row (default {NOTEBOOK_MAX_MB})")
    g.add_argument("--memory-mb", type=int, default=MEMORY_MB, help=f"address-space limit per submission (default {MEMORY_MB})")
    g.add_argument("--timeout", type=float, default=TIMEOUT_S,
                   help=f"seconds per grading run of a chapter submission (default {TIMEOUT_S})")
    g.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell (default: nbgrader_config.py)")
    g.add_argument("--threads", type=int, default=None,
                   help="torch threads per kernel (default: CPU cores ÷ jobs; OMP_NUM_THREADS, if set, wins)")
    g.add_argument("--gpu", action="store_true",
                   help="let the kernels see the GPUs (hidden by default; no address-space limit then)")
    g.add_argument("--show-hidden-tests", action="store_true",
                   help="keep the hidden tests' source in the students' feedback (removed by default)")
    g.add_argument("--sandbox", choices=KINDS, default="bwrap",
                   help="the OS sandbox around each student's kernel (default bwrap; none only on purpose)")
    g.add_argument("--image", default="", help="with --sandbox docker/podman: the image with the course's environment")
    g.add_argument("--db-url", default=None, help="class gradebook (default: COURSE_GRADEBOOK_URL, else OUT/gradebook.db)")
    g.add_argument("--course", default=None, help="course folder (default: the one containing the working directory)")
    g.add_argument("--layout", choices=("auto", *LAYOUTS), default="auto",
                   help="how SUBMISSIONS is laid out: a Canvas or Moodle download, nbgrader's submitted/ tree, or "
                        "<student_id>/<chapter>.ipynb folders (default: detected)")
    g.add_argument("--roster", default=None, metavar="CSV",
                   help="student_id and the LMS ids (canvas_id, moodle_id or lms_id), name, email, ...; or a gradebook "
                        "exported from Canvas (default: the LMS ids are the student ids)")
    add_export(sub)


COMMANDS = {"release": release_command, "grade": grade_command, "export": export_command, "publish": publish_command}
