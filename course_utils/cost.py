"""What one training step costs, measured: time, and memory taken apart by kind.

Chapter 6 predicts these from formulas (parameters, FLOPs ≈ 6 · parameters · tokens, bytes per
value); this module measures them, so the two can be compared:

* ``measure_step(model, batch)`` times a full training step (forward, backward, AdamW update) and
  adds up the memory it holds: weights, gradients, optimiser states, and the activations autograd
  keeps for the backward pass; on a CUDA GPU also the peak the allocator saw.
* ``saved_activation_bytes(model, inputs)`` — the bytes a forward pass leaves for the backward pass.
* ``tensor_bytes`` / ``optimizer_state_bytes`` — small helpers for the bookkeeping.

Memory is counted from the tensors themselves, so it repeats exactly from run to run and does not
depend on the allocator or the operating system. Times are wall-clock and noisy (other programs,
CPU frequency, the first call's warm-up): report the minimum of a few repeats and never assert on them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn


def tensor_bytes(tensors: Iterable[torch.Tensor | None]) -> int:
    """Bytes held by the given tensors (``None`` entries count 0): ``numel · element_size`` each."""
    return sum(t.numel() * t.element_size() for t in tensors if t is not None)


def optimizer_state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Bytes of every tensor in the optimiser's state (AdamW: ``exp_avg``, ``exp_avg_sq``, ``step``)."""
    return tensor_bytes(v for state in optimizer.state.values() for v in state.values()
                        if isinstance(v, torch.Tensor))


def _storage_key(t: torch.Tensor) -> tuple:
    return (t.device.type, t.device.index, t.untyped_storage().data_ptr())


def saved_activation_bytes(model: nn.Module, inputs: dict, train: bool = True) -> int:
    """Bytes of the tensors autograd keeps from one forward pass of ``model(**inputs)`` for the
    backward pass — the *activation memory* of training.

    Parameters are not counted (they are the weights), and a tensor saved twice (or views of one
    storage) counts once. ``train=True`` runs the pass in train mode (dropout on, as in training);
    the model's mode is restored afterwards. Nothing is kept: the graph is freed before returning.
    """
    params = {_storage_key(p) for p in model.parameters()}
    seen: dict[tuple, int] = {}
    kept: list[torch.Tensor] = []  # alive until the pass ends, so no storage address is reused meanwhile

    def pack(t: torch.Tensor) -> tuple:
        # Hand autograd a key, not the tensor: a pack hook that returns the tensor itself makes a reference
        # cycle through autograd's C++ graph that Python's garbage collector cannot free (every call would
        # leak the activations it measured). This graph is never run backwards, so nothing is unpacked.
        key = _storage_key(t)
        if key not in params:
            seen[key] = max(seen.get(key, 0), t.untyped_storage().nbytes())
            kept.append(t)
        return key

    def unpack(key: tuple) -> torch.Tensor:
        raise RuntimeError("saved_activation_bytes only measures: its forward pass cannot be run backwards")

    was_training = model.training
    model.train(train)
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
            out = model(**inputs)
        del out  # frees the graph
        kept.clear()
    finally:
        model.train(was_training)
    return sum(seen.values())


@dataclass
class StepCost:
    """What one training step cost. Memory in bytes; ``seconds`` is the fastest of the timed repeats."""

    seconds: float
    weights: int            # every parameter, trainable or not
    gradients: int          # the .grad tensors a backward pass fills (trainable parameters only)
    optimizer: int          # the optimiser's state (AdamW: two moments per trainable parameter)
    activations: int        # what the forward pass keeps for the backward pass
    peak: int | None        # CUDA only: the most memory this model's training held during a step —
                            # weights, gradients, optimiser states, activations, temporaries (None on a CPU)
    tokens: int             # positions in the batch, padding included (batch · seq)
    device: str
    threads: int            # CPU threads torch used
    all_seconds: list = field(default_factory=list)
    resident: int | None = None  # CUDA only: bytes of other tensors on the GPU during the step (not in peak)

    @property
    def total(self) -> int:
        """weights + gradients + optimizer + activations (what a cost model predicts)."""
        return self.weights + self.gradients + self.optimizer + self.activations

    def as_dict(self) -> dict:
        return {"seconds": self.seconds, "weights": self.weights, "gradients": self.gradients,
                "optimizer": self.optimizer, "activations": self.activations, "total": self.total,
                "peak": self.peak, "resident": self.resident, "tokens": self.tokens}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_step(model: nn.Module, batch: dict, optimizer: torch.optim.Optimizer | None = None,
                 loss_fn: Callable | None = None, repeats: int = 3, warmup: int = 1, lr: float = 0.0) -> StepCost:
    """Time one training step of ``model`` on ``batch`` and take its memory apart.

    model:  called as ``model(**inputs)`` where ``inputs`` is ``batch`` without ``"labels"``; returns
            logits (batch, num_labels), e.g. a ``BertClassifier``.
    batch:  ``{"input_ids": (batch, seq) long, "attention_mask": (batch, seq) long, "labels": (batch,) long}``,
            moved to the model's device here.
    optimizer: default AdamW over the trainable parameters with ``lr`` (default 0.0: the weights do not
            change, so measuring leaves the model as it was; the cost of the update is the same).
    loss_fn(logits, labels): default mean cross-entropy.
    A step is: clear gradients, forward, loss, backward, optimiser step. ``warmup`` untimed steps come
    first (they also create the optimiser's states), then ``repeats`` timed ones. The model's
    train/eval mode is restored and its gradients cleared at the end.
    """
    if repeats < 1:
        raise ValueError(f"repeats={repeats}: time at least one step")
    if "labels" not in batch:
        raise ValueError("measure_step needs a batch with 'labels' to compute a loss")
    device = next(model.parameters()).device
    batch = {k: v.to(device) for k, v in batch.items()}
    labels = batch["labels"]
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    trainable = [p for p in model.parameters() if p.requires_grad]
    if optimizer is None:
        if not trainable:
            raise ValueError("no trainable parameters: a training step would change nothing")
        optimizer = torch.optim.AdamW(trainable, lr=lr)
    loss_fn = loss_fn or nn.functional.cross_entropy
    was_training = model.training
    model.train()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(**inputs), labels).backward()
        optimizer.step()

    try:
        for _ in range(warmup):
            step()
        times = []
        for _ in range(repeats):
            _sync(device)
            start = time.perf_counter()
            step()
            _sync(device)
            times.append(time.perf_counter() - start)
        gradients = tensor_bytes(p.grad for p in model.parameters())
        peak = resident = None
        if device.type == "cuda":
            # Other tensors alive in the process (other models, a notebook's earlier results) are on the
            # GPU too: count only this model's weights, gradients, optimiser states and this step.
            mine = [*model.parameters(), *(p.grad for p in model.parameters()),
                    *(v for state in optimizer.state.values() for v in state.values())]
            own = tensor_bytes(t for t in mine if isinstance(t, torch.Tensor) and t.is_cuda)
            resident = max(torch.cuda.memory_allocated(device) - own, 0)
            torch.cuda.reset_peak_memory_stats(device)
            step()
            _sync(device)
            peak = max(torch.cuda.max_memory_allocated(device) - resident, 0)
        states = optimizer_state_bytes(optimizer)
        optimizer.zero_grad(set_to_none=True)
        activations = saved_activation_bytes(model, inputs, train=True)
    finally:
        model.train(was_training)
        model.zero_grad(set_to_none=True)
    return StepCost(seconds=min(times), weights=tensor_bytes(model.parameters()), gradients=gradients,
                    optimizer=states, activations=activations, peak=peak, resident=resident,
                    tokens=int(inputs["input_ids"].numel()), device=str(device),
                    threads=torch.get_num_threads(), all_seconds=times)
