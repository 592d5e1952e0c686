"""Datasets for the course: a task registry, loading with fall-backs, tokenisation and batching.

``load_task(name)`` looks for the data in this order and runs the same checks and
post-processing whatever the source:

1. a local folder ``$COURSE_DATA_DIR/<name>/`` (an override) holding ``train.jsonl``,
   ``validation.jsonl`` (and ``test.jsonl`` where labels exist), plain or ``.gz``, with one
   ``{"text": ..., "label": ...}`` object a line (the label as its name or its index) and
   ``labels.txt`` with the label names in order;
2. the packaged copy, the same layout gzipped in ``course_utils/data_files/<name>/`` (see its
   README: provenance, splits, licences), for every task except LEDGAR;
3. the Hugging Face hub (``datasets.load_dataset``);
4. a tiny sample written for this course (announced loudly: it shows the code works, nothing more).

In full mode a task that is on the hub tries the hub before the packaged copy, so a GPU session
with a network trains on the complete hub dataset (GLUE's SST-2, LexGLUE's LEDGAR ...) and
falls back to the packaged copy without one. ``source_order`` says which sources are tried.

The result is a ``datasets.DatasetDict`` whose splits have exactly two columns, ``text`` (str)
and ``label`` (``ClassLabel``). In fast mode each split is cut to a small stratified subset.
"""

from __future__ import annotations

import gzip
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from . import _samples
from .env import fast_mode, report_in_setup

SPLITS = ("train", "validation", "test")
SOURCES = ("local", "packaged", "hub", "sample")  # what load_task(source=...) may insist on
PACKAGED_DIR = Path(__file__).resolve().parent / "data_files"  # course_utils/data_files/<task>/
FAST_SIZES = {"train": 400, "validation": 200, "test": 200}  # examples per split in fast mode


@dataclass(frozen=True)
class Task:
    """One dataset, named once: where it lives and what its columns and labels are."""

    name: str
    description: str
    label_names: tuple[str, ...]
    hub_id: str | None = None  # None: not on the hub in a usable form (local copy or sample only)
    hub_config: str | None = None
    hub_label_names: tuple[str, ...] | None = None  # the hub's ClassLabel names where they differ from ours
    text_column: str = "text"
    label_column: str = "label"
    max_length: int = 128  # a sensible truncation length for this task's texts

    @property
    def num_labels(self) -> int:
        return len(self.label_names)


SENTIMENT_2 = ("negative", "positive")
SENTIMENT_5 = ("very negative", "negative", "neutral", "positive", "very positive")
CUAD_TYPES = (
    "Affiliate License-Licensee", "Anti-Assignment", "Audit Rights", "Cap On Liability",
    "Change Of Control", "Competitive Restriction Exception", "Covenant Not To Sue", "Effective Date",
    "Exclusivity", "Expiration Date", "Governing Law", "Insurance", "Ip Ownership Assignment",
    "Irrevocable Or Perpetual License", "Joint Ip Ownership", "License Grant", "Liquidated Damages",
    "Minimum Commitment", "Most Favored Nation", "No-Solicit Of Customers", "No-Solicit Of Employees",
    "Non-Compete", "Non-Disparagement", "Non-Transferable License", "Notice Period To Terminate Renewal",
    "Post-Termination Services", "Renewal Term", "Revenue-Profit Sharing", "Rofr-Rofo-Rofn",
    "Source Code Escrow", "Termination For Convenience", "Third Party Beneficiary", "Uncapped Liability",
    "Volume Restriction", "Warranty Duration",
)
LEDGAR_TYPES = (  # LexGLUE LEDGAR's 100 provision types, in the hub's class-index order
    "Adjustments", "Agreements", "Amendments", "Anti-Corruption Laws", "Applicable Laws", "Approvals",
    "Arbitration", "Assignments", "Assigns", "Authority", "Authorizations", "Base Salary", "Benefits",
    "Binding Effects", "Books", "Brokers", "Capitalization", "Change In Control", "Closings",
    "Compliance With Laws", "Confidentiality", "Consent To Jurisdiction", "Consents", "Construction",
    "Cooperation", "Costs", "Counterparts", "Death", "Defined Terms", "Definitions", "Disability",
    "Disclosures", "Duties", "Effective Dates", "Effectiveness", "Employment", "Enforceability",
    "Enforcements", "Entire Agreements", "Erisa", "Existence", "Expenses", "Fees", "Financial Statements",
    "Forfeitures", "Further Assurances", "General", "Governing Laws", "Headings", "Indemnifications",
    "Indemnity", "Insurances", "Integration", "Intellectual Property", "Interests", "Interpretations",
    "Jurisdictions", "Liens", "Litigations", "Miscellaneous", "Modifications", "No Conflicts",
    "No Defaults", "No Waivers", "Non-Disparagement", "Notices", "Organizations", "Participations",
    "Payments", "Positions", "Powers", "Publicity", "Qualifications", "Records", "Releases", "Remedies",
    "Representations", "Sales", "Sanctions", "Severability", "Solvency", "Specific Performance",
    "Submission To Jurisdiction", "Subsidiaries", "Successors", "Survival", "Tax Withholdings", "Taxes",
    "Terminations", "Terms", "Titles", "Transactions With Affiliates", "Use Of Proceeds", "Vacations",
    "Venues", "Vesting", "Waiver Of Jury Trials", "Waivers", "Warranties", "Withholdings",
)

TASKS: dict[str, Task] = {t.name: t for t in [
    Task("sst2", "Stanford Sentiment Treebank, binary sentence polarity", SENTIMENT_2,
         hub_id="stanfordnlp/sst2", text_column="sentence", max_length=64),
    Task("rotten_tomatoes", "Rotten Tomatoes movie-review sentence polarity", SENTIMENT_2,
         hub_id="cornell-movie-review-data/rotten_tomatoes", hub_label_names=("neg", "pos"), max_length=64),
    Task("sst5", "Stanford Sentiment Treebank, five-way sentence sentiment", SENTIMENT_5,
         hub_id="SetFit/sst5", max_length=64),
    Task("cfimdb", "CFIMDB long movie reviews, binary (CS224N); packaged copy only", SENTIMENT_2,
         max_length=512),
    Task("cuad_clauses", "CUAD contract clause types (35), as packaged in LegalBench; packaged copy only",
         CUAD_TYPES, max_length=128),
    Task("ledgar", "LexGLUE LEDGAR contract provisions (100 types)", LEDGAR_TYPES,
         hub_id="coastalcph/lex_glue", hub_config="ledgar", max_length=128),
]}


def get_task(name: str) -> Task:
    """The registry entry for ``name``; a ``KeyError`` listing the known tasks otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; known tasks: {', '.join(sorted(TASKS))}") from None


# --------------------------------------------------------------------------------------------
# Loading


class DataError(ValueError):
    """A dataset that cannot be used as it is (missing column, unknown label, empty text...)."""


def _features(task: Task) -> Features:
    return Features({"text": Value("string"), "label": ClassLabel(names=list(task.label_names))})


def _position(i: int, lines: list[int] | None) -> str:
    return f"line {lines[i]}" if lines is not None else f"row {i}"


def _label_ids(values, task: Task, where: str, lines: list[int] | None = None) -> list[int]:
    """Turn label names or indices into class indices, naming the first bad value."""
    index = {n: i for i, n in enumerate(task.label_names)}
    ids = []
    for i, v in enumerate(values):
        if isinstance(v, str):
            if v not in index:
                raise DataError(f"{where}, {_position(i, lines)}: label {v!r} is not one of {task.name}'s "
                                f"{task.num_labels} labels ({', '.join(task.label_names[:8])}"
                                f"{', ...' if task.num_labels > 8 else ''})")
            ids.append(index[v])
        elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            if not 0 <= v < task.num_labels:
                raise DataError(f"{where}, {_position(i, lines)}: label index {v} is outside 0..{task.num_labels - 1} "
                                f"for {task.name}")
            ids.append(int(v))
        else:
            raise DataError(f"{where}, {_position(i, lines)}: label {v!r} is neither a label name nor an index")
    return ids


def _check_texts(texts, where: str, lines: list[int] | None = None) -> None:
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise DataError(f"{where}, {_position(i, lines)}: text is {type(t).__name__}, not a string")
        if not t.strip():
            raise DataError(f"{where}, {_position(i, lines)}: empty text")


def build_split(texts, labels, task: Task, where: str = "data", lines: list[int] | None = None) -> Dataset:
    """A checked ``Dataset`` with columns ``text`` and ``label`` (a ``ClassLabel``).

    Errors name the row (or, for files, the ``lines`` given) of the first bad example.
    """
    texts, labels = list(texts), list(labels)
    if len(texts) != len(labels):
        raise DataError(f"{where}: {len(texts)} texts but {len(labels)} labels")
    if not texts:
        raise DataError(f"{where}: the split is empty")
    _check_texts(texts, where, lines)
    ids = _label_ids(labels, task, where, lines)
    return Dataset.from_dict({"text": texts, "label": ids}, features=_features(task))


def _read_jsonl(path: Path, task: Task) -> Dataset:
    texts, labels, lines = [], [], []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}, line {n}: not valid JSON ({e.msg})") from None
            for col in ("text", "label"):
                if col not in row:
                    raise DataError(f"{path}, line {n}: missing column {col!r} (has {sorted(row)})")
            texts.append(row["text"])
            labels.append(row["label"])
            lines.append(n)
    return build_split(texts, labels, task, where=str(path), lines=lines)


def _split_file(folder: Path, split: str) -> Path | None:
    """``folder/<split>.jsonl`` or ``folder/<split>.jsonl.gz``; an error if both are there."""
    found = [p for p in (folder / f"{split}.jsonl", folder / f"{split}.jsonl.gz") if p.exists()]
    if len(found) > 1:
        raise DataError(f"{folder}: both {found[0].name} and {found[1].name}; keep one")
    return found[0] if found else None


def load_local(task: Task, folder: Path) -> DatasetDict:
    """Read ``folder/{train,validation,test}.jsonl[.gz]`` and check ``labels.txt`` against the registry."""
    labels_file = folder / "labels.txt"
    if labels_file.exists():
        names = tuple(line.strip() for line in labels_file.read_text(encoding="utf-8").splitlines() if line.strip())
        if names != task.label_names:
            raise DataError(f"{labels_file}: label names differ from the registry's for {task.name} "
                            f"({len(names)} vs {task.num_labels}; first difference: "
                            f"{next(((a, b) for a, b in zip(names, task.label_names) if a != b), 'length')})")
    files = {s: _split_file(folder, s) for s in SPLITS}
    splits = {s: _read_jsonl(path, task) for s, path in files.items() if path is not None}
    if "train" not in splits:
        raise DataError(f"{folder}: no train.jsonl (or train.jsonl.gz)")
    return DatasetDict(splits)


def load_hub(task: Task) -> DatasetDict:
    """Download the task from the hub and bring it to the course's shape.

    A split whose labels are all ``-1`` (GLUE's SST-2 test split: labels withheld) is unlabelled
    and left out; a ``-1`` among real labels is an error, like any index outside the classes.
    """
    import datasets

    if task.hub_id is None:
        raise DataError(f"{task.name} has no hub source")
    raw = datasets.load_dataset(task.hub_id, task.hub_config)
    expected = task.hub_label_names or task.label_names
    out = {}
    for split in SPLITS:
        if split not in raw:
            continue
        ds, where = raw[split], f"{task.hub_id} {split}"
        for col in (task.text_column, task.label_column):
            if col not in ds.column_names:
                raise DataError(f"{where}: missing column {col!r} (has {ds.column_names})")
        feature = ds.features[task.label_column]
        if isinstance(feature, ClassLabel) and tuple(feature.names) != expected:
            raise DataError(f"{where}: the hub's label names {feature.names[:5]}{'...' if len(feature.names) > 5 else ''} "
                            f"are not the expected {list(expected[:5])}{'...' if len(expected) > 5 else ''} "
                            f"for {task.name}")
        labels = ds[task.label_column]
        if all(v == -1 for v in labels):
            continue
        if "label_text" in ds.column_names:  # SetFit/sst5 repeats each label's name: it must agree with ours
            _check_label_text(labels, ds["label_text"], task, where)
        out[split] = build_split(ds[task.text_column], labels, task, where=where)
    if "train" not in out:
        raise DataError(f"{task.hub_id}: no labelled train split (has {list(raw)})")
    return DatasetDict(out)


def _check_label_text(labels, texts, task: Task, where: str) -> None:
    for i, (label, text) in enumerate(zip(labels, texts)):
        if 0 <= label < task.num_labels and text != task.label_names[label]:
            raise DataError(f"{where}, row {i}: label {label} is {task.label_names[label]!r} for {task.name}, "
                            f"but the row's label_text says {text!r}")


def load_sample(task: Task) -> DatasetDict:
    """The tiny built-in sample, split 60/20/20 and stratified."""
    pairs = _samples.sample_for(task.name)
    by_label: dict[str, list[str]] = {}
    for text, label in pairs:
        by_label.setdefault(label, []).append(text)
    parts = {s: ([], []) for s in SPLITS}
    for label, texts in by_label.items():
        n = len(texts)
        cut1, cut2 = max(1, round(0.6 * n)), max(2, round(0.8 * n))
        for split, chunk in zip(SPLITS, (texts[:cut1], texts[cut1:cut2], texts[cut2:])):
            parts[split][0].extend(chunk)
            parts[split][1].extend([label] * len(chunk))
    return DatasetDict({s: build_split(t, l, task, where=f"built-in sample {s}") for s, (t, l) in parts.items() if t})


def stratified_subset(ds: Dataset, n: int, seed: int = 0) -> Dataset:
    """``n`` rows with (close to) the class proportions of ``ds``, chosen reproducibly."""
    if n >= len(ds):
        return ds
    rng = np.random.default_rng(seed)
    labels = np.asarray(ds["label"])
    # Sort by (label, random key) and take evenly spaced positions: each class gets its share.
    order = np.lexsort((rng.random(len(ds)), labels))
    picks = order[np.linspace(0, len(ds) - 1, n).round().astype(int)]
    return ds.select(np.sort(picks))


def source_order(name: str, *, fast: bool | None = None) -> tuple[str, ...]:
    """The sources ``load_task(name)`` tries, in order (see the module's docstring).

    ``local`` (``COURSE_DATA_DIR``) always first, the built-in sample always last; in between the
    packaged copy before the hub, except in full mode for a task that is on the hub.
    """
    task = get_task(name)
    fast = fast_mode() if fast is None else fast
    middle = ("hub", "packaged") if task.hub_id and not fast else ("packaged", "hub")
    return ("local", *middle, "sample")


def packaged_folder(name: str) -> Path | None:
    """``course_utils/data_files/<name>`` if this task ships with the package, else ``None``."""
    folder = PACKAGED_DIR / get_task(name).name
    return folder if folder.is_dir() else None


def _hub_label(task: Task) -> str:
    return f"hub: {task.hub_id}" + (f" ({task.hub_config})" if task.hub_config else "")


def _packaged_label(task: Task) -> str:
    return f"packaged copy (course_utils/data_files/{task.name})"


SAMPLE_LABEL = "BUILT-IN SAMPLE (tiny, written for this course; results mean nothing)"


def _hub_off() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def planned_source(name: str, *, fast: bool | None = None, data_dir: str | os.PathLike | None = None) -> str:
    """Where ``load_task(name)`` will read from, said without reading anything or asking the hub.

    e.g. ``"packaged copy (course_utils/data_files/sst2)"`` or ``"hub: coastalcph/lex_glue (ledgar)
    if reachable, else BUILT-IN SAMPLE (...)"``. For ``course doctor`` and the set-up report.
    """
    task = get_task(name)
    data_dir = data_dir if data_dir is not None else os.environ.get("COURSE_DATA_DIR")
    steps = []
    for src in source_order(name, fast=fast):
        if src == "local" and data_dir and (Path(data_dir) / name).is_dir():
            steps.append(f"local copy in {Path(data_dir) / name}")
        elif src == "packaged" and packaged_folder(name) is not None:
            steps.append(_packaged_label(task))
        elif src == "hub" and task.hub_id and not _hub_off():
            steps.append(f"{_hub_label(task)} if reachable")
            continue
        elif src == "sample":
            steps.append(SAMPLE_LABEL)
        else:
            continue
        break
    return ", else ".join(steps)


def _try_source(src: str, task: Task, data_dir, strict: bool = False) -> tuple[DatasetDict | None, str]:
    """``(data, where)`` from one source, or ``(None, why not)`` where it has nothing to give.

    A ``DataError`` (the source is there but its data is wrong) is raised, never skipped;
    ``strict`` (one source insisted on) raises the hub's own error too.
    """
    if src == "local":
        if not data_dir:
            return None, "COURSE_DATA_DIR is not set"
        folder = Path(data_dir) / task.name
        if not folder.is_dir():
            return None, f"no folder {folder}"
        return load_local(task, folder), f"local copy in {folder}"
    if src == "packaged":
        folder = packaged_folder(task.name)
        if folder is None:
            return None, f"no packaged copy of {task.name}"
        return load_local(task, folder), _packaged_label(task)
    if src == "hub":
        if not task.hub_id:
            if strict:
                raise DataError(f"{task.name} has no hub source")
            return None, "this task is not on the hub"
        try:
            return load_hub(task), _hub_label(task)
        except DataError:
            raise
        except Exception as e:  # offline, hub down, missing credentials ...
            if strict:
                raise
            return None, f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"
    return load_sample(task), SAMPLE_LABEL


def load_task(name: str, *, fast: bool | None = None, data_dir: str | os.PathLike | None = None,
              source: str = "auto", seed: int = 0, verbose: bool = True) -> DatasetDict:
    """Load a registry task as a ``DatasetDict`` of ``text`` + ``ClassLabel`` ``label`` columns.

    ``source``: ``"auto"`` (the sources of ``source_order``: ``COURSE_DATA_DIR``, the packaged
    copy, the hub, the built-in sample), or one of ``"local"``, ``"packaged"``, ``"hub"``,
    ``"sample"`` to insist on one. ``fast`` defaults to ``env.fast_mode()`` and keeps a
    stratified subset of each split (``FAST_SIZES``). The chosen source is printed and stored as
    ``result.source``.
    """
    task = get_task(name)
    if source != "auto" and source not in SOURCES:
        raise ValueError(f"source={source!r}: expected auto, {', '.join(SOURCES)}")
    fast = fast_mode() if fast is None else fast
    data_dir = data_dir if data_dir is not None else os.environ.get("COURSE_DATA_DIR")
    tried = []
    for src in source_order(name, fast=fast) if source == "auto" else (source,):
        dsd, where = _try_source(src, task, data_dir, strict=source != "auto")
        if dsd is not None:
            break
        tried.append(f"{src}: {where}")
        if source != "auto":
            raise FileNotFoundError(f"{name}: {where}")
    if fast:
        dsd = DatasetDict({s: stratified_subset(ds, FAST_SIZES.get(s, 200), seed) for s, ds in dsd.items()})
    dsd.source = where
    if verbose:
        sizes = ", ".join(f"{s} {len(ds)}" for s, ds in dsd.items())
        print(f"Data: {name} from {where}; {sizes}" + ("  [fast mode subset]" if fast else ""))
        for t in tried if where.startswith("BUILT-IN") else [t for t in tried if t.startswith("hub:")]:
            print(f"  (tried {t})")
    return dsd


def eval_split(dsd: DatasetDict) -> str:
    """The split to report on: ``test`` where it has labels, else ``validation``."""
    return "test" if "test" in dsd else "validation"


def label_counts(ds: Dataset) -> dict[str, int]:
    """Examples per label name, most frequent first."""
    names = ds.features["label"].names
    return {names[i]: c for i, c in Counter(ds["label"]).most_common()}


# --------------------------------------------------------------------------------------------
# Tokenisation and batching


def tokenize(dsd: DatasetDict | Dataset, tokenizer, max_length: int = 128):
    """Tokenise the ``text`` column once (batched, truncated, not padded).

    Adds ``input_ids``, ``attention_mask`` and ``length`` (tokens, with ``[CLS]``/``[SEP]``),
    keeps ``label``; padding happens per batch in ``pad_collate``.
    """
    if max_length < 2:
        raise ValueError(f"max_length={max_length}: need room for [CLS] and [SEP]")

    def encode(batch):
        enc = tokenizer(batch["text"], truncation=True, max_length=max_length,
                        return_attention_mask=False, return_token_type_ids=False)
        return {"input_ids": enc["input_ids"], "length": [len(x) for x in enc["input_ids"]]}

    return dsd.map(encode, batched=True, batch_size=1000, remove_columns=["text"],
                   desc="Tokenising" if isinstance(dsd, Dataset) else None)


def pad_collate(examples: list[dict], pad_token_id: int = 0, multiple_of: int | None = None) -> dict[str, torch.Tensor]:
    """Pad a list of tokenised examples to the longest one in the batch (dynamic padding).

    Returns ``input_ids`` and ``attention_mask`` of shape (batch, longest) and, where the
    examples carry them, ``labels`` of shape (batch,). ``multiple_of=8`` rounds the padded
    length up (tensor cores on GPUs prefer it).
    """
    longest = max(len(e["input_ids"]) for e in examples)
    if multiple_of:
        longest = -(-longest // multiple_of) * multiple_of
    ids = torch.full((len(examples), longest), pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(examples), longest), dtype=torch.long)
    for i, e in enumerate(examples):
        n = len(e["input_ids"])
        ids[i, :n] = torch.as_tensor(e["input_ids"])
        mask[i, :n] = 1
    batch = {"input_ids": ids, "attention_mask": mask}
    if "label" in examples[0]:
        batch["labels"] = torch.tensor([e["label"] for e in examples], dtype=torch.long)
    return batch


class LengthGroupedBatchSampler(torch.utils.data.Sampler):
    """Batches of similar length, so little compute is spent on padding.

    Shuffles the indices, cuts them into mega-batches of ``mega_batch * batch_size``, sorts each
    by length and cuts it into batches, then shuffles the order of the batches (the batch holding
    the longest example goes first, so an out-of-memory error shows up at once). With
    ``shuffle=False`` the batches follow plain length order (for evaluation).
    Call ``set_epoch(e)`` to get a different, still reproducible, order each epoch.
    """

    def __init__(self, lengths, batch_size: int, shuffle: bool = True, seed: int = 0, mega_batch: int = 50):
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size}: must be at least 1")
        self.lengths = np.asarray(lengths)
        self.batch_size, self.shuffle, self.seed, self.mega_batch = batch_size, shuffle, seed, mega_batch
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return (len(self.lengths) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        n, bs = len(self.lengths), self.batch_size
        if not self.shuffle:
            order = np.argsort(-self.lengths, kind="stable")
            yield from (order[i:i + bs].tolist() for i in range(0, n, bs))
            return
        rng = np.random.default_rng(self.seed + self.epoch)
        perm = rng.permutation(n)
        size = self.mega_batch * bs
        batches = []
        for start in range(0, n, size):
            chunk = perm[start:start + size]
            chunk = chunk[np.argsort(-self.lengths[chunk], kind="stable")]
            batches.extend(chunk[i:i + bs].tolist() for i in range(0, len(chunk), bs))
        order = rng.permutation(len(batches))
        longest = int(np.argmax([self.lengths[b].max() for b in batches]))
        order = [longest] + [i for i in order if i != longest]
        yield from (batches[i] for i in order)


def make_loader(tokenized: Dataset, tokenizer=None, batch_size: int = 32, shuffle: bool = True,
                group_by_length: bool = True, seed: int = 0, num_workers: int = 0):
    """A ``DataLoader`` with dynamic padding and (by default) length-grouped batches.

    ``tokenized`` comes from ``tokenize``. Rows are read from Arrow once and kept as Python
    lists, so building a batch costs only the padding.
    """
    missing = {"input_ids"} - set(tokenized.column_names)
    if missing:
        raise DataError(f"make_loader needs a tokenised dataset (columns {tokenized.column_names}); "
                        "call course_utils.tokenize first")
    if len(tokenized) == 0:
        raise DataError("make_loader: the dataset is empty")
    cols = {c: tokenized[c] for c in ("input_ids", "label") if c in tokenized.column_names}
    rows = [dict(zip(cols, values)) for values in zip(*cols.values())]
    lengths = tokenized["length"] if "length" in tokenized.column_names else [len(r["input_ids"]) for r in rows]
    pad_id = tokenizer.pad_token_id if tokenizer is not None and tokenizer.pad_token_id is not None else 0

    on_gpu = torch.cuda.is_available()
    multiple_of = 8 if on_gpu else None  # tensor-core friendly shapes; on a CPU it would only add padding

    def collate(examples):
        return pad_collate(examples, pad_id, multiple_of)

    # A loader-owned generator: starting an epoch then draws nothing from the global RNG, which
    # keeps dropout's random stream identical between an interrupted-and-resumed and a straight run.
    generator = torch.Generator().manual_seed(seed)
    if group_by_length:
        sampler = LengthGroupedBatchSampler(lengths, batch_size, shuffle=shuffle, seed=seed)
        return torch.utils.data.DataLoader(rows, batch_sampler=sampler, collate_fn=collate, num_workers=num_workers,
                                           generator=generator, pin_memory=on_gpu)
    return torch.utils.data.DataLoader(rows, batch_size=batch_size, shuffle=shuffle, generator=generator,
                                       pin_memory=on_gpu,
                                       collate_fn=collate, num_workers=num_workers)


def _setup_line() -> tuple[str, str]:
    """The set-up report's ``data`` line (``env.describe_setup``): where the first chapters' task comes from."""
    return planned_source("rotten_tomatoes"), "rotten_tomatoes; `course doctor` lists every task"


report_in_setup("data", _setup_line)
