"""A cgroup per graded submission: its share of the machine, and a way to end all of it.

The grading process (the worker's parent, :func:`.worker.run_worker`) creates one group per
submission through the cgroup filesystem, with two leaves: ``grader`` (the worker, nbgrader and the
checker kernel: trusted) and ``student`` (the sandbox launcher and every process the student's
kernel starts, ``setsid`` or not: a process cannot leave its cgroup). The ``student`` leaf gets

* CPU: a quota of the cores the submission was given (and the matching weight), so busy
  processes can take no more than that share from classmates graded beside it;
* memory: one limit for the whole tree (four processes under the limit each are still one tree);
  the sandbox's in-memory scratch and ``/tmp`` are charged to it too;
* pids: a limit on processes and threads (a fork bomb stops there).

Its CPU time (``cpuacct``/``cpu.stat``) is what the student's code really ran, whatever the clock
on the wall says. At the end the parent kills every process in the group and removes it, even
when the worker itself was killed.

cgroup v2 is used where ``/sys/fs/cgroup`` is the unified hierarchy with the ``cpu``, ``memory``
and ``pids`` controllers; otherwise the v1 hierarchies of ``cpu``, ``cpuacct``, ``memory`` and
``pids`` (as mounted on the course's grading machines). Where neither is writable (not root,
no delegation) :func:`available` says why, ``course doctor`` warns, and grading goes on with the
per-process limits only (see docs/GRADING.md).
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
V1 = ("cpu", "cpuacct", "memory", "pids")
V2 = ("cpu", "memory", "pids")
PERIOD_US = 100_000
PIDS = 512                 # processes and threads of one student tree
NAME = "course-grading"    # the submissions' groups are folders named course-grading-... beside the grader's own
# (not inside one shared folder: under load the CPU is shared between sibling groups, and one folder for
# all submissions would weigh as one session against every other process of the machine)


def _mounts() -> dict[str, Path]:
    """v1 controller → its mount point (a co-mounted ``cpu,cpuacct`` gives both the same folder)."""
    found: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(tail) < 3 or tail[0] != "cgroup":
            continue
        for option in tail[2].split(","):
            if option in V1:
                found.setdefault(option, Path(fields[4]))
    return found


def _own(controller: str | None) -> str:
    """This process's cgroup path in the hierarchy of ``controller`` (None: the v2 hierarchy)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if (controller is None and names == "") or (controller is not None and controller in names.split(",")):
            return path.lstrip("/")
    return ""


def _v2_base() -> Path | None:
    controllers = ROOT / "cgroup.controllers"
    if not controllers.exists() or not set(V2) <= set(controllers.read_text().split()):
        return None
    return ROOT / _own(None)


@dataclass
class Group:
    """One cgroup: a folder per hierarchy (v1) or one folder (v2)."""

    dirs: dict[str, Path]   # controller → folder (v2: every controller → the same folder)
    version: int

    def child(self, name: str) -> Group:
        dirs = {c: d / name for c, d in self.dirs.items()}
        for d in set(dirs.values()):
            d.mkdir(exist_ok=True)
        return Group(dirs, self.version)

    @property
    def folders(self) -> list[Path]:
        return sorted(set(self.dirs.values()))

    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` files a process writes its pid to, to join this group."""
        return [str(d / "cgroup.procs") for d in self.folders]

    def join(self, pid: int = 0) -> None:
        for path in self.procs_files():
            Path(path).write_text(str(pid or os.getpid()))

    def limit(self, cores: float, memory_bytes: int, pids: int = PIDS) -> None:
        quota = max(1000, int(cores * PERIOD_US))
        if self.version == 2:
            d = self.dirs["cpu"]
            (d / "cpu.max").write_text(f"{quota} {PERIOD_US}")
            (d / "cpu.weight").write_text(str(max(1, min(10000, int(100 * cores)))))
            if memory_bytes:
                (d / "memory.max").write_text(str(memory_bytes))
                _write_if(d / "memory.swap.max", "0")
            (d / "pids.max").write_text(str(pids))
            return
        cpu = self.dirs["cpu"]
        (cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (cpu / "cpu.cfs_quota_us").write_text(str(quota))
        (cpu / "cpu.shares").write_text(str(max(2, int(1024 * cores))))
        if memory_bytes:
            (self.dirs["memory"] / "memory.limit_in_bytes").write_text(str(memory_bytes))
            _write_if(self.dirs["memory"] / "memory.memsw.limit_in_bytes", str(memory_bytes))
        (self.dirs["pids"] / "pids.max").write_text(str(pids))

    def cpu_seconds(self) -> float:
        """CPU time used by every process that ever ran in this group, in seconds."""
        try:
            if self.version == 2:
                for line in (self.dirs["cpu"] / "cpu.stat").read_text().splitlines():
                    if line.startswith("usage_usec "):
                        return int(line.split()[1]) / 1e6
                return 0.0
            return int((self.dirs["cpuacct"] / "cpuacct.usage").read_text()) / 1e9
        except (OSError, ValueError):
            return 0.0

    def out_of_memory(self) -> bool:
        """Did the memory limit stop an allocation (or kill a process) in this group?"""
        try:
            if self.version == 2:
                events = dict(line.split() for line in (self.dirs["memory"] / "memory.events").read_text().splitlines())
                return int(events.get("oom_kill", 0)) > 0 or int(events.get("max", 0)) > 0
            control = dict(line.split() for line in (self.dirs["memory"] / "memory.oom_control").read_text().splitlines())
            if "oom_kill" in control:
                return int(control["oom_kill"]) > 0
            return int((self.dirs["memory"] / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def pids(self) -> set[int]:
        found = set()
        for d in self.folders:
            for sub in [d, *(p for p in d.iterdir() if p.is_dir())] if d.exists() else []:
                try:
                    found |= {int(x) for x in (sub / "cgroup.procs").read_text().split()}
                except OSError:
                    pass
        return found

    def kill(self, timeout_s: float = 10.0) -> set[int]:
        """SIGKILL every process in this group and its leaves until none is left; the pids seen."""
        seen: set[int] = set()
        deadline = time.monotonic() + timeout_s
        while True:
            pids = self.pids() - {os.getpid()}
            if not pids or time.monotonic() > deadline:
                return seen
            seen |= pids
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left, then remove the leaves and the group (a cgroup folder is removed with rmdir)."""
        self.kill()
        for d in self.folders:
            if not d.exists():
                continue
            for sub in [p for p in d.iterdir() if p.is_dir()]:
                _rmdir(sub)
            _rmdir(d)


def cpu_meter(procs_files: list[str]):
    """A function giving the CPU seconds of the group whose ``cgroup.procs`` files are given (what a
    sandbox joined), or None when they name no usable group."""
    folders = [Path(p).parent for p in procs_files]
    if not folders:
        return None
    if (folders[0] / "cpu.stat").exists() and (folders[0] / "cgroup.controllers").exists():
        group = Group({"cpu": folders[0]}, 2)
    else:
        acct = [d for d in folders if (d / "cpuacct.usage").exists()]
        if not acct:
            return None
        group = Group({"cpuacct": acct[0]}, 1)
    return group.cpu_seconds


def _write_if(path: Path, value: str) -> None:
    try:
        path.write_text(value)
    except OSError:
        pass  # an optional knob (swap accounting off, an older kernel)


def _rmdir(path: Path, tries: int = 50) -> None:
    for _ in range(tries):  # the kernel lets go of a group a moment after its last process died
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def _bases() -> tuple[dict[str, Path], int] | None:
    v2 = _v2_base()
    if v2 is not None:
        return {c: v2 for c in V2}, 2
    mounts = _mounts()
    if not set(V1) <= set(mounts):
        return None
    return {c: mounts[c] / _own(c) for c in V1}, 1


def available() -> tuple[bool, str]:
    """Can this process make per-submission cgroups here? ``(ok, what was found)``."""
    bases = _bases()
    if bases is None:
        return False, f"no cgroup v2 with {'/'.join(V2)} nor v1 hierarchies of {'/'.join(V1)} under {ROOT}"
    dirs, version = bases
    try:
        group = create(f"{NAME}-check-{uuid.uuid4().hex[:8]}")
    except OSError as e:
        return False, f"cgroup v{version} found but not writable by this user ({e.strerror}: {e.filename})"
    group.remove()
    return True, f"cgroup v{version} at {', '.join(str(d) for d in sorted(set(dirs.values())))}"


def create(name: str) -> Group:
    """A new group ``name`` (with v2, its ``cpu memory pids`` controllers on for its leaves)."""
    bases = _bases()
    if bases is None:
        raise OSError(f"no usable cgroup hierarchy under {ROOT}")
    dirs, version = bases
    if version == 2:
        _write_if(dirs["cpu"] / "cgroup.subtree_control", "+cpu +memory +pids")
    group = Group(dirs, version).child(name)
    if version == 2:
        (group.dirs["cpu"] / "cgroup.subtree_control").write_text("+cpu +memory +pids")
    return group


def sweep() -> None:
    """Remove the groups of graders that died without removing them (killed with SIGKILL): their
    folders carry the grader's pid."""
    bases = _bases()
    if bases is None:
        return
    dirs, version = bases
    for folder in sorted(set(dirs.values())):
        for d in folder.glob(f"{NAME}-*"):
            owner = d.name[len(NAME) + 1:].split("-")[0]
            if not owner.isdigit() or _alive(int(owner)):
                continue
            Group({c: base / d.name for c, base in dirs.items()}, version).remove()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def for_submission(cores: float, memory_bytes: int, pids: int = PIDS) -> Group | None:
    """A group for one submission with its ``grader`` and ``student`` leaves, the student's limited;
    None where cgroups cannot be made here (the documented fallback). Groups a killed grader left
    behind are removed first."""
    try:
        sweep()
        group = create(f"{NAME}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    except OSError:
        return None
    try:
        group.child("grader")
        group.child("student").limit(cores, memory_bytes, pids)
    except OSError:
        group.remove()
        return None
    return group
