"""The OS sandbox around a student's kernel.

Inside it the kernel sees: the system and the Python environment read-only, the ``course_utils``
package (with the offline model and the course data) read-only, a writable scratch folder (a copy
of the student's own folder, the kernel's working directory), the folder of its own sockets, a
small ``/tmp``; nothing else. Not visible: the course repository (``solutions/``), the private
course folder (the source notebook with hidden tests, the gradebooks), other submissions and
workspaces, the output folder, the checker kernel. No network, its own PID namespace (everything
it starts dies with it), no GPUs unless asked for, and the worker's resource limits (address
space, file size) are inherited.

``bwrap`` (bubblewrap) is the default on Linux; ``docker``/``podman`` wrap the kernel in a
container instead (see docs/GRADING.md); ``none`` runs the kernel unwrapped (only on request,
and every submission graded that way gets a ``problems.csv`` row).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("bwrap", "docker", "podman", "none")
TMP_BYTES = 256 * 2**20          # the sandbox's own /tmp (in memory)
SYSTEM = ("/usr", "/etc", "/opt")
LINKED = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
KEEP_ENV = ("PATH", "LANG", "LC_ALL", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "HF_HUB_OFFLINE",
            "COURSE_FAST", "NBGRADER_EXECUTION", "MPLBACKEND", "TOKENIZERS_PARALLELISM", "PYTHONDONTWRITEBYTECODE",
            "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "COURSE_DEVICE", "COURSE_MODEL", "COURSE_DATA_DIR")

SECRET_ENV = ("COURSE_GRADEBOOK_URL", "COURSE_PROBE_KERNEL", "HF_TOKEN")


def python_paths() -> list[Path]:
    """What the kernel's Python needs to see: its prefixes and every folder on ``sys.path``, with
    the ``course_utils`` package alone in place of the checkout it may be installed from."""
    package = Path(__file__).resolve().parents[1]  # course_utils
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent, package}
    for entry in sys.path:
        if not entry:
            continue
        p = Path(entry).resolve()
        if p.exists() and p != package.parent and p != package and package not in p.parents:
            paths.add(p)
    data_dir = os.environ.get("COURSE_DATA_DIR")
    if data_dir and Path(data_dir).is_dir():
        paths.add(Path(data_dir).resolve())
    return sorted(paths)


@dataclass
class Sandbox:
    kind: str = "bwrap"
    gpu: bool = False
    ro: list[Path] = field(default_factory=list)    # extra read-only folders (e.g. the matplotlib font cache)
    rw: list[Path] = field(default_factory=list)    # extra writable folders
    env: dict = field(default_factory=dict)         # set inside, after the defaults
    image: str = ""                                  # docker/podman: the image with the course's environment

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown sandbox {self.kind!r}: expected one of {', '.join(KINDS)}")

    def wrap(self, cmd: list[str], env: dict, scratch: Path, sockets: Path) -> list[str]:
        """The command that runs ``cmd`` (the kernel) inside the sandbox, with ``env`` only."""
        env = {k: v for k, v in env.items()
               if (k in KEEP_ENV or k.startswith(("COURSE_", "MPL", "HF_"))) and k not in SECRET_ENV}
        env.update(HOME=str(scratch), TMPDIR="/tmp", XDG_CACHE_HOME="/tmp/cache", IPYTHONDIR="/tmp/ipython",
                   HF_HOME="/tmp/hf", HF_DATASETS_CACHE="/tmp/hf/datasets", PYTHONNOUSERSITE="1")
        if not self.gpu:
            env.update(CUDA_VISIBLE_DEVICES="", HIP_VISIBLE_DEVICES="", ROCR_VISIBLE_DEVICES="")
        env.update(self.env)
        if self.kind == "none":
            return cmd
        if self.kind == "bwrap":
            return self._bwrap(cmd, env, scratch, sockets)
        return self._container(cmd, env, scratch, sockets)

    def _bwrap(self, cmd, env, scratch, sockets) -> list[str]:
        args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-all", "--clearenv",
                "--proc", "/proc", "--dev", "/dev", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
        if self.gpu:
            args = [a for a in args if a != "--unshare-all"] + ["--unshare-pid", "--unshare-ipc", "--unshare-uts",
                                                                 "--unshare-net"]
            args += [x for dev in Path("/dev").glob("nvidia*") for x in ("--dev-bind", str(dev), str(dev))]
        for path in SYSTEM:
            if Path(path).is_dir():
                args += ["--ro-bind", path, path]
        for path in LINKED:
            p = Path(path)
            if p.is_symlink():
                args += ["--symlink", os.readlink(p), path]
            elif p.is_dir():
                args += ["--ro-bind", path, path]
        for path in python_paths() + [Path(p).resolve() for p in self.ro]:
            args += ["--ro-bind", str(path), str(path)]
        for path in [scratch, sockets] + [Path(p).resolve() for p in self.rw]:
            args += ["--bind", str(path), str(path)]
        args += ["--chdir", str(scratch)]
        for key, value in sorted(env.items()):
            args += ["--setenv", key, value]
        args += ["--remount-ro", "/", "--"]
        return args + cmd

    def _container(self, cmd, env, scratch, sockets) -> list[str]:
        if not self.image:
            raise ValueError(f"--sandbox {self.kind} needs --image: an image with the course's Python environment")
        args = [self.kind, "run", "--rm", "-i", "--network", "none", "--read-only", "--tmpfs", "/tmp",
                "-v", f"{scratch}:{scratch}", "-v", f"{sockets}:{sockets}", "-w", str(scratch)]
        args += [x for key, value in sorted(env.items()) for x in ("-e", f"{key}={value}")]
        if self.gpu:
            args += ["--gpus", "all"]
        return args + [self.image] + ["python"] + cmd[1:]


def check(kind: str = "bwrap") -> tuple[bool, str]:
    """Can this machine run the sandbox ``kind``? ``(ok, what was found)``, for ``course doctor``."""
    if kind == "none":
        return True, "no sandbox (student code runs with the grader's rights)"
    program = shutil.which(kind)
    if program is None:
        return False, f"`{kind}` not found" + (" (Debian/Ubuntu: apt-get install bubblewrap)" if kind == "bwrap" else "")
    if kind == "bwrap":
        probe = ["bwrap", "--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]
    else:
        probe = [kind, "info"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"{program} failed: {e}"
    if done.returncode != 0:
        return False, f"{program} cannot start a sandbox here: {done.stderr.strip()[:200]}"
    return True, program
