import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from tiny import synthetic_tokenized, tiny_classifier

import course_utils as cu

QUIET = {"progress": False, "cpu": True}


def loaders(n=96, num_labels=2, batch_size=8, seed=0):
    data = synthetic_tokenized(n, num_labels, seed=seed)
    return (cu.make_loader(data, batch_size=batch_size, seed=seed),
            cu.make_loader(synthetic_tokenized(40, num_labels, seed=seed + 1), batch_size=16, shuffle=False))


def test_overfits_one_small_batch():
    model = tiny_classifier()
    one_batch = cu.make_loader(synthetic_tokenized(8), batch_size=8)
    history = cu.train(model, one_batch, epochs=60, lr=3e-3, warmup_ratio=0.0, log_every=1, **QUIET)
    assert history.steps[0]["loss"] > 0.3
    assert history.steps[-1]["loss"] < 0.05, "the loop cannot fit 8 examples: something is wrong"


def test_training_improves_the_metric_and_keeps_the_best():
    model = tiny_classifier()
    train_dl, eval_dl = loaders()
    before = cu.evaluate(model, eval_dl)["accuracy"]
    history = cu.train(model, train_dl, eval_dl, epochs=4, lr=2e-3, **QUIET)
    assert len(history.evals) == 4 and history.updates == 4 * len(train_dl)
    assert history.best_metric == max(e["accuracy"] for e in history.evals) > before
    assert cu.evaluate(model, eval_dl)["accuracy"] == history.best_metric  # best weights restored
    assert history.tokens == sum(synthetic_tokenized(96)["length"]) * 4


def test_head_gets_its_own_learning_rate_and_no_decay_on_bias_and_layernorm():
    model = tiny_classifier()
    groups = cu.parameter_groups(model, lr=1e-5, head_lr=1e-3, weight_decay=0.01)
    head_ids = {id(p) for p in model.head.parameters()}
    for g in groups:
        in_head = {id(p) in head_ids for p in g["params"]}
        assert len(in_head) == 1
        assert g["lr"] == (1e-3 if in_head.pop() else 1e-5)
    names = {id(p): n for n, p in model.named_parameters()}
    for g in groups:
        for p in g["params"]:
            if "LayerNorm" in names[id(p)] or names[id(p)].endswith("bias"):
                assert g["weight_decay"] == 0.0
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))


def test_frozen_encoder_trains_only_omega():
    model = tiny_classifier().freeze_encoder()
    before = {n: p.detach().clone() for n, p in model.encoder.named_parameters()}
    head_before = {n: p.detach().clone() for n, p in model.head.named_parameters()}
    train_dl, _ = loaders(32)
    cu.train(model, train_dl, epochs=1, lr=1e-2, **QUIET)
    assert cu.relative_change(before, model.encoder) == 0.0
    assert cu.relative_change(head_before, model.head) > 0.0


def test_everything_frozen_is_an_error():
    model = tiny_classifier().freeze_encoder()
    for p in model.head.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="everything is frozen"):
        cu.train(model, loaders(16)[0], **QUIET)


def test_num_labels_mismatch_is_named():
    train_dl, _ = loaders(32, num_labels=3)
    with pytest.raises(ValueError, match="num_labels=2"):
        cu.train(tiny_classifier(num_labels=2), train_dl, **QUIET)


def test_diverging_loss_stops_with_the_update_and_advice():
    model = tiny_classifier()
    with torch.no_grad():
        model.head.net[-1].weight.fill_(float("nan"))
    with pytest.raises(FloatingPointError, match=r"update 1 .*[Ll]ower the learning rate"):
        cu.train(model, loaders(32)[0], **QUIET)


def test_gradient_accumulation_counts_updates():
    train_dl, _ = loaders(64, batch_size=8)  # 8 micro-batches
    history = cu.train(tiny_classifier(), train_dl, epochs=1, grad_accum_steps=4, log_every=1, **QUIET)
    assert history.updates == 2


def test_early_stopping_stops(tmp_path):
    train_dl, eval_dl = loaders()
    history = cu.train(tiny_classifier(), train_dl, eval_dl, epochs=20, lr=0.0, head_lr=1e-12,
                       early_stopping_patience=2, **QUIET)
    assert history.stopped_early and len(history.evals) == 3


def test_resume_ends_where_an_uninterrupted_run_would(tmp_path):
    settings = dict(epochs=3, lr=2e-3, **QUIET)
    full_dl, eval_dl = loaders()
    full = tiny_classifier()
    h_full = cu.train(full, full_dl, eval_dl, load_best=False, output_dir=str(tmp_path / "a"), **settings)

    part = tiny_classifier()
    dl1, eval_dl = loaders()
    h1 = cu.train(part, dl1, eval_dl, load_best=False, output_dir=str(tmp_path / "b"),
                  stop_after_updates=len(dl1) + 5, **settings)  # interrupted in the middle of epoch 2
    assert h1.interrupted and h1.updates == len(dl1) + 5
    resumed = tiny_classifier(seed=123)  # a fresh process would rebuild the model from scratch
    dl2, eval_dl = loaders()
    h2 = cu.train(resumed, dl2, eval_dl, load_best=False, output_dir=str(tmp_path / "b"), resume=True, **settings)
    assert h2.updates == h_full.updates
    assert [e["accuracy"] for e in h2.evals] == [e["accuracy"] for e in h_full.evals]
    for (name, a), b in zip(full.state_dict().items(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5, msg=f"{name} differs after resume")
    assert (tmp_path / "b" / "best" / "model.safetensors").exists()


def test_resume_without_a_checkpoint_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        cu.train(tiny_classifier(), loaders(16)[0], output_dir=str(tmp_path), resume=True, **QUIET)


TWO_PROCESS_SCRIPT = r"""
import json, os, sys
sys.path.insert(0, {tests!r})
from tiny import synthetic_tokenized, tiny_classifier
import course_utils as cu
model = tiny_classifier()
train_dl = cu.make_loader(synthetic_tokenized(64), batch_size=8)
eval_dl = cu.make_loader(synthetic_tokenized(30, seed=1), batch_size=8, shuffle=False)
h = cu.train(model, train_dl, eval_dl, epochs=2, lr=2e-3, progress=False, cpu=True)
total = sum(p.detach().double().sum().item() for p in model.parameters())
with open(os.path.join({out!r}, f"rank{{os.environ['RANK']}}.json"), "w") as f:
    json.dump({{"updates": h.updates, "evals": h.evals, "world": int(os.environ["WORLD_SIZE"]),
               "checksum": total}}, f)
"""


def test_two_cpu_processes_train_and_agree(tmp_path):
    script = tmp_path / "two.py"
    script.write_text(TWO_PROCESS_SCRIPT.format(tests=str(Path(__file__).parent), out=str(tmp_path)))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29533",
           str(script)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0]["world"] == 2
    # 64 examples, batch 8 per process, 2 processes: 4 updates an epoch
    assert ranks[0]["updates"] == ranks[1]["updates"] == 8
    assert ranks[0]["evals"] == ranks[1]["evals"] and len(ranks[0]["evals"]) == 2
    assert ranks[0]["checksum"] == pytest.approx(ranks[1]["checksum"], rel=1e-9)  # same weights everywhere


def recording_collate(loader):
    """Make ``loader`` record each batch it collates (the input ids of its examples)."""
    seen, collate = [], loader.collate_fn

    def record(examples):
        seen.append([tuple(e["input_ids"]) for e in examples])
        return collate(examples)

    loader.collate_fn = record
    return seen


def test_resume_skips_finished_batches_without_collating_them(tmp_path):
    settings = dict(epochs=2, lr=2e-3, **QUIET)
    straight_dl, _ = loaders()
    straight = recording_collate(straight_dl)
    cu.train(tiny_classifier(), straight_dl, **settings)

    cu.train(tiny_classifier(), loaders()[0], output_dir=str(tmp_path), stop_after_updates=5, **settings)
    resumed_dl, _ = loaders()
    resumed = recording_collate(resumed_dl)
    history = cu.train(tiny_classifier(seed=123), resumed_dl, output_dir=str(tmp_path), resume=True, **settings)
    assert history.updates == 2 * len(resumed_dl)
    assert len(resumed) == 2 * len(resumed_dl) - 5, "the 5 batches trained before the interruption were collated again"
    assert resumed == straight[5:], "the resumed run must see the rest of the interrupted epoch, then the next, in order"


@pytest.mark.gpu
def test_course_device_cpu_is_honoured_on_a_gpu_machine(monkeypatch):
    """COURSE_DEVICE=cpu wins over a GPU that the course and accelerate can see.

    The fake GPU is visible only while the run chooses its device (``train._accelerator``: the course's
    own choice, then accelerate's state, built afresh as in a new process) and is gone before torch's
    own kernels run: with a CUDA build of torch and no NVIDIA driver, AdamW's step would otherwise ask
    ``torch.cuda.is_available()``, get True, and fail initialising CUDA (the CPU build never gets
    there). So the test holds with either build of torch."""
    import importlib

    from accelerate.state import PartialState

    train_module = importlib.import_module("course_utils.train")  # the module, not cu.train the function

    train_dl, _ = loaders(32)  # built before the fake GPU appears (it would pin memory)
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    monkeypatch.delenv("COURSE_PRECISION", raising=False)
    real, asked = train_module._accelerator, []

    def on_a_gpu_machine(cfg):
        with monkeypatch.context() as gpu:
            gpu.setattr(torch.cuda, "is_available", lambda: asked.append(1) or True)
            PartialState._reset_state()  # accelerate decides the device afresh, as in a new process
            with monkeypatch.context() as unforced:  # the fake GPU is what the course would pick unforced
                unforced.delenv("COURSE_DEVICE")
                assert cu.get_device().type == "cuda"
            return real(cfg)

    monkeypatch.setattr(train_module, "_accelerator", on_a_gpu_machine)
    history = cu.train(tiny_classifier(), train_dl, epochs=1, progress=False)  # no cpu=True
    assert asked, "the fake GPU was never consulted"
    assert history.device == "cpu" and history.precision == "fp32"
    assert not torch.cuda.is_initialized()


def test_bad_or_impossible_precision_is_named():
    train_dl, _ = loaders(16)
    with pytest.raises(ValueError, match="precision='fp8'"):
        cu.train(tiny_classifier(), train_dl, precision="fp8", **QUIET)
    with pytest.raises(ValueError, match="precision=bf16 needs a CUDA GPU"):
        cu.train(tiny_classifier(), train_dl, precision="bf16", **QUIET)
