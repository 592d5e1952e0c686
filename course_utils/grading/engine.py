"""Where chapter submissions are graded: one code path, two engines.

A :class:`Task` carries one chapter submission (its bytes and digest) and :func:`grade_task` turns
it into a :class:`Graded` (the result and the feedback page); it never writes outside its own work
folder. :class:`LocalPool` runs each task in a process of its own (:func:`grade_apart`: the main
process never parses a submission), each starting a worker process of its own
(``course grade --jobs N``); :class:`DaskEngine` sends each task to a Dask cluster
(``--scheduler tcp://HOST:8786``, or ``--scheduler local`` for a cluster of ``--jobs`` worker
processes on this machine). A Dask worker unpacks the class-wide course (the master: source,
release, template gradebook) once, into its own local folder, and grades there. Either way the
main process is the only writer of the class gradebook, the results and the tables.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import tarfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from pathlib import Path

from . import grade_one
from .gradebook import Result
from .master import load_master
from .submissions import MASTER, Submission
from .worker import build_font_cache

NOTEBOOK_MAX_MB = 20     # largest notebook graded (course grade --max-notebook-mb); a larger one scores 0
FEEDBACK_MAX_MB = 32     # largest feedback page kept (its outputs are the student's); a larger one is left out


@dataclass(frozen=True)
class Task:
    student_id: str
    chapter: str
    file: str                 # as handed in, relative to SUBMISSIONS
    notebook: bytes | None    # None: nothing handed in for this chapter (or refused: see ``refused``)
    digest: str = ""          # sha256 of ``notebook`` (of the file, for one refused)
    refused: tuple = ()       # (problem, detail): a file handed in but not read, e.g. too large

    @property
    def key(self) -> str:
        return f"{self.student_id}/{self.chapter}"


@dataclass
class Graded:
    result: Result
    feedback: str | None = None   # the feedback page (HTML) nbgrader wrote, if any


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a file, read in 1 MB pieces (a huge file never sits in memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(2**20):
            h.update(chunk)
    return h.hexdigest()


def make_task(student_id: str, chapter: str, path: Path | None, file: str,
              max_bytes: int = NOTEBOOK_MAX_MB * 2**20) -> Task:
    """The task of one submission. Its size is checked before it is read: a notebook larger than
    ``max_bytes`` is never read into memory (only hashed, for resuming) and scores 0 as ``too_large``;
    anything but a regular file (a link, a device) is ``not_a_file``."""
    if path is None:
        return Task(student_id, chapter, file, None)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        return Task(student_id, chapter, file, None, refused=("not_a_file", f"cannot be opened ({e.strerror}): scored 0"))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return Task(student_id, chapter, file, None, refused=("not_a_file", "not a regular file: scored 0"))
        data = f.read(max_bytes + 1)  # never more than the limit, even from a file that grows meanwhile
    if len(data) > max_bytes:
        del data
        size = path.stat().st_size
        return Task(student_id, chapter, file, None, file_digest(path), ("too_large", (
            f"the notebook is {size / 2**20:.0f} MB, more than the {max_bytes / 2**20:g} MB a notebook may be "
            "(course grade --max-notebook-mb): not read, scored 0")))
    return Task(student_id, chapter, file, data, digest(data))


def grader_error(task: Task, max_score: float, error: BaseException) -> Result:
    return Result(task.student_id, task.chapter, task.file, 0.0, max_score, problems=[["grader_error", (
        f"the grader failed on this submission ({type(error).__name__}: {error}): scored 0, please report")]])


def grade_task(task: Task, master, work: Path, limits, cell_timeout: int, keep_work: bool = False) -> Graded:
    """Grade one task in ``work/<student>/<chapter>`` (removed afterwards unless ``keep_work``).
    Never raises: a failure of the grader itself is a ``grader_error`` row, scored 0."""
    ws = work / task.student_id / task.chapter
    if task.refused:
        result = Result(task.student_id, task.chapter, task.file, 0.0, sum(master.points[task.chapter].values()),
                        problems=[list(task.refused)])
        result.digest, result.grader = task.digest, master.versions[task.chapter]
        return Graded(result)
    path = None
    if task.notebook is not None:  # next to the workspace, outside what the student's kernel sees
        path = work / task.student_id / f"{task.chapter}.submitted.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(task.notebook)
    try:
        result = grade_one.grade_submission(Submission(task.student_id, task.chapter, path, task.file), master, work, limits,
                                  cell_timeout)
    except Exception as e:  # noqa: BLE001  (one broken submission must not stop the class)
        result = grader_error(task, sum(master.points[task.chapter].values()), e)
    result.digest, result.grader = task.digest, master.versions[task.chapter]
    page = ws / "feedback" / task.student_id / task.chapter / f"{task.chapter}.html"
    feedback = None
    if page.is_file():  # its size is the student's doing (their outputs): never read past the limit
        size = page.stat().st_size
        feedback = page.read_text(encoding="utf-8", errors="replace") if size <= FEEDBACK_MAX_MB * 2**20 else (
            f"<html><head><title>{task.chapter}</title></head><body><p>The feedback page was {size / 2**20:.0f} MB, "
            f"more than {FEEDBACK_MAX_MB} MB (the notebook's outputs are too large to show): left out.</p></body></html>")
    if not keep_work:
        shutil.rmtree(ws, ignore_errors=True)
        if path is not None:
            path.unlink(missing_ok=True)
    return Graded(result, feedback)


def grade_apart(task: Task, master, work: Path, limits, cell_timeout: int, keep_work: bool = False) -> Graded:
    """:func:`grade_task` in a Python process of its own (what ``course grade --jobs N`` runs): the
    submission is parsed, repaired and its autograded notebook read there, never in the main
    process, which only gets the result and the feedback page back (as JSON). The process ends
    with its parent. Never raises: a process that fails is a ``grader_error`` row, scored 0."""
    import json
    import pickle
    import subprocess
    import sys

    folder = work / task.student_id
    folder.mkdir(parents=True, exist_ok=True)
    job, out = folder / f".{task.chapter}.task.pickle", folder / f".{task.chapter}.graded.json"
    out.unlink(missing_ok=True)
    job.write_bytes(pickle.dumps((task, master, work, limits, cell_timeout, keep_work)))  # the grader's own data
    package = str(Path(__file__).resolve().parents[1])
    boot = ("import sys, types\n"  # course_utils without its __init__ (which imports torch), as the worker does
            f"p = types.ModuleType('course_utils'); p.__path__ = [{package!r}]; sys.modules['course_utils'] = p\n"
            "from course_utils.grading.engine import _grade_here; _grade_here(sys.argv[1], sys.argv[2])")
    try:
        proc = subprocess.run([sys.executable, "-c", boot, str(job), str(out)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=False)
        if proc.returncode == 0 and out.is_file():
            data = json.loads(out.read_text(encoding="utf-8"))
            return Graded(Result(**data["result"]), data["feedback"])
        why = proc.stderr[-2000:].decode(errors="replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        graded = Graded(grader_error(task, sum(master.points[task.chapter].values()),
                                     RuntimeError(f"its grading process failed: {why[0][:300]}")))
        graded.result.digest, graded.result.grader = task.digest, master.versions[task.chapter]
        return graded
    finally:
        job.unlink(missing_ok=True)
        out.unlink(missing_ok=True)


def _grade_here(job: str, out: str) -> None:
    """The process :func:`grade_apart` starts: grade the pickled task, write the result as JSON."""
    import json
    import pickle
    from dataclasses import asdict

    from .worker import end_with_parent

    end_with_parent()
    graded = grade_task(*pickle.loads(Path(job).read_bytes()))
    tmp = Path(out + ".tmp")
    tmp.write_text(json.dumps({"result": asdict(graded.result), "feedback": graded.feedback}), encoding="utf-8")
    os.replace(tmp, out)


class LocalPool:
    """``jobs`` tasks at a time, each in a process of its own (:func:`grade_apart`, waited for by a
    thread of this process), each running a worker process."""

    name = "local"

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)

    def describe(self) -> str:
        return f", {self.jobs} at a time on this machine"

    def run(self, tasks: list[Task], master, work: Path, limits, cell_timeout: int,
            keep_work: bool) -> Iterator[tuple[Task, Graded]]:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = {pool.submit(grade_apart, t, master, work, limits, cell_timeout, keep_work): t for t in tasks}
            for future in as_completed(futures):
                yield futures[future], future.result()


# -- Dask ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MasterBundle:
    """The master folder as a tar archive, sent once to every Dask worker."""

    digest: str
    origin: str           # where the master folder was made (its config names that path)
    chapters: tuple
    archive: bytes
    versions: tuple = ()  # ((chapter, grader version), ...) as the main process computed them


def pack_master(master) -> MasterBundle:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in ("nbgrader_config.py", "gradebook.db", "source", "release"):
            tar.add(master.folder / name, arcname=name)
    data = buffer.getvalue()
    return MasterBundle(digest(data), str(master.folder), tuple(master.releases), data, tuple(master.versions.items()))


def unpack_master(bundle: MasterBundle, base: Path):
    """The master in ``base/_master`` (unpacked once: a second call only loads it)."""
    folder = base / MASTER
    if not (folder / ".unpacked").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(bundle.archive), mode="r:gz") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(folder, filter="data")
            else:  # Python without extraction filters; the archive is the grader's own
                tar.extractall(folder)
        config = folder / "nbgrader_config.py"
        config.write_text(config.read_text(encoding="utf-8").replace(bundle.origin, str(folder)), encoding="utf-8")
        build_font_cache(folder / "mplconfig")
        (folder / ".unpacked").write_text(bundle.digest, encoding="utf-8")
    return load_master(folder, list(bundle.chapters))


_MASTERS: dict[str, object] = {}
_MASTERS_LOCK = threading.Lock()


def remote_grade(task: Task, bundle: MasterBundle, limits, cell_timeout: int, keep_work: bool,
                 slots: dict | None = None) -> Graded:
    """On a Dask worker: the master unpacked once into the worker's local folder, then :func:`grade_task`.
    Torch threads per kernel, unless given: this machine's cores ÷ the tasks it runs at once
    (``slots``: task threads of all the workers on each host, as the scheduler knew them)."""
    from distributed import get_worker
    from distributed.comm import get_address_host

    from .sandbox import check
    from .worker import available_cpus

    worker = get_worker()
    base = Path(worker.local_directory) / "course-grading" / bundle.digest[:16]
    with _MASTERS_LOCK:
        if bundle.digest not in _MASTERS:
            if limits.sandbox != "none":
                usable, why = check(limits.sandbox)
                if not usable:
                    raise RuntimeError(f"--sandbox {limits.sandbox} cannot run on worker {worker.address}: {why}")
            master = unpack_master(bundle, base)
            if tuple(master.versions.items()) != bundle.versions:  # another course_utils on this worker
                raise RuntimeError(f"worker {worker.address} grades with {dict(master.versions)}, the grader with "
                                   f"{dict(bundle.versions)}: install the same course_utils on every grading machine")
            _MASTERS[bundle.digest] = master
        master = _MASTERS[bundle.digest]
    if limits.threads is None:
        at_once = (slots or {}).get(get_address_host(worker.address)) or worker.state.nthreads
        limits = dc_replace(limits, threads=max(1, available_cpus() // max(1, at_once)))
    return grade_task(task, master, base, limits, cell_timeout, keep_work)


class DaskEngine:
    """Each task on a Dask cluster: ``address`` (``tcp://HOST:8786``) or ``"local"`` (a cluster of
    ``jobs`` worker processes, one task each, on this machine, started and stopped here). A task
    whose worker dies is sent to another worker by Dask; one that kills workers again and again
    (Dask gives up after a few) scores 0 with a ``grader_error`` row."""

    name = "dask"

    def __init__(self, address: str, jobs: int = 1):
        self.address, self.jobs = address, max(1, jobs)

    def describe(self) -> str:
        where = f"a local Dask cluster of {self.jobs} worker(s)" if self.address == "local" else self.address
        return f" on {where}"

    def _client(self):
        import logging

        from distributed import Client, LocalCluster

        if self.address != "local":
            return Client(self.address, timeout="60s"), None
        import dask

        # a worker takes a task only when it is free (the default queues a second one on a busy
        # worker while another worker may be idle: minutes lost with tasks this long)
        with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
            cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR, memory_limit=0)
        client = Client(cluster)
        client.wait_for_workers(self.jobs, timeout=300)
        return client, cluster

    def run(self, tasks: list[Task], master, work: Path, limits, cell_timeout: int,
            keep_work: bool) -> Iterator[tuple[Task, Graded]]:
        from distributed import as_completed

        if not tasks:
            return
        client, cluster = self._client()
        try:
            bundle = client.scatter(pack_master(master), broadcast=True)
            slots: dict[str, int] = {}
            try:
                workers = client.scheduler_info(n_workers=-1)["workers"]  # every worker, not the first few
            except TypeError:  # older distributed: always every worker
                workers = client.scheduler_info()["workers"]
            for w in workers.values():
                slots[w["host"]] = slots.get(w["host"], 0) + w["nthreads"]
            run_id = uuid.uuid4().hex[:8]
            futures = {client.submit(remote_grade, t, bundle, limits, cell_timeout, keep_work, slots, pure=False,
                                     key=f"grade-{t.student_id}-{t.chapter}-{run_id}"): t for t in tasks}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    graded = future.result()
                except Exception as e:  # noqa: BLE001  (e.g. KilledWorker: this task killed its workers)
                    graded = Graded(grader_error(task, sum(master.points[task.chapter].values()), e))
                    graded.result.digest, graded.result.grader = task.digest, master.versions[task.chapter]
                future.release()
                yield task, graded
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def engine_for(scheduler: str | None, jobs: int):
    return DaskEngine(scheduler, jobs) if scheduler else LocalPool(jobs)

