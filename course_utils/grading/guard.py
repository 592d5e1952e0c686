"""The guard that runs inside the student's kernel (an IPython start-up file) and what it reports."""

from __future__ import annotations

import ast
import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path

from .course import _flags
from .submissions import END_MARK


def _kernel_guard(spec_path):
    """Installed by an IPython start-up file before the first cell; its source is copied there, so
    it imports only the standard library and keeps its state in this closure.

    * An audit hook (it cannot be removed) refuses writes outside ``spec["writable"]`` and starting
      programs, and reports both.
    * Before every statement of a test cell (and at the end of the notebook) it compares the public
      functions and classes of the modules the chapter imports, their submodules and the builtins
      with the originals taken here, puts back any that changed and reports it (the submission then
      scores 0); the names the chapter's imports bind (``torch``, ``F``, ...) are put back too.
    * Its report must start and end (the grader's last cell): one cut short also scores 0.
    """
    import builtins
    import importlib
    import json
    import linecache
    import os
    import sys
    import types

    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    report_fd = os.open(spec["report"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(report_fd, b'{"event": "start"}\n')
    writable = [os.path.realpath(p) for p in spec["writable"]] + ["/dev/null"]
    sealed = {os.path.realpath(spec["report"]), os.path.realpath(spec_path)}
    tests = {s.strip() for s in spec["tests"]}
    busy = []
    missing = object()
    end_mark = spec["end_mark"]
    # names IPython and ipykernel themselves set and reset around each cell
    skip_builtins = {"exit", "quit", "get_ipython", "display", "help", "copyright", "credits", "license", "_",
                     "input", "raw_input", "getpass"}

    def note(event, **info):
        os.write(report_fd, (json.dumps({"event": event, **info}) + "\n").encode())

    def take(owner, label, skip=()):
        names = vars(owner)
        return [[owner, names, f"{label}.{k}", k, v, v.__code__ if isinstance(v, types.FunctionType) else None]
                for k, v in list(names.items())
                if k not in skip and (not k.startswith("_") or owner is builtins)
                and (callable(v) or isinstance(v, types.ModuleType))]

    modules = {}
    for name in spec["modules"]:
        try:
            modules[name] = importlib.import_module(name)
        except Exception as e:  # noqa: BLE001  (a module the chapter cannot import is not ours to protect)
            note("guard_note", detail=f"cannot import {name}: {e}")
    for name in list(sys.modules):
        if name.split(".")[0] in spec["packages"] and isinstance(sys.modules[name], types.ModuleType):
            modules.setdefault(name, sys.modules[name])
    originals = take(builtins, "builtins", skip_builtins)
    for name, module in modules.items():
        originals += take(module, name)
    torch = modules.get("torch")
    if torch is not None:
        originals += take(torch.Tensor, "torch.Tensor")
    aliases = {a: modules[m] for a, m in spec["aliases"].items() if m in modules}
    user_ns = get_ipython().user_ns  # noqa: F821  (IPython runs this file with get_ipython available)

    libraries = tuple(os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})

    def library_wrapper(new, old):
        """A library wrapping a function later (``torch._dynamo`` wraps ``torch.manual_seed``)."""
        code = getattr(new, "__code__", None)
        return getattr(new, "__wrapped__", None) is old and code is not None \
            and os.path.realpath(code.co_filename).startswith(libraries)

    def restore():
        """Put back every original that changed; their names."""
        changed = []
        for entry in originals:
            owner, names, label, key, value, code = entry
            now = names.get(key, missing)
            if now is value and (code is None or value.__code__ is code):
                continue
            if now is not value and library_wrapper(now, value):
                entry[4], entry[5] = now, now.__code__
                continue
            changed.append(label)
            if code is not None:
                value.__code__ = code
            if isinstance(names, dict):
                names[key] = value
            else:  # a class: its namespace is read-only, setattr goes through type.__setattr__
                setattr(owner, key, value)
        return changed

    def check(code):
        lines = linecache.cache.get(code.co_filename)
        source = "".join(lines[2]).strip() if lines else ""
        ending = end_mark in source
        if source not in tests and not ending:
            return
        first_line = source.splitlines()[0][:80]
        try:
            changed = restore()
            if changed:
                note("tamper", what=sorted(set(changed))[:10], cell=first_line)
            for alias, module in aliases.items():
                if alias in user_ns and user_ns[alias] is not module:
                    note("rebound", what=alias, cell=first_line)
                    user_ns[alias] = module
        finally:
            if ending:
                note("end")

    def refuse(event, what):
        note(event, what=str(what)[:200])
        raise PermissionError(f"grading: {what} is not allowed while grading")

    def is_writable(path):
        path = os.path.realpath(os.fsdecode(path))
        if path in sealed:
            return False
        return any(path == root or path.startswith(root + os.sep) for root in writable)

    def check_write(path):
        if path is None or isinstance(path, int) or is_writable(path):
            return
        if "__pycache__" in os.fsdecode(path):  # bytecode caches: refused quietly
            raise PermissionError("grading: no bytecode caches outside the submission's folder")
        refuse("blocked_write", os.path.realpath(os.fsdecode(path)))

    write_events = {"os.remove", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown", "os.utime",
                    "shutil.rmtree", "os.symlink", "os.link", "os.rename", "shutil.copyfile", "shutil.copytree",
                    "shutil.move", "os.setxattr", "os.removexattr", "os.chflags", "os.mkfifo", "os.mknod"}
    program_events = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                      "os.forkpty", "pty.spawn"}
    introspection = {"gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys.settrace", "sys.setprofile"}

    def targets(event, args):
        """The paths an event would change."""
        if event == "open":
            path, mode, flags = args
            if mode is None and not isinstance(path, int) and os.path.isdir(path):
                return [path]  # a directory handle (os.open) would let dir_fd= reach outside
            writes = (mode is not None and any(ch in mode for ch in "wax+")) or \
                     (mode is None and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
            return [path] if writes else []
        if event in ("os.rename", "shutil.move", "os.link"):  # a hard link to a file can change it
            return [args[0], args[1]]
        if event in ("shutil.copyfile", "shutil.copytree", "os.symlink"):
            return [args[1]]
        if event == "os.truncate" and args and args[0] == report_fd:
            return [spec["report"]]
        return [args[0]] if args else []

    def hook(event, args):
        if busy:
            return
        busy.append(1)
        try:
            if event == "exec":
                code = args[0]
                if isinstance(code, types.CodeType) and "ipykernel_" in code.co_filename:
                    try:
                        check(code)
                    except Exception as e:  # noqa: BLE001  (a bug here must not fail the student's cell)
                        note("guard_error", what=f"{type(e).__name__}: {e}")
            elif event == "open" or event in write_events:
                for path in targets(event, args):
                    check_write(path)
            elif event in program_events:
                refuse("blocked_program", args[0] if args else event)
            elif event in introspection and "ipykernel_" in sys._getframe(1).f_code.co_filename:
                refuse("blocked_introspection", event)
        finally:
            busy.pop()

    sys.addaudithook(hook)
    note("ready", cwd=os.getcwd(), protected=len(originals))


UNGUARDED = {"sys", "os", "subprocess", "signal", "IPython"}  # IPython swaps sys's hooks around each cell


def guard_spec(source_nb, tests: list[str], report: Path, writable: list[Path]) -> dict:
    """What ``_kernel_guard`` protects for one chapter: the modules the chapter's own cells import
    (all but the solutions; hidden tests included) and the names they bind, the test cells'
    sources, where writes may go."""
    modules, aliases = set(), {}
    for cell in source_nb.cells:
        if cell.cell_type != "code" or _flags(cell).get("solution"):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    modules.add(a.name)
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module)
    modules = {m for m in modules if m.split(".")[0] not in UNGUARDED}
    aliases = {a: m for a, m in aliases.items() if m.split(".")[0] not in UNGUARDED}
    packages = sorted({m.split(".")[0] for m in modules})
    extra = [m for m, pkg in (("torch.testing", "torch"), ("numpy.testing", "numpy")) if pkg in packages]
    return {"modules": sorted(modules | set(packages) | set(extra)), "packages": packages, "aliases": aliases,
            "tests": tests, "end_mark": END_MARK, "report": str(report), "writable": [str(p) for p in writable]}


def write_startup(ipython_dir: Path) -> None:
    """An IPython profile whose start-up file installs ``_kernel_guard`` (``COURSE_GUARD_SPEC``)."""
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    source = inspect.getsource(_kernel_guard)
    (startup / "00-course-grading-guard.py").write_text(
        f"{source}\n\nimport os as _os\n"
        "try:\n    _kernel_guard(_os.environ['COURSE_GUARD_SPEC'])\n"
        "finally:\n    del _kernel_guard, _os\n", encoding="utf-8")


@dataclass
class GuardReport:
    started: bool = False
    ended: bool = False
    tampered: list[str] = field(default_factory=list)
    rebound: list[str] = field(default_factory=list)
    blocked_writes: list[str] = field(default_factory=list)
    blocked_programs: list[str] = field(default_factory=list)
    introspection: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_guard_report(path: Path) -> GuardReport:
    report = GuardReport()
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        kind, what = event.get("event"), event.get("what")
        if kind == "start":
            report.started = True
        elif kind == "end":
            report.ended = True
        elif kind == "tamper":
            report.tampered += [f"{w} (found before: {event.get('cell')})" for w in what if w not in str(report.tampered)]
        elif kind == "rebound" and what not in report.rebound:
            report.rebound.append(what)
        elif kind == "blocked_write" and what not in report.blocked_writes:
            report.blocked_writes.append(what)
        elif kind == "blocked_program":
            report.blocked_programs.append(what)
        elif kind == "blocked_introspection":
            report.introspection.append(what)
        elif kind == "guard_error" and what not in report.errors:
            report.errors.append(what)
    return report


def guard_problems(report: GuardReport, graded: bool) -> list[tuple[str, str]]:
    rows = []
    if report.tampered:
        rows.append(("checks_tampered", "replaced functions the tests check with: " + "; ".join(report.tampered[:5])
                     + ". The originals were put back before every statement; the chapter scores 0 (review by hand)"))
    if graded and not (report.started and report.ended):
        rows.append(("checks_tampered", ("the grader's integrity report is missing or was cut off before the end "
                                         "of the notebook: the chapter scores 0 (review by hand)")))
    if report.errors:
        rows.append(("guard_error", f"the grader's check failed ({'; '.join(report.errors[:2])}): please report"))
    if report.rebound:
        rows.append(("rebound_names", (f"rebound names the tests use ({', '.join(report.rebound)}); "
                     "the tests ran with the originals")))
    if report.blocked_writes:
        rows.append(("write_outside", (f"tried to write outside its own folder: {', '.join(report.blocked_writes[:5])}; "
                     "refused (nothing outside the submission's folder was changed)")))
    if report.blocked_programs:
        rows.append(("started_program", f"tried to start programs ({', '.join(report.blocked_programs[:3])}); refused"))
    if report.introspection:
        rows.append(("grader_introspection", f"called {', '.join(sorted(set(report.introspection)))}; refused"))
    return rows


def must_zero(report: GuardReport) -> bool:
    """After a completed run: checks replaced, or the guard's report missing or cut short."""
    return bool(report.tampered) or not (report.started and report.ended)
