"""What ``train`` watches while it runs: the loss (and whether it diverged), the throughput, and
the validation metric (best weights, early stopping).

Each keeps its numbers on the accelerator and synchronises with the host only when it reports,
so the training loop does not wait for the GPU after every step.
"""

from __future__ import annotations

import time

import torch
from torch import nn

from .metrics import evaluate


class LossLog:
    """Micro-batch losses since the last report; ``report`` averages them into ``history.steps``
    and stops training, naming the update, as soon as one of them is not finite."""

    def __init__(self, lr: float, head_lr: float | None):
        self.lr, self.head_lr = lr, head_lr
        self.losses: list[torch.Tensor] = []
        self.updates: list[int] = []          # the update each micro-batch loss belongs to
        self.last = float("nan")              # the latest reported mean loss

    def add(self, loss: torch.Tensor, update: int) -> None:
        self.losses.append(loss.detach())
        self.updates.append(update)

    def report(self, history, epoch: int, lr: float) -> None:
        if not self.losses:
            return
        losses = torch.stack(self.losses).float()
        finite = torch.isfinite(losses)
        if not bool(finite.all()):
            first = int((~finite).nonzero()[0])
            raise FloatingPointError(
                f"the loss became {losses[first].item()} at update {self.updates[first]} (epoch {epoch + 1}): "
                f"training diverged. Lower the learning rate (lr={self.lr:g}"
                f"{f', head_lr={self.head_lr:g}' if self.head_lr else ''}), e.g. 10× smaller, and check the data.")
        self.last = float(losses.mean())
        history.steps.append({"update": history.updates, "epoch": epoch + 1, "loss": self.last, "lr": lr})
        self.losses, self.updates = [], []


class Throughput:
    """Real (unpadded) training tokens and wall-clock seconds, added to the history by ``settle``
    (summed over all processes, so every process must call it)."""

    def __init__(self, accelerator):
        self.accelerator = accelerator
        self.tokens = torch.zeros((), dtype=torch.long, device=accelerator.device)
        self.start = time.perf_counter()

    def count(self, batch: dict) -> None:
        self.tokens += batch["attention_mask"].sum()

    def settle(self, history) -> None:
        history.tokens += int(self.accelerator.reduce(self.tokens, "sum"))
        history.seconds += time.perf_counter() - self.start
        self.tokens.zero_()
        self.start = time.perf_counter()


class ModelSelection:
    """Evaluates on the validation data, keeps the best weights (in memory, and on disk through
    ``checkpoints``) and counts evaluations without improvement for early stopping.

    ``metric`` is maximised, except ``loss``, which is minimised.
    """

    def __init__(self, accelerator, checkpoints, metric: str = "accuracy", patience: int | None = None,
                 bad_evals: int = 0, best_state: dict | None = None):
        self.accelerator, self.checkpoints = accelerator, checkpoints
        self.metric, self.patience = metric, patience
        self.bad_evals = bad_evals
        self.best_state = best_state

    def __call__(self, model: nn.Module, eval_dl, history, epoch: int) -> bool:
        """Evaluate ``model``, record the result in ``history.evals``; True if training should stop.
        Leaves the model in training mode."""
        result = evaluate(model, eval_dl, accelerator=self.accelerator)
        model.train()
        row = {"update": history.updates, "epoch": epoch + 1,
               **{k: v for k, v in result.items() if isinstance(v, float)}}
        history.evals.append(row)
        if self.metric not in row:
            raise ValueError(f"metric={self.metric!r} is not one of "
                             f"{sorted(k for k in row if k not in ('update', 'epoch'))}")
        value = row[self.metric]
        if history.best_metric is None or (value < history.best_metric if self.metric == "loss"
                                           else value > history.best_metric):
            history.best_metric, history.best_update, self.bad_evals = value, history.updates, 0
            unwrapped = self.accelerator.unwrap_model(model)
            self.best_state = {k: v.detach().to("cpu", copy=True) for k, v in unwrapped.state_dict().items()}
            self.checkpoints.save_best(model, row)
        else:
            self.bad_evals += 1
        return self.patience is not None and self.bad_evals >= self.patience
