"""CUDA paths of course_utils on a real GPU: precision choice, bf16 and fp16 (+ GradScaler) training,
memory. Run on a machine with a GPU:  python benchmarks/gpu_checks.py
Prints one line per check and exits non-zero if one fails."""

import json
import sys

import torch
from transformers import BertConfig, BertModel

import course_utils as cu
from course_utils.data import pad_collate


def tiny_task(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    rows = []
    for _ in range(n):
        label = int(torch.randint(2, (1,), generator=g))
        length = int(torch.randint(6, 40, (1,), generator=g))
        rows.append({"input_ids": [101, 2000 + label] + torch.randint(3000, 9000, (length,), generator=g).tolist() + [102],
                     "label": label})
    return rows


def loader(rows, bs=32, shuffle=True):
    return torch.utils.data.DataLoader(rows, batch_size=bs, shuffle=shuffle, collate_fn=pad_collate,
                                       generator=torch.Generator().manual_seed(0))


def main():
    assert torch.cuda.is_available(), "no GPU"
    results = {"gpu": torch.cuda.get_device_name(0), "bf16_supported": torch.cuda.is_bf16_supported(),
               "picked_precision": cu.pick_precision(), "device": str(cu.get_device())}
    print(json.dumps(results))
    ok = results["picked_precision"] == ("bf16" if results["bf16_supported"] else "fp16")
    config = BertConfig(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024)
    for precision in ("fp32", "bf16", "fp16"):
        torch.manual_seed(0)
        model = cu.BertClassifier(BertModel(config, add_pooling_layer=False), 2)
        torch.cuda.reset_peak_memory_stats()
        h = cu.train(model, loader(tiny_task()), loader(tiny_task(128, 1), shuffle=False), epochs=6, lr=5e-4,
                     head_lr=5e-3, precision=precision, progress=False)
        acc = h.evals[-1]["accuracy"]
        line = {"precision": precision, "train_precision": h.precision, "device": h.device, "updates": h.updates,
                "final_loss": round(h.steps[-1]["loss"], 4), "val_accuracy": acc,
                "peak_mem_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1),
                "tokens_per_s": round(h.tokens_per_second)}
        print(json.dumps(line))
        ok &= h.device.startswith("cuda") and acc > 0.9
    # fp16 divergence: a NaN loss must be caught with the update named, even with the GradScaler
    model = cu.BertClassifier(BertModel(config, add_pooling_layer=False), 2)
    with torch.no_grad():
        model.head.net[-1].weight.fill_(float("nan"))
    try:
        cu.train(model, loader(tiny_task(64)), precision="fp16", progress=False)
        print("NaN not caught"); ok = False
    except FloatingPointError as e:
        print("NaN caught:", str(e)[:100])
    print("ALL OK" if ok else "SOME CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
