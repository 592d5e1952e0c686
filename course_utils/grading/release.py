"""``course release [CH...] [--check]``: the student version of each chapter, generated from ``solutions/``."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from .. import colab
from . import keysync
from .course import course_id, course_root, discover_chapters, generate, read_notebook, write_course
from .identify import KEY as STAMP
from .identify import stamp_file

NOISE = {"execution", "ExecuteTime", "collapsed", "scrolled", "trusted", "id"}  # metadata that says nothing


def comparable(cell) -> dict:
    """What of a cell matters for grading: its type, source and metadata (without editors' noise)."""
    meta = {k: v for k, v in cell.get("metadata", {}).items() if k not in NOISE}
    return {"cell_type": cell.cell_type, "source": cell.source, "metadata": meta}


def notebook_differences(expected, actual, shown: int = 3) -> list[str]:
    """What differs for grading: cell types, sources, metadata (ids and outputs ignored)."""
    found = []
    if expected.metadata.get("kernelspec") != actual.metadata.get("kernelspec"):
        found.append("kernelspec differs")
    if expected.metadata.get(STAMP) != actual.metadata.get(STAMP):
        found.append(f"the course stamp (metadata.{STAMP}) differs")
    exp, act = [comparable(c) for c in expected.cells], [comparable(c) for c in actual.cells]
    if len(exp) != len(act):
        found.append(f"{len(exp)} cells expected, {len(act)} committed")
    for i, (e, a) in enumerate(zip(exp, act)):
        if e != a:
            name = e["metadata"].get("nbgrader", {}).get("grade_id") or e["cell_type"]
            what = "source" if e["source"] != a["source"] else "type" if e["cell_type"] != a["cell_type"] else "metadata"
            found.append(f"cell {i} ({name}): {what} differs")
    return found[:shown] + ([f"... and {len(found) - shown} more"] if len(found) > shown else [])


def folder_differences(generated: Path, committed: Path, compare=None) -> list[str]:
    """File by file, a freshly generated release folder against the committed one; notebooks are
    compared by ``compare(expected, actual)`` (default: ``notebook_differences``)."""
    compare = compare or notebook_differences

    def files(folder: Path) -> set[Path]:
        return {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()
                and not {".ipynb_checkpoints", "__pycache__"} & set(p.parts)} if folder.is_dir() else set()

    gen, com = files(generated), files(committed)
    found = [f"{p}: missing from notebooks/" for p in sorted(gen - com)]
    found += [f"{p}: not generated from solutions/" for p in sorted(com - gen)]
    for rel in sorted(gen & com):
        if rel.suffix == ".ipynb":
            found += [f"{rel}: {d}" for d in compare(read_notebook(generated / rel), read_notebook(committed / rel))]
        elif (generated / rel).read_bytes() != (committed / rel).read_bytes():
            found.append(f"{rel}: contents differ")
    return found


def release(root: Path, chapters: list[str] | None = None, check: bool = False) -> dict[str, list[str]]:
    """Generate the student version of each chapter in a temporary course; with ``check``, return
    ``{chapter: differences}`` for the chapters whose ``notebooks/<ch>/`` is out of date, else
    write ``notebooks/<ch>/`` and return ``{}``."""
    chapters = chapters or discover_chapters(root)
    if not check:  # pyproject.toml's repository URL into the set-up cells (and the README's Colab links)
        colab.sync(root, chapters)
        keysync.sync(root, chapters)  # the variants' course key (course config) into the set-up cells
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        folder = write_course(Path(tmp), root, chapters)
        generate(folder, chapters)
        stale = {}
        for ch in chapters:
            generated, committed = folder / "release" / ch, root / "notebooks" / ch
            stamp_file(generated / f"{ch}.ipynb", course_id(root), ch)  # course grade identifies it by this
            if check:
                found = folder_differences(generated, committed)
                if found:
                    stale[ch] = found
            else:
                if committed.exists():
                    shutil.rmtree(committed)
                shutil.copytree(generated, committed)
        return stale


def one_kernel_chapters(root: Path, chapters: list[str]) -> list[str]:
    """Chapters with graded tests but no shared set-up cell: the grader would run their tests in the
    student's kernel, where a submission can change how they run."""
    from .executor import roles  # nbgrader's machinery: loaded only here

    found = []
    for ch in chapters:
        plan = roles(read_notebook(root / "solutions" / ch / f"{ch}.ipynb"))
        if plan["test"] and not plan["setup"]:
            found.append(ch)
    return found


def _bound_names(tree) -> set[str]:
    """Names a cell binds at its top level by ``def``, ``class`` or assignment (imports are not the
    cell's own definitions: the checker imports the same modules itself)."""
    import ast

    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def shared_calls_in_probes(nb) -> list[str]:
    """``"<test grade_id>: <name>"`` for each probe of a test cell that calls a name defined in a
    shared set-up cell: that name would run in the student's kernel, where a submission can rebind
    it (tests must build what they need in the checker and send it as data)."""
    import ast

    from .executor import roles

    plan = roles(nb)
    shared = set()
    for source in plan["setup"].values():
        try:
            shared |= _bound_names(ast.parse(source))
        except SyntaxError:
            continue
    found = []
    for gid, source in plan["test"].items():
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        strings = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                   and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                   for t in n.targets if isinstance(t, ast.Name)}
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                    and call.func.id in ("probe", "probe_raises") and call.args):
                continue
            arg = call.args[0]
            code = arg.value if isinstance(arg, ast.Constant) else strings.get(getattr(arg, "id", None))
            try:
                probed = ast.parse(code) if isinstance(code, str) else None
            except SyntaxError:
                continue
            if probed is None:
                continue
            own = {n.id for n in ast.walk(probed) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            own |= {k.arg for k in call.keywords if k.arg}
            called = {n.func.id for n in ast.walk(probed) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            found += [f"{gid}: {name}" for name in sorted((called & shared) - own) if f"{gid}: {name}" not in found]
    return found


def resolve_chapters(names: list[str] | None, known: list[str]) -> tuple[list[str], list[str]]:
    """Chapter names as typed (``ch03`` for ``ch03_fine_tuning_objective``: a full name or a prefix of
    exactly one chapter) -> (chapters, the names that match none or several)."""
    chapters, bad = [], []
    for name in names or []:
        matches = [name] if name in known else [k for k in known if k.startswith(name)]
        if len(matches) == 1:
            chapters += [m for m in matches if m not in chapters]
        else:
            bad.append(name)
    return chapters, bad


def release_command(args) -> int:
    root = course_root()
    known = discover_chapters(root)
    chapters, unknown = resolve_chapters(args.chapters, known)
    if unknown:
        print(f"unknown or ambiguous chapter(s): {', '.join(unknown)} (chapters: {', '.join(known)})", file=sys.stderr)
        return 2
    chapters = chapters or known
    stale = release(root, chapters, check=args.check)
    if not args.check:
        print(f"regenerated notebooks/ for {len(chapters)} chapter(s): {', '.join(chapters)}")
        return 0
    for ch, found in stale.items():
        print(f"{ch}: notebooks/{ch}/ is out of sync with solutions/{ch}/\n  " + "\n  ".join(found))
    urls = colab.problems(root, chapters)  # set-up cells and README links vs pyproject.toml's Students URL
    if urls:
        print("the student repository URL disagrees with [project.urls] Students in pyproject.toml:\n  " + "\n  ".join(urls))
    keys = keysync.problems(root, chapters)
    if keys:
        print("set-up cells whose variants' key is not the course config's:\n  " + "\n  ".join(keys))
    unshared = one_kernel_chapters(root, chapters)
    if unshared:
        print("chapters whose tests would run in the student's own kernel (no read-only `shared_` set-up cell; "
              "see docs/AUTHORING.md, 'Tests in two kernels'):\n  " + "\n  ".join(unshared))
    shared_calls = [f"{ch}: {f}" for ch in chapters
                    for f in shared_calls_in_probes(read_notebook(root / "solutions" / ch / f"{ch}.ipynb"))]
    if shared_calls:
        print("probes that call a name defined in a shared set-up cell, which runs in the student's kernel where "
              "a submission can rebind it (build it in the checker and send it as data):\n  " + "\n  ".join(shared_calls))
    if stale or urls or keys or unshared or shared_calls:
        print(f"\nrun `{' '.join(['course release', *stale])}` and commit solutions/, notebooks/ and README.md",
              file=sys.stderr)
        return 1
    print(f"notebooks/ is in sync with solutions/ ({len(chapters)} chapter(s))")
    return 0
