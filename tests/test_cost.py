"""course_utils.cost: measured time and memory of a training step (memory is exact; times are never asserted)."""

import pytest
import torch
from tiny import tiny_backbone, tiny_classifier
from transformers import BertConfig, BertModel

import course_utils as cu
from course_utils import cost


def batch(batch_size: int = 3, seq_len: int = 8, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {"input_ids": torch.randint(5, 100, (batch_size, seq_len), generator=g),
            "attention_mask": torch.ones(batch_size, seq_len, dtype=torch.long),
            "labels": torch.randint(0, 2, (batch_size,), generator=g)}


def eager_bert(**config) -> BertModel:
    torch.manual_seed(0)
    settings = {"vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                "intermediate_size": 64}
    settings.update(config)
    return BertModel(BertConfig(**settings, attn_implementation="eager"), add_pooling_layer=False)


def test_tensor_bytes_counts_elements_times_size():
    assert cost.tensor_bytes([torch.zeros(3, 4), None, torch.zeros(5, dtype=torch.float16)]) == 48 + 10
    assert cost.tensor_bytes([]) == 0


def test_measure_step_memory_by_kind():
    model = tiny_classifier()
    n = cu.count_parameters(model)
    step = cost.measure_step(model, batch(), repeats=2)
    assert step.weights == 4 * n
    assert step.gradients == 4 * n
    # AdamW: two fp32 moments per parameter, plus a one-number step counter per tensor
    n_tensors = len(list(model.parameters()))
    assert step.optimizer == 8 * n + 4 * n_tensors
    assert step.activations > 0
    assert step.total == step.weights + step.gradients + step.optimizer + step.activations
    assert step.tokens == 3 * 8 and step.peak is None and step.device == "cpu"
    assert len(step.all_seconds) == 2 and step.seconds == min(step.all_seconds) > 0


def test_measure_step_frozen_encoder_has_no_encoder_gradients_or_states():
    model = tiny_classifier().freeze_encoder()
    head = cu.count_parameters(model.head)
    step = cost.measure_step(model, batch(), repeats=1)
    assert step.weights == 4 * cu.count_parameters(model)
    assert step.gradients == 4 * head
    assert step.optimizer == 8 * head + 4 * len(list(model.head.parameters()))
    full = cost.measure_step(tiny_classifier(), batch(), repeats=1)
    assert step.activations < full.activations / 5, "nothing inside a frozen encoder needs saving for backward"


def test_measure_step_leaves_the_model_as_it_was():
    model = tiny_classifier().eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    cost.measure_step(model, batch(), repeats=1)
    assert not model.training, "the model's eval mode must be restored"
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()), "lr=0: weights must not change"
    assert all(p.grad is None for p in model.parameters()), "gradients are cleared at the end"


def test_measure_step_rejects_bad_input():
    with pytest.raises(ValueError, match="labels"):
        cost.measure_step(tiny_classifier(), {k: v for k, v in batch().items() if k != "labels"})
    with pytest.raises(ValueError, match="repeats"):
        cost.measure_step(tiny_classifier(), batch(), repeats=0)
    model = tiny_classifier()
    model.requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable"):
        cost.measure_step(model, batch())


def test_saved_activations_match_the_textbook_count():
    """Eager attention in train mode keeps ≈ 4·L·B·s·(10d + 2I + 3as) bytes (plus a little for the embeddings)."""
    for seq_len in (16, 64):
        model = eager_bert()
        inputs = {k: v for k, v in batch(3, seq_len).items() if k != "labels"}
        kept = cost.saved_activation_bytes(model, inputs)
        formula = 4 * 2 * 3 * seq_len * (10 * 32 + 2 * 64 + 3 * 2 * seq_len)
        assert 1.0 <= kept / formula < 1.2, (seq_len, kept, formula)


def test_saved_activations_grow_faster_than_the_length():
    model = eager_bert()
    small = cost.saved_activation_bytes(model, {"input_ids": batch(2, 32)["input_ids"]})
    large = cost.saved_activation_bytes(model, {"input_ids": batch(2, 128)["input_ids"]})
    assert large > 4.5 * small, "attention probabilities grow with s²"


def test_saved_activations_restore_mode_and_keep_nothing():
    model = tiny_backbone().eval()
    assert cost.saved_activation_bytes(model, {"input_ids": batch()["input_ids"]}) > 0
    assert not model.training
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_measure_step_cuda_peak_counts_only_this_model():
    device = torch.device("cuda")
    model = tiny_classifier().to(device)
    unrelated = torch.empty(64 * 2**20, dtype=torch.float32, device=device)  # 256 MiB of something else
    step = cost.measure_step(model, batch(), repeats=1)
    assert step.resident >= unrelated.numel() * 4
    # weights, gradients and Adam states are all on the GPU during the step; the unrelated tensor is not counted
    cpu_step_counters = 4 * len(list(model.parameters()))  # AdamW keeps its step counts on the CPU
    assert step.weights + step.gradients + step.optimizer - cpu_step_counters <= step.peak < unrelated.numel() * 4
    del unrelated


def _graph_tensors() -> int:
    """Live tensors that belong to an autograd graph (have a grad_fn)."""
    import gc
    import warnings
    gc.collect()
    with warnings.catch_warnings():  # isinstance() on some torch module attributes warns of deprecations
        warnings.simplefilter("ignore")
        return sum(1 for o in gc.get_objects() if isinstance(o, torch.Tensor) and o.grad_fn is not None)


def test_measuring_frees_the_graph_it_measured():
    # A pack hook that returns the tensor itself leaks every measured activation through a reference cycle
    # in autograd's C++ graph: a sweep over sizes kept gigabytes alive on a GPU.
    model = tiny_classifier()
    before = _graph_tensors()
    assert cost.saved_activation_bytes(model, {k: v for k, v in batch().items() if k != "labels"}) > 0
    cost.measure_step(model, batch(seq_len=16), repeats=1)
    assert _graph_tensors() == before
