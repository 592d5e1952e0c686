"""Evaluation and inference: metrics, ``evaluate`` over a data loader, ``predict`` on raw texts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score


def compute_metrics(labels, predictions, num_labels: int | None = None) -> dict[str, float]:
    """Accuracy, macro-F1 (every class counts equally) and micro-F1 (every example counts equally)."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.shape != predictions.shape:
        raise ValueError(f"{labels.shape[0]} labels but {predictions.shape[0]} predictions")
    if labels.size == 0:
        raise ValueError("no examples to evaluate")
    which = list(range(num_labels)) if num_labels else None
    return {"accuracy": float(accuracy_score(labels, predictions)),
            "macro_f1": float(f1_score(labels, predictions, average="macro", labels=which, zero_division=0)),
            "micro_f1": float(f1_score(labels, predictions, average="micro", labels=which, zero_division=0))}


def per_class_report(labels, predictions, label_names, output_dict: bool = False):
    """scikit-learn's precision/recall/F1 per class."""
    return classification_report(labels, predictions, labels=list(range(len(label_names))),
                                 target_names=list(label_names), zero_division=0, output_dict=output_dict)


def confusion(labels, predictions, num_labels: int) -> np.ndarray:
    """Confusion matrix (rows: true class, columns: predicted class)."""
    return confusion_matrix(labels, predictions, labels=list(range(num_labels)))


def _check_labels(labels: torch.Tensor, num_labels: int) -> None:
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_labels):
        raise ValueError(f"label {int(labels.max()) if int(labels.max()) >= num_labels else int(labels.min())} "
                         f"does not fit a model with num_labels={num_labels} (valid: 0..{num_labels - 1}); "
                         "does the model's number of classes match the data?")


@torch.inference_mode()
def evaluate(model, loader, accelerator=None, device=None) -> dict:
    """Metrics of ``model`` on a loader of labelled batches, plus the mean loss.

    Runs under ``torch.inference_mode()`` in eval mode (dropout off); restores the previous mode.
    With an ``accelerate.Accelerator`` the predictions of all processes are gathered.
    Returns ``accuracy``, ``macro_f1``, ``micro_f1``, ``loss`` and the arrays ``labels``/``predictions``.
    """
    was_training = model.training
    model.eval()
    device = device or (accelerator.device if accelerator else next(model.parameters()).device)
    num_labels = getattr(getattr(model, "module", model), "num_labels", None)
    all_logits, all_labels = [], []
    for batch in loader:
        batch = {k: v.to(device) for k, v in batch.items()}
        labels = batch.pop("labels")
        if num_labels is not None:
            _check_labels(labels, num_labels)
        logits = model(**batch).float()
        if accelerator is not None:
            logits, labels = accelerator.gather_for_metrics((logits, labels))
        all_logits.append(logits)
        all_labels.append(labels)
    model.train(was_training)
    if not all_logits:
        raise ValueError("evaluate: the loader yielded no batches")
    logits, labels = torch.cat(all_logits), torch.cat(all_labels)
    loss = float(torch.nn.functional.cross_entropy(logits, labels))
    preds = logits.argmax(-1).cpu().numpy()
    labels = labels.cpu().numpy()
    out = compute_metrics(labels, preds, logits.shape[-1])
    out.update(loss=loss, labels=labels, predictions=preds)
    return out


@dataclass
class Predictions:
    """What ``predict`` returns: one entry per input text, in input order."""

    labels: list            # label names (or indices if no names were given)
    label_ids: np.ndarray   # (n,) int
    probs: np.ndarray       # (n, num_labels) float, rows sum to 1

    def __len__(self) -> int:
        return len(self.labels)


@torch.inference_mode()
def predict(model, tokenizer, texts, label_names=None, max_length: int = 128, batch_size: int = 64,
            device=None) -> Predictions:
    """Inference with a tuned model: ``ŷ = F_ω̃(BERT_θ̃(x_new))`` for each text.

    Texts are batched by length (less padding) and the results returned in input order.
    """
    if isinstance(texts, str):
        texts = [texts]
    texts = list(texts)
    if not texts:
        raise ValueError("predict: no texts given")
    for i, t in enumerate(texts):
        if not isinstance(t, str) or not t.strip():
            raise ValueError(f"predict: text {i} is empty or not a string ({t!r})")
    num_labels = getattr(model, "num_labels", None)
    if label_names is not None and num_labels is not None and len(label_names) != num_labels:
        raise ValueError(f"{len(label_names)} label names for a model with {num_labels} outputs")
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    order = np.argsort([-len(t) for t in texts], kind="stable")
    probs = np.zeros((len(texts), 0), dtype=np.float32)
    chunks = []
    for start in range(0, len(texts), batch_size):
        idx = order[start:start + batch_size]
        enc = tokenizer([texts[i] for i in idx], truncation=True, max_length=max_length, padding=True,
                        return_tensors="pt", return_token_type_ids=False)
        logits = model(input_ids=enc["input_ids"].to(device), attention_mask=enc["attention_mask"].to(device))
        chunks.append(torch.softmax(logits.float(), dim=-1).cpu().numpy())
    model.train(was_training)
    stacked = np.concatenate(chunks)
    probs = np.empty_like(stacked)
    probs[order] = stacked
    ids = probs.argmax(-1)
    labels = [label_names[i] for i in ids] if label_names is not None else ids.tolist()
    return Predictions(labels, ids, probs)
