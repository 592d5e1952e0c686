"""course_utils.broken_runs: the recorded runs load, each shows the symptoms chapter 6 teaches for its cause,
and they are what the recipes (tests/broken_run_recipes.py, outside the package) produce on the chapter's task."""

from __future__ import annotations

import json
import math

import pytest
from broken_run_recipes import BROKEN, KEY, record_chapter_runs

from course_utils import broken_runs


def assert_symptoms(runs: dict) -> None:
    """Each run of ``KEY`` shows its cause's symptoms, the healthy run none."""
    assert list(runs) == ["healthy", *KEY]
    healthy = runs["healthy"]
    assert len(healthy.losses) == len(healthy.grad_norms) == 40
    assert healthy.val_accuracy > 0.95 and healthy.train_accuracy > 0.95 and healthy.theta_change > 0.1
    by_cause = {cause: runs[name] for name, cause in KEY.items()}
    majority = max(by_cause["A"].val_counts) / sum(by_cause["A"].val_counts)
    # A: far above ln 2 early, θ moves by more than its size
    assert max(by_cause["A"].losses[:10]) > 3 * math.log(2) and by_cause["A"].theta_change > 1
    # B: the gradient norm climbs far above the healthy run's typical one and stays there
    healthy_median = sorted(healthy.grad_norms)[20]
    assert min(by_cause["B"].grad_norms[-10:]) > 3 * healthy_median
    # C: nothing moves, no gradient reaches the optimiser
    assert by_cause["C"].theta_change == by_cause["C"].omega_change == 0 and max(by_cause["C"].grad_norms) == 0
    # D: parameters move, the model learns nothing about the inputs
    assert by_cause["D"].theta_change > 0.05 and by_cause["D"].val_accuracy < majority + 0.05
    # E: trained like the healthy run; its own predictions are worse than the standard evaluation
    assert by_cause["E"].losses == healthy.losses
    assert by_cause["E"].val_accuracy_standard - by_cause["E"].val_accuracy > 0.05 and by_cause["E"].train_accuracy < 1
    # F: perfect on its few training examples, far worse on validation
    assert by_cause["F"].train_accuracy == 1 and by_cause["F"].val_accuracy < healthy.val_accuracy - 0.2
    # H: moves, but about a hundred times less than the healthy run
    assert 0 < by_cause["H"].theta_change < healthy.theta_change / 30


def test_key_covers_the_recipes() -> None:
    assert sorted(KEY.values()) == sorted(BROKEN) and list(KEY) == [f"run_{i}" for i in range(1, 8)]


def test_recorded_runs_show_their_symptoms() -> None:
    assert_symptoms(broken_runs.load())


def test_recorded_runs_are_the_recipes_on_the_chapters_task() -> None:
    """Recording again from the recipes on the notebook's own task gives the shipped histories."""
    shipped, again = broken_runs.load(), record_chapter_runs()
    assert_symptoms(again)
    for name in shipped:
        assert shipped[name].val_counts == again[name].val_counts, name
        assert len(shipped[name].losses) == len(again[name].losses), name
    assert shipped["healthy"].losses == pytest.approx(again["healthy"].losses, rel=1e-3, abs=1e-4)


def _write(tmp_path, data) -> object:
    path = tmp_path / "runs.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_bad_files_are_refused_with_the_problem_named(tmp_path) -> None:
    good = json.loads(broken_runs.DATA_FILE.read_text())
    with pytest.raises(broken_runs.BrokenRunsError, match="missing"):
        broken_runs.load(tmp_path / "nowhere.json")
    with pytest.raises(broken_runs.BrokenRunsError, match="not valid JSON"):
        broken_runs.load(_write(tmp_path, "{"))
    with pytest.raises(broken_runs.BrokenRunsError, match="expected the runs"):
        broken_runs.load(_write(tmp_path, {k: v for k, v in good.items() if k != "run_3"}))
    renamed = dict(good, run_2={**good["run_2"], "cause": "A"})
    with pytest.raises(broken_runs.BrokenRunsError, match="run 'run_2': expected the fields"):
        broken_runs.load(_write(tmp_path, renamed))
    short = dict(good, run_4={**good["run_4"], "grad_norms": good["run_4"]["grad_norms"][:-1]})
    with pytest.raises(broken_runs.BrokenRunsError, match="gradient norms"):
        broken_runs.load(_write(tmp_path, short))
