"""Chapter 6's broken fine-tuning runs: what they show, and nothing of how they were made.

A healthy run and seven broken ones were recorded on chapter 6's synthetic task (its tiny classifier,
its 320 training and 256 validation reviews) and ship with the package as ``broken_runs.json``. For each
run, :func:`load` returns only what a practitioner sees of a run: the training loss and the gradient norm
of every update, the predictions on the validation set, accuracies, and how far θ and ω moved. Each
broken run has exactly one thing wrong; which is the exercise, so the runs are named ``run_1`` ...
``run_7`` and nothing here says how any of them was trained.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields
from pathlib import Path

DATA_FILE = Path(__file__).with_name("broken_runs.json")


@dataclass
class RunHistory:
    """What one run shows. Accuracies use the run's own prediction code unless said otherwise; the
    training accuracy is measured on the examples the run trained on (with their true labels)."""

    losses: list[float]            # training loss of every update
    grad_norms: list[float]        # L2 norm of the gradients each update applied
    val_counts: list[int]          # validation predictions per class, [class 0, class 1, ...]
    train_accuracy: float
    val_accuracy: float
    val_accuracy_standard: float   # the same model scored with the standard evaluation (mask, dynamic padding)
    theta_change: float            # ‖θ − θ₀‖ / ‖θ₀‖ (the encoder)
    omega_change: float            # ‖ω − ω₀‖ / ‖ω₀‖ (the head)


class BrokenRunsError(ValueError):
    """A recorded-runs file that is missing, unreadable or not in the expected shape."""


def _history(name: str, raw: object) -> RunHistory:
    expected = {f.name for f in fields(RunHistory)}
    if not isinstance(raw, dict) or set(raw) != expected:
        got = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise BrokenRunsError(f"run {name!r}: expected the fields {sorted(expected)}, got {got}")
    history = RunHistory(**raw)
    for field in ("losses", "grad_norms", "val_counts"):
        values = getattr(history, field)
        if not isinstance(values, list) or not values or not all(isinstance(v, (int, float)) for v in values):
            raise BrokenRunsError(f"run {name!r}: {field} must be a non-empty list of numbers")
    if len(history.losses) != len(history.grad_norms):
        raise BrokenRunsError(f"run {name!r}: {len(history.losses)} losses but {len(history.grad_norms)} gradient norms")
    if not all(math.isfinite(v) for v in history.grad_norms):
        raise BrokenRunsError(f"run {name!r}: gradient norms must be finite")
    return history


def load(path: Path | str = DATA_FILE) -> dict[str, RunHistory]:
    """The recorded runs: ``{"healthy": RunHistory, "run_1": ..., ..., "run_7": ...}`` (in that order)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise BrokenRunsError(f"{path} is missing: reinstall the course package") from None
    except json.JSONDecodeError as e:
        raise BrokenRunsError(f"{path} is not valid JSON: {e}") from None
    names = ["healthy"] + [f"run_{i}" for i in range(1, 8)]
    if not isinstance(raw, dict) or sorted(raw) != sorted(names):
        raise BrokenRunsError(f"{path}: expected the runs {names}, got {sorted(raw) if isinstance(raw, dict) else raw!r}")
    return {name: _history(name, raw[name]) for name in names}
