import numpy as np
import pytest
import torch
from tiny import synthetic_tokenized, tiny_classifier

import course_utils as cu


def test_metrics_match_hand_computed_values():
    m = cu.compute_metrics([0, 0, 0, 1], [0, 0, 0, 0], num_labels=2)
    assert m["accuracy"] == 0.75 and m["micro_f1"] == 0.75
    assert m["macro_f1"] == pytest.approx((6 / 7 + 0) / 2)


def test_metrics_reject_mismatched_lengths():
    with pytest.raises(ValueError, match="3 labels but 2 predictions"):
        cu.compute_metrics([0, 1, 1], [0, 1])


def test_confusion_and_report():
    cm = cu.confusion([0, 1, 2, 2], [0, 2, 2, 2], 3)
    assert cm.tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 2]]
    report = cu.per_class_report([0, 1, 2, 2], [0, 2, 2, 2], ["a", "b", "c"], output_dict=True)
    assert report["c"]["recall"] == 1.0 and report["b"]["recall"] == 0.0


def test_evaluate_restores_training_mode_and_counts_every_example():
    model = tiny_classifier().train()
    loader = cu.make_loader(synthetic_tokenized(50), batch_size=8, shuffle=False)
    result = cu.evaluate(model, loader)
    assert model.training and len(result["labels"]) == 50
    assert 0 <= result["accuracy"] <= 1 and result["loss"] > 0


def test_evaluate_names_a_num_labels_mismatch():
    loader = cu.make_loader(synthetic_tokenized(20, num_labels=3), batch_size=8, shuffle=False)
    with pytest.raises(ValueError, match="num_labels=2"):
        cu.evaluate(tiny_classifier(num_labels=2), loader)


def test_predict_returns_input_order_and_probabilities():
    from transformers import BertModel, BertTokenizerFast

    tok = BertTokenizerFast.from_pretrained(str(cu.offline_model_path()))
    torch.manual_seed(0)
    backbone = BertModel(__import__("transformers").BertConfig(
        vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32), add_pooling_layer=False)
    model = cu.BertClassifier(backbone, 2).eval()
    texts = ["short", "a much much longer text with many more words in it", "medium length text"]
    pred = cu.predict(model, tok, texts, ["neg", "pos"], batch_size=2)
    assert pred.probs.shape == (3, 2) and np.allclose(pred.probs.sum(1), 1)
    for i, t in enumerate(texts):  # each text alone gives the same probabilities
        np.testing.assert_allclose(cu.predict(model, tok, [t]).probs[0], pred.probs[i], atol=1e-5)
    assert pred.labels == [["neg", "pos"][i] for i in pred.label_ids]
    with pytest.raises(ValueError, match="empty"):
        cu.predict(model, tok, ["fine", ""])
    with pytest.raises(ValueError, match="label names"):
        cu.predict(model, tok, ["fine"], ["a", "b", "c"])
