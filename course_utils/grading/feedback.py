"""Feedback without the hidden tests: nbgrader's ``generate_feedback`` renders the autograded
notebook, hidden tests included (autograde restores them). Before it renders, the source between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` is replaced by one comment line, and the
traceback frames that quote a hidden line are replaced by a note. Which test failed and its error
name stay; the message stays only when the failing line is visible: a hidden assert's message could
state the expected value for a hidden input, so it is replaced by a note (issue 19: the feedback keeps
the failing test's name and its visible message only; ``course grade --show-hidden-tests`` keeps
everything). The outputs of the
student's cells after the first test are left out too (:func:`drop_student_outputs`)."""

from __future__ import annotations

import re

BEGIN = re.compile(r"^\s*#+\s*BEGIN HIDDEN TESTS\s*$")
END = re.compile(r"^\s*#+\s*END HIDDEN TESTS\s*$")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HIDDEN_NOTE = "# (hidden tests: not shown in the feedback)"
HIDDEN_FRAME = "(in a hidden test: its source is not shown)"
HIDDEN_MESSAGE = "a hidden test failed (its message is not shown in the feedback)"


def split_hidden(source: str) -> tuple[str, list[str]]:
    """``(source without its hidden tests, the hidden lines)``; a block left open runs to the end."""
    kept, hidden, inside = [], [], False
    for line in source.splitlines():
        if not inside and BEGIN.match(line):
            inside = True
            kept.append(line[:len(line) - len(line.lstrip())] + HIDDEN_NOTE)
        elif inside and END.match(line):
            inside = False
        elif inside:
            hidden.append(line)
        else:
            kept.append(line)
    return "\n".join(kept), hidden


def hide_hidden_tests(nb):
    """``nb`` (changed in place and returned) with the hidden tests' source removed from every code
    cell, and from the tracebacks of those cells' errors."""
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or "HIDDEN TESTS" not in cell.get("source", ""):
            continue
        cell["source"], hidden = split_hidden(cell["source"])
        quoted = [line.strip() for line in hidden if len(line.strip()) > 3]
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            frames = [HIDDEN_FRAME if any(q in ANSI.sub("", frame) for q in quoted) else frame
                      for frame in out.get("traceback", [])]
            if HIDDEN_FRAME in frames:  # it failed in a hidden test: its name stays, its message does not
                out["evalue"] = HIDDEN_MESSAGE
                frames = [f for f in frames[:-1] if HIDDEN_FRAME not in f] + [HIDDEN_FRAME,
                                                                               f"{out.get('ename', 'Error')}: {HIDDEN_MESSAGE}"]
            out["traceback"] = frames
    return nb


CHECKER_OUTPUTS = "checker_outputs"  # cell metadata (course.<this>) the executor sets: the outputs are the checker's
STUDENT_OUTPUT_NOTE = "(the output of your cells after the first test is not shown in the feedback)"


def drop_student_outputs(nb):
    """``nb`` (changed in place and returned) without the outputs of the cells that ran in the
    student's kernel after the first graded test cell: from then on the student's kernel has seen
    the tests' probes (hidden inputs included), and anything it printed could show them. The test
    cells' own outputs (from the checker) stay, and so do the shared cells' variant texts, which the
    executor took from the checker (the student's own variant, as graded)."""
    seen_test = False
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            seen_test = True
        elif cell.get("metadata", {}).get("course", {}).get(CHECKER_OUTPUTS):
            continue  # a shared cell's variant text, as the checker showed it (the executor sets this)
        elif seen_test and cell.get("outputs"):
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": STUDENT_OUTPUT_NOTE + "\n"}]
    return nb


def feedback_preprocessors() -> list:
    """nbgrader's ``GenerateFeedback.preprocessors`` with the hidden tests removed after the grades
    are read (``GetGrades`` finds cells by their grade_id, not their source)."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
    from nbgrader.preprocessors import GetGrades

    class HideHiddenTests(Preprocessor):
        def __call__(self, nb, resources):  # always on (nbconvert's preprocessors start disabled)
            return self.preprocess(nb, resources)

        def preprocess(self, nb, resources):
            return drop_student_outputs(hide_hidden_tests(nb)), resources

    return [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
