"""The student's sandbox holds its share of the machine (issue 20, items 1-3), tried for real:
the kernel has no root even when the grader is root; one submission's processes share one memory
limit, one CPU quota and one process limit (a cgroup the grader makes); its scratch folder is
capped; and the grader, not the worker, removes the sockets folder, the cgroup and every process
of a submission, even when the worker was killed with SIGKILL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.grading import cgroups
from course_utils.grading.sandbox import Sandbox, check

HAVE_BWRAP, WHY = check("bwrap")
HAVE_CGROUPS, CG_WHY = cgroups.available()
ROOT = os.geteuid() == 0
needs_bwrap = pytest.mark.skipif(not HAVE_BWRAP, reason=f"bubblewrap unavailable: {WHY}")
needs_cgroups = pytest.mark.skipif(not HAVE_CGROUPS, reason=f"no writable cgroups: {CG_WHY}")


def sandboxed(tmp_path: Path, script: str, box: Sandbox | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -c script`` in the bwrap sandbox, as a student's kernel is run."""
    scratch, sockets = tmp_path / "scratch", tmp_path / "sockets"
    scratch.mkdir(exist_ok=True)
    sockets.mkdir(exist_ok=True)
    cmd = (box or Sandbox("bwrap")).wrap([sys.executable, "-c", script], dict(os.environ), scratch, sockets)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


# -- 1. no root inside -------------------------------------------------------------------------

@needs_bwrap
@pytest.mark.skipif(not ROOT, reason="the grader is not root here: the kernel cannot be root either")
def test_a_root_only_file_in_a_read_only_folder_is_unreadable_inside(tmp_path):
    """Grading as root, a 0600 root file in a bound folder (as under /usr, /opt) stays closed: the
    kernel runs as an unprivileged uid with no capabilities (a user namespace made by root would map
    its uid 0 onto the host's root, which owns the file)."""
    folder = tmp_path / "opt"
    folder.mkdir()
    secret = folder / "key"
    secret.write_text("the instructor's key")
    secret.chmod(0o600)
    script = ("import os\nprint('uid', os.getuid(), os.geteuid(), os.getgid())\n"
              "print([l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1])\n"
              f"try:\n    print(open({str(secret)!r}).read())\nexcept PermissionError as e:\n    print('refused', e.errno)")
    done = sandboxed(tmp_path, script, Sandbox("bwrap", ro=[folder]))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")
    assert lines[0] == "uid 65534 65534 65534" and lines[1] == "0000000000000000", done.stdout
    assert "refused 13" in done.stdout and "the instructor's key" not in done.stdout


@needs_bwrap
def test_only_what_a_kernel_needs_of_etc_is_bound(tmp_path):
    done = sandboxed(tmp_path, "import os; print(sorted(os.listdir('/etc')))")
    assert done.returncode == 0, done.stderr
    seen = set(json.loads(done.stdout.replace("'", '"')))
    assert "passwd" in seen and not seen & {"shadow", "gshadow", "sudoers", "ssh", "hostname", "machine-id"}, seen


# -- 2. a share of the machine per submission --------------------------------------------------

@needs_bwrap
def test_the_scratch_folder_is_capped_and_a_fill_is_stopped(tmp_path):
    """The kernel's working folder is an in-memory filesystem of scratch_bytes: writing past it
    fails with ENOSPC, and nothing lands on the host's disk."""
    script = ("import errno\nn = 0\ntry:\n    with open('fill', 'wb') as f:\n        for _ in range(200):\n"
              "            f.write(b'x' * 2**20); f.flush(); n += 1\nexcept OSError as e:\n    print('stopped', e.errno, n)\n"
              "import os\nprint(sorted(os.listdir('.')))")
    done = sandboxed(tmp_path, script, Sandbox("bwrap", scratch_bytes=16 * 2**20))
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    assert words[:2] == ["stopped", "28"] and int(words[2]) <= 16, done.stdout
    assert "seed.txt" not in done.stdout and not (tmp_path / "scratch" / "fill").exists()


@needs_bwrap
def test_the_scratch_folder_starts_as_a_copy_of_the_prepared_one(tmp_path):
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "data.txt").write_text("the student's file")
    (tmp_path / "scratch" / "data.txt").chmod(0o600)
    done = sandboxed(tmp_path, "print(open('data.txt').read())")
    assert done.returncode == 0 and done.stdout.strip() == "the student's file", done.stderr


@needs_bwrap
@needs_cgroups
def test_memory_split_across_processes_is_stopped_at_the_submissions_limit(tmp_path):
    """Four processes of 60 MB each, every one under any per-process limit, are one tree of 240 MB
    against a limit of 128 MB: the cgroup stops them, and says so."""
    group = cgroups.for_submission(1, 128 * 2**20)
    student = group.child("student")
    script = ("import subprocess, sys, time\n"
              "hold = \"b = bytearray(60 * 2**20)\\nfor i in range(0, len(b), 4096): b[i] = 1\\nimport time; time.sleep(30)\"\n"
              "ps = [subprocess.Popen([sys.executable, '-c', hold], start_new_session=True) for _ in range(4)]\n"
              "time.sleep(5)\nprint('alive', sum(p.poll() is None for p in ps))")
    try:
        done = sandboxed(tmp_path, script, Sandbox("bwrap", cgroup=student.procs_files()))
        assert student.out_of_memory(), done.stdout + done.stderr
        assert "alive 4" not in done.stdout, done.stdout
    finally:
        group.remove()
    assert not any(d.exists() for d in group.folders)


@needs_bwrap
@needs_cgroups
def test_setsid_processes_share_the_submissions_cpu_quota(tmp_path):
    """Three busy processes started with setsid (out of the kernel's session and autogroup) still
    share the one core the submission was given: their CPU time over 3 s is about 3 s, not 6."""
    group = cgroups.for_submission(1, 0)
    student = group.child("student")
    script = ("import subprocess, sys, time\n"
              "ps = [subprocess.Popen([sys.executable, '-c', 'while True: pass'], start_new_session=True) for _ in range(3)]\n"
              "time.sleep(4)\n")
    try:
        start = time.monotonic()
        sandboxed(tmp_path, script, Sandbox("bwrap", cgroup=student.procs_files()))
        wall, cpu = time.monotonic() - start, student.cpu_seconds()
    finally:
        group.remove()
    assert 0.5 < cpu <= 1.15 * wall, f"{cpu:.1f} s of CPU in {wall:.1f} s with a quota of one core"


@needs_cgroups
def test_a_fork_bomb_stops_at_the_pids_limit(tmp_path):
    group = cgroups.for_submission(1, 0, pids=20)
    student = group.child("student")
    try:
        bomb = ("import subprocess, sys, time\n"
                f"open({str(student.procs_files()[-1])!r}, 'w').write('0')\n"  # joins, then forks
                "ok = 0\nfor _ in range(40):\n    try:\n"
                "        subprocess.Popen(['sleep', '30'], stdout=subprocess.DEVNULL); ok += 1\n"
                "    except OSError:\n        pass\nprint(ok)")
        proc = subprocess.Popen([sys.executable, "-c", bomb], stdout=subprocess.PIPE, text=True)
        out, _ = proc.communicate(timeout=60)
        assert int(out) < 20, out
    finally:
        group.remove()


# -- 3. the parent owns clean-up ---------------------------------------------------------------

@needs_cgroups
def test_a_sigkilled_worker_leaves_no_socket_folder_cgroup_or_process(tmp_path, monkeypatch):
    """The worker joins its cgroup, a process of the student's leaves it with setsid, a double fork
    and an empty environment (none of the grader's markers), something is written into the sockets
    folder, and the worker is killed with SIGKILL: the grader removes all of it."""
    import importlib

    import psutil

    worker = importlib.import_module("course_utils.grading.worker")
    pidfile, seen = tmp_path / "daemon.pid", tmp_path / "seen.json"
    daemon = (f"import os, time\nif os.fork():\n    os._exit(0)\nos.setsid()\n"
              f"open({str(pidfile)!r}, 'w').write(str(os.getpid()))\ntime.sleep(300)")
    body = ("import json, os, signal, subprocess, sys, time\n"
            "for procs in os.environ['COURSE_GRADER_CGROUP'].split(os.pathsep):\n"
            "    open(procs, 'w').write(str(os.getpid()))\n"
            "sockets = os.environ['COURSE_SANDBOX_SOCKETS']\n"
            "open(os.path.join(sockets, 'junk'), 'wb').write(b'x' * 2**20)\n"
            f"json.dump({{'sockets': sockets, 'cgroup': os.environ['COURSE_SANDBOX_CGROUP']}}, open({str(seen)!r}, 'w'))\n"
            f"daemon = {daemon!r}\n"
            "subprocess.Popen([sys.executable, '-c', daemon], env={}, start_new_session=True,"
            " preexec_fn=lambda: [open(p, 'w').write('0') for p in os.environ['COURSE_SANDBOX_CGROUP'].split(os.pathsep)])\n"
            "time.sleep(1.5)\nos.kill(os.getpid(), signal.SIGKILL)\n")
    (tmp_path / "fake_worker.py").write_text(body)
    script = tmp_path / "fake_python"
    script.write_text(f"#!/bin/sh\nexec '{sys.executable}' '{tmp_path / 'fake_worker.py'}'\n")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(script))
    ws = tmp_path / "work" / "alice" / "ch"
    ws.mkdir(parents=True)
    daemon_pid = None
    try:
        assert worker.run_worker(ws, "ch", "alice", worker.Limits(timeout_s=60)) == (None, "error")
        daemon_pid = int(pidfile.read_text())
        info = json.loads(seen.read_text())
        time.sleep(0.2)
        try:
            status = psutil.Process(daemon_pid).status()
        except psutil.NoSuchProcess:
            status = "gone"
        assert status in ("gone", psutil.STATUS_ZOMBIE), "a process of the submission outlived its killed worker"
        assert not Path(info["sockets"]).exists(), "the sockets folder was left behind"
        assert not any(Path(p).parent.exists() for p in info["cgroup"].split(os.pathsep)), "the cgroup was left behind"
    finally:
        if daemon_pid:
            try:
                psutil.Process(daemon_pid).kill()
            except psutil.NoSuchProcess:
                pass


# -- the executor: sockets folder locked, a full scratch reported --------------------------------

@needs_bwrap
def test_a_full_scratch_is_reported_and_the_sockets_folder_is_locked(tmp_path):
    from course_utils.grading.executor import TwoKernelExecute

    sockets, report = tmp_path / "cg", tmp_path / "sandbox.json"
    sockets.mkdir()
    nb = new_notebook(cells=[new_code_cell(
        "import os\ntry:\n    with open('fill', 'wb') as f:\n        while True:\n            f.write(b'x' * 2**20); f.flush()\n"
        "except OSError as e:\n    print('stopped', e.errno)\n"
        f"try:\n    open({str(sockets / 'junk')!r}, 'wb').write(b'x')\nexcept OSError as e:\n    print('sockets', e.errno)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = TwoKernelExecute(scratch=str(tmp_path / "scratch"), sockets=str(sockets), report=str(report),
                                scratch_bytes=8 * 2**20, timeout=60)
    executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    out = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "stopped 28" in out and ("sockets 13" in out or "sockets 30" in out), out
    assert json.loads(report.read_text()) == {"scratch_full": True}
    assert not (sockets / "junk").exists() and not (tmp_path / "scratch" / "fill").exists()


def test_cgroups_report_what_they_found():
    ok, why = cgroups.available()
    assert isinstance(ok, bool) and why
    if ok:
        assert why.startswith("cgroup v")


# -- a class graded for real (slow): neighbours that hog the machine or fill their scratch --------

HOG = ("import subprocess, sys\nfor _ in range(3):  # busy processes out of the kernel's session and autogroup\n"
       "    subprocess.Popen([sys.executable, '-c', 'while True: pass'], start_new_session=True)\n"
       "def double(x):\n    return 2 * x")
HEAVY = ("def mean_of(values):\n    import time\n    start = time.process_time()\n"
         "    while time.process_time() - start < 0.5:  # an honest but busy answer: 0.5 s of CPU a call\n"
         "        pass\n    return float(sum(values) / len(values))")
FILLER = ("try:\n    with open('fill', 'wb') as f:\n        while True:\n            f.write(b'x' * 2**20)\n"
          "except OSError:\n    pass\nanswer = 'b'")


@pytest.mark.slow
@needs_bwrap
@needs_cgroups
def test_neighbours_that_hog_cpu_or_fill_scratch_cost_an_honest_classmate_nothing(tmp_path):
    from grading.test_grade_cli import TINY, answered, course_cli, make_tiny_course, read_csv, released, tiny_chapter

    root = make_tiny_course(tmp_path / "course")
    rel, src = released(root, TINY, tmp_path), tiny_chapter()
    students = {"honest": answered(rel, src, replace={"mean_of": HEAVY}), "hog": answered(rel, src, replace={"double": HOG}),
                "filler": answered(rel, src, replace={"q_answer": FILLER})}
    for name, nb in students.items():
        (tmp_path / "subs" / name).mkdir(parents=True)
        nbformat.write(nb, str(tmp_path / "subs" / name / f"{TINY}.ipynb"))
    import tempfile

    sockets = Path(tempfile.mkdtemp(prefix="s", dir="/tmp"))  # short: Unix socket paths allow ~100 bytes
    os.environ.update(COURSE_SCRATCH_MB="64", COURSE_SOCKETS_DIR=str(sockets))
    try:
        proc = course_cli("grade", tmp_path / "subs", "--out", tmp_path / "out", "--jobs", "2", "--course", root,
                          "--cell-timeout", "20", "--timeout", "400", "--memory-mb", "4096")
    finally:
        del os.environ["COURSE_SCRATCH_MB"], os.environ["COURSE_SOCKETS_DIR"]
    assert proc.returncode == 0, proc.stderr[-2000:]
    scores = {r["student_id"]: float(r["score"]) for r in read_csv(tmp_path / "out" / "grades.csv")}
    rows = read_csv(tmp_path / "out" / "problems.csv")
    assert scores == {"honest": 4.0, "hog": 4.0, "filler": 4.0}, (scores, rows)
    problems = {(r["student_id"], r["problem"]) for r in rows}
    assert ("filler", "scratch_full") in problems and not {p for p in problems if p[0] == "honest"}, problems
    time.sleep(1)
    busy = [p for p in os.listdir("/proc") if p.isdigit() and _cmdline(p).endswith("-c\x00while True: pass\x00")]
    assert not busy, f"the hog's processes outlived the grading: {busy}"
    assert not os.listdir(sockets), f"sockets folders left behind: {os.listdir(sockets)}"
    sockets.rmdir()


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read()
    except OSError:
        return ""


@needs_bwrap
@pytest.mark.skipif(__import__("importlib").util.find_spec("pyseccomp") is None, reason="pyseccomp not installed")
def test_a_seccomp_filter_refuses_what_a_kernel_never_needs(tmp_path):
    """New namespaces (a user namespace would give the kernel capabilities of its own), ptrace,
    mounts: refused with EPERM; processes and threads still start."""
    script = ("import ctypes, os, subprocess, threading\nlibc = ctypes.CDLL(None, use_errno=True)\n"
              "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')][0])\n"
              "for name, call in [('unshare', lambda: libc.unshare(0x10000000)), ('ptrace', lambda: libc.ptrace(0, 0, 0, 0)),"
              " ('mount', lambda: libc.mount(b'none', b'/tmp', b'tmpfs', 0, None))]:\n"
              "    print(name, call(), ctypes.get_errno())\n"
              "print(subprocess.run(['true']).returncode)\nt = threading.Thread(target=print, args=('thread',)); t.start(); t.join()")
    done = sandboxed(tmp_path, script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:6] == ["2", "unshare -1 1", "ptrace -1 1", "mount -1 1", "0", "thread"], done.stdout


@needs_cgroups
def test_groups_of_a_grader_killed_outright_are_swept_by_the_next_one():
    """A grader killed with SIGKILL cannot clean up: the next grader removes its groups (named with
    its pid) and ends what is still running in them."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    group = cgroups.create(f"{cgroups.NAME}-{dead.pid}-left")
    leaf = group.child("student")
    sleeper = subprocess.Popen(["sleep", "300"])
    try:
        leaf.join(sleeper.pid)
        cgroups.sweep()
        assert sleeper.wait(timeout=10) == -9 and not any(d.exists() for d in group.folders)
    finally:
        sleeper.kill()
        group.remove()


@pytest.mark.slow  # about 75 s here: the kernel itself starts on 0.3 of a core
@needs_bwrap
@needs_cgroups
def test_a_starved_student_cell_is_judged_on_cpu_time_not_the_wall_clock(tmp_path):
    """The student's tree gets 0.3 of a core (as when busy neighbours take the rest): an honest cell
    that needs 1.5 s of CPU takes about 5 s of wall clock against a 3 s timeout and is not stopped,
    since it used less than half the timeout in CPU time; a cell that only sleeps is stopped at
    three timeouts."""
    from course_utils.grading.executor import TwoKernelExecute

    group = cgroups.for_submission(0.3, 0)
    student = group.child("student")
    nb = new_notebook(cells=[
        new_code_cell("import time\nstart = time.process_time()\nwhile time.process_time() - start < 1.5:\n    pass\n"
                      "print('done')"),
        new_code_cell("import time\ntime.sleep(60)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = TwoKernelExecute(scratch=str(tmp_path / "scratch"), cgroup=os.pathsep.join(student.procs_files()),
                                timeout=3, startup_timeout=120)
    executor.timeout, executor.interrupt_on_timeout = 3, True
    try:
        executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    finally:
        group.remove()
    honest, sleeper = nb.cells
    assert [o.get("text") for o in honest.outputs] == ["done\n"], honest.outputs
    assert any(o.get("output_type") == "error" for o in sleeper.outputs), sleeper.outputs


def test_limits_reached_become_problem_rows(tmp_path):
    from course_utils.grading.worker import Limits, sandbox_problems

    assert sandbox_problems(tmp_path, Limits(memory_mb=512), False) == []
    (tmp_path / "sandbox.json").write_text('{"scratch_full": true}')
    rows = sandbox_problems(tmp_path, Limits(memory_mb=512), True)
    assert [r[0] for r in rows] == ["scratch_full", "memory_limit"] and "512 MB" in rows[1][1], rows
