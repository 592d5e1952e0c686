"""The ``course`` command: ``course doctor``, ``course demo``, ``course release`` and ``course grade``."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from . import grading


def doctor(args) -> int:
    """Print what this machine offers the course; exit 1 if something required is missing."""
    import torch

    from . import data, env, model

    ok = True
    print(f"Python        {platform.python_version()} ({sys.executable})")
    print(f"torch         {torch.__version__}")
    if torch.cuda.is_available():
        print(f"CUDA          {torch.version.cuda}; GPU: {torch.cuda.get_device_name(0)}; "
              f"bf16: {'yes (native)' if env.native_bf16() else 'no native bf16 (fp16 + gradient scaler)'}")
    else:
        print("CUDA          not available (CPU only: fast mode)")
    for name in ("transformers", "datasets", "accelerate", "sklearn", "nbgrader"):
        try:
            mod = __import__(name)
            print(f"{name:<13} {mod.__version__}")
        except ImportError:
            print(f"{name:<13} not installed" + ("  (only instructors need it)" if name == "nbgrader" else ""))
            ok = ok and name == "nbgrader"
    try:
        path = model.offline_model_path()
        found = (path / "model.safetensors").exists()
        print(f"offline model {'found' if found else 'MISSING'}: {path}")
        ok = ok and found
    except ModuleNotFoundError as e:
        print(f"offline model MISSING: {e}")
        ok = False
    data_dir = os.environ.get("COURSE_DATA_DIR")
    hub = "off (HF_HUB_OFFLINE)" if data._hub_off() else "allowed"
    print(f"data          COURSE_DATA_DIR {data_dir or 'not set'}; hub {hub}; each task reads from:")
    for name in data.TASKS:
        print(f"  {name:<16} {data.planned_source(name)}")
    from .grading.sandbox import check

    kind = os.environ.get("COURSE_SANDBOX", "bwrap")
    usable, why = check(kind)
    print(f"sandbox       {kind}: {'usable, ' + why if usable else 'NOT usable: ' + why}"
          + ("" if usable else "  (only instructors need it, for `course grade` and `nbgrader autograde`)"))
    from .grading import cgroups

    shares, how = cgroups.available()
    print(f"cgroups       {'usable, ' + how + ': each submission gets its cores, memory and pids' if shares else 'WARNING: ' + how}"
          + ("" if shares else "; grading goes on with per-process limits only (run as root, or delegate a cgroup v2 subtree)"))
    try:
        import distributed

        print(f"dask          distributed {distributed.__version__}: course grade --scheduler can run here")
    except ImportError:
        print("dask          not installed (only to grade on a cluster: pip install 'dask[distributed]')")
    print()
    env.describe_setup()
    print("\nAll good." if ok else "\nSomething required is missing (see above).")
    return 0 if ok else 1


def demo(args) -> int:
    """Fine-tune F(BERT(x)) on rotten_tomatoes in fast mode and show before/after accuracy."""
    import course_utils as cu

    if args.full:
        os.environ["COURSE_FAST"] = "0"
    else:
        os.environ.setdefault("COURSE_FAST", "1")
    setup = cu.describe_setup()
    cu.set_seed(args.seed)
    dsd = cu.load_task(args.task)
    split = cu.eval_split(dsd)
    backbone, tokenizer = cu.load_backbone(args.model)
    label_names = dsd["train"].features["label"].names
    model = cu.BertClassifier(backbone, len(label_names), pooling=args.pooling)
    tok = cu.tokenize(dsd, tokenizer, max_length=args.max_length)
    train_dl = cu.make_loader(tok["train"], tokenizer, batch_size=args.batch_size, seed=args.seed)
    eval_dl = cu.make_loader(tok["validation"], tokenizer, batch_size=128, shuffle=False)
    test_dl = cu.make_loader(tok[split], tokenizer, batch_size=128, shuffle=False)
    model.to(setup.device)
    before = cu.evaluate(model, test_dl)
    print(f"\n{split} accuracy before tuning (random ω, pre-trained θ̂): {before['accuracy']:.3f}")
    out = Path(args.out)
    t0 = time.perf_counter()
    history = cu.train(model, train_dl, eval_dl, epochs=args.epochs, lr=args.lr, head_lr=args.head_lr,
                       output_dir=str(out / "checkpoints"))
    seconds = time.perf_counter() - t0
    after = cu.evaluate(model, test_dl)
    print(f"{split} accuracy after tuning: {after['accuracy']:.3f} (macro-F1 {after['macro_f1']:.3f})")
    print(f"training took {seconds:.0f} s ({history.tokens_per_second:,.0f} real tokens/s, "
          f"{history.updates} updates, {history.precision} on {history.device})")
    saved = cu.save_classifier(model, tokenizer, out / "model", label_names,
                               extra={"task": args.task, f"{split}_accuracy": after["accuracy"]})
    import matplotlib

    matplotlib.use("Agg")
    from .plots import plot_history

    ax = plot_history(history, label=f"{args.task}: F(BERT(x))")
    ax.figure.savefig(out / "curve.png", dpi=120)
    print(f"checkpoint: {saved}\ncurve plot: {out / 'curve.png'}")
    examples = ["a gripping, beautifully made film.", "a boring mess with a terrible script."]
    pred = cu.predict(model, tokenizer, examples, label_names)
    for text, label, p in zip(examples, pred.labels, pred.probs):
        print(f"  {label:>9} ({p.max():.2f})  {text}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="course", description="Fine-tuning BERT with a prediction network.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check this machine: Python, torch, GPU, libraries, model and data sources")
    d = sub.add_parser("demo", help="fine-tune F(BERT(x)) on a sentiment task and report accuracy")
    d.add_argument("--task", default="rotten_tomatoes")
    d.add_argument("--model", default=None, help="encoder name or folder (default: chosen by mode)")
    d.add_argument("--full", action="store_true", help="full mode: whole dataset (bert-base on a GPU)")
    d.add_argument("--epochs", type=int, default=2)
    d.add_argument("--lr", type=float, default=2e-4)
    d.add_argument("--head-lr", type=float, default=3e-3)
    d.add_argument("--batch-size", type=int, default=16)
    d.add_argument("--max-length", type=int, default=64)
    d.add_argument("--pooling", choices=["cls", "mean"], default="mean")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--out", default="runs/demo", help="where the checkpoint and the plot go")
    grading.add_commands(sub)  # release, grade
    args = parser.parse_args(argv)
    return {"doctor": doctor, "demo": demo, **grading.COMMANDS}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
