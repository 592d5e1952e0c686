"""Broken fine-tuning runs for chapter 6's diagnosis exercise: what they show, not how they were made.

:func:`replay` trains a healthy run and seven broken ones on a task the notebook gives it and
returns, for each, only what a practitioner sees of a run: the training loss and the gradient norm
of every update, the predictions on the validation set, accuracies, and how far θ and ω moved.
Each broken run has exactly one thing wrong. Which run has which cause is the exercise: the runs
are named ``run_1`` ... ``run_7`` in an order fixed by a seeded shuffle, and their recipes live
here rather than in the notebook, so that students diagnose from the symptoms.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from .env import set_seed
from .model import relative_change


@dataclass(frozen=True)
class _Recipe:
    """How a run trains; the defaults are the healthy run (AdamW 3e-3, two epochs, batches of 16)."""

    lr: float = 3e-3
    epochs: int = 2
    n_rows: int | None = None          # train on the first n_rows rows only
    zero_grad: bool = True             # clear the gradients before each backward pass
    misaligned: bool = False           # inputs sorted by length, labels left in their order
    wrong_parameters: bool = False     # encoder frozen, the optimiser given the encoder's parameters
    unmasked_prediction: bool = False  # predictions padded to 128 tokens without the attention mask


_HEALTHY = _Recipe()
_BROKEN = {                    # cause (chapter 6's letters): recipe
    "A": _Recipe(lr=3e-1),                        # the learning rate is far too high
    "B": _Recipe(zero_grad=False),                # gradients are never cleared
    "C": _Recipe(wrong_parameters=True),          # nothing is updated
    "D": _Recipe(misaligned=True),                # labels misaligned with the inputs
    "E": _Recipe(unmasked_prediction=True),       # padding attended to (prediction without the mask)
    "F": _Recipe(n_rows=16, epochs=40),           # over-fitting: 16 examples, 40 epochs
    "H": _Recipe(lr=1e-5),                        # the learning rate is too low
}
_ORDER_SEED = 2024


def _order() -> list[str]:
    causes = sorted(_BROKEN)
    random.Random(_ORDER_SEED).shuffle(causes)
    return causes


def _causes() -> dict[str, str]:
    """``{"run_1": cause letter, ...}``: the answer key (for the course's own tests)."""
    return {f"run_{i}": cause for i, cause in enumerate(_order(), start=1)}


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


def _train(recipe: _Recipe, make_model: Callable, train_rows: list, make_batches: Callable) -> tuple:
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


def _seen(recipe: _Recipe, train_rows: list) -> list:
    """The examples a run trains on (with their true labels)."""
    return list(train_rows[:recipe.n_rows] if recipe.n_rows else train_rows)


def _history(recipe: _Recipe, trained: tuple, train_rows: list, val_rows: list, make_batches: Callable,
             num_labels: int) -> RunHistory:
    model, losses, grad_norms, theta_change, omega_change = trained
    seen = _seen(recipe, train_rows)
    train_labels = torch.tensor([y for _, y in seen])
    val_labels = torch.tensor([y for _, y in val_rows])
    standard = _predict(model, val_rows, make_batches)
    val_pred = _predict(model, val_rows, make_batches, unmasked=True) if recipe.unmasked_prediction else standard
    train_pred = _predict(model, seen, make_batches, recipe.unmasked_prediction)
    return RunHistory(
        losses=list(losses), grad_norms=list(grad_norms),
        val_counts=torch.bincount(val_pred, minlength=num_labels).tolist(),
        train_accuracy=float((train_pred == train_labels).float().mean()),
        val_accuracy=float((val_pred == val_labels).float().mean()),
        val_accuracy_standard=float((standard == val_labels).float().mean()),
        theta_change=theta_change, omega_change=omega_change)


def _run(recipe: _Recipe, make_model: Callable, train_rows: list, val_rows: list, make_batches: Callable,
         num_labels: int) -> RunHistory:
    """One run from a fresh model (the caller seeds)."""
    trained = _train(recipe, make_model, train_rows, make_batches)
    return _history(recipe, trained, train_rows, val_rows, make_batches, num_labels)


def replay(make_model: Callable[[], nn.Module], train_rows: list, val_rows: list, make_batches: Callable,
           num_labels: int = 2, seed: int = 0) -> dict[str, RunHistory]:
    """Train the healthy run and the seven broken ones; ``{"healthy": ..., "run_1": ..., "run_7": ...}``.

    make_model:   builds a fresh classifier with ``.encoder`` (θ), ``.head`` (ω) and ``freeze_encoder()``
                  whose ``forward(input_ids, attention_mask=None)`` returns logits (batch, num_labels).
    train_rows, val_rows: lists of (token ids, label) pairs.
    make_batches: ``make_batches(rows, batch_size, pad_to=None)`` -> list of dicts with ``input_ids``,
                  ``attention_mask`` and ``labels`` tensors, in the order of ``rows``.
    Every run starts from ``set_seed(seed)``, so the same arguments give the same histories.
    """
    if not train_rows or not val_rows:
        raise ValueError("replay needs non-empty train_rows and val_rows")
    runs = {"healthy": _HEALTHY, **{name: _BROKEN[cause] for name, cause in _causes().items()}}
    trained = {}  # runs that train the same way (they differ in how they predict) train once
    out = {}
    for name, recipe in runs.items():
        training = replace(recipe, unmasked_prediction=False)
        if training not in trained:
            set_seed(seed)
            trained[training] = _train(training, make_model, train_rows, make_batches)
        out[name] = _history(recipe, trained[training], train_rows, val_rows, make_batches, num_labels)
    return out
