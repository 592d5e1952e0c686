"""Plots for the notebooks: training curves and confusion matrices (matplotlib)."""

from __future__ import annotations

import numpy as np


def plot_history(history, metric: str = "accuracy", ax=None, label: str | None = None):
    """Training loss (left axis) and the evaluation ``metric`` (right axis) against updates."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    steps = [s["update"] for s in history.steps]
    ax.plot(steps, [s["loss"] for s in history.steps], color="tab:blue", label=f"{label or ''} train loss".strip())
    ax.set_xlabel("update")
    ax.set_ylabel("training loss", color="tab:blue")
    if history.evals:
        ax2 = ax.twinx()
        ax2.plot([e["update"] for e in history.evals], [e[metric] for e in history.evals], "o-",
                 color="tab:orange", label=f"{label or ''} {metric}".strip())
        ax2.set_ylabel(f"validation {metric}", color="tab:orange")
    ax.set_title(label or "Fine-tuning")
    ax.figure.tight_layout()
    return ax


def plot_confusion(matrix: np.ndarray, label_names, ax=None, normalize: bool = True, max_classes: int | None = None):
    """A confusion matrix (rows: true, columns: predicted), row-normalised by default.

    ``max_classes`` keeps the most frequent true classes only (readable with 35 or 100 classes).
    """
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix, dtype=float)
    names = list(label_names)
    if max_classes is not None and len(names) > max_classes:
        keep = np.argsort(-matrix.sum(axis=1), kind="stable")[:max_classes]
        matrix, names = matrix[np.ix_(keep, keep)], [names[i] for i in keep]
    if normalize:
        matrix = matrix / np.clip(matrix.sum(axis=1, keepdims=True), 1, None)
    if ax is None:
        size = max(4, 0.35 * len(names) + 2)
        _, ax = plt.subplots(figsize=(size, size))
    im = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    ax.set_xticks(range(len(names)), names, rotation=90)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if len(names) <= 12:
        for i in range(len(names)):
            for j in range(len(names)):
                ax.text(j, i, f"{matrix[i, j]:.2f}" if normalize else int(matrix[i, j]), ha="center", va="center",
                        color="white" if matrix[i, j] > 0.5 * matrix.max() else "black", fontsize=8)
    ax.figure.colorbar(im, ax=ax, fraction=0.046)
    ax.figure.tight_layout()
    return ax
