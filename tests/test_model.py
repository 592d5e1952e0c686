import pytest
import torch
from tiny import tiny_backbone, tiny_classifier

import course_utils as cu


def batch(n=3, seq=7, pad_last=2):
    ids = torch.randint(5, 100, (n, seq))
    mask = torch.ones(n, seq, dtype=torch.long)
    mask[0, seq - pad_last:] = 0
    ids[0, seq - pad_last:] = 0
    return ids, mask


def test_logits_have_shape_batch_by_num_labels():
    model = tiny_classifier(num_labels=5)
    ids, mask = batch()
    assert model(ids, mask).shape == (3, 5)


def test_forward_is_head_of_pooled_encoder_output():
    model = tiny_classifier(pooling="mean").eval()
    ids, mask = batch()
    hidden = model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    expected = model.head(cu.mean_pool(hidden, mask))
    torch.testing.assert_close(model(ids, mask), expected)


def test_gradients_reach_theta_and_omega():
    model = tiny_classifier()
    ids, mask = batch()
    torch.nn.functional.cross_entropy(model(ids, mask), torch.tensor([0, 1, 1])).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.head.parameters())
    enc_grads = [p.grad for p in model.encoder.parameters() if p.grad is not None]
    assert enc_grads and sum(g.abs().sum() for g in enc_grads) > 0


def test_freezing_stops_theta_and_unfreezing_restores_it():
    model = tiny_classifier().freeze_encoder()
    counts = model.parameter_counts()
    assert counts["theta_trainable"] == 0 and counts["omega_trainable"] == counts["omega"] > 0
    before = {n: p.detach().clone() for n, p in model.encoder.named_parameters()}
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0)
    ids, mask = batch()
    torch.nn.functional.cross_entropy(model(ids, mask), torch.tensor([0, 1, 1])).backward()
    opt.step()
    assert cu.relative_change(before, model.encoder) == 0.0
    model.unfreeze_encoder()
    assert model.parameter_counts()["theta_trainable"] == counts["theta"]


def test_mean_pooling_ignores_padding():
    model = tiny_classifier(pooling="mean").eval()
    ids = torch.randint(5, 100, (2, 6))
    mask = torch.ones(2, 6, dtype=torch.long)
    padded_ids = torch.cat([ids, torch.zeros(2, 9, dtype=torch.long)], dim=1)
    padded_mask = torch.cat([mask, torch.zeros(2, 9, dtype=torch.long)], dim=1)
    torch.testing.assert_close(model(ids, mask), model(padded_ids, padded_mask), atol=1e-5, rtol=1e-5)
    hidden = torch.randn(2, 4, 3)
    m = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]])
    torch.testing.assert_close(cu.mean_pool(hidden, m)[0], hidden[0, :2].mean(0))


def test_cls_pooling_takes_the_first_position():
    hidden = torch.randn(2, 4, 3)
    torch.testing.assert_close(cu.cls_pool(hidden), hidden[:, 0])


def test_bad_model_arguments_are_named():
    with pytest.raises(ValueError, match="num_labels"):
        cu.BertClassifier(tiny_backbone(), 1)
    with pytest.raises(ValueError, match="pooling"):
        cu.BertClassifier(tiny_backbone(), 2, pooling="max")


def test_hidden_head_is_two_layers():
    model = cu.BertClassifier(tiny_backbone(), 3, hidden=16)
    assert sum(isinstance(m, torch.nn.Linear) for m in model.head.modules()) == 2


def test_save_and_load_give_the_same_predictions(tmp_path):
    model = tiny_classifier(num_labels=3).eval()
    ids, mask = batch()
    cu.save_classifier(model, None, tmp_path / "clf", ["a", "b", "c"])
    loaded, tok, names = cu.load_classifier(tmp_path / "clf")
    assert names == ["a", "b", "c"] and tok is None
    torch.testing.assert_close(loaded(ids, mask), model(ids, mask))


def test_checkpoint_from_a_different_model_is_refused(tmp_path):
    cu.save_classifier(tiny_classifier(num_labels=3), None, tmp_path / "three")
    with pytest.raises(cu.CheckpointError, match="different model"):
        cu.load_weights(tiny_classifier(num_labels=2), tmp_path / "three")
    with pytest.raises(ValueError, match="label names"):
        cu.save_classifier(tiny_classifier(num_labels=2), None, tmp_path / "x", ["a", "b", "c"])


def test_offline_backbone_is_a_pretrained_bert(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    monkeypatch.delenv("COURSE_MODEL", raising=False)
    model, tokenizer = cu.load_backbone(verbose=False)
    assert type(model).__name__ == "BertModel"
    assert model.config.hidden_size == 384 and model.config.num_hidden_layers == 6
    assert tokenizer("hello world")["input_ids"][0] == tokenizer.cls_token_id


def test_backbone_choice(monkeypatch):
    from course_utils.model import choose_backbone

    monkeypatch.delenv("COURSE_MODEL", raising=False)
    assert choose_backbone("prajjwal1/bert-tiny")[0] == "prajjwal1/bert-tiny"
    monkeypatch.setenv("COURSE_FAST", "1")
    assert choose_backbone()[0] == str(cu.offline_model_path())
    monkeypatch.setenv("COURSE_MODEL", "/some/folder")
    assert choose_backbone() == ("/some/folder", "COURSE_MODEL")
