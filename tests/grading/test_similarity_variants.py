"""Shared wrong answers across variants, on the real chapters (course_utils.grading.canonical).

Every varied concept question shows each student its own letters, so two students who hand in the
same wrong answer each in their own letters (a copy translated with ``q.key``, or a wrong idea passed
on) write different text. The similarity report reads answers back into variant-0 terms first.
Students' answers here are made with the *instructor's own* translation (the solution cell run
with its variant-0 literal changed, under the student's variant), not with the code under test.
No notebook is run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from course_utils import variants
from course_utils.grading import similarity as sim
from course_utils.grading.canonical import canonical, concept_spec, normal, variant_objects
from course_utils.grading.course import read_notebook

REPO = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(p.name for p in (REPO / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())
KEY = "bert-finetuning:2026"


def chapter(ch: str):
    """(release answers, solution answers, variant objects, the varied concept questions' grade ids)."""
    release = read_notebook(REPO / "notebooks" / ch / f"{ch}.ipynb")
    source = read_notebook(REPO / "solutions" / ch / f"{ch}.ipynb")
    stubs, solutions = sim.answers(release), sim.answers(source)
    ns = variant_objects(sim.shared_cells(source))
    varied = [g for g, src in solutions.items() if (".key(" in src or ".label(" in src) and concept_spec(src, ns)]
    return stubs, solutions, ns, varied


def mutate(value, k: int):
    """A wrong answer made from the right one (variant-0 terms); ``k`` picks which change."""
    if isinstance(value, list):
        return value[k + 1:] + value[:k + 1]              # rotated
    if isinstance(value, set | frozenset):
        return type(value)(sorted(value)[k + 1:])          # items left out
    if isinstance(value, dict):
        keys = sorted(value)
        if all(type(v) is bool for v in value.values()):
            return {**value, keys[k]: not value[keys[k]], keys[k + 2]: not value[keys[k + 2]]}
        a, b = keys[k], keys[k + 2]
        return {**value, a: value[b], b: value[a]}         # two letters swapped
    raise AssertionError(f"no mutation for {value!r}")


def answer_as(student: str, solution: str, ns: dict, change=None) -> str:
    """The solution cell's answer in ``student``'s own letters (its literals changed by ``change``), as
    the literal cell a student hands in."""
    tree = ast.parse(solution)
    for node in tree.body:
        target = node.targets[0].id
        call = node.value if isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute) else None
        holder = node.value.args if call and call.func.attr == "key" else None
        literal = holder[0] if holder else node.value
        try:
            value = ast.literal_eval(literal)
        except ValueError:
            continue  # the translation line of ch03/ch04's two-step solutions
        new = ast.parse(repr(change(value) if change and value else value), mode="eval").body
        if holder:
            holder[0] = new
        else:
            node.value = new
        assert target
    local = dict(ns)
    variants.grade_as(student, KEY)
    try:
        exec(compile(ast.fix_missing_locations(tree), "<solution>", "exec"), local)  # noqa: S102 (the course's own)
    finally:
        variants.grade_as(None)
    names = [n.targets[0].id for n in tree.body]
    return "\n".join(f"{n} = {local[n]!r}" for n in dict.fromkeys(names))


@pytest.mark.parametrize("ch", CHAPTERS)
def test_right_answers_read_back_as_variant_0(ch):
    """Each id's right answer (the solution run under its variant) reads back as the variant-0 key."""
    _, solutions, ns, varied = chapter(ch)
    assert varied, f"{ch}: no varied concept question found"
    for g in varied:
        spec = concept_spec(solutions[g], ns)
        right = normal({n: v for n, (v, _) in spec.items()})
        shown = {sid: answer_as(sid, solutions[g], ns) for sid in ("s1", "s2", "s3", "s4", "s5")}
        assert len(set(shown.values())) > 1, f"{ch}/{g}: five ids wrote the same letters (not varied?)"
        for sid, text in shown.items():
            assert normal(canonical(sim.literals(text), spec, sid, KEY)) == right, f"{ch}/{g} as {sid}: {text}"


def test_same_wrong_answers_in_own_letters_are_found_across_chapters():
    """ann and bob hand in the same wrong answers, each in their own letters: reported, on every varied
    question. cat's wrong answers are other ones, dan and eve answer right: nobody else is reported. fay
    hands in dan's answers as they are and gus variant 0's: each reported as a variant copy, of whom."""
    class_answers, stubs, solutions, cells, varied_all = {}, {}, {}, {}, []
    for ch in CHAPTERS:
        stubs[ch], solutions[ch], ns, varied = chapter(ch)
        source = read_notebook(REPO / "solutions" / ch / f"{ch}.ipynb")
        cells[ch] = sim.shared_cells(source)
        class_answers[ch] = {
            "ann": {g: answer_as("ann", solutions[ch][g], ns, lambda v: mutate(v, 0)) for g in varied},
            "bob": {g: answer_as("bob", solutions[ch][g], ns, lambda v: mutate(v, 0)) for g in varied},
            "cat": {g: answer_as("cat", solutions[ch][g], ns, lambda v: mutate(v, 1)) for g in varied},
            "dan": {g: answer_as("dan", solutions[ch][g], ns) for g in varied},
            "eve": {g: answer_as("eve", solutions[ch][g], ns) for g in varied},
            "gus": {g: answer_as("", solutions[ch][g], ns) for g in varied},   # variant 0's right answers
        }
        class_answers[ch]["fay"] = dict(class_answers[ch]["dan"])   # dan's answers, handed in as they are
        assert class_answers[ch]["ann"] != class_answers[ch]["bob"], f"{ch}: ann and bob write the same text"
        varied_all += [f"{ch}/{g}" for g in varied]
    found = sim.similarity(class_answers, stubs, solutions, cells, KEY)
    rows = [r for r in found if r["kind"] == "wrong_answers"]
    assert [(r["student_a"], r["student_b"]) for r in rows] == [("ann", "bob")], rows
    assert rows[0]["shared"] == len(varied_all) >= 6, (rows[0], varied_all)
    # fay handed in dan's letters, gus variant 0's: right for them, wrong in fay's and gus's own variants
    copies = {(r["student_a"], r["student_b"]): r["shared"] for r in found if r["kind"] == "variant_copy"}
    assert copies == {("dan", "fay"): len(varied_all), (sim.VARIANT_0, "gus"): len(varied_all)}, copies
