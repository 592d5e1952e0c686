"""One training function for the whole course, built on ``accelerate``.

The same loop runs on a CPU, on one GPU with mixed precision (bf16, or fp16 with a gradient
scaler) and in several processes (``accelerate launch`` / ``torchrun``). It minimises
``Σ Loss(F_ω(BERT_θ(x)), y)`` over the tuning samples with respect to θ and ω together (or ω
alone after ``model.freeze_encoder()``): exactly the loop of chapter 3, plus the engineering.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from .env import accelerate_precision, pick_precision
from .metrics import evaluate

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


def _reset_accelerate_state() -> None:
    """Let each ``train`` call pick its own precision: accelerate keeps one global state per process
    and refuses a second ``Accelerator`` with another ``mixed_precision`` (e.g. fp32 then bf16 in one
    notebook). Process-group information (``PartialState``) is kept, so multi-process runs still work."""
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(reset_partial_state=False)
    GradientState._reset_state()


def _check_data_labels(loader, num_labels: int | None) -> None:
    rows = getattr(loader, "dataset", None)
    if num_labels is None or not isinstance(rows, list) or not rows or "label" not in rows[0]:
        return
    bad = [r["label"] for r in rows if not 0 <= r["label"] < num_labels]
    if bad:
        raise ValueError(f"the data has label {bad[0]} but the model has num_labels={num_labels} "
                         f"(valid labels 0..{num_labels - 1}): build the classifier with the task's number of classes")


def _rng_free_copy(state: dict) -> dict:
    return {k: v.detach().to("cpu", copy=True) for k, v in state.items()}


def train(model: nn.Module, train_loader, eval_loader=None, config: TrainConfig | None = None,
          loss_fn=None, **overrides) -> History:
    """Fine-tune ``model`` on ``train_loader``; evaluate on ``eval_loader`` each epoch.

    ``config`` fields can also be given as keyword arguments (``train(m, dl, lr=2e-5)``).
    ``loss_fn(logits, labels)`` defaults to mean cross-entropy. Returns a ``History``.
    """
    from accelerate import Accelerator, DataLoaderConfiguration
    from accelerate.utils import set_seed as accelerate_seed
    from transformers import get_linear_schedule_with_warmup

    cfg = TrainConfig(**{**asdict(config or TrainConfig()), **overrides})
    if cfg.resume and not cfg.output_dir:
        raise ValueError("resume=True needs output_dir (where the last checkpoint was saved)")
    if cfg.epochs < 1 or cfg.grad_accum_steps < 1:
        raise ValueError(f"epochs={cfg.epochs} and grad_accum_steps={cfg.grad_accum_steps} must be ≥ 1")
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    num_labels = getattr(model, "num_labels", None)
    _check_data_labels(train_loader, num_labels)
    if eval_loader is not None:
        _check_data_labels(eval_loader, num_labels)

    precision = cfg.precision or pick_precision("cpu" if cfg.cpu else None)
    _reset_accelerate_state()
    accelerator = Accelerator(mixed_precision=accelerate_precision(precision), cpu=cfg.cpu,
                              gradient_accumulation_steps=cfg.grad_accum_steps,
                              dataloader_config=DataLoaderConfiguration(non_blocking=True))
    if precision != "fp32" and accelerator.device.type != "cuda":
        raise ValueError(f"precision={precision} needs a CUDA GPU; this run is on {accelerator.device}")
    accelerate_seed(cfg.seed)
    batch_sampler = getattr(train_loader, "batch_sampler", None)

    optimizer = make_optimizer(parameter_groups(model, cfg.lr, cfg.head_lr, cfg.weight_decay),
                               fused=accelerator.device.type in ("cuda", "cpu"))
    prepared = accelerator.prepare(model, optimizer, train_loader, *([eval_loader] if eval_loader else []))
    model, optimizer, train_dl = prepared[:3]
    eval_dl = prepared[3] if eval_loader is not None else None
    updates_per_epoch = math.ceil(len(train_dl) / cfg.grad_accum_steps)
    total_updates = updates_per_epoch * cfg.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.warmup_ratio * total_updates), total_updates)
    accelerator.register_for_checkpointing(scheduler)

    history = History(precision=precision, device=str(accelerator.device))
    out = Path(cfg.output_dir) if cfg.output_dir else None
    start_epoch, skip_batches, best_state, bad_evals = 0, 0, None, 0
    if cfg.resume:
        last = out / "last"
        if not (last / "trainer_state.json").exists():
            raise FileNotFoundError(f"resume=True but there is no checkpoint in {last}")
        accelerator.load_state(str(last))
        state = json.loads((last / "trainer_state.json").read_text())
        if state["total_updates"] != total_updates:
            raise ValueError(f"the checkpoint in {last} was made with {state['total_updates']} planned updates, "
                             f"this run plans {total_updates}: resume with the same data, epochs and batch size")
        start_epoch, skip_batches, bad_evals = state["epoch"], state["batches_in_epoch"], state["bad_evals"]
        saved = state["history"]
        history.steps, history.evals, history.updates = saved["steps"], saved["evals"], saved["updates"]
        history.best_metric, history.best_update = saved["best_metric"], saved["best_update"]
        history.tokens, history.seconds = saved["tokens"], saved["seconds"]
        if (out / "best" / "model.safetensors").exists():
            from safetensors.torch import load_file
            best_state = load_file(str(out / "best" / "model.safetensors"))

    def save_last(epoch: int, batches_in_epoch: int) -> None:
        if out is None:
            return
        last = out / "last"
        accelerator.save_state(str(last))
        if accelerator.is_main_process:
            state = {"epoch": epoch, "batches_in_epoch": batches_in_epoch, "bad_evals": bad_evals,
                     "total_updates": total_updates, "history": history.to_dict()}
            (last / "trainer_state.json").write_text(json.dumps(state, default=float))

    def run_eval(epoch: int) -> bool:
        """Evaluate, keep the best weights; True if training should stop early."""
        nonlocal best_state, bad_evals
        result = evaluate(model, eval_dl, accelerator=accelerator)
        row = {"update": history.updates, "epoch": epoch + 1,
               **{k: v for k, v in result.items() if isinstance(v, float)}}
        history.evals.append(row)
        if cfg.metric not in row:
            raise ValueError(f"metric={cfg.metric!r} is not one of {sorted(k for k in row if k not in ('update', 'epoch'))}")
        value = row[cfg.metric]
        better = history.best_metric is None or (value < history.best_metric if cfg.metric == "loss"
                                                 else value > history.best_metric)
        if better:
            history.best_metric, history.best_update, bad_evals = value, history.updates, 0
            best_state = _rng_free_copy(accelerator.unwrap_model(model).state_dict())
            if out is not None and accelerator.is_main_process:
                _save_best(accelerator.unwrap_model(model), out / "best", row)
        else:
            bad_evals += 1
        bar.set_postfix_str(f"loss {last_loss:.4f}  {cfg.metric} {value:.4f}")
        return cfg.early_stopping_patience is not None and bad_evals >= cfg.early_stopping_patience

    model.train()
    bar = tqdm(total=total_updates, initial=history.updates, desc="Fine-tuning", unit="update",
               disable=not cfg.progress or not accelerator.is_local_main_process)
    last_loss = float("nan")
    window: list[torch.Tensor] = []
    window_updates: list[int] = []  # the update each logged micro-batch loss belongs to
    tokens = torch.zeros((), dtype=torch.long, device=accelerator.device)
    t0 = time.perf_counter()
    stop = False

    def check_window(epoch: int) -> None:
        nonlocal last_loss, window, window_updates
        if not window:
            return
        losses = torch.stack(window).float()
        finite = torch.isfinite(losses)
        if not bool(finite.all()):
            first = int((~finite).nonzero()[0])
            step = window_updates[first]
            raise FloatingPointError(
                f"the loss became {losses[first].item()} at update {step} (epoch {epoch + 1}): "
                f"training diverged. Lower the learning rate (lr={cfg.lr:g}"
                f"{f', head_lr={cfg.head_lr:g}' if cfg.head_lr else ''}), e.g. 10× smaller, and check the data.")
        last_loss = float(losses.mean())
        history.steps.append({"update": history.updates, "epoch": epoch + 1, "loss": last_loss,
                              "lr": scheduler.get_last_lr()[0]})
        window, window_updates = [], []

    try:
        for epoch in range(start_epoch, cfg.epochs):
            if batch_sampler is not None and hasattr(batch_sampler, "set_epoch"):
                batch_sampler.set_epoch(epoch)
            if hasattr(train_dl, "set_epoch"):
                train_dl.set_epoch(epoch)
            done_in_epoch = skip_batches
            for index, batch in enumerate(train_dl):
                if index < skip_batches:  # resuming: these batches were trained on before the interruption
                    continue
                labels = batch.pop("labels")
                tokens += batch["attention_mask"].sum()
                with accelerator.accumulate(model):
                    logits = model(**batch)
                    loss = loss_fn(logits, labels)
                    accelerator.backward(loss)
                    if accelerator.sync_gradients and cfg.max_grad_norm:
                        accelerator.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
                done_in_epoch += 1
                window.append(loss.detach())
                window_updates.append(history.updates + 1)
                if not accelerator.sync_gradients:
                    continue
                if not accelerator.optimizer_step_was_skipped:
                    scheduler.step()
                history.updates += 1
                bar.update(1)
                if history.updates % cfg.log_every == 0:
                    check_window(epoch)
                    bar.set_postfix_str(f"loss {last_loss:.4f}")
                if eval_dl is not None and cfg.eval_every and history.updates % cfg.eval_every == 0:
                    check_window(epoch)
                    stop = run_eval(epoch)
                    model.train()
                    if stop:
                        history.stopped_early = True
                        break
                if cfg.stop_after_updates and history.updates >= cfg.stop_after_updates:
                    check_window(epoch)
                    history.interrupted = True
                    break
            skip_batches = 0
            check_window(epoch)
            if history.interrupted:
                history.tokens += int(accelerator.reduce(tokens, "sum"))
                history.seconds += time.perf_counter() - t0
                tokens.zero_()
                t0 = time.perf_counter()
                save_last(epoch, done_in_epoch)
                break
            if stop:
                break
            if eval_dl is not None and not (cfg.eval_every and history.evals
                                             and history.evals[-1]["update"] == history.updates):
                stop = run_eval(epoch)
                model.train()
                if stop:
                    history.stopped_early = True
                    break
            history.tokens += int(accelerator.reduce(tokens, "sum"))
            history.seconds += time.perf_counter() - t0
            tokens.zero_()
            t0 = time.perf_counter()
            save_last(epoch + 1, 0)
    finally:
        bar.close()
    if not history.interrupted and tokens.item():
        history.tokens += int(accelerator.reduce(tokens, "sum"))
        history.seconds += time.perf_counter() - t0
    if cfg.load_best and best_state is not None and not history.interrupted:
        accelerator.unwrap_model(model).load_state_dict(best_state)
    accelerator.wait_for_everyone()
    return history


def _save_best(model: nn.Module, folder: Path, row: dict) -> None:
    from safetensors.torch import save_file

    from .model import BertClassifier, save_classifier

    if isinstance(model, BertClassifier):
        save_classifier(model, None, folder, extra={"evaluation": row})
    else:
        folder.mkdir(parents=True, exist_ok=True)
        save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
                  str(folder / "model.safetensors"))
