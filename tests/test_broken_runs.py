"""course_utils.broken_runs: each broken run shows the symptoms chapter 6 teaches for its cause."""

from __future__ import annotations

import math

import pytest
import torch

from course_utils import broken_runs
from course_utils.model import BertClassifier

# The answer key of chapter 6's exercise 4 (its solution cell and hidden test hold the same letters).
KEY = {"run_1": "H", "run_2": "F", "run_3": "A", "run_4": "C", "run_5": "E", "run_6": "B", "run_7": "D"}


def _tiny_classifier() -> BertClassifier:
    import transformers

    torch.manual_seed(0)
    config = transformers.BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                                     vocab_size=100, attn_implementation="eager")
    return BertClassifier(transformers.BertModel(config, add_pooling_layer=False), num_labels=2, pooling="mean")


def _reviews(n: int, seed: int) -> list:
    """Chapter 6's synthetic task: label 1 holds 1-3 ids in 10-19, label 0 holds 1-3 ids in 20-29."""
    g = torch.Generator().manual_seed(seed)
    rows = []
    for _ in range(n):
        label = int(torch.rand((), generator=g) < 0.35)
        body = torch.randint(30, 100, (int(torch.randint(4, 25, (), generator=g)),), generator=g)
        where = torch.randperm(len(body), generator=g)[:int(torch.randint(1, 4, (), generator=g))]
        first = 10 if label == 1 else 20
        body[where] = torch.randint(first, first + 10, (len(where),), generator=g)
        rows.append(([1] + body.tolist() + [2], label))
    return rows


def _batches(rows: list, batch_size: int, pad_to: int | None = None) -> list:
    out = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        seq = pad_to or max(len(ids) for ids, _ in chunk)
        ids = torch.zeros(len(chunk), seq, dtype=torch.long)
        for i, (r, _) in enumerate(chunk):
            ids[i, :len(r)] = torch.tensor(r)
        out.append({"input_ids": ids, "attention_mask": (ids != 0).long(), "labels": torch.tensor([y for _, y in chunk])})
    return out


@pytest.fixture(scope="module")
def runs() -> dict:
    torch.set_num_threads(1)
    return broken_runs.replay(_tiny_classifier, _reviews(320, 0), _reviews(256, 1), _batches)


def test_names_and_key() -> None:
    assert broken_runs._causes() == KEY  # the notebook's answer key depends on this order
    assert sorted(KEY.values()) == sorted(broken_runs._BROKEN)


def test_symptoms(runs: dict) -> None:
    assert set(runs) == {"healthy", *KEY}
    healthy = runs["healthy"]
    assert len(healthy.losses) == len(healthy.grad_norms) == 40
    assert healthy.val_accuracy > 0.95 and healthy.train_accuracy > 0.95 and healthy.theta_change > 0.1
    by_cause = {cause: runs[name] for name, cause in KEY.items()}
    majority = max(by_cause["A"].val_counts) / sum(by_cause["A"].val_counts)
    # A: far above ln 2 early, θ moves by more than its size
    assert max(by_cause["A"].losses[:10]) > 3 * math.log(2) and by_cause["A"].theta_change > 1
    # B: the gradient norm climbs far above the healthy run's typical one and stays there
    healthy_median = sorted(healthy.grad_norms)[20]
    assert min(by_cause["B"].grad_norms[-10:]) > 3 * healthy_median
    # C: nothing moves, no gradient reaches the optimiser
    assert by_cause["C"].theta_change == by_cause["C"].omega_change == 0 and max(by_cause["C"].grad_norms) == 0
    # D: parameters move, the model learns nothing about the inputs
    assert by_cause["D"].theta_change > 0.05 and by_cause["D"].val_accuracy < majority + 0.05
    # E: trained like the healthy run; its own predictions are worse than the standard evaluation
    assert by_cause["E"].losses == healthy.losses
    assert by_cause["E"].val_accuracy_standard - by_cause["E"].val_accuracy > 0.05 and by_cause["E"].train_accuracy < 1
    # F: perfect on its few training examples, far worse on validation
    assert by_cause["F"].train_accuracy == 1 and by_cause["F"].val_accuracy < healthy.val_accuracy - 0.2
    # H: moves, but about a hundred times less than the healthy run
    assert 0 < by_cause["H"].theta_change < healthy.theta_change / 30


def test_same_arguments_same_histories(runs: dict) -> None:
    broken_runs.set_seed(0)  # as replay does before every run
    again = broken_runs._run(broken_runs._BROKEN["A"], _tiny_classifier, _reviews(320, 0), _reviews(256, 1), _batches, 2)
    assert again.losses == runs["run_3"].losses and again.val_counts == runs["run_3"].val_counts


def test_empty_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        broken_runs.replay(_tiny_classifier, [], _reviews(4, 0), _batches)
