"""The grader decides the variant, never the notebook (issue 22, item 3).

* ``declared_student`` reads the id a notebook declares as text (``ast``), never running it.
* ``grade_one.identity``: the variant is always the folder's student's; a notebook declaring another id
  gets an ``identity_mismatch`` row, one declaring none an ``identity_missing`` row.
* A real ``course grade`` of a tiny chapter with one varied question: the honest student keeps the
  point; a classmate's notebook copied as is, a notebook that tells its own kernel (environment
  variable, ``grade_as``) to be another student, and one with no id answering variant 0 all lose it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import nbformat
import pytest
from grading.test_grade_cli import LIMITS, _cell, course_cli, released

from course_utils import variants
from course_utils.grading.grade_one import identity
from course_utils.grading.keysync import configured_key
from course_utils.grading.submissions import Submission

REPO = Path(__file__).resolve().parents[2]
TINY = "ch00_variant"
OPTIONS = ["the parameters of the encoder after pre-training", "the parameters of the prediction network",
           "the pooled vector of each input", "the task's label", "the attention mask", "the token ids"]


def nb_with(*sources: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


@pytest.mark.parametrize(("sources", "declared"), [
    (['STUDENT_ID = "S123"  # mine', "cu.student(STUDENT_ID)"], "s123"),
    (['STUDENT_ID = ""', "cu.student(STUDENT_ID)"], None),
    (["import course_utils as cu\ncu.student('ab7')"], "ab7"),
    (["STUDENT_ID = os.environ['X']\ncu.student(STUDENT_ID)"], None),  # not a literal: nothing declared
    (["def f(:\n  pass", 'STUDENT_ID = "late"'], "late"),  # a cell that does not parse is skipped
])
def test_declared_student(sources, declared) -> None:
    assert variants.declared_student(nb_with(*sources)) == declared


class _Master:  # what identity() reads of the class-wide course
    def __init__(self, folder: Path, release):
        self.folder, self.releases = folder, {TINY: release}


def test_identity_rows(tmp_path) -> None:
    (tmp_path / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    release = nb_with('import course_utils as cu', variants.IDENTITY_CELL)
    master, key = _Master(tmp_path, release), configured_key(REPO)
    sub = Submission("S77", TINY, tmp_path / "x.ipynb", "x.ipynb")
    want = variants.variant_label(TINY, "s77", key)
    assert want not in ("0", variants.variant_label(TINY, "s78", key))
    assert identity(variants.declare(release, "s77"), sub, master) == (want, [])
    label, rows = identity(variants.declare(release, "s78"), sub, master)
    assert label == want and [r[0] for r in rows] == ["identity_mismatch"] and "'s78'" in rows[0][1]
    label, rows = identity(release, sub, master)
    assert label == want and [r[0] for r in rows] == ["identity_missing"]
    # a chapter without an identity cell has no variants: everyone has variant 0, nothing to compare
    assert identity(nb_with("x = 1"), sub, _Master(tmp_path, nb_with("import course_utils"))) == ("0", [])


def variant_chapter():
    setup = ('import course_utils as cu\nCOURSE_KEY = "bert-finetuning:2026"  # written by `course release`\n'
             "cu.use_course(COURSE_KEY)")
    shared = ("import course_utils as cu\nfrom course_utils.probe import probe\n"
              f"q = cu.variant({TINY!r}).options('q', {OPTIONS!r})\nq.show('Which one is omega?')\n"
              f"q2 = cu.variant({TINY!r}).options('q2', {OPTIONS!r})\nq2.show('Which one is y?')")
    cells = [_cell("code", setup, "setup", locked=True), nbformat.v4.new_code_cell(variants.IDENTITY_CELL),
             _cell("code", shared, "shared_q", locked=True)]
    for q, name, right in (("q", "answer", "b"), ("q2", "second", "d")):  # two varied questions, a point each
        test = (f'"""Question {q}."""\nassert isinstance(probe("{name}"), str), "{name} is one letter"\n'
                f'### BEGIN HIDDEN TESTS\nassert probe("{name}") == {q}.key("{right}"), "not the right option"\n'
                '### END HIDDEN TESTS')
        cells += [_cell("code", f'# {name} = "?"\n### BEGIN SOLUTION\n{name} = {q}.key("{right}")\n### END SOLUTION',
                        f"{q}_answer", solution=True),
                  _cell("code", test, f"test_{q}", grade=True, points=1, locked=True)]
        cells[-1].metadata["course"] = {"varies": {"answer": f"{q}_answer", "distinct": 6}}
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def answering(release, student: str | None, letters: tuple[str, str], before: str = ""):
    """The release as a student hands it in: ``student`` declared (None: left empty), ``letters`` typed."""
    nb = variants.declare(release, student) if student else nbformat.from_dict(release)
    typed = {"q_answer": f"answer = {letters[0]!r}", "q2_answer": f"second = {letters[1]!r}"}
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") in typed:
            cell.source = typed[cell.metadata.nbgrader.grade_id]
        elif variants.ID_LINE.search(cell.source):
            cell.source = before + cell.source
    return nb


@pytest.mark.slow
def test_grader_decides_the_variant(tmp_path) -> None:
    """Graded as the folder's student, whatever the notebook declares or tells its own kernel."""
    root = tmp_path / "course"
    (root / "solutions" / TINY).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text(encoding="utf-8"), encoding="utf-8")
    nbformat.write(variant_chapter(), str(root / "solutions" / TINY / f"{TINY}.ipynb"))
    release = released(root, TINY, tmp_path)
    key = configured_key(REPO)

    def right(sid: str | None) -> tuple[str, str]:
        variants.grade_as(sid or "", key)
        try:
            return (variants.variant(TINY).options("q", OPTIONS).key("b"),
                    variants.variant(TINY).options("q2", OPTIONS).key("d"))
        finally:
            variants.grade_as(None)

    honest, copier, liar, nameless = "s2400117", "s2419033", "s2471902", "s2500000"
    for k in (0, 1):  # every other student's right letter differs from the one each of them hands in
        assert right(honest)[k] not in (right(copier)[k], right(liar)[k]) and right(None)[k] != right(nameless)[k]
    pretend = (f"import os\nos.environ['COURSE_VARIANT_STUDENT'] = {honest!r}\n"
               f"import course_utils.variants as _v\n_v.grade_as({honest!r})\n")
    class_ = {honest: answering(release, honest, right(honest)),
              copier: answering(release, honest, right(honest)),              # the honest notebook, as is
              liar: answering(release, liar, right(honest), before=pretend),  # its own id, another's answers
              nameless: answering(release, None, right(None))}                # no id, variant 0's answer
    subs = tmp_path / "submissions"
    for sid, nb in class_.items():
        (subs / sid).mkdir(parents=True)
        nbformat.write(nb, str(subs / sid / f"{TINY}.ipynb"))
    out = tmp_path / "out"
    proc = course_cli("grade", subs, "--out", out, "--course", root, *LIMITS)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    grades = {r["student_id"]: float(r["score"]) for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))}
    assert grades == {honest: 2.0, copier: 0.0, liar: 0.0, nameless: 0.0}, grades
    # the similarity report names whose variant the copied answers fit (the course key reaches it)
    copies = {(r["student_a"], r["student_b"]) for r in csv.DictReader(io.StringIO(
        (out / "similarity.csv").read_text(encoding="utf-8"))) if r["kind"] == "variant_copy"}
    assert copies == {(honest, copier), (honest, liar), ("(variant 0)", nameless)}, copies
    problems = {(r["student_id"], r["problem"]) for r in csv.DictReader(io.StringIO((out / "problems.csv").read_text(encoding="utf-8")))}
    assert (copier, "identity_mismatch") in problems and (nameless, "identity_missing") in problems, problems
    assert not {p for p in problems if p[0] in (honest, liar) and p[1].startswith("identity")}, problems
    # the feedback shows the variant graded (the checker's copy of the question), not the one declared
    page = (out / "feedback" / copier / f"{TINY}.html").read_text(encoding="utf-8")
    assert f"<strong>({right(copier)[0]})</strong> {OPTIONS[1]}" in page
    assert f"<strong>({right(honest)[0]})</strong> {OPTIONS[1]}" not in page


def test_feedback_keeps_the_checkers_variant_text() -> None:
    """After the first test, a student cell's output is left out of the feedback; a shared cell's
    variant text, which the executor took from the checker and marked, stays."""
    from course_utils.grading.feedback import CHECKER_OUTPUTS, STUDENT_OUTPUT_NOTE, drop_student_outputs

    def out(text):
        return nbformat.v4.new_output("stream", name="stdout", text=text)

    test = _cell("code", "assert True", "test_a", grade=True, points=1, locked=True)
    shared, student = _cell("code", "q.show()", "shared_q", locked=True), nbformat.v4.new_code_cell("print(x)")
    shared.outputs, student.outputs = [out("(a) one")], [out("a probe's hidden input")]
    shared.metadata["course"] = {CHECKER_OUTPUTS: True}
    nb = drop_student_outputs(nbformat.v4.new_notebook(cells=[test, shared, student]))
    assert nb.cells[1].outputs[0]["text"] == "(a) one"
    assert STUDENT_OUTPUT_NOTE in nb.cells[2].outputs[0]["text"]
