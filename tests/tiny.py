"""A tiny random BERT and synthetic data: fast stand-ins for unit tests of course_utils."""

import torch
from datasets import Dataset
from transformers import BertConfig, BertModel

import course_utils as cu


def tiny_backbone(seed: int = 0) -> BertModel:
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    return BertModel(config, add_pooling_layer=False)


def tiny_classifier(num_labels: int = 2, pooling: str = "cls", seed: int = 0) -> cu.BertClassifier:
    return cu.BertClassifier(tiny_backbone(seed), num_labels, pooling=pooling, dropout=0.0)


def synthetic_tokenized(n: int = 64, num_labels: int = 2, seed: int = 0, max_len: int = 20) -> Dataset:
    """Token sequences whose label is written in their second token: learnable in a few steps."""
    g = torch.Generator().manual_seed(seed)
    rows = {"input_ids": [], "label": [], "length": []}
    for _ in range(n):
        label = int(torch.randint(num_labels, (1,), generator=g))
        length = int(torch.randint(4, max_len, (1,), generator=g))
        body = torch.randint(10, 100, (length - 3,), generator=g).tolist()
        ids = [1, 2 + label] + body + [3]
        rows["input_ids"].append(ids)
        rows["label"].append(label)
        rows["length"].append(len(ids))
    return Dataset.from_dict(rows)
