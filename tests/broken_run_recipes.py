"""The recipes behind chapter 6's broken runs, and the script that records them (instructor's material).

Students get the recorded histories only (``course_utils/broken_runs.json``, read by
``course_utils.broken_runs.load``): what a practitioner sees of a run. Which run has which cause is
chapter 6's Exercise 4, so the recipes and the key below live here, outside the package students
install; the notebook's hidden test holds the same key.

The task is the notebook's own: this script runs the chapter's shared set-up cells (``tiny_classifier``,
``synthetic_reviews``, ``make_batches`` and the training/validation rows) from
``solutions/ch06_complexity_and_diagnosis``. Re-record after changing a recipe or the task:

    python tests/broken_run_recipes.py          # writes course_utils/broken_runs.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import nbformat
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import broken_runs
from course_utils.env import set_seed
from course_utils.model import relative_change

REPO = Path(__file__).resolve().parents[1]
CHAPTER = REPO / "solutions" / "ch06_complexity_and_diagnosis" / "ch06_complexity_and_diagnosis.ipynb"
SEED = 0

# The answer key of chapter 6's Exercise 4 (its solution cell and hidden test hold the same letters).
KEY = {"run_1": "C", "run_2": "H", "run_3": "B", "run_4": "F", "run_5": "A", "run_6": "D", "run_7": "E"}


@dataclass(frozen=True)
class Recipe:
    """How a run trains; the defaults are the healthy run (AdamW 3e-3, two epochs, batches of 16)."""

    lr: float = 3e-3
    epochs: int = 2
    n_rows: int | None = None          # train on the first n_rows rows only
    zero_grad: bool = True             # clear the gradients before each backward pass
    misaligned: bool = False           # inputs sorted by length, labels left in their order
    wrong_parameters: bool = False     # encoder frozen, the optimiser given the encoder's parameters
    unmasked_prediction: bool = False  # predictions padded to 128 tokens without the attention mask


HEALTHY = Recipe()
BROKEN = {                    # cause (chapter 6's letters): recipe
    "A": Recipe(lr=3e-1),                        # the learning rate is far too high
    "B": Recipe(zero_grad=False),                # gradients are never cleared
    "C": Recipe(wrong_parameters=True),          # nothing is updated
    "D": Recipe(misaligned=True),                # labels misaligned with the inputs
    "E": Recipe(unmasked_prediction=True),       # padding attended to (prediction without the mask)
    "F": Recipe(n_rows=16, epochs=40),           # over-fitting: 16 examples, 40 epochs
    "H": Recipe(lr=1e-5),                        # the learning rate is too low
}


def chapter_task(path: Path = CHAPTER) -> dict:
    """The notebook's shared set-up cells, run here: their names (tiny_classifier, TRAIN_ROWS, ...)."""
    nb = nbformat.read(path, as_version=4)
    names: dict = {}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in ("shared_imports", "shared_helpers"):
            exec(compile(cell.source, f"<{cell.metadata['nbgrader']['grade_id']}>", "exec"), names)  # noqa: S102 (the chapter's own set-up cells)
    return names


def _gradient_norm(optimizer: torch.optim.Optimizer) -> float:
    """The L2 norm of the gradients the optimiser is about to apply (no gradient counts 0)."""
    grads = [p.grad.pow(2).sum() for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
    return float(torch.stack(grads).sum().sqrt()) if grads else 0.0


@torch.no_grad()
def _predict(model: nn.Module, rows: list, make_batches: Callable, unmasked: bool = False) -> torch.Tensor:
    model.eval()
    if unmasked:  # every review padded to 128 tokens, as tokenizer(..., padding="max_length"), no mask
        return torch.cat([model(b["input_ids"]).argmax(-1) for b in make_batches(rows, 64, pad_to=128)])
    return torch.cat([model(b["input_ids"], b["attention_mask"]).argmax(-1) for b in make_batches(rows, 64)])


def _seen(recipe: Recipe, train_rows: list) -> list:
    """The examples a run trains on (with their true labels)."""
    return list(train_rows[:recipe.n_rows] if recipe.n_rows else train_rows)


def _train(recipe: Recipe, make_model: Callable, train_rows: list, make_batches: Callable) -> tuple:
    """Train a fresh model by ``recipe``: (model, losses, gradient norms, θ change, ω change)."""
    model = make_model()
    theta_0 = {n: p.detach().clone() for n, p in model.encoder.named_parameters()}
    omega_0 = {n: p.detach().clone() for n, p in model.head.named_parameters()}
    rows = _seen(recipe, train_rows)
    if recipe.misaligned:  # sorted by length for less padding, but only the inputs
        inputs = [ids for ids, _ in sorted(rows, key=lambda row: len(row[0]))]
        rows = list(zip(inputs, [label for _, label in rows]))
    if recipe.wrong_parameters:
        model.freeze_encoder()
        parameters = list(model.encoder.parameters())
    else:
        parameters = list(model.parameters())
    optimizer = torch.optim.AdamW(parameters, lr=recipe.lr, weight_decay=0.0)
    losses, grad_norms = [], []
    model.train()
    for _ in range(recipe.epochs):
        for batch in make_batches(rows, 16):
            if recipe.zero_grad:
                optimizer.zero_grad()
            loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
            loss.backward()
            grad_norms.append(_gradient_norm(optimizer))
            optimizer.step()
            losses.append(loss.item())
    return (model, losses, grad_norms, relative_change(theta_0, model.encoder),
            relative_change(omega_0, model.head))


def _history(recipe: Recipe, trained: tuple, train_rows: list, val_rows: list, make_batches: Callable,
             num_labels: int) -> broken_runs.RunHistory:
    model, losses, grad_norms, theta_change, omega_change = trained
    seen = _seen(recipe, train_rows)
    train_labels = torch.tensor([y for _, y in seen])
    val_labels = torch.tensor([y for _, y in val_rows])
    standard = _predict(model, val_rows, make_batches)
    val_pred = _predict(model, val_rows, make_batches, unmasked=True) if recipe.unmasked_prediction else standard
    train_pred = _predict(model, seen, make_batches, recipe.unmasked_prediction)
    return broken_runs.RunHistory(
        losses=list(losses), grad_norms=list(grad_norms),
        val_counts=torch.bincount(val_pred, minlength=num_labels).tolist(),
        train_accuracy=float((train_pred == train_labels).float().mean()),
        val_accuracy=float((val_pred == val_labels).float().mean()),
        val_accuracy_standard=float((standard == val_labels).float().mean()),
        theta_change=theta_change, omega_change=omega_change)


def record(make_model: Callable[[], nn.Module], train_rows: list, val_rows: list, make_batches: Callable,
           key: dict[str, str] = KEY, num_labels: int = 2, seed: int = SEED) -> dict[str, broken_runs.RunHistory]:
    """Train the healthy run and the broken ones named in ``key``: ``{"healthy": ..., "run_1": ..., ...}``.

    make_model:   builds a fresh classifier with ``.encoder`` (θ), ``.head`` (ω) and ``freeze_encoder()``.
    train_rows, val_rows: lists of (token ids, label) pairs.
    make_batches: ``make_batches(rows, batch_size, pad_to=None)`` -> list of dicts with ``input_ids``,
                  ``attention_mask`` and ``labels`` tensors, in the order of ``rows``.
    Every run starts from ``set_seed(seed)``, so the same arguments give the same histories.
    """
    if not train_rows or not val_rows:
        raise ValueError("record needs non-empty train_rows and val_rows")
    runs = {"healthy": HEALTHY, **{name: BROKEN[cause] for name, cause in key.items()}}
    trained = {}  # runs that train the same way (they differ in how they predict) train once
    out = {}
    for name, recipe in runs.items():
        training = replace(recipe, unmasked_prediction=False)
        if training not in trained:
            set_seed(seed)
            trained[training] = _train(training, make_model, train_rows, make_batches)
        out[name] = _history(recipe, trained[training], train_rows, val_rows, make_batches, num_labels)
    return out


def record_chapter_runs() -> dict[str, broken_runs.RunHistory]:
    """The runs on the notebook's own task (one CPU thread, as the notebook runs)."""
    task = chapter_task()
    torch.set_num_threads(1)
    return record(lambda: task["tiny_classifier"](seed=0), task["TRAIN_ROWS"], task["VAL_ROWS"],
                  task["make_batches"])


def main(path: Path = broken_runs.DATA_FILE) -> None:
    runs = record_chapter_runs()
    path.write_text(json.dumps({name: asdict(h) for name, h in runs.items()}, indent=1) + "\n")
    print(f"wrote {path} ({len(runs)} runs)", file=sys.stderr)


if __name__ == "__main__":
    main()
