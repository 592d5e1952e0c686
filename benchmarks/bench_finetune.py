"""Fine-tuning speed, side by side: course_utils.train vs Hugging Face Trainer.

Same model (the offline encoder + a linear head on [CLS], or on the masked mean with --pooling mean), data, max length, batch size,
learning rate, epochs and seed for every variant:

  a   course_utils.train with length-grouped batches (and what else `--a-*` flags turn on)
  b   transformers.Trainer with the same hyper-parameters and its defaults otherwise
  c   Trainer with length-grouped sampling

Each variant runs in its own subprocess (so peak memory is its own), one after another on the
same machine. Reports wall time, real (unpadded) training tokens/s, padding efficiency, peak
memory, test accuracy, FLOPs utilisation against this machine's measured matmul throughput, and
the ratios a/b and a/c. Prints a markdown table and writes JSON.

    python benchmarks/bench_finetune.py --quick            # ~2,000 examples: a couple of minutes
    python benchmarks/bench_finetune.py                    # the full train split
    python benchmarks/bench_finetune.py --device cuda --synthetic-length 128 --model bert-base-random \\
        --precision bf16                                   # GPU speed (random weights: no accuracy)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

VARIANTS = {"a": "course_utils.train, length-grouped", "b": "HF Trainer (defaults)",
            "c": "HF Trainer, group_by_length", "a_plain": "course_utils.train, random batches",
            "a_frozen_emb": "course_utils.train, length-grouped, word embeddings frozen"}


def matmul_peak_flops(device: str, dtype_name: str = "fp32", n: int = 2048, repeats: int = 10) -> float:
    """This machine's dense matmul throughput (FLOP/s) for an n×n×n product: the compute roof."""
    import torch

    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype_name]
    if device == "cuda":
        n = 8192
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    return 2 * n ** 3 * repeats / (time.perf_counter() - t0)


# ----------------------------------------------------------------------------------------------
# One variant (runs in a subprocess)


def build_model(args, num_labels):
    import torch
    from transformers import BertConfig, BertModel

    import course_utils as cu

    torch.manual_seed(args.seed)
    if args.model == "bert-base-random":  # bert-base size with random weights: speed, not accuracy
        backbone = BertModel(BertConfig(), add_pooling_layer=False)
        tokenizer = None
    else:
        backbone, tokenizer = cu.load_backbone(args.model, verbose=False)
    torch.manual_seed(args.seed)
    model = cu.BertClassifier(backbone, num_labels, pooling=args.pooling)
    return model, tokenizer


def load_data(args):
    """Tokenised train/test splits (real data), or random full-length sequences (speed only)."""
    import numpy as np
    from datasets import Dataset, DatasetDict

    import course_utils as cu

    if args.synthetic_length:
        rng = np.random.default_rng(args.seed)
        def fake(n):
            ids = [[101] + rng.integers(1000, 30000, args.synthetic_length - 2).tolist() + [102] for _ in range(n)]
            return Dataset.from_dict({"input_ids": ids, "label": rng.integers(0, 2, n).tolist(),
                                      "length": [args.synthetic_length] * n})
        return DatasetDict({"train": fake(args.train_size or 2048), "test": fake(256)}), 2, None
    dsd = cu.load_task(args.task, fast=False, verbose=False)
    if args.train_size:
        dsd["train"] = cu.stratified_subset(dsd["train"], args.train_size, seed=args.seed)
    _, tokenizer = cu.load_backbone(args.model, verbose=False)
    tok = cu.tokenize(dsd, tokenizer, max_length=args.max_length)
    return tok, dsd["train"].features["label"].num_classes, tokenizer


class Counter:
    """Counts real and padded tokens in every training batch a collate function builds."""

    def __init__(self, collate):
        self.collate, self.real, self.padded = collate, 0, 0

    def __call__(self, examples):
        batch = self.collate(examples)
        self.real += int(batch["attention_mask"].sum())
        self.padded += batch["attention_mask"].numel()
        return batch


def peak_memory_mb(device: str) -> float:
    import torch

    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 2 ** 20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_ours(args, tok, num_labels, tokenizer, grouped: bool):
    import torch

    import course_utils as cu

    model, _ = build_model(args, num_labels)
    if args.a_freeze_word_embeddings or args.variant == "a_frozen_emb":
        model.freeze_word_embeddings()
    train_dl = cu.make_loader(tok["train"], tokenizer, batch_size=args.batch_size, seed=args.seed,
                              group_by_length=grouped)
    counter = Counter(train_dl.collate_fn)
    train_dl.collate_fn = counter
    precision = args.precision
    t0 = time.perf_counter()
    history = cu.train(model, train_dl, None, epochs=args.epochs, lr=args.lr, weight_decay=0.0, warmup_ratio=0.0,
                       max_grad_norm=1.0, precision=precision, cpu=args.device == "cpu", seed=args.seed,
                       progress=False, log_every=50)
    if args.device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    test_dl = cu.make_loader(tok["test"], tokenizer, batch_size=128, shuffle=False)
    acc = cu.evaluate(model, test_dl)["accuracy"]
    return seconds, counter, acc, history.updates, model


def run_trainer(args, tok, num_labels, tokenizer, grouped: bool):
    import torch
    import transformers
    from torch import nn
    from transformers import Trainer, TrainingArguments

    import course_utils as cu

    model, _ = build_model(args, num_labels)

    class WithLoss(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, labels=None, **_):
            logits = self.inner(input_ids, attention_mask)
            loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
            return {"loss": loss, "logits": logits}

    wrapped = WithLoss(model)
    pad = tokenizer.pad_token_id if tokenizer is not None else 0
    counter = Counter(lambda ex: cu.pad_collate([{"input_ids": e["input_ids"], "label": e["labels"]
                                                  if "labels" in e else e["label"]} for e in ex], pad))
    train = tok["train"]
    major = int(transformers.__version__.split(".")[0])
    kwargs = dict(output_dir=str(Path(args.workdir) / "trainer"), per_device_train_batch_size=args.batch_size,  # noqa: C408
                  learning_rate=args.lr, num_train_epochs=args.epochs, seed=args.seed, data_seed=args.seed,
                  weight_decay=0.0, warmup_steps=0, max_grad_norm=1.0, lr_scheduler_type="linear",
                  logging_steps=50, save_strategy="no", report_to=[], disable_tqdm=True,
                  use_cpu=args.device == "cpu", bf16=args.precision == "bf16", fp16=args.precision == "fp16",
                  remove_unused_columns=False)
    if grouped:
        if major >= 5:
            kwargs["train_sampling_strategy"] = "group_by_length"
        else:
            kwargs["group_by_length"] = True
    if "length" in train.column_names:
        kwargs["length_column_name"] = "length"
    trainer = Trainer(model=wrapped, args=TrainingArguments(**kwargs), train_dataset=train, data_collator=counter)
    t0 = time.perf_counter()
    trainer.train()
    if args.device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    test_dl = cu.make_loader(tok["test"], tokenizer, batch_size=128, shuffle=False)
    acc = cu.evaluate(model, test_dl)["accuracy"]
    return seconds, counter, acc, trainer.state.global_step, model


def worker(args) -> dict:
    import torch

    import course_utils as cu

    if args.threads:
        torch.set_num_threads(args.threads)
    tok, num_labels, tokenizer = load_data(args)
    cu.set_seed(args.seed)
    if args.variant.startswith("a"):
        seconds, counter, acc, updates, model = run_ours(args, tok, num_labels, tokenizer,
                                                         grouped=args.variant != "a_plain")
    else:
        seconds, counter, acc, updates, model = run_trainer(args, tok, num_labels, tokenizer, grouped=args.variant == "c")
    n_params = cu.count_parameters(model)
    n_matmul = n_params - model.encoder.embeddings.word_embeddings.weight.numel() \
        - model.encoder.embeddings.position_embeddings.weight.numel() \
        - model.encoder.embeddings.token_type_embeddings.weight.numel()
    return {"variant": args.variant, "name": VARIANTS[args.variant], "seconds": seconds, "updates": updates,
            "real_tokens": counter.real, "padded_tokens": counter.padded,
            "tokens_per_s": counter.real / seconds, "samples_per_s": len(tok["train"]) * args.epochs / seconds,
            "padding_efficiency": counter.real / counter.padded, "peak_memory_mb": peak_memory_mb(args.device),
            "test_accuracy": acc if not args.synthetic_length else None,
            "params": n_params, "matmul_params": n_matmul,
            "train_flops": 6 * n_matmul * counter.padded, "useful_flops": 6 * n_matmul * counter.real}


# ----------------------------------------------------------------------------------------------
# Driver


def table(rows, peak) -> str:
    lines = ["| variant | wall s | real tokens/s | samples/s | padding eff. | peak MB | test acc | MFU (useful) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        acc = f"{r['test_accuracy']:.3f}" if r["test_accuracy"] is not None else "–"
        mfu = r["useful_flops"] / r["seconds"] / peak
        lines.append(f"| {r['variant']}: {r['name']} | {r['seconds']:.1f} | {r['tokens_per_s']:,.0f} | "
                     f"{r['samples_per_s']:,.1f} | {r['padding_efficiency']:.2f} | {r['peak_memory_mb']:,.0f} | "
                     f"{acc} | {mfu:.1%} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="2,000 training examples: a couple of minutes")
    p.add_argument("--task", default="rotten_tomatoes")
    p.add_argument("--model", default=None, help="encoder (default: the offline one); bert-base-random for GPU speed")
    p.add_argument("--train-size", type=int, default=None)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pooling", default="cls", choices=["cls", "mean"], help="the head reads [CLS] or the masked mean")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    p.add_argument("--synthetic-length", type=int, default=None, help="random sequences of this length (speed only)")
    p.add_argument("--variants", default="a,b,c")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--a-freeze-word-embeddings", action="store_true",
                   help="(a) only: keep the 30k×hidden word-embedding matrix fixed (no gradient, no Adam update)")
    p.add_argument("--out", default="build/bench/finetune.json")
    p.add_argument("--workdir", default="build/bench")
    p.add_argument("--_worker", dest="variant", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick and args.train_size is None:
        args.train_size = 2000
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.variant:
        print("RESULT " + json.dumps(worker(args)), flush=True)
        return 0

    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    peak = matmul_peak_flops(args.device, args.precision if args.device == "cuda" else "fp32")
    print(f"matmul peak on {args.device} ({args.precision}): {peak / 1e9:,.1f} GFLOP/s", flush=True)
    rows = []
    forwarded = [a for a in (argv if argv is not None else sys.argv[1:]) if a not in ("--quick",)]
    if args.quick:
        forwarded += ["--train-size", str(args.train_size)]
    for v in args.variants.split(","):
        cmd = [sys.executable, __file__, *forwarded, "--_worker", v]
        t0 = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        line = next((ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if res.returncode != 0 or line is None:
            print(res.stdout[-2000:], res.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"variant {v} failed")
        row = json.loads(line[len("RESULT "):])
        rows.append(row)
        print(f"  {v}: {row['seconds']:.1f} s training ({time.perf_counter() - t0:.0f} s with start-up)", flush=True)
    by = {r["variant"]: r for r in rows}
    ratios = {}
    for ours in ("a", "a_frozen_emb"):
        for other in ("b", "c"):
            if ours in by and other in by:
                ratios[f"{ours}/{other} tokens_per_s"] = by[ours]["tokens_per_s"] / by[other]["tokens_per_s"]
                if by[ours]["test_accuracy"] is not None:
                    ratios[f"{ours}-{other} test_accuracy"] = by[ours]["test_accuracy"] - by[other]["test_accuracy"]
    print()
    print(table(rows, peak))
    print()
    for k, v in ratios.items():
        print(f"{k}: {v:+.3f}" if "accuracy" in k else f"{k}: {v:.2f}×")
    settings = {k: v for k, v in vars(args).items() if k not in ("variant",)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"settings": settings, "matmul_peak_flops": peak, "results": rows,
                                          "ratios": ratios}, indent=1))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
