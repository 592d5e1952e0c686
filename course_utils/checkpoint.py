"""Checkpoints of a ``train`` run: ``<output_dir>/last`` to resume, ``<output_dir>/best`` to keep.

``last`` holds everything an interrupted run needs to continue exactly where it stopped: model,
optimiser, scheduler, gradient scaler and random states (``accelerator.save_state``) plus
``trainer_state.json`` (epoch, batches already trained in that epoch, early-stopping count and
the history so far). ``best`` holds the weights of the best evaluation, loadable with
``load_classifier`` (or as a plain ``model.safetensors`` for other models).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from torch import nn

STATE_FILE = "trainer_state.json"


@dataclass
class Resumed:
    """Where an interrupted run stopped, read back from ``<output_dir>/last``."""

    epoch: int                 # the epoch to continue (0-based)
    batches_in_epoch: int      # batches of that epoch already trained on: skip them
    bad_evals: int             # evaluations without improvement so far (early stopping)
    history: dict              # ``History.to_dict()`` at the interruption
    best_state: dict | None    # the best weights so far, if they were saved


class Checkpoints:
    """Saves and reads the checkpoints of one ``train`` run; does nothing without ``output_dir``."""

    def __init__(self, accelerator, output_dir: str | None, total_updates: int):
        self.accelerator = accelerator
        self.out = Path(output_dir) if output_dir else None
        self.total_updates = total_updates

    def save_last(self, epoch: int, batches_in_epoch: int, bad_evals: int, history: dict) -> None:
        """Everything needed to resume at batch ``batches_in_epoch`` of epoch ``epoch``."""
        if self.out is None:
            return
        last = self.out / "last"
        self.accelerator.save_state(str(last))
        if self.accelerator.is_main_process:
            state = {"epoch": epoch, "batches_in_epoch": batches_in_epoch, "bad_evals": bad_evals,
                     "total_updates": self.total_updates, "history": history}
            (last / STATE_FILE).write_text(json.dumps(state, default=float))

    def resume(self) -> Resumed:
        """Load ``<output_dir>/last`` into the prepared model, optimiser and scheduler."""
        if self.out is None:
            raise ValueError("resume=True needs output_dir (where the last checkpoint was saved)")
        last = self.out / "last"
        if not (last / STATE_FILE).exists():
            raise FileNotFoundError(f"resume=True but there is no checkpoint in {last}")
        self.accelerator.load_state(str(last))
        state = json.loads((last / STATE_FILE).read_text())
        if state["total_updates"] != self.total_updates:
            raise ValueError(f"the checkpoint in {last} was made with {state['total_updates']} planned updates, "
                             f"this run plans {self.total_updates}: resume with the same data, epochs and batch size")
        best = self.out / "best" / "model.safetensors"
        best_state = None
        if best.exists():
            from safetensors.torch import load_file

            best_state = load_file(str(best))
        return Resumed(state["epoch"], state["batches_in_epoch"], state["bad_evals"], state["history"], best_state)

    def save_best(self, model: nn.Module, row: dict) -> None:
        """The weights of the best evaluation so far (``row``: its metrics) in ``<output_dir>/best``."""
        if self.out is not None and self.accelerator.is_main_process:
            save_weights(self.accelerator.unwrap_model(model), self.out / "best", row)


def save_weights(model: nn.Module, folder: Path, row: dict) -> None:
    """A ``BertClassifier`` as ``save_classifier`` writes it (with ``row`` as its evaluation);
    any other model as a plain ``model.safetensors``."""
    from safetensors.torch import save_file

    from .model import BertClassifier, save_classifier

    if isinstance(model, BertClassifier):
        save_classifier(model, None, folder, extra={"evaluation": row})
    else:
        folder.mkdir(parents=True, exist_ok=True)
        save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
                  str(folder / "model.safetensors"))
