"""One training function for the whole course, built on ``accelerate``.

The same loop runs on a CPU, on one GPU with mixed precision (bf16, or fp16 with a gradient
scaler) and in several processes (``accelerate launch`` / ``torchrun``). It minimises
``Σ Loss(F_ω(BERT_θ(x)), y)`` over the tuning samples with respect to θ and ω together (or ω
alone after ``model.freeze_encoder()``): exactly the loop of chapter 3, plus the engineering.
Checkpoints and resuming live in ``checkpoint``; the loss log, throughput and model selection
(best weights, early stopping) in ``monitor``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from .checkpoint import Checkpoints
from .env import accelerate_precision, check_precision, get_device, pick_precision
from .monitor import LossLog, ModelSelection, Throughput

NO_DECAY = ("bias", "LayerNorm.weight", "LayerNorm.bias", "layer_norm", "norm.weight", "norm.bias")


@dataclass
class TrainConfig:
    epochs: int = 1
    lr: float = 5e-5                      # encoder (θ) learning rate
    head_lr: float | None = None          # prediction network (ω) learning rate; None: same as lr
    weight_decay: float = 0.01            # AdamW decay; never applied to biases and LayerNorm
    warmup_ratio: float = 0.1             # share of the updates spent warming the lr up from 0
    grad_accum_steps: int = 1             # micro-batches per optimiser update
    max_grad_norm: float | None = 1.0     # gradient clipping; None: off
    eval_every: int | None = None         # also evaluate every N updates; None: once per epoch
    metric: str = "accuracy"              # chooses the best checkpoint and drives early stopping
    early_stopping_patience: int | None = None  # evaluations without improvement before stopping
    output_dir: str | None = None         # checkpoints: <dir>/last (resumable), <dir>/best (weights)
    resume: bool = False                  # continue from <output_dir>/last
    precision: str | None = None          # bf16 | fp16 | fp32; None: what env.pick_precision says
    cpu: bool = False                     # force the CPU even if a GPU is there
    seed: int = 0
    log_every: int = 10                   # updates between loss logs / NaN checks
    load_best: bool = True                # end with the best evaluated weights
    progress: bool = True                 # tqdm progress bar
    stop_after_updates: int | None = None  # stop early as if interrupted (to practise resume)


@dataclass
class History:
    """What happened during ``train``: logged losses, evaluations and timings."""

    steps: list = field(default_factory=list)   # {"update", "epoch", "loss", "lr"}
    evals: list = field(default_factory=list)   # {"update", "epoch", "accuracy", "macro_f1", ...}
    best_metric: float | None = None
    best_update: int | None = None
    updates: int = 0
    stopped_early: bool = False
    interrupted: bool = False
    seconds: float = 0.0
    tokens: int = 0                              # real (unpadded) training tokens processed
    precision: str = "fp32"
    device: str = "cpu"

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def restore(self, saved: dict) -> None:
        """Continue the history of an interrupted run (``saved``: its ``to_dict()``)."""
        for key in ("steps", "evals", "updates", "best_metric", "best_update", "tokens", "seconds"):
            setattr(self, key, saved[key])

    def frames(self):
        """(steps, evals) as pandas DataFrames."""
        import pandas as pd

        return pd.DataFrame(self.steps), pd.DataFrame(self.evals)


def parameter_groups(model: nn.Module, lr: float, head_lr: float | None, weight_decay: float) -> list[dict]:
    """AdamW groups: encoder / head × decay / no decay (biases and LayerNorm are never decayed).

    Only trainable parameters are included, so a frozen encoder simply contributes no groups.
    """
    head = getattr(model, "head", None)
    head_ids = {id(p) for p in head.parameters()} if head is not None else set()
    groups: dict[tuple[bool, bool], list] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        key = (id(p) in head_ids, not any(nd in name for nd in NO_DECAY))
        groups.setdefault(key, []).append(p)
    if not groups:
        raise ValueError("no trainable parameters: everything is frozen, so training would change nothing")
    return [{"params": ps, "lr": (head_lr or lr) if is_head else lr,
             "weight_decay": weight_decay if decay else 0.0} for (is_head, decay), ps in groups.items()]


def make_optimizer(groups: list[dict], fused: bool = True) -> torch.optim.Optimizer:
    """AdamW; the fused implementation (one kernel for all parameters) where this torch has it."""
    if fused:
        try:
            return torch.optim.AdamW(groups, fused=True)
        except (RuntimeError, TypeError, ValueError):  # older torch, or a device without fused AdamW
            pass
    return torch.optim.AdamW(groups)


def _accelerator(cfg: TrainConfig):
    """An ``Accelerator`` on ``env.get_device()`` (the CPU if ``cpu=True`` or ``COURSE_DEVICE=cpu``)
    with the run's precision: fp16 gets accelerate's gradient scaler, bf16 and fp32 need none."""
    from accelerate import Accelerator, DataLoaderConfiguration

    device = torch.device("cpu") if cfg.cpu else get_device()
    if cfg.precision:
        if cfg.precision not in ("bf16", "fp16", "fp32"):
            raise ValueError(f"precision={cfg.precision!r}: expected one of bf16, fp16, fp32 (or None: the best for this GPU)")
        check_precision(cfg.precision, device)
    precision = cfg.precision or pick_precision(device)
    if precision != "fp32" and device.type != "cuda":
        raise ValueError(f"precision={precision} needs a CUDA GPU; this run is on {device}")
    _reset_accelerate_state(device)
    accelerator = Accelerator(mixed_precision=accelerate_precision(precision), cpu=device.type == "cpu",
                              gradient_accumulation_steps=cfg.grad_accum_steps,
                              dataloader_config=DataLoaderConfiguration(non_blocking=True))
    if accelerator.device.type != device.type:
        raise RuntimeError(f"accelerate placed this run on {accelerator.device}, not on {device} "
                           "(check ACCELERATE_USE_CPU / ACCELERATE_TORCH_DEVICE)")
    return accelerator, precision


def _reset_accelerate_state(device: torch.device) -> None:
    """Let each ``train`` call pick its own precision and device: accelerate keeps one global state per
    process and refuses a second ``Accelerator`` with another ``mixed_precision`` (e.g. fp32 then bf16 in
    one notebook). The process-group information (``PartialState``) is kept, so multi-process runs still
    work, except in a single process that switches device (a GPU run, then one with ``cpu=True``)."""
    from accelerate.state import AcceleratorState, GradientState, PartialState

    partial = PartialState._shared_state
    switch = (partial.get("num_processes", 1) == 1 and partial.get("device") is not None
              and partial["device"].type != device.type)
    AcceleratorState._reset_state(reset_partial_state=switch)
    GradientState._reset_state()


def _check_data_labels(loader, num_labels: int | None) -> None:
    rows = getattr(loader, "dataset", None)
    if num_labels is None or not isinstance(rows, list) or not rows or "label" not in rows[0]:
        return
    bad = [r["label"] for r in rows if not 0 <= r["label"] < num_labels]
    if bad:
        raise ValueError(f"the data has label {bad[0]} but the model has num_labels={num_labels} "
                         f"(valid labels 0..{num_labels - 1}): build the classifier with the task's number of classes")


def _epoch_batches(accelerator, train_dl, user_batch_sampler, epoch: int, skip: int):
    """The batches of ``epoch`` (each epoch its own reproducible order); on resume the first ``skip``,
    trained on before the interruption, are left out without being loaded or collated."""
    if user_batch_sampler is not None and hasattr(user_batch_sampler, "set_epoch"):
        user_batch_sampler.set_epoch(epoch)  # accelerate does not reach a sampler wrapped for skipping
    if hasattr(train_dl, "set_epoch"):
        train_dl.set_epoch(epoch)
    return accelerator.skip_first_batches(train_dl, skip) if skip else train_dl


def train(model: nn.Module, train_loader, eval_loader=None, config: TrainConfig | None = None,
          loss_fn=None, **overrides) -> History:
    """Fine-tune ``model`` on ``train_loader``; evaluate on ``eval_loader`` each epoch.

    ``config`` fields can also be given as keyword arguments (``train(m, dl, lr=2e-5)``).
    ``loss_fn(logits, labels)`` defaults to mean cross-entropy. Returns a ``History``.
    """
    from accelerate.utils import set_seed as accelerate_seed
    from transformers import get_linear_schedule_with_warmup

    cfg = TrainConfig(**{**asdict(config or TrainConfig()), **overrides})
    if cfg.resume and not cfg.output_dir:
        raise ValueError("resume=True needs output_dir (where the last checkpoint was saved)")
    if cfg.epochs < 1 or cfg.grad_accum_steps < 1:
        raise ValueError(f"epochs={cfg.epochs} and grad_accum_steps={cfg.grad_accum_steps} must be ≥ 1")
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    for loader in (train_loader, eval_loader):
        if loader is not None:
            _check_data_labels(loader, getattr(model, "num_labels", None))

    # Engineering: device, precision, processes (accelerate), and AdamW with a warm-up schedule.
    accelerator, precision = _accelerator(cfg)
    accelerate_seed(cfg.seed)
    # fp16: fused AdamW applies the gradient scaler's skip inside its kernel, where accelerate cannot
    # see it (optimizer_step_was_skipped stays False), so the scheduler would run ahead; use foreach.
    optimizer = make_optimizer(parameter_groups(model, cfg.lr, cfg.head_lr, cfg.weight_decay),
                               fused=accelerator.device.type in ("cuda", "cpu") and precision != "fp16")
    model, optimizer, train_dl, eval_dl = accelerator.prepare(model, optimizer, train_loader, eval_loader)
    total_updates = math.ceil(len(train_dl) / cfg.grad_accum_steps) * cfg.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.warmup_ratio * total_updates), total_updates)
    accelerator.register_for_checkpointing(scheduler)

    history = History(precision=precision, device=str(accelerator.device))
    checkpoints = Checkpoints(accelerator, cfg.output_dir, total_updates)
    start_epoch, skip, bad_evals, best_state = 0, 0, 0, None
    if cfg.resume:
        resumed = checkpoints.resume()
        history.restore(resumed.history)
        start_epoch, skip = resumed.epoch, resumed.batches_in_epoch
        bad_evals, best_state = resumed.bad_evals, resumed.best_state
    select = ModelSelection(accelerator, checkpoints, cfg.metric, cfg.early_stopping_patience, bad_evals, best_state)
    losses, throughput = LossLog(cfg.lr, cfg.head_lr), Throughput(accelerator)
    bar = tqdm(total=total_updates, initial=history.updates, desc="Fine-tuning", unit="update",
               disable=not cfg.progress or not accelerator.is_local_main_process)

    def evaluate_now(epoch: int) -> bool:
        losses.report(history, epoch, scheduler.get_last_lr()[0])
        history.stopped_early = select(model, eval_dl, history, epoch)
        bar.set_postfix_str(f"loss {losses.last:.4f}  {cfg.metric} {history.evals[-1][cfg.metric]:.4f}")
        return history.stopped_early

    # The loop of chapter 3: forward, loss, backward, step; accelerate adds the device, mixed
    # precision, gradient accumulation and clipping.
    sampler = getattr(train_loader, "batch_sampler", None)
    model.train()
    try:
        for epoch in range(start_epoch, cfg.epochs):
            done_in_epoch = skip
            for batch in _epoch_batches(accelerator, train_dl, sampler, epoch, skip):
                labels = batch.pop("labels")
                throughput.count(batch)
                with accelerator.accumulate(model):
                    logits = model(**batch)
                    loss = loss_fn(logits, labels)
                    accelerator.backward(loss)
                    if accelerator.sync_gradients and cfg.max_grad_norm:
                        accelerator.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
                done_in_epoch += 1
                losses.add(loss, history.updates + 1)
                if not accelerator.sync_gradients:
                    continue  # accumulating gradients: no update yet
                if not accelerator.optimizer_step_was_skipped:  # fp16: inf/NaN gradients skip the step
                    scheduler.step()
                history.updates += 1
                bar.update(1)
                if history.updates % cfg.log_every == 0:
                    losses.report(history, epoch, scheduler.get_last_lr()[0])
                    bar.set_postfix_str(f"loss {losses.last:.4f}")
                due = eval_dl is not None and cfg.eval_every and history.updates % cfg.eval_every == 0
                if due and evaluate_now(epoch):
                    break
                if cfg.stop_after_updates and history.updates >= cfg.stop_after_updates:
                    history.interrupted = True
                    break
            skip = 0
            losses.report(history, epoch, scheduler.get_last_lr()[0])
            if history.interrupted:
                throughput.settle(history)
                checkpoints.save_last(epoch, done_in_epoch, select.bad_evals, history.to_dict())
                break
            if history.stopped_early:
                break
            evaluated = cfg.eval_every and history.evals and history.evals[-1]["update"] == history.updates
            if eval_dl is not None and not evaluated and evaluate_now(epoch):
                break
            throughput.settle(history)
            checkpoints.save_last(epoch + 1, 0, select.bad_evals, history.to_dict())
    finally:
        bar.close()
    if not history.interrupted:
        throughput.settle(history)
        if cfg.load_best and select.best_state is not None:
            accelerator.unwrap_model(model).load_state_dict(select.best_state)
    accelerator.wait_for_everyone()
    return history
