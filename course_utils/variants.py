"""Every student their own variant of a chapter's questions.

A student declares their id once per notebook (``cu.student("s1234567")``, in the cell after the
set-up cell); from it, the chapter and the course key (``course_id:salt`` of the course config,
written into each set-up cell by ``course release``: ``cu.use_course(COURSE_KEY)``) comes a
**variant seed** (HMAC-SHA256), and from the seed each varied question draws its own things: the
order and letters of its options (:class:`Options`), its numbers (:class:`Params`). Without an id
(a first look, CI, ``nbgrader validate``) the notebook is **variant 0**: options in the order the
chapter lists them, every number the first of its choices — the notebook as written.

The grader decides the variant, never the notebook: in the checker kernel (where the tests run)
the student is the one the grader names (``COURSE_VARIANT_STUDENT``, with ``COURSE_VARIANT_KEY``),
whatever the student's kernel declared. Question objects are lazy: every value is drawn when it is
used, from whoever the kernel's student is then.

Nothing here knows an answer. A hidden test holds the key in variant-0 terms and translates it to
the graded student's letters with :meth:`Options.key`; numeric answers are computed by the test
from :attr:`Params.values`. (A student can compute any id's variant, as their kernel must compute
their own: what varies stops answers being passed on as they are, not a student who works out a
classmate's variant to translate them; see docs/VARIANTS.md.)
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import os
import re
import string
from collections.abc import Iterable, Mapping, Sequence

DEFAULT_KEY = "bert-finetuning"
STUDENT_ENV, KEY_ENV = "COURSE_VARIANT_STUDENT", "COURSE_VARIANT_KEY"   # set by the grader, checker kernel only

_declared: str | None = None    # cu.student(...) in this kernel
_course_key: str | None = None  # cu.use_course(...) in this kernel
_graded: str | None = None      # a test harness's stand-in for the grader's environment (see grade_as)


class VariantError(ValueError):
    """A student id or a question definition that cannot be used."""


def normalise_id(student_id) -> str | None:
    """The id as compared and hashed: surrounding spaces dropped, case folded; ``None`` when empty."""
    if student_id is None:
        return None
    if not isinstance(student_id, str | int):
        raise VariantError(f"a student id is a string such as 's1234567'; got {type(student_id).__name__}")
    text = str(student_id).strip().casefold()
    if any(c.isspace() for c in text):
        raise VariantError(f"a student id has no spaces: {student_id!r}")
    return text or None


def use_course(key: str) -> None:
    """The course key of this kernel (the set-up cell's ``COURSE_KEY``)."""
    global _course_key
    _course_key = str(key)


def student(student_id: str | None = "") -> None:
    """Declare who is working on this notebook: from now on every question of this kernel shows the
    student's own variant. Without an id (``""``) the notebook shows variant 0, the shared one, which
    is not what your answers are graded against."""
    global _declared
    _declared = normalise_id(student_id)
    if _declared is None:
        print("No student id: you see variant 0, the shared version of the questions. Before you answer, write "
              "your id between the quotes and run this cell again (your answers are graded on your own variant).")
    else:
        print(f"Student {_declared}: the questions below are your own variant. If you change the id, run the "
              "cells below again (their text changes with it).")


def current_student() -> str | None:
    """Whose variant this kernel computes: the grader's student where the grader says (the checker),
    else the id this kernel declared."""
    if _graded is not None:
        return _graded or None
    if STUDENT_ENV in os.environ:
        return normalise_id(os.environ[STUDENT_ENV])
    return _declared


def current_key() -> str:
    if KEY_ENV in os.environ:
        return os.environ[KEY_ENV]
    return _course_key or DEFAULT_KEY


def grade_as(student_id: str | None, key: str | None = None) -> None:
    """What the grader's environment does, for a kernel a test harness controls: compute every
    variant for ``student_id`` (``""``: variant 0), whatever the kernel declared. ``None`` undoes it."""
    global _graded
    _graded = None if student_id is None else (normalise_id(student_id) or "")
    if key is not None:
        use_course(key)


def seed_of(chapter: str, student_id: str | None, key: str | None = None) -> bytes | None:
    """The variant seed of a student for a chapter (``None``: variant 0)."""
    sid = normalise_id(student_id)
    if sid is None:
        return None
    key = current_key() if key is None else key
    return hmac.new(key.encode(), f"{chapter}\0{sid}".encode(), hashlib.sha256).digest()


def variant_label(chapter: str, student_id: str | None, key: str | None = None) -> str:
    """A short name of a variant for tables: ``"0"``, or ``v`` and 8 hex digits of its seed (the ``v``
    keeps a spreadsheet from reading ``12e34567`` as a number)."""
    seed = seed_of(chapter, student_id, key)
    return "0" if seed is None else "v" + seed.hex()[:8]


class _Stream:
    """Deterministic integers from a seed and a name (the same on every machine and Python)."""

    def __init__(self, seed: bytes, name: str):
        self.seed, self.name, self.count = seed, name, 0

    def below(self, n: int) -> int:
        if n <= 1:
            return 0
        limit = (2**64 // n) * n  # rejection sampling: no modulo bias
        while True:
            self.count += 1
            block = hmac.new(self.seed, f"{self.name}\0{self.count}".encode(), hashlib.sha256).digest()
            x = int.from_bytes(block[:8], "big")
            if x < limit:
                return x % n

    def permutation(self, n: int) -> list[int]:
        order = list(range(n))
        for i in range(n - 1, 0, -1):  # Fisher-Yates
            j = self.below(i + 1)
            order[i], order[j] = order[j], order[i]
        return order


class Variant:
    """One chapter's variant, resolved whenever it is used (see the module docstring)."""

    def __init__(self, chapter: str):
        self.chapter = chapter

    @property
    def student(self) -> str | None:
        return current_student()

    @property
    def seed(self) -> bytes | None:
        return seed_of(self.chapter, self.student)

    @property
    def label(self) -> str:
        return variant_label(self.chapter, self.student)

    def stream(self, name: str) -> _Stream | None:
        seed = self.seed
        return None if seed is None else _Stream(seed, name)

    def permutation(self, name: str, n: int) -> list[int]:
        """A permutation of ``range(n)`` for the question ``name`` (the identity in variant 0)."""
        s = self.stream(name)
        return list(range(n)) if s is None else s.permutation(n)

    def pick(self, name: str, choices: Sequence):
        """One of ``choices`` for the question ``name`` (the first in variant 0)."""
        if not choices:
            raise VariantError(f"{name}: nothing to choose from")
        s = self.stream(name)
        return choices[0] if s is None else choices[s.below(len(choices))]

    def options(self, name: str, items: Sequence[str], labels: str | Sequence[str] = string.ascii_lowercase,
                fixed: Iterable[int] = ()) -> Options:
        return Options(self, name, items, labels, fixed)

    def params(self, name: str, **choices: Sequence) -> Params:
        return Params(self, name, choices)

    def __repr__(self) -> str:
        return f"Variant({self.chapter!r}, student={self.student!r}, label={self.label!r})"


def variant(chapter: str) -> Variant:
    """The variant of ``chapter`` for this kernel's student (resolved at each use)."""
    return Variant(chapter)


VARIANT_OUTPUT = "course_variant"  # display metadata of a variant's text: the grader shows the checker's copy


def _show(markdown: str) -> None:
    try:
        from IPython.display import Markdown, display
    except ImportError:  # plain Python
        print(markdown)
    else:
        display(Markdown(markdown), metadata={VARIANT_OUTPUT: current_student() or "0"})


class Options:
    """A question's options, shown with labels (a, b, c, … by default) in the variant's order.

    ``items`` are in the chapter's own order: item ``i``'s *canonical* label is ``labels[i]``, the
    label it has in variant 0. ``fixed`` items keep their place (e.g. "none of these" last)."""

    def __init__(self, v: Variant, name: str, items: Sequence[str], labels: str | Sequence[str] = string.ascii_lowercase,
                 fixed: Iterable[int] = ()):
        self.v, self.name, self.items = v, name, list(items)
        self.labels = list(labels)[:len(self.items)]
        if len(self.labels) < len(self.items):
            raise VariantError(f"{name}: {len(self.items)} options but only {len(self.labels)} labels")
        if len(set(self.labels)) != len(self.labels):
            raise VariantError(f"{name}: labels repeat")
        self.fixed = sorted(set(fixed))

    def order(self) -> list[int]:
        """Canonical indices in the order shown: ``order()[k]`` is the item shown at place ``k``."""
        free = [i for i in range(len(self.items)) if i not in self.fixed]
        perm = self.v.permutation(self.name, len(free))
        out, shuffled = [], iter([free[p] for p in perm])
        for i in range(len(self.items)):
            out.append(i if i in self.fixed else next(shuffled))
        return out

    def _canonical_index(self, item) -> int:
        if isinstance(item, int) and not isinstance(item, bool):
            if not 0 <= item < len(self.items):
                raise VariantError(f"{self.name}: no option number {item}")
            return item
        if item in self.labels:
            return self.labels.index(item)
        raise VariantError(f"{self.name}: no option {item!r} (canonical labels {''.join(map(str, self.labels))})")

    def label(self, item) -> str:
        """The label shown for an option given by its canonical label or index."""
        return self.labels[self.order().index(self._canonical_index(item))]

    def canonical(self, shown: str) -> str:
        """The canonical label of the option shown as ``shown``."""
        if shown not in self.labels:
            raise VariantError(f"{self.name}: no option {shown!r}")
        return self.labels[self.order()[self.labels.index(shown)]]

    def key(self, answer):
        """A key in canonical labels (a label, or a list, tuple, set, string of labels, or a dict or
        nested structure of them) as the graded student's labels."""
        if isinstance(answer, Mapping):
            return {k: self.key(a) for k, a in answer.items()}
        if isinstance(answer, list | tuple):
            return type(answer)(self.key(a) for a in answer)
        if isinstance(answer, set | frozenset):
            return type(answer)(self.key(a) for a in answer)
        if isinstance(answer, str) and answer not in self.labels and all(ch in self.labels for ch in answer):
            return "".join(self.label(ch) for ch in answer)  # "CAB": a sequence written as one string
        return self.label(answer)

    def shown(self) -> list[tuple[str, str]]:
        """``[(label, text)]`` in the order shown."""
        return [(self.labels[k], self.items[i]) for k, i in enumerate(self.order())]

    def markdown(self, line: str = "* **({label})** {text}") -> str:
        return "\n".join(line.format(label=lab, text=text) for lab, text in self.shown())

    def show(self, intro: str = "", line: str = "* **({label})** {text}", outro: str = "") -> None:
        _show("\n\n".join(part for part in (intro, self.markdown(line), outro) if part))

    def __repr__(self) -> str:
        return f"Options({self.name!r}, {self.shown()!r})"


class Params:
    """A question's numbers, each drawn from its own choices (the first of each in variant 0)."""

    def __init__(self, v: Variant, name: str, choices: Mapping[str, Sequence]):
        self.v, self.name, self.choices = v, name, {k: list(c) for k, c in choices.items()}
        for k, c in self.choices.items():
            if not c:
                raise VariantError(f"{name}.{k}: nothing to choose from")

    @property
    def values(self) -> dict:
        return {k: self.v.pick(f"{self.name}.{k}", c) for k, c in self.choices.items()}

    def __getattr__(self, attr):
        choices = self.__dict__.get("choices", {})
        if attr in choices:
            return self.v.pick(f"{self.name}.{attr}", choices[attr])
        raise AttributeError(attr)

    def format(self, template: str, **extra) -> str:
        return template.format(**self.values, **extra)

    def show(self, template: str, **extra) -> None:
        _show(self.format(template, **extra))

    def __repr__(self) -> str:
        return f"Params({self.name!r}, {self.values!r})"


def show(markdown: str) -> None:
    """Display Markdown (text built from a variant's values)."""
    _show(markdown)


# -- what the grader reads from a submission (plain text, never run) ---------------------------------

def declared_student(nb) -> str | None:
    """The id a notebook declares: the string in ``STUDENT_ID = "..."`` or ``cu.student("...")`` of its
    first code cell that has one (read with ``ast``, never run); ``None`` when it declares none."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if "student" not in source.lower():
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            value = None
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "STUDENT_ID" for t in node.targets):
                value = node.value
            elif isinstance(node, ast.Call) and node.args and (
                    (isinstance(node.func, ast.Attribute) and node.func.attr == "student")
                    or (isinstance(node.func, ast.Name) and node.func.id == "student")):
                value = node.args[0]
            if isinstance(value, ast.Constant) and isinstance(value.value, str | int):
                try:
                    return normalise_id(value.value)
                except VariantError:
                    return str(value.value)
    return None


def course_key(course_id: str, salt: str = "") -> str:
    """The course key: ``course_id`` and the config's salt (``c.CourseVariants.salt``)."""
    return f"{course_id}:{salt}" if salt else course_id


# -- the notebook's identity cell -----------------------------------------------------------------

ID_LINE = re.compile(r'^STUDENT_ID = "([^"\n]*)"', re.MULTILINE)
IDENTITY_CELL = ('STUDENT_ID = ""  # <- your student id as your course lists it, between the quotes (e.g. "s1234567")\n'
                 "cu.student(STUDENT_ID)  # your own variant of this chapter's questions")


def declare(nb, student_id: str):
    """A copy of notebook ``nb`` whose identity cell declares ``student_id`` (what a student types)."""
    import copy

    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "code" and ID_LINE.search(cell.source):
            cell.source = ID_LINE.sub(lambda _: f"STUDENT_ID = {json.dumps(str(student_id))}", cell.source, count=1)
            return out
    raise VariantError("the notebook has no identity cell (a line STUDENT_ID = \"...\")")
