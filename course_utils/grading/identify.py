"""Which chapter a notebook is, from its content, whatever its file is called.

``course release`` stamps every student notebook (``metadata.course_utils``: the course id and the
chapter). A notebook is identified by its stamp, checked against the graded cells it holds; an
unstamped one (a notebook from before the stamp, or one whose metadata an editor dropped) by its
graded cells alone. A chapter's *own* cells are its solution and graded cells whose grade_ids no
other chapter uses (``intro``, ``setup`` and the like are shared and say nothing)."""

from __future__ import annotations

from pathlib import Path

from .course import _flags, grade_id

KEY = "course_utils"  # the notebook metadata key of the stamp


def stamp(nb, course: str, chapter: str) -> None:
    """Write the course and chapter into a student notebook's metadata."""
    nb.metadata[KEY] = {"course": course, "chapter": chapter}


def stamp_file(path: Path, course: str, chapter: str) -> None:
    """Stamp the student notebook at ``path`` (``course release`` does, for each chapter)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    stamp(nb, course, chapter)
    nbformat.write(nb, str(path))


def graded_ids(nb) -> set[str]:
    """The grade_ids of a notebook's solution and graded cells."""
    return {grade_id(c) for c in nb.get("cells", []) if grade_id(c) and
            (_flags(c).get("solution") or _flags(c).get("grade"))}


def own_cells(sources: dict) -> dict[str, set[str]]:
    """``{chapter: the graded grade_ids no other chapter has}`` from ``{chapter: source notebook}``."""
    ids = {ch: graded_ids(nb) for ch, nb in sources.items()}
    return {ch: mine - set().union(*(v for k, v in ids.items() if k != ch)) for ch, mine in ids.items()}


class Identifier:
    """Identifies notebooks as chapters of one course."""

    def __init__(self, course: str, sources: dict):
        self.course, self.own = course, own_cells(sources)

    @classmethod
    def for_course(cls, root: Path, chapters: list[str]) -> Identifier:
        from .course import course_id, read_notebook

        return cls(course_id(root), {ch: read_notebook(root / "solutions" / ch / f"{ch}.ipynb") for ch in chapters})

    def identify(self, nb) -> tuple[str | None, str]:
        """``(chapter, "")``, or ``(None, why)`` for a notebook that matches no chapter or several."""
        held = graded_ids(nb)
        matches = sorted(ch for ch, own in self.own.items() if held & own)
        mark = nb.get("metadata", {}).get(KEY) or {}
        stamped = mark.get("chapter") if isinstance(mark, dict) and mark.get("course") == self.course else None
        if stamped in self.own and set(matches) <= {stamped}:
            return stamped, ""
        if stamped in self.own:
            return None, (f"stamped as {stamped} but holds graded cells of {', '.join(m for m in matches if m != stamped)}"
                          ": cells of two chapters")
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, f"holds graded cells of {len(matches)} chapters ({', '.join(matches)})"
        return None, (f"no stamp of this course ({self.course}) and none of the graded cells of its chapters "
                      f"({', '.join(self.own)})")
