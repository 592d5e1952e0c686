"""The worker: one chapter submission autograded in its private course, in a process of its own under
resource limits; and the parent's side: its environment, starting it, ending it and all it started."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import cgroups
from .course import load_config, nbgrader_api
from .feedback import feedback_preprocessors
from .sandbox import SCRATCH_BYTES
from .sandbox import remove as remove_sockets
from .submissions import MASTER

MEMORY_MB = 6144          # address-space limit per submission (kernel and nbgrader each)
TIMEOUT_S = 600           # wall clock per grading run of a chapter submission
FILE_MB = 1024            # largest file a submission may write
RUN_MARKER = "COURSE_GRADING_RUN"  # in the environment of every process of one grading run: its workspace


@dataclass
class Limits:
    memory_mb: int = MEMORY_MB
    timeout_s: float = TIMEOUT_S
    cell_timeout: int | None = None   # None: the course's nbgrader_config.py
    threads: int | None = None        # torch/BLAS threads per kernel; None: CPU cores ÷ jobs
    gpu: bool = False                 # let kernels see the GPUs (and set no address-space limit)
    show_hidden_tests: bool = False   # keep the hidden tests' source in the students' feedback
    sandbox: str = "bwrap"            # around every student kernel: bwrap | docker | podman | none
    image: str = ""                   # docker/podman: an image with the course's environment


def available_cpus() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def limit_resources(memory_mb: int) -> None:
    import resource

    limits = [(resource.RLIMIT_FSIZE, FILE_MB * 2**20), (resource.RLIMIT_CORE, 0)]
    if memory_mb:  # 0 with --gpu: CUDA reserves far more address space than it uses
        limits.append((resource.RLIMIT_AS, memory_mb * 2**20))
    for kind, value in limits:
        _, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, hard))


def _progress_hook(path: Path):
    """nbclient's ``on_cell_start``: note when each code cell is sent to the kernel."""
    def record(cell=None, cell_index=None, **_):
        if cell is not None and cell.cell_type == "code" and cell.source.strip():
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"cell": cell_index, "t": time.time()}) + "\n")
    return record


def read_scores(db_url: str, cid: str, ch: str, student: str) -> dict[str, list]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, cid) as gb:
        nb = gb.find_submission_notebook(ch, ch, student)
        return {g.name: [g.score, g.max_score] for g in nb.grades}


def configure_execution(config, ws: Path, ch: str) -> None:
    """nbgrader's execute step becomes :class:`~.executor.TwoKernelExecute`: the student's kernel in
    the sandbox (``COURSE_SANDBOX``, default bwrap) and, for a chapter whose source has ``shared_``
    set-up cells, the tests in a checker kernel (a chapter without shared cells runs its tests in
    the sandboxed student kernel: `course release --check` names such chapters)."""
    from .course import read_notebook
    from .executor import autograde_preprocessors, roles

    plan = roles(read_notebook(ws / "source" / ch / f"{ch}.ipynb"))
    if os.environ.get("COURSE_ONE_KERNEL") == "1":  # benchmarks only: the old path, tests in the student's kernel
        plan["setup"] = {}
    (ws / "roles.json").write_text(json.dumps(plan), encoding="utf-8")
    config.Autograde.autograde_preprocessors = autograde_preprocessors()
    scratch = ws / "scratch"
    scratch.mkdir(exist_ok=True)
    options = config.TwoKernelExecute
    options.roles_file, options.scratch = str(ws / "roles.json"), str(scratch)
    options.sandbox = os.environ.get("COURSE_SANDBOX", "bwrap")
    options.image = os.environ.get("COURSE_SANDBOX_IMAGE", "")
    options.gpu = os.environ.get("COURSE_SANDBOX_GPU") == "1"
    options.sockets = os.environ.get("COURSE_SANDBOX_SOCKETS", "")
    options.cgroup = os.environ.get("COURSE_SANDBOX_CGROUP", "")
    options.report = str(ws / "sandbox.json")
    options.scratch_bytes = int(os.environ.get("COURSE_SCRATCH_MB", SCRATCH_BYTES // 2**20)) * 2**20
    fonts = scratch / ".matplotlib"  # a private copy of the class-wide font cache: nothing shared is writable
    if os.environ.get("MPLCONFIGDIR") and Path(os.environ["MPLCONFIGDIR"]).is_dir():
        shutil.copytree(os.environ["MPLCONFIGDIR"], fonts, dirs_exist_ok=True)
    options.kernel_env = json.dumps({"MPLCONFIGDIR": str(fonts)})


def worker(ws: Path, ch: str, student: str, memory_mb: int, show_hidden_tests: bool = False) -> int:
    """``python -m course_utils.grading worker WS CH STUDENT MEMORY_MB [--show-hidden-tests]``:
    autograde, then feedback, without the hidden tests' source unless asked; writes ``WS/result.json``."""
    for procs in filter(None, os.environ.get("COURSE_GRADER_CGROUP", "").split(os.pathsep)):
        Path(procs).write_text(str(os.getpid()))  # the submission's cgroup, made by the parent (run_worker)
    limit_resources(memory_mb)
    end_with_parent()
    config = load_config(ws)
    if not show_hidden_tests:
        config.GenerateFeedback.preprocessors = feedback_preprocessors()
    config.Execute.on_cell_start = _progress_hook(ws / "progress.jsonl")
    configure_execution(config, ws, ch)
    api = nbgrader_api(ws, config)
    outcome = api.autograde(ch, student, force=True, create=True)
    result = {"success": bool(outcome["success"]), "log": (outcome.get("log") or "")[-4000:],
              "error": (outcome.get("error") or "")[-4000:]}
    if outcome["success"]:
        db, cid = config.CourseDirectory.db_url, config.CourseDirectory.course_id
        feedback = api.generate_feedback(ch, student, force=True)
        result["feedback"] = bool(feedback["success"])
        result["scores"] = read_scores(db, cid, ch, student)
    (ws / "result.json").write_text(json.dumps(result), encoding="utf-8")
    return 0



def end_with_parent(every_s: float = 1.0) -> None:
    """End this worker and the kernels it started if the process that started it dies (a Dask
    worker killed mid-task, a grader killed with ``kill -9``): the task is graded again elsewhere,
    nothing keeps running here."""
    import threading

    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(every_s)
        import psutil

        for child in psutil.Process().children(recursive=True):
            try:
                child.kill()
            except psutil.Error:
                pass
        os._exit(3)

    threading.Thread(target=watch_parent, name="end-with-parent", daemon=True).start()


def build_font_cache(folder: Path) -> Path:
    """matplotlib's font cache, built once per run (it calls ``fc-list``, which the sandbox does not
    offer); each kernel gets a copy."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env={**os.environ, "MPLCONFIGDIR": str(folder)},
                   check=False, capture_output=True, timeout=300)
    return folder


def _kernel_env(ws: Path, threads: int | None = None, gpu: bool = False) -> dict:
    """The worker's (and so the kernel's) environment: caches and temporary files inside the
    submission's folder (matplotlib's font cache from the class-wide folder), fast mode, and
    ``threads`` compute threads for torch and BLAS (unless the
    environment already sets ``OMP_NUM_THREADS``): kernels graded side by side that each start
    one thread per core oversubscribe the CPU and all run several times slower. GPUs (CUDA, ROCm)
    are hidden unless ``gpu``."""
    tmp = ws / "tmp"
    for sub in ("", "cache"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_GRADEBOOK_URL", "JPY_PARENT_PID")}
    env.update(TMPDIR=str(tmp), MPLCONFIGDIR=str(ws.parents[1] / MASTER / "mplconfig"), XDG_CACHE_HOME=str(tmp / "cache"),
               MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", HF_HUB_OFFLINE="1", COURSE_FAST="1",
               IPYTHONDIR=str(ws / "ipython"),
               **{RUN_MARKER: str(ws.resolve())}, HF_DATASETS_CACHE=str(tmp / "cache" / "datasets"), TOKENIZERS_PARALLELISM="false")
    if not gpu:
        env.update(CUDA_VISIBLE_DEVICES="", HIP_VISIBLE_DEVICES="")
    if threads and "OMP_NUM_THREADS" not in os.environ:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    bin_dir = str(Path(sys.executable).parent)  # nbgrader calls alembic, kernels are this python
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env



def kill_tree(pid: int, known=(), marker: tuple[str, str] | None = None) -> None:
    """End a worker and everything it started: its descendants now, those seen while it ran
    (``known``: a kernel runs in a session of its own and outlives a dead worker, orphaned), their
    descendants, the worker's process group, and any process whose environment carries ``marker``
    (``(name, value)``: one that detached itself with ``setsid`` and a double fork)."""
    import psutil

    family = list(known)
    try:
        parent = psutil.Process(pid)
        family += [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        pass
    for p in list(family):
        try:
            family += p.children(recursive=True)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    if marker is not None:
        family += [p for p in psutil.process_iter() if _carries(p, marker)]
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for p in family:
        try:
            p.kill()  # psutil checks that the pid still names the same process
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    psutil.wait_procs(family, timeout=10)


def _carries(process, marker: tuple[str, str]) -> bool:
    import psutil

    try:
        return process.pid != os.getpid() and process.environ().get(marker[0]) == marker[1]
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
        return False


def watch(proc: subprocess.Popen, timeout_s: float, every_s: float = 0.25) -> tuple[bool, list]:
    """Wait for ``proc`` up to ``timeout_s``, noting its descendants every ``every_s`` (a kernel
    left behind by a dead worker is no longer its child): ``(timed out, processes seen)``."""
    import psutil

    seen: dict[int, object] = {}
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            proc.wait(timeout=max(0.0, min(every_s, deadline - time.monotonic())))
            return False, list(seen.values())
        except subprocess.TimeoutExpired:
            pass
        try:
            for child in psutil.Process(proc.pid).children(recursive=True):
                seen.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            pass
        if time.monotonic() >= deadline:
            return True, list(seen.values())


def run_worker(ws: Path, ch: str, student: str, limits: Limits) -> tuple[dict | None, str]:
    """Run the worker; ``(result or None, how it ended)``: ``ok``, ``crash``, ``timeout`` (the
    wall clock), ``unresponsive`` (a cell never finished after its timeout) or ``error``. Whatever
    way it ends, the worker and everything it started are killed."""
    # Run as a script, not ``-m``: importing course_utils would load torch into the worker for nothing.
    cmd = [sys.executable, str(Path(__file__).resolve().with_name("__main__.py")), "worker", str(ws), ch, student,
           str(0 if limits.gpu else limits.memory_mb)] + (["--show-hidden-tests"] if limits.show_hidden_tests else [])
    env = _kernel_env(ws, limits.threads, limits.gpu)
    env.update(COURSE_SANDBOX=limits.sandbox, COURSE_SANDBOX_IMAGE=limits.image, COURSE_SANDBOX_GPU="1" if limits.gpu else "0")
    (ws / "sandbox.json").unlink(missing_ok=True)
    # made here, by the worker's parent, and removed here whatever becomes of the worker
    # a short path (Unix sockets allow ~100 bytes): /tmp, or COURSE_SOCKETS_DIR
    sockets = Path(tempfile.mkdtemp(prefix="cg-", dir=os.environ.get("COURSE_SOCKETS_DIR", "/tmp")))
    group = cgroups.for_submission(limits.threads or available_cpus(), 0 if limits.gpu else limits.memory_mb * 2**20)
    env["COURSE_SANDBOX_SOCKETS"] = str(sockets)
    if group is not None:
        env["COURSE_SANDBOX_CGROUP"] = os.pathsep.join(group.child("student").procs_files())
        env["COURSE_GRADER_CGROUP"] = os.pathsep.join(group.child("grader").procs_files())
    memory_hit = False
    try:
        with open(ws / "worker.log", "w") as log:
            proc = subprocess.Popen(cmd, cwd=ws, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            timed_out, seen = True, []
            try:
                timed_out, seen = watch(proc, limits.timeout_s)
            finally:
                if group is not None:
                    group.kill()
                kill_tree(proc.pid, seen, (RUN_MARKER, env[RUN_MARKER]))
    finally:
        if group is not None:
            memory_hit = group.child("student").out_of_memory()
            group.remove()
        remove_sockets(sockets)
    if timed_out:
        return None, "timeout"
    path = ws / "result.json"
    if not path.exists():
        return None, "error"
    result = json.loads(path.read_text(encoding="utf-8"))
    result["sandbox_problems"] = sandbox_problems(ws, limits, memory_hit)
    if result["success"]:
        return result, "ok"
    text = result["log"] + result["error"]
    if "DeadKernel" in text or "Kernel died" in text:
        return result, "crash"
    # a kernel that swallowed the interrupt after a cell timeout never reports the cell done
    return result, "unresponsive" if "CellTimeoutError" in text else "error"


def sandbox_problems(ws: Path, limits: Limits, memory_hit: bool) -> list[list[str]]:
    """``problems.csv`` rows for the limits of the submission's sandbox that its code reached."""
    rows = []
    seen = json.loads((ws / "sandbox.json").read_text(encoding="utf-8")) if (ws / "sandbox.json").exists() else {}
    if seen.get("scratch_full"):
        cap = int(os.environ.get("COURSE_SCRATCH_MB", SCRATCH_BYTES // 2**20))
        rows.append(["scratch_full", f"the student's kernel filled its scratch folder (cap {cap} MB): later writes failed"])
    if memory_hit:
        limit = f"the submission's memory limit ({limits.memory_mb} MB)"
        rows.append(["memory_limit", f"the student's processes together reached {limit}"])
    return rows


def main(argv: list[str]) -> int:
    """``worker WS CH STUDENT MEMORY_MB [--show-hidden-tests]`` (see ``__main__.py``)."""
    show = "--show-hidden-tests" in argv
    argv = [a for a in argv if a != "--show-hidden-tests"]
    if argv[:1] != ["worker"] or len(argv) != 5:
        print("usage: python -m course_utils.grading worker WS CHAPTER STUDENT MEMORY_MB [--show-hidden-tests]",
              file=sys.stderr)
        return 2
    ws, ch, student, memory_mb = argv[1:]
    return worker(Path(ws), ch, student, int(memory_mb), show)
