"""nbgrader's execute step with the student's kernel in a sandbox and the tests in a second kernel.

``course grade`` configures :class:`TwoKernelExecute` in place of nbgrader's ``Execute``. It takes
the chapter's *roles* from the gradebook, which ``generate_assignment`` filled from the
instructor's source (or from a file the grader wrote from it), never from the submission:

* **shared set-up** cells (read-only cells whose grade_id starts with ``shared_``: imports,
  helpers, constants) run in both kernels;
* **test** cells (the graded tests) run only in the *checker* kernel: trusted, outside the sandbox,
  it never runs student code and reaches the student's definitions through
  :func:`course_utils.probe.probe`, which returns plain data only;
* every other cell (the student's answers and the chapter's own code) runs only in the *student*
  kernel, which runs inside the OS sandbox (:mod:`.sandbox`) and talks over Unix sockets in a
  folder of its own.

The sources of set-up and test cells come from the roles file too, so a submission cannot change
what the checker runs. A test cell is scored from the checker's outcome alone: an error fails it;
text on stderr (a library's warning) does not, so it is shown as ordinary output. A chapter whose
source marks no set-up cells runs all its cells in the sandboxed student kernel (one kernel).
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Integer, Unicode

from ..probe import UNRESPONSIVE, connect_once
from ..variants import KEY_ENV, STUDENT_ENV, VARIANT_OUTPUT, course_key
from .cgroups import cpu_meter
from .feedback import CHECKER_OUTPUTS
from .sandbox import SCRATCH_BYTES, Sandbox, check, lock, remove

SETUP_PREFIX = "shared_"


class StudentKernelClient(AsyncKernelClient):
    """The executor's connection to the student's kernel: sockets that never reconnect."""

    _create_connected_socket = connect_once


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel started inside :class:`Sandbox`, reachable only through Unix sockets in ``sockets``."""

    def __init__(self, sandbox: Sandbox, scratch: Path, sockets: Path, **kwargs):
        super().__init__(transport="ipc", ip=str(sockets / "k"), connection_file=str(sockets / "kernel.json"),
                         client_class="course_utils.grading.executor.StudentKernelClient", **kwargs)
        self.sandbox, self.scratch, self.sockets = sandbox, scratch, sockets

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        return self.sandbox.wrap(cmd, dict(os.environ), self.scratch, self.sockets)

    _create_connected_socket = connect_once  # the manager's own control socket, too

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt with a message on the control channel: a signal would reach the sandbox's
        launcher, not the kernel inside it."""
        if self.has_kernel:
            self._connect_control_socket()
            self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))

    interrupt_kernel = _async_interrupt_kernel

    def client(self, **kwargs):
        """Connect only once the kernel has made its sockets (the client never reconnects)."""
        wait_for_sockets(self.sockets, [self.shell_port, self.iopub_port, self.stdin_port, self.control_port,
                                        self.hb_port], self.ip)
        if self.sandbox.kind == "bwrap":
            lock(self.sockets)  # its sockets are made: nothing more may be written there
        return super().client(**kwargs)

    def scratch_full(self, margin: int = 2**20) -> bool:
        """Is the kernel's in-memory scratch folder (seen from outside through a process inside
        the sandbox) within ``margin`` bytes of its size cap?"""
        import psutil

        if self.sandbox.kind != "bwrap" or not self.has_kernel:
            return False
        try:
            inside = psutil.Process(self.provisioner.process.pid).children(recursive=True)
        except (AttributeError, psutil.Error):
            return False
        for process in inside[:1]:
            try:
                st = os.statvfs(f"/proc/{process.pid}/root{self.scratch}")
            except OSError:
                return False
            return st.f_bavail * st.f_frsize < margin
        return False


def wait_for_sockets(folder: Path, ports: list[int], prefix: str, timeout_s: float = 120.0) -> None:
    """Wait until every ``{prefix}-{port}`` is a Unix socket (not a link to one elsewhere)."""
    import stat
    import time

    deadline = time.monotonic() + timeout_s
    paths = [Path(f"{prefix}-{port}") for port in ports]
    while True:
        modes = [p.lstat().st_mode if p.exists() or p.is_symlink() else None for p in paths]
        if any(m is not None and not stat.S_ISSOCK(m) for m in modes):
            raise RuntimeError(f"the student's kernel made something other than a socket in {folder}")
        if all(m is not None for m in modes):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the student's kernel did not open its sockets within {timeout_s:.0f} s")
        time.sleep(0.05)


def is_setup(name: str | None, locked: bool, solution: bool = False) -> bool:
    """A shared set-up cell: read-only, not an answer, its grade_id starting with ``shared_``."""
    return bool(name) and name.startswith(SETUP_PREFIX) and locked and not solution


def roles(source_nb) -> dict:
    """``{"setup": {grade_id: source}, "test": {grade_id: source}}`` from the instructor's source."""
    out = {"setup": {}, "test": {}}
    for cell in source_nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        if cell.cell_type != "code" or not gid:
            continue
        if is_setup(gid, meta.get("locked", False), meta.get("solution", False)):
            out["setup"][gid] = cell.source
        elif meta.get("grade") and not meta.get("solution"):
            out["test"][gid] = cell.source
    return out


def roles_from_gradebook(db_url: str, course_id: str, assignment: str, notebook: str) -> dict:
    """The same roles from the gradebook that ``generate_assignment`` filled from the source (what
    ``nbgrader autograde`` trusts): the sources of locked cells and graded cells as released."""
    from nbgrader.api import Gradebook

    out = {"setup": {}, "test": {}}
    with Gradebook(db_url, course_id) as gb:
        nb = gb.find_notebook(notebook, assignment)
        tests = {g.name for g in nb.grade_cells if g.cell_type == "code"}
        answers = {c.name for c in nb.solution_cells}
        for cell in nb.source_cells:
            if cell.cell_type != "code":
                continue
            if cell.name in tests and cell.name not in answers:
                out["test"][cell.name] = cell.source
            elif is_setup(cell.name, cell.locked, cell.name in answers):
                out["setup"][cell.name] = cell.source
    return out


def autograde_preprocessors() -> list:
    """nbgrader's autograde steps with :class:`TwoKernelExecute` in place of ``Execute``."""
    from nbgrader.converters import Autograde

    default = Autograde.class_traits()["autograde_preprocessors"].default()
    return [TwoKernelExecute if p is Execute else p for p in default]


def strip_hidden_tests(source: str) -> str:
    """What a student may see of a test cell: everything outside the hidden-test markers."""
    lines, hidden = [], False
    for line in source.splitlines():
        if "### BEGIN HIDDEN TESTS" in line:
            hidden = True
        elif "### END HIDDEN TESTS" in line:
            hidden = False
        elif not hidden:
            lines.append(line)
    return "\n".join(lines)


class TwoKernelExecute(Execute):
    """nbgrader's ``Execute`` with the routing described in the module docstring."""

    roles_file = Unicode("", help="JSON written by the grader: set-up and test cells of the chapter").tag(config=True)
    sandbox = Unicode("bwrap", help="bwrap | docker | podman | none").tag(config=True)
    image = Unicode("", help="docker/podman image for the student's kernel").tag(config=True)
    gpu = Bool(False, help="let the student's kernel see the GPUs").tag(config=True)
    scratch = Unicode("", help="the student kernel's writable folder (default: a fresh temporary one)").tag(config=True)
    read_only = Unicode("", help="extra read-only folders for the student's kernel, separated by os.pathsep").tag(config=True)
    read_write = Unicode("", help="extra writable folders for the student's kernel, separated by os.pathsep").tag(config=True)
    kernel_env = Unicode("{}", help="JSON: environment variables set inside the student's sandbox").tag(config=True)
    sockets = Unicode("", help="the student kernel's sockets folder, made (and removed) by the grader; "
                               "default: a fresh temporary one").tag(config=True)
    cgroup = Unicode("", help="cgroup.procs files the student's kernel joins, separated by os.pathsep").tag(config=True)
    variant_student = Unicode("", help="the student whose variant the checker grades (the grader's id for the "
                                       "submission, never what the notebook declares)").tag(config=True)
    variant_key = Unicode("", help="the course key of the variants (default: from the course config)").tag(config=True)
    scratch_bytes = Integer(SCRATCH_BYTES, help="size cap of the student kernel's in-memory scratch folder").tag(config=True)
    report = Unicode("", help="JSON file for what the sandbox saw (the scratch folder filled)").tag(config=True)
    cpu_share = Float(0.5, help="a student cell past its timeout is stopped once its processes have also used this "
                                "share of the timeout in CPU time (a starved cell is given more wall-clock time)").tag(config=True)
    starved_factor = Float(3.0, help="a student cell is stopped at this many timeouts of wall clock whatever its CPU "
                                     "time (one that sleeps or waits)").tag(config=True)

    # nbgrader fails a cell whose output is not in within iopub_timeout of its reply (4 s by default):
    # on a busy grading machine with two kernels a submission, that would zero an honest student
    iopub_timeout = Integer(60, help="seconds to wait for a cell's output after its reply").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        if self.sandbox != "none":
            ok, why = check(self.sandbox)
            if not ok:
                raise RuntimeError(f"the {self.sandbox} sandbox cannot run here ({why}); install it, or grade without a "
                                   "sandbox on purpose with COURSE_SANDBOX=none (student code then runs with your rights)")
        plan = self._plan()
        self._variant = self.variant_of((resources or {}).get("nbgrader", {}).get("student", ""))
        two = bool(plan["setup"])
        made = not self.sockets  # a short path: Unix sockets allow ~100 bytes
        sockets = Path(tempfile.mkdtemp(prefix="cg-", dir="/tmp")) if made else Path(self.sockets)
        temporary = None if self.scratch else Path(tempfile.mkdtemp(prefix="course-grading-"))
        scratch = Path(self.scratch) if self.scratch else temporary / "scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        box = Sandbox(self.sandbox, gpu=self.gpu, image=self.image,
                      ro=[Path(p) for p in self.read_only.split(os.pathsep) if p],
                      rw=[Path(p) for p in self.read_write.split(os.pathsep) if p], env=json.loads(self.kernel_env),
                      cgroup=[p for p in self.cgroup.split(os.pathsep) if p], scratch_bytes=self.scratch_bytes)
        self._cpu = cpu_meter(box.cgroup) if self.sandbox == "bwrap" else None
        self.km = SandboxedKernelManager(box, scratch, sockets, kernel_name=self.kernel_name or "python3")
        self.owns_km = True
        checker = None
        try:
            with self.setup_kernel(cwd=str(scratch)):
                student = (self.km, self.kc)
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                if two:
                    checker = self._start_checker(sockets, scratch.parent / "checker")
                for cell in self.nb.cells:  # only this run says which outputs are the checker's
                    cell.get("metadata", {}).get("course", {}).pop(CHECKER_OUTPUTS, None)
                for index, cell in enumerate(self.nb.cells):
                    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    twin = None
                    if two and gid in plan["test"]:
                        cell.source = plan["test"][gid]
                        self._run(cell, index, checker, graded=True)
                        stderr_to_stdout(cell)
                        self._check_student(student, cell)
                        continue
                    if two and gid in plan["setup"]:
                        cell.source = plan["setup"][gid]
                        twin = copy.deepcopy(cell)
                        self._run_aside(twin, index, checker)
                        if any(o.get("output_type") == "error" for o in twin.get("outputs", [])):
                            raise RuntimeError(f"set-up cell {gid!r} failed in the checker kernel")
                    self._run(cell, index, student, graded=gid in plan["test"])
                    self._note_scratch(student[0])
                    if twin is not None and shows_variant(twin):  # the variant graded, as the checker shows it
                        cell.outputs = twin.outputs
                        cell.setdefault("metadata", {}).setdefault("course", {})[CHECKER_OUTPUTS] = True
                self.km, self.kc = student
        finally:
            if checker is not None:
                self._stop(checker)
            if made:
                remove(sockets)
            if temporary is not None:
                shutil.rmtree(temporary, ignore_errors=True)
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _check_student(self, student, cell) -> None:
        """After a test: a student kernel that died, or that ignored the interrupt of a probe that
        ran too long, stops the run here, so the grader blames the answer this test reached (not
        the next cell) and regrades without it, as for a cell of the student's own."""
        if not self._sync(student[0].is_alive()):
            raise DeadKernelError("Kernel died: the student's kernel, during a test's probe")
        for output in cell.get("outputs", []):
            if output.get("ename") == "CellTimeoutError" or (
                    output.get("ename") == "ProbeTimeout" and UNRESPONSIVE in output.get("evalue", "")):
                raise CellTimeoutError("the student's kernel did not stop when a test's probe was interrupted")

    def _note_scratch(self, km) -> None:
        """Record (once) that the student's scratch folder reached its cap, for ``problems.csv``."""
        if self.report and not Path(self.report).exists() and km.scratch_full():
            Path(self.report).write_text(json.dumps({"scratch_full": True}), encoding="utf-8")

    def _plan(self) -> dict:
        if self.roles_file:
            return json.loads(Path(self.roles_file).read_text(encoding="utf-8"))
        info = (self.resources or {}).get("nbgrader")
        if not info:  # not under nbgrader autograde: nothing is known to be a test
            return {"setup": {}, "test": {}}
        return roles_from_gradebook(info["db_url"], self.config.CourseDirectory.get("course_id", ""),
                                    info["assignment"], info["notebook"])

    def _run(self, cell, index, kernel, graded: bool = False) -> None:
        self.km, self.kc = kernel
        # A graded cell's outputs are its score (an error, a partial-credit result): losing one to a
        # busy machine must fail the run. A student cell's outputs are not graded, and an error there
        # is in its reply anyway (nbgrader's on_cell_executed records it): wait, but go on.
        self.raise_on_iopub_timeout = graded
        self._started = (time.monotonic(), self._cpu() if self._cpu else 0.0)
        self.preprocess_cell(cell, self.resources, index)

    _cpu = None          # the student tree's CPU seconds (its cgroup), when it has one
    _started = (0.0, 0.0)

    async def _async_handle_timeout(self, timeout, cell=None):
        """A student cell past its timeout is judged on both clocks: stopped when its processes used
        at least ``cpu_share`` of the timeout in CPU time (it ran, and ran too long), or at
        ``starved_factor`` timeouts of wall clock; before that, a cell that did not get the CPU
        (busy neighbours) waits on. A checker's cell (a test, whose probes wait on a starved student the
        same way) is judged on the student tree's CPU time during it. Without a cgroup: the wall clock."""
        if self._cpu is not None:
            t0, cpu0 = self._started
            wall, used = time.monotonic() - t0, self._cpu() - cpu0
            if used < self.cpu_share * timeout and wall < self.starved_factor * timeout:
                self.log.warning("the student's cell has had %.1f s of CPU in %.0f s: waiting on", used, wall)
                await asyncio.sleep(1.0)
                return None  # nbclient polls for the reply again
        return await super()._async_handle_timeout(timeout, cell)

    def variant_of(self, student: str) -> tuple[str, str]:
        """(student, course key) of the variant the tests grade: the submission's student as nbgrader
        knows it (its folder), the key from the course config (course_id and ``c.CourseVariants.salt``)."""
        key = self.variant_key or course_key(self.config.CourseDirectory.get("course_id", "default_course"),
                                             self.config.CourseVariants.get("salt", ""))
        return self.variant_student or student or "", key

    def _run_aside(self, cell, index, kernel) -> None:
        """Run a cell that is not the notebook's own (nbclient stores an executed cell at its index)."""
        kept = self.nb.cells[index]
        try:
            self._run(cell, index, kernel)
        finally:
            self.nb.cells[index] = kept

    def _start_checker(self, sockets: Path, cwd: Path):
        cwd.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k != "COURSE_GUARD_SPEC"}
        env["COURSE_PROBE_KERNEL"] = str(sockets / "kernel.json")
        # a probe gives up (and interrupts the student's code) before the checker's cell times out
        env["COURSE_PROBE_TIMEOUT"] = str(max(1.0, 0.5 * self.timeout)) if self.timeout else "60"
        if self._cpu is not None:  # probes judge a slow answer on the student tree's CPU time too
            env["COURSE_STUDENT_CGROUP"] = self.cgroup
        # the variant the tests grade: the grader's student and course key (the student's kernel never sees these)
        env[STUDENT_ENV], env[KEY_ENV] = self._variant
        km = AsyncKernelManager(kernel_name=self.kernel_name or "python3")
        self._sync(km.start_kernel(cwd=str(cwd), env=env, extra_arguments=list(self.extra_arguments)))
        kc = km.client()
        kc.start_channels()
        self._sync(kc.wait_for_ready(timeout=self.startup_timeout))
        kc.allow_stdin = False
        reply = self._sync(kc.execute_interactive("import course_utils.probe as _p; _p.connect()", store_history=False,
                                                  timeout=self.startup_timeout, output_hook=lambda msg: None))
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the checker kernel could not reach the student's kernel: {reply['content'].get('evalue')}")
        return km, kc

    def _stop(self, kernel) -> None:
        km, kc = kernel
        try:
            kc.stop_channels()
            self._sync(km.shutdown_kernel(now=True))
        except Exception:  # noqa: BLE001, S110 - a checker that will not stop is killed with the worker
            pass

    @staticmethod
    def _sync(awaitable):
        from jupyter_core.utils import run_sync

        async def wait():
            return await awaitable

        return run_sync(wait)()


def shows_variant(cell) -> bool:
    """Whether a cell displayed a question's variant (``course_utils.variants``: its display metadata)."""
    return any(VARIANT_OUTPUT in out.get("metadata", {}) for out in cell.get("outputs", []))


def stderr_to_stdout(cell) -> None:
    """nbgrader scores a test cell 0 if anything reached stderr; in the checker that is a library's
    warning, never the student: pass or fail comes from the test's own outcome (an error)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            output["name"] = "stdout"
