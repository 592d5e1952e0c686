"""Proof that ``course grade`` grades a class on Dask distributed as it does on this machine, and
that a run survives a killed worker and a killed grader (slow tier: real clusters, real grading).

* ``test_dask_grades_like_the_process_pool``: the tiny course's class (honest and hostile
  submissions) graded with ``--jobs 2`` and with ``--scheduler local --jobs 2`` (a
  ``LocalCluster`` of 2 worker processes): the same ``grades.csv`` and ``problems.csv``, the same
  feedback pages, and no workspace left behind.
* ``test_a_killed_dask_worker_loses_nothing``: a Dask worker is killed while it grades; its task
  is graded elsewhere; every submission is merged exactly once; nothing it started keeps running.
* ``test_a_killed_grader_resumes_without_regrading``: the grader itself is killed with SIGKILL in
  the middle of a run; a second run on the same ``--out`` grades only what the first left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from grading.test_grade_cli import (
    LIMITS,
    TINY,
    answered,
    corrupt_json,
    deleted_solution_cell,
    equal_to_everything,
    forges_messages,
    make_tiny_course,
    read_csv,
    reads_solutions,
    released,
    tiny_chapter,
    variant_of,
    writes_gradebooks,
)

from course_utils import grading

pytestmark = pytest.mark.slow
distributed = pytest.importorskip("distributed")

# student -> expected score of 4 (each hostile one as in test_grade_cli)
EXPECTED = {"honest": 4, "untouched": 0, "partial": 2, "hidden_fail": 2, "reads_solutions": 0,
            "writes_gradebooks": 0, "forges_messages": 0, "equal_to_everything": 0, "corrupt_json": 0,
            "deleted_solution_cell": 3}


def course_grade(*args, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "course_utils.cli", "grade", *map(str, args), *LIMITS],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def finished(proc: subprocess.Popen, timeout: float = 900) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out + err
    return out + err


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    base = tmp_path_factory.mktemp("dask")
    root = make_tiny_course(base / "course")
    rel, src = released(root, TINY, base), tiny_chapter()
    subs, outs = base / "submissions", base / "out"
    paths = {"other_original": subs / "honest" / f"{TINY}.ipynb", "out": outs, "course": root}
    makers = {"reads_solutions": reads_solutions, "writes_gradebooks": writes_gradebooks,
              "forges_messages": forges_messages, "equal_to_everything": equal_to_everything,
              "corrupt_json": corrupt_json, "deleted_solution_cell": deleted_solution_cell}
    notebooks = {"honest": answered(rel, src), "untouched": rel, "partial": answered(rel, src, only=["double", "q_answer"]),
                 "hidden_fail": answered(rel, src, replace={"mean_of": "def mean_of(values):\n    return 2.0"})}
    notebooks.update({s: make(rel, src, paths) for s, make in makers.items()})
    for student, nb in notebooks.items():
        path = subs / student / f"{TINY}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_bytes(nb) if isinstance(nb, bytes) else nbformat.write(nb, str(path))
    return {"root": root, "subs": subs, "outs": outs}


def grade_into(klass, name: str, *args) -> Path:
    out = klass["outs"] / name
    finished(course_grade(klass["subs"], "--out", out, "--course", klass["root"], *args))
    return out


def expected_grades(root: Path) -> list[dict]:
    """grades.csv's rows: a notebook that cannot be read (corrupt_json) is graded on no variant."""
    return [{"student_id": s, "chapter": TINY, "score": f"{v:g}", "max_score": "4",
             "variant": "" if s == "corrupt_json" else variant_of(root, TINY, s)} for s, v in sorted(EXPECTED.items())]


def merged_once(out: Path) -> None:
    """Every submission merged exactly once (graded.jsonl) and held once by the class gradebook."""
    from nbgrader.api import Gradebook

    log = grading.graded_log(out)
    counts = Counter((line["student_id"], line["chapter"]) for line in log)
    assert counts == Counter({(s, TINY): 1 for s in EXPECTED}), counts
    with Gradebook("sqlite:///" + str(out / "gradebook.db"), "bert-finetuning") as gb:
        assert sorted(s.student.id for s in gb.find_assignment(TINY).submissions) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def pool_out(klass):
    return grade_into(klass, "pool", "--jobs", "2")


def test_dask_grades_like_the_process_pool(klass, pool_out):
    dask_out = grade_into(klass, "dask", "--scheduler", "local", "--jobs", "2")
    assert read_csv(pool_out / "grades.csv") == expected_grades(klass["root"]), (pool_out / "problems.csv").read_text()
    assert read_csv(dask_out / "grades.csv") == read_csv(pool_out / "grades.csv")
    assert read_csv(dask_out / "problems.csv") == read_csv(pool_out / "problems.csv")
    assert {line["engine"] for line in grading.graded_log(dask_out)} == {"dask"}
    merged_once(dask_out)
    pages = sorted(p.relative_to(pool_out) for p in (pool_out / "feedback").rglob("*.html"))
    assert pages and pages == sorted(p.relative_to(dask_out) for p in (dask_out / "feedback").rglob("*.html"))
    for out in (pool_out, dask_out):  # workspaces removed once merged (--keep-work keeps them)
        left = [p for p in (out / "work").rglob("*") if p.is_file() and p.relative_to(out / "work").parts[0] != "_master"]
        assert left == [], left[:5]


def _grading_processes(under: Path) -> list[str]:
    """Processes still running in (or marked with) a workspace under ``under``: grading workers
    carry the run marker, sandboxed kernels (their environment cleared) work in the workspace."""
    import psutil

    alive, under = [], str(under.resolve())
    for p in psutil.process_iter():
        try:
            if p.pid != os.getpid() and (p.environ().get("COURSE_GRADING_RUN", "").startswith(under)
                                         or p.cwd().startswith(under + os.sep)):
                alive.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
        except (psutil.Error, OSError):
            pass
    return alive


def test_a_killed_dask_worker_loses_nothing(klass, pool_out, tmp_path):
    """A cluster of 2 workers; once both are grading, one is killed (SIGKILL, as an out-of-memory
    killer or a lost machine would); Dask restarts it and sends its task to a worker again."""
    from distributed import Client, LocalCluster

    scratch = tmp_path / "dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=0, local_directory=str(scratch)) as cluster, Client(cluster) as client:
        out = tmp_path / "out"
        proc = course_grade(klass["subs"], "--out", out, "--course", klass["root"], "--scheduler", cluster.scheduler_address)
        deadline, victim = time.monotonic() + 300, None
        while time.monotonic() < deadline and victim is None:
            busy = [w for w, keys in client.processing().items() if keys]
            if len(busy) == 2 and list((out / "results").glob("*/*.json")):
                time.sleep(3)  # well inside its task: a grading worker and kernels are running
                victim = busy[0]
            time.sleep(0.5)
        assert victim is not None, "the cluster never graded two submissions at once"
        pids = client.run(os.getpid)
        os.kill(pids[victim], signal.SIGKILL)
        finished(proc)
    assert read_csv(out / "grades.csv") == read_csv(pool_out / "grades.csv"), (out / "problems.csv").read_text()
    assert read_csv(out / "problems.csv") == read_csv(pool_out / "problems.csv")
    merged_once(out)
    time.sleep(3)  # a grading worker notices its Dask worker is gone within a second
    assert _grading_processes(scratch) == [], "a grading process of the killed worker is still running"


def test_a_killed_grader_resumes_without_regrading(klass, pool_out, tmp_path):
    out = tmp_path / "out"
    args = (klass["subs"], "--out", out, "--course", klass["root"], "--scheduler", "local", "--jobs", "2")
    scratch = tmp_path / "dask"  # the local cluster's workers grade in their folders there
    env = {**os.environ, "DASK_TEMPORARY_DIRECTORY": str(scratch)}
    first = course_grade(*args, start_new_session=True, env=env)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and len(list((out / "results").glob("*/*.json"))) < 3:
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)  # the grader and its local cluster, mid-run
    first.communicate()
    done = {(line["student_id"], line["chapter"]) for line in grading.graded_log(out)}
    assert 3 <= len(done) < len(EXPECTED), f"killed too late or too early to prove anything: {sorted(done)}"
    time.sleep(3)
    assert _grading_processes(scratch) == [], "a grading process outlived the killed grader"
    text = finished(course_grade(*args))
    assert f"{len(done)} already graded" in text, text
    assert read_csv(out / "grades.csv") == read_csv(pool_out / "grades.csv"), (out / "problems.csv").read_text()
    assert read_csv(out / "problems.csv") == read_csv(pool_out / "problems.csv")
    merged_once(out)  # nothing graded twice, nothing lost
    again = finished(course_grade(*args, "--regrade"))
    assert "already graded" not in again and len(grading.graded_log(out)) == 2 * len(EXPECTED)


def test_a_shared_gradebook_is_set_up_once(klass, tmp_path, monkeypatch):
    """A gradebook another run (or grader) already set up for the chapter is not regenerated: runs
    against one shared database do not race to rewrite its assignments."""
    from course_utils.grading import gradebook

    master = grading.prepare_master(klass["root"], tmp_path / "master", [TINY], None)
    url = "sqlite:///" + str(tmp_path / "shared.db")  # stands for a server database
    calls = []
    real = gradebook.nbgrader_api

    def counting(folder, config):
        api = real(folder, config)
        generate = api.generate_assignment
        api.generate_assignment = lambda *a, **k: calls.append(a) or generate(*a, **k)
        return api

    monkeypatch.setattr(gradebook, "nbgrader_api", counting)
    assert gradebook.class_gradebook(master, tmp_path, url) == (url, {})
    assert len(calls) == 1, "the first run records the chapter"
    assert gradebook.class_gradebook(master, tmp_path, url) == (url, {})
    assert len(calls) == 1, "a second run regenerated a chapter the gradebook already holds"


def test_an_unreachable_scheduler_is_named_before_anything_is_graded(klass, tmp_path):
    proc = course_grade(klass["subs"], "--out", tmp_path / "out", "--course", klass["root"],
                        "--scheduler", "tcp://127.0.0.1:9")  # the discard port: nothing listens
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err, out + err
    assert not (tmp_path / "out" / "grades.csv").exists()
