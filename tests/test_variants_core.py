"""course_utils.variants: ids, seeds, the draws and their determinism (docs/VARIANTS.md)."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from course_utils import variants as V


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    """Each test starts with no id, no course key and no grader environment."""
    monkeypatch.delenv(V.STUDENT_ENV, raising=False)
    monkeypatch.delenv(V.KEY_ENV, raising=False)
    monkeypatch.setattr(V, "_declared", None)
    monkeypatch.setattr(V, "_course_key", None)
    monkeypatch.setattr(V, "_graded", None)


def test_ids_are_normalised_and_bad_ones_refused() -> None:
    assert V.normalise_id("  S123 ") == "s123" and V.normalise_id("") is None and V.normalise_id(None) is None
    assert V.normalise_id(42) == "42"
    with pytest.raises(V.VariantError, match="no spaces"):
        V.normalise_id("s 123")
    with pytest.raises(V.VariantError, match="a string"):
        V.normalise_id(["s1"])


def test_the_draws_are_pinned() -> None:
    """The same id gives the same variant on every machine and Python: the seed is an HMAC and the
    draws are made from it by this module, not by ``random``. These values must never change during a
    term (a regrade would then grade other variants)."""
    assert V.seed_of("ch01", "s1", "k").hex()[:16] == "7e978bc7eb910ac2"  # printf 'ch01\\0s1' | openssl dgst -sha256 -hmac k
    assert V.variant_label("ch01", "S1 ", "k") == "v7e978bc7"
    V.use_course("k")
    V.grade_as("s1")
    assert V.variant("ch01").permutation("q", 8) == [0, 4, 3, 1, 5, 7, 6, 2]
    assert V.variant("ch01").pick("q.n", list(range(100))) == 71


def test_the_same_variant_in_another_process() -> None:
    code = ("import course_utils.variants as V; V.use_course('bert-finetuning:2026'); V.student('s77')\n"
            "print(V.variant('ch02').permutation('q', 12))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    V.use_course("bert-finetuning:2026")
    V.grade_as("s77")
    assert out.strip().splitlines()[-1] == str(V.variant("ch02").permutation("q", 12))


def test_variant_zero_is_the_notebook_as_written(capsys) -> None:
    V.student("")
    assert "variant 0" in capsys.readouterr().out
    v = V.variant("ch01")
    o = v.options("q", ["one", "two", "three"])
    assert o.shown() == [("a", "one"), ("b", "two"), ("c", "three")] and o.key({"x": "b"}) == {"x": "b"}
    assert v.params("p", n=[8, 5, 6]).n == 8 and v.label == "0"


def test_options_translate_any_key_shape() -> None:
    V.student("s2400117")
    o = V.variant("ch01").options("q", [f"item {i}" for i in range(6)], fixed=[5])
    shown = dict(o.shown())
    assert o.label(5) == "f" and shown["f"] == "item 5"  # a fixed item keeps its place
    assert all(shown[o.label(i)] == f"item {i}" for i in range(6))
    assert [o.canonical(o.label(lab)) for lab in "abcdef"] == list("abcdef")
    key = o.key({"x": "a", "y": ["b", "c"], "z": {"d", "e"}, "w": ("a",)})
    assert key == {"x": o.label("a"), "y": [o.label("b"), o.label("c")], "z": {o.label("d"), o.label("e")},
                   "w": (o.label("a"),)}
    assert o.key("cab") == o.label("c") + o.label("a") + o.label("b")
    assert o.shown() != [(chr(97 + i), f"item {i}") for i in range(6)]  # this id's order is not the listed one
    with pytest.raises(V.VariantError, match="no option"):
        o.key("z")
    with pytest.raises(V.VariantError, match="labels"):
        V.variant("ch01").options("q", ["x"] * 3, labels="ab")


def test_the_grader_decides_in_the_checker(monkeypatch) -> None:
    """In the checker kernel the grader's environment names the student; what the kernel declared
    does not count. Objects are lazy: the same object follows whoever the student is."""
    V.student("s1")
    o = V.variant("ch03").options("q", list("0123456789"))
    mine = o.shown()
    monkeypatch.setenv(V.STUDENT_ENV, "s2")
    theirs = o.shown()
    assert theirs != mine and V.current_student() == "s2"
    monkeypatch.setenv(V.KEY_ENV, "another-course")
    assert o.shown() != theirs  # the key is the course's
    V.grade_as("s1")  # a test harness standing in for the grader
    assert V.current_student() == "s1"


def test_declare_writes_the_identity_cell() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(V.IDENTITY_CELL)])
    assert V.declared_student(nb) is None
    assert V.declared_student(V.declare(nb, "S9")) == "s9" and V.declared_student(nb) is None
    with pytest.raises(V.VariantError, match="identity cell"):
        V.declare(nbformat.v4.new_notebook(), "s9")
