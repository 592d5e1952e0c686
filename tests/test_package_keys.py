"""No answer key of any chapter can be read from the course package as students install it.

The keys are the literals the concept questions' solution regions assign (solutions/<ch>/). The scan
(tests/package_keys.py) imports ``course_utils`` in a fresh ``python -I`` from an empty folder, walks its
objects, calls its argument-free functions and reads all its files; a planted package proves that each
way a key can leak is caught.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from package_keys import chapter_keys, scan

REPO = Path(__file__).resolve().parents[1]
KEYS = chapter_keys(REPO / "solutions")


def test_every_concept_key_is_found_in_the_solutions() -> None:
    """The scan knows the keys it must look for (one per concept question of every chapter)."""
    chapters = {name.split("/")[0][:4] for name in KEYS}
    assert {"ch01", "ch02", "ch03", "ch04", "ch05", "ch06"} <= chapters, sorted(KEYS)
    assert "ch06_complexity_and_diagnosis/diagnosis/diagnosis" in KEYS


def test_no_key_in_the_installed_package(tmp_path: Path) -> None:
    leaks = scan("course_utils", KEYS, cwd=tmp_path)
    assert not leaks, "answer keys a student can read from the installed package:\n  " + "\n  ".join(leaks)


def test_a_planted_package_leaks_are_all_found(tmp_path: Path) -> None:
    """Each way of leaking is caught: a key computed at call time (no literal of it in the source), a module
    constant, a data file, and the letters of a key joined in a comment."""
    diagnosis = KEYS["ch06_complexity_and_diagnosis/diagnosis/diagnosis"]
    steps = KEYS["ch04_sentiment_analysis/concept_order/steps_in_order"]
    statements = KEYS["ch05_legal_document_classification/concept_theta_omega/true_statements"]
    roles = KEYS["ch01_bert_representations/q_formula_roles/roles"]
    backwards = "".join(reversed(list(diagnosis.values())))
    package = tmp_path / "site" / "leaky"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "runs.py").write_text(textwrap.dedent(f"""
        _SEED = {backwards!r}

        def _causes():
            return {{f"run_{{i}}": c for i, c in enumerate(reversed(_SEED), start=1)}}
        """))
    (package / "order.py").write_text(f"_STEPS = tuple({''.join(steps)!r})\n")
    (package / "data.json").write_text(json.dumps({"true": sorted(statements)}))
    (package / "notes.py").write_text("# " + str(roles) + "\n")
    found = "\n".join(scan("leaky", KEYS, cwd=tmp_path, site=tmp_path / "site"))
    assert "diagnosis/diagnosis: leaky.runs._causes()" in found, found
    assert "concept_order/steps_in_order: leaky.order._STEPS" in found, found
    assert f"concept_theta_omega/true_statements: {package / 'data.json'}" in found, found
    assert f"q_formula_roles/roles: {package / 'notes.py'}" in found, found
