"""``course release`` and ``course grade``: nbgrader without its folder conventions.

``course release [CH...] [--check]`` regenerates ``notebooks/<ch>/`` from ``solutions/<ch>/`` with
``nbgrader generate_assignment`` in a throwaway course folder; ``--check`` only compares and names
the chapters whose committed student version is out of date.

``course grade SUBMISSIONS --out DIR`` grades ``<student>/<ch>.ipynb`` notebooks (a folder or a
.zip). Every chapter submission is graded on its own, in a private nbgrader course under
``DIR/work/<student>/<ch>/`` with its own SQLite gradebook, by a worker process
(``course_utils/grading/__main__.py worker ...``) that runs under resource limits (address space,
file size, wall clock; nbgrader's per-cell timeout). The results are merged, one submission at a
time, into the class gradebook (``DIR/gradebook.db``, or ``COURSE_GRADEBOOK_URL``), and the tables
``grades.csv``, ``problems.csv``, ``report.md`` + ``scores.png`` are rebuilt from
``DIR/results/<student>/<ch>.json``, so a rerun replaces rows instead of adding them.

Hostile or broken submissions:

* structure: deleted, duplicated or retyped graded cells -> the answers, found by ``grade_id``,
  are carried into a fresh copy of the released notebook, which is graded instead;
* a crash (``os._exit``, a killed kernel) or a hang past the wall clock -> the cell that stopped
  the run (for a test cell: the solution cell it tests) is replaced by an error, and the rest regraded;
* the student's kernel runs in an OS sandbox (``sandbox``: bubblewrap by default), and the graded
  tests run in a second, trusted kernel that reaches the student's code only through
  ``course_utils.probe`` (``executor``: nbgrader's execute step in two kernels).

Everything unusual is written to ``problems.csv`` with the reason and what was done about it.
Modules, one a concern: ``course`` (the course folder, its chapters, private nbgrader courses),
``release``, ``submissions`` (finding, unpacking, repairing), ``sandbox``, ``executor`` (loaded
only by nbgrader's processes), ``worker`` (the grading process and its limits), ``outcome`` (how a
run ended), ``feedback``, ``master`` (the class-wide course), ``grade_one`` (one submission),
``engine`` (where submissions are graded: this machine or Dask; it calls ``grade_one``), ``runner``
(the class: it uses the engines, never the other way round), ``gradebook``, ``reports``, ``cli``.
No module imports another that imports it back (``tests/test_imports.py``). Only the
standard library is imported at module level in the modules ``course`` loads, so it starts fast.
"""

from __future__ import annotations

from .cli import COMMANDS, add_commands, grade_command
from .course import (
    IGNORED,
    _flags,
    chapters_in,
    course_id,
    course_root,
    discover_chapters,
    fill_release,
    generate,
    grade_id,
    load_config,
    nbgrader_api,
    python_bin_dir,
    read_notebook,
    with_python_on_path,
    write_config,
    write_course,
)
from .engine import DaskEngine, Graded, LocalPool, Task, grade_task, pack_master, unpack_master
from .feedback import hide_hidden_tests
from .grade_one import ATTEMPTS, grade_submission, setup_workspace
from .gradebook import (
    Result,
    class_gradebook,
    graded_log,
    load_results,
    log_graded,
    merge_into_gradebook,
    save_result,
    write_feedback,
)
from .master import Master, grader_version, load_master, prepare_master
from .outcome import (
    STOPPED,
    autograded_path,
    cell_label,
    culprit,
    how_it_ended,
    neutralise,
    output_problems,
    unresponsive_cell,
)
from .release import comparable, folder_differences, notebook_differences, release, release_command, resolve_chapters
from .reports import cell_statistics, write_report, write_tables
from .runner import already_graded, file_digests, grade, run_class
from .submissions import (
    END_MARK,
    INBOX,
    MASTER,
    STUDENT_ID,
    Problem,
    Structure,
    Submission,
    find_submissions,
    inspect_structure,
    parse_notebook,
    prepare_notebook,
    rebuild,
    structure_problems,
    unpack,
)
from .worker import (
    FILE_MB,
    MEMORY_MB,
    TIMEOUT_S,
    Limits,
    _kernel_env,
    available_cpus,
    build_font_cache,
    kill_tree,
    limit_resources,
    run_worker,
    worker,
)

__all__ = [
    "ATTEMPTS",
    "COMMANDS",
    "END_MARK",
    "FILE_MB",
    "IGNORED",
    "INBOX",
    "MASTER",
    "MEMORY_MB",
    "STOPPED",
    "STUDENT_ID",
    "TIMEOUT_S",
    "DaskEngine",
    "Graded",
    "Limits",
    "LocalPool",
    "Master",
    "Problem",
    "Result",
    "Structure",
    "Submission",
    "Task",
    "_flags",
    "_kernel_env",
    "add_commands",
    "already_graded",
    "autograded_path",
    "available_cpus",
    "build_font_cache",
    "cell_label",
    "cell_statistics",
    "chapters_in",
    "class_gradebook",
    "comparable",
    "course_id",
    "course_root",
    "culprit",
    "discover_chapters",
    "file_digests",
    "fill_release",
    "find_submissions",
    "folder_differences",
    "generate",
    "grade",
    "grade_command",
    "grade_id",
    "grade_submission",
    "grade_task",
    "graded_log",
    "grader_version",
    "hide_hidden_tests",
    "how_it_ended",
    "inspect_structure",
    "kill_tree",
    "limit_resources",
    "load_config",
    "load_master",
    "load_results",
    "log_graded",
    "merge_into_gradebook",
    "nbgrader_api",
    "neutralise",
    "notebook_differences",
    "output_problems",
    "pack_master",
    "parse_notebook",
    "prepare_master",
    "prepare_notebook",
    "python_bin_dir",
    "read_notebook",
    "rebuild",
    "release",
    "release_command",
    "resolve_chapters",
    "run_class",
    "run_worker",
    "save_result",
    "setup_workspace",
    "structure_problems",
    "unpack",
    "unpack_master",
    "unresponsive_cell",
    "with_python_on_path",
    "worker",
    "write_config",
    "write_course",
    "write_feedback",
    "write_report",
    "write_tables",
]
