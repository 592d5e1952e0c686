"""The OS sandbox around a student's kernel.

Inside it the kernel sees: the system and the Python environment read-only, the ``course_utils``
package (with the offline model and the course data) read-only, a writable scratch folder (a copy
of the student's own folder, the kernel's working directory), the folder of its own sockets, a
small ``/tmp``; nothing else. Not visible: the course repository (``solutions/``), the private
course folder (the source notebook with hidden tests, the gradebooks), other submissions and
workspaces, the output folder, the checker kernel. No network, its own PID namespace (everything
it starts dies with it), no GPUs unless asked for, and the worker's resource limits (address
space, file size) are inherited.

The kernel never runs as root: it runs as an unprivileged uid/gid (``UID``, ``GID``) with no
capabilities, ``no_new_privs`` and a seccomp filter (:func:`seccomp_filter`). A grader that is not
root gets this from a user namespace (bwrap ``--unshare-user --uid``). A grader that runs as root
cannot use one: a namespace made by root maps its uid onto the host's root, which owns every 0600
file under ``/usr`` or ``/opt``; so bubblewrap keeps only CAP_SETUID/CAP_SETGID and this module,
run as a script inside the sandbox, drops to ``UID``/``GID`` before the kernel starts. Run as a
script outside the sandbox first, it joins the submission's cgroup (:mod:`.cgroups`), hands the
sockets folder to that uid and hands bubblewrap the seccomp program. Only the parts of ``/etc`` a
Python kernel reads are bound (``ETC``). The scratch folder is an in-memory filesystem of
``scratch_bytes`` seeded with a copy of the prepared folder (a kernel cannot fill the host's disk;
the memory it takes is charged to the submission's cgroup), and the sockets folder is taken back
by the grader once the kernel has made its sockets (:func:`lock`), so nothing more can be written
there.

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
SCRATCH_BYTES = 1024 * 2**20   # the kernel's working folder (in memory): the student's files and what it writes
SYSTEM = ("/usr", "/opt")
ETC = ("alternatives", "fonts", "group", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "mime.types",
       "nsswitch.conf", "passwd", "timezone")
UID = GID = 65534                # nobody/nogroup: owns nothing on the host
SEED = "/run/course-seed"       # where the prepared scratch folder is seen (read-only) to be copied in
# system calls a kernel never needs (refused with EPERM by the seccomp filter): other processes' memory,
# mounts and namespaces, kernel keys and modules, BPF, performance counters, the machine itself
DENIED = ("ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "unshare",
          "setns", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd", "kexec_load",
          "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct",
          "quotactl", "open_by_handle_at", "name_to_handle_at", "syslog", "iopl", "ioperm", "fanotify_init",
          "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr")
NEW_NAMESPACES = 0x7E020000     # CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
LINKED = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
KEEP_ENV = ("PATH", "LANG", "LC_ALL", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "HF_HUB_OFFLINE",
            "COURSE_FAST", "NBGRADER_EXECUTION", "MPLBACKEND", "TOKENIZERS_PARALLELISM", "PYTHONDONTWRITEBYTECODE",
            "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "COURSE_DEVICE", "COURSE_MODEL", "COURSE_DATA_DIR")

# the student's kernel declares its own student (cu.student): the grader's names are for the checker only
SECRET_ENV = ("COURSE_GRADEBOOK_URL", "COURSE_PROBE_KERNEL", "HF_TOKEN", "COURSE_VARIANT_STUDENT", "COURSE_VARIANT_KEY")


_FILTER: list = []


def seccomp_filter() -> bytes | None:
    """The BPF program of the kernel's seccomp filter (``DENIED``, and ``clone`` with a new namespace;
    ``clone3`` answers ENOSYS so that the C library falls back to ``clone``), built with libseccomp
    through ``pyseccomp``; None where either is missing (``course doctor`` says so)."""
    if not _FILTER:
        try:
            import errno
            import tempfile

            import pyseccomp as sc

            f = sc.SyscallFilter(sc.ALLOW)
            for name in DENIED:
                try:
                    f.add_rule(sc.ERRNO(errno.EPERM), name)
                except (ValueError, RuntimeError, OSError):
                    pass  # a call this machine's architecture does not have
            for flag in (1 << bit for bit in range(32) if NEW_NAMESPACES >> bit & 1):
                f.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
            f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
            with tempfile.TemporaryFile() as out:  # libseccomp writes to a file descriptor
                f.export_bpf(out)
                out.seek(0)
                _FILTER.append(out.read())
        except (ImportError, OSError, RuntimeError, ValueError, AttributeError):
            _FILTER.append(None)
    return _FILTER[0]


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
    uid: int = UID
    gid: int = GID
    scratch_bytes: int = SCRATCH_BYTES
    cgroup: list[str] = field(default_factory=list)  # cgroup.procs files the kernel's tree joins (.cgroups)

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
        root = os.geteuid() == 0
        if root:  # a user namespace made by root maps its uids onto root's: the launcher drops to self.uid instead
            args = ["bwrap", "--unshare-pid", "--unshare-ipc", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                    "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        elif self.gpu:
            args = ["bwrap", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--cap-drop", "ALL"]
        else:
            args = ["bwrap", "--unshare-all", "--unshare-user", "--uid", str(self.uid), "--gid", str(self.gid),
                    "--cap-drop", "ALL"]
        args += ["--die-with-parent", "--new-session", "--clearenv", "--proc", "/proc", "--dev", "/dev",
                 "--size", str(TMP_BYTES), "--perms", "1777", "--tmpfs", "/tmp",
                 "--size", str(TMP_BYTES), "--perms", "1777", "--tmpfs", "/dev/shm"]
        if self.gpu:
            args += [x for dev in Path("/dev").glob("nvidia*") for x in ("--dev-bind", str(dev), str(dev))]
        binds = [("--ro-bind", path, path) for path in SYSTEM if Path(path).is_dir()]
        binds += [("--ro-bind", f"/etc/{name}", f"/etc/{name}") for name in ETC if os.path.lexists(f"/etc/{name}")]
        for path in LINKED:
            p = Path(path)
            if p.is_symlink():
                args += ["--symlink", os.readlink(p), path]
            elif p.is_dir():
                binds.append(("--ro-bind", path, path))
        binds += [("--ro-bind", str(path), str(path)) for path in python_paths() + [Path(p).resolve() for p in self.ro]]
        binds += [("--bind", str(path), str(path)) for path in [sockets] + [Path(p).resolve() for p in self.rw]]
        binds += [("--ro-bind", str(scratch), SEED)]
        # the folders above what is bound: bubblewrap would make them 0700, closed to the kernel's uid
        targets = {dst for _, _, dst in binds} | {str(scratch)}
        above = {str(parent) for _, _, dst in binds + [("", "", str(scratch))] for parent in Path(dst).parents}
        above = [d for d in sorted(above, key=lambda d: (d.count("/"), d))
                 if d != "/" and not any(d == t or d.startswith(t.rstrip("/") + "/") for t in targets)]
        for folder in above:
            args += ["--perms", "0755", "--dir", folder]
        for op, src, dst in binds:
            args += [op, src, dst]
        args += ["--size", str(self.scratch_bytes), "--perms", "0777" if root else "0700", "--tmpfs", str(scratch)]
        args += ["--chdir", str(scratch)]
        for key, value in sorted(env.items()):
            args += ["--setenv", key, value]
        launcher = [sys.executable, "-I", "-S", str(Path(__file__).resolve())]
        args += ["--remount-ro", "/", "--"]
        if root:
            args += launcher + ["--drop", f"{self.uid}:{self.gid}", "--"]
        args += ["/bin/sh", "-c", f'cp -R {SEED}/. . && exec "$@"', "sh"]
        outside = launcher + ["--own", f"{sockets}:{self.uid}:{self.gid}", "--readable", str(scratch)]
        bpf = seccomp_filter()
        if bpf:
            outside += ["--seccomp", bpf.hex()]
        outside += [x for path in self.cgroup for x in ("--join", path)]
        return outside + ["--"] + args + cmd

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
        return _check_bwrap(program)
    probe = [kind, "info"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"{program} failed: {e}"
    if done.returncode != 0:
        return False, f"{program} cannot start a sandbox here: {done.stderr.strip()[:200]}"
    return True, program


def _check_bwrap(program: str) -> tuple[bool, str]:
    """Start a real sandbox, as a kernel would be started, and look at who runs inside it."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cg-check-") as tmp:
        scratch, sockets = Path(tmp, "scratch"), Path(tmp, "sockets")
        scratch.mkdir()
        sockets.mkdir()
        cmd = Sandbox("bwrap").wrap(["/bin/sh", "-c", "id -u; grep CapEff /proc/self/status"], {"PATH": "/usr/bin:/bin"},
                                    scratch, sockets)
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            return False, f"{program} failed: {e}"
    if done.returncode != 0:
        return False, f"{program} cannot start a sandbox here: {done.stderr.strip()[-300:]}"
    lines = done.stdout.split()
    host = f"host uid {UID} (the grader runs as root)" if os.geteuid() == 0 else f"the grader's uid {os.geteuid()}"
    caps = "no capabilities" if lines[-1:] == ["0000000000000000"] else f"capabilities {lines[-1:]}"
    seccomp = "a seccomp filter" if seccomp_filter() else "NO seccomp filter (pip install pyseccomp; needs libseccomp.so.2)"
    return True, f"{program}; the kernel runs as uid {lines[0]} inside, {host} outside, {caps}, {seccomp}"


def lock(folder: Path) -> None:
    """Take the sockets folder back from the kernel once its sockets are made: nothing more can be
    written there (as root: owned by the grader again; otherwise only read-only, see docs/GRADING.md)."""
    if os.geteuid() == 0:
        os.chown(folder, 0, 0)
    os.chmod(folder, 0o755 if os.geteuid() == 0 else 0o555)


def remove(folder: Path) -> None:
    """Remove a sockets folder (made writable again first: a grader that is not root locked it)."""
    try:
        os.chmod(folder, 0o700)
    except OSError:
        pass
    shutil.rmtree(folder, ignore_errors=True)


def launch(argv: list[str]) -> None:
    """``python sandbox.py [--join PROCS]... [--own DIR:U:G] [--readable DIR] [--drop U:G] -- COMMAND``:
    outside the sandbox (as the grader), join the submission's cgroups, give the kernel its sockets
    folder and make the prepared scratch folder readable to it, then start bubblewrap; inside it
    (``--drop``, when the grader is root) drop to the unprivileged uid/gid and start the kernel."""
    split = argv.index("--")
    pairs, command = list(zip(argv[:split:2], argv[1:split:2])), argv[split + 1:]
    for key, value in pairs:
        if key == "--seccomp":  # handed to bubblewrap, which loads it just before it starts the command
            fd = os.memfd_create("seccomp", 0)
            os.write(fd, bytes.fromhex(value))
            os.lseek(fd, 0, os.SEEK_SET)
            os.set_inheritable(fd, True)
            command = command[:1] + ["--seccomp", str(fd)] + command[1:]
        elif key == "--join":
            with open(value, "w") as f:
                f.write(str(os.getpid()))
        elif key == "--own" and os.geteuid() == 0:
            folder, uid, gid = value.rsplit(":", 2)
            for path in [folder] + [os.path.join(folder, n) for n in os.listdir(folder)]:
                os.chown(path, int(uid), int(gid), follow_symlinks=False)
        elif key == "--readable":
            for top, _, files in os.walk(value):
                for name in [top] + [os.path.join(top, f) for f in files]:
                    if not os.path.islink(name):
                        os.chmod(name, os.stat(name).st_mode | 0o444 | (0o111 if name == top else 0))
        elif key == "--drop":
            uid, gid = (int(x) for x in value.split(":"))
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            if os.geteuid() == 0 or os.getegid() == 0:
                raise SystemExit("the sandbox could not drop root")
    os.execvp(command[0], command)


if __name__ == "__main__":
    launch(sys.argv[1:])
