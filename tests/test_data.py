import json
import os

import numpy as np
import pytest
from datasets import ClassLabel

import course_utils as cu
from course_utils.data import DataError, LengthGroupedBatchSampler

DATA_DIR = os.environ.get("COURSE_DATA_DIR")
needs_data = pytest.mark.skipif(not DATA_DIR or not os.path.isdir(DATA_DIR), reason="COURSE_DATA_DIR not set")


def write_task(folder, rows, labels=("negative", "positive"), split="train"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "labels.txt").write_text("\n".join(labels) + "\n")
    with open(folder / f"{split}.jsonl", "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    return folder


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(KeyError, match="rotten_tomatoes"):
        cu.load_task("imdb")


def test_registry_names_each_task_once():
    assert set(cu.TASKS) == {"sst2", "rotten_tomatoes", "sst5", "cfimdb", "cuad_clauses", "ledgar"}
    assert cu.get_task("ledgar").num_labels == 100
    assert cu.get_task("cuad_clauses").num_labels == 35


@needs_data
def test_local_copy_loads_with_classlabel():
    dsd = cu.load_task("rotten_tomatoes", fast=False, verbose=False)
    assert dsd.source.startswith("local")
    assert set(dsd) == {"train", "validation", "test"}
    assert len(dsd["train"]) == 8543
    assert dsd["train"].column_names == ["text", "label"]
    assert isinstance(dsd["train"].features["label"], ClassLabel)
    assert dsd["train"].features["label"].names == ["negative", "positive"]


@needs_data
def test_fast_mode_takes_a_stratified_subset():
    full = cu.load_task("cuad_clauses", fast=False, verbose=False)["train"]
    small = cu.load_task("cuad_clauses", fast=True, verbose=False)["train"]
    assert len(small) == cu.data.FAST_SIZES["train"]
    p_full = np.bincount(full["label"], minlength=35) / len(full)
    p_small = np.bincount(small["label"], minlength=35) / len(small)
    assert np.abs(p_full - p_small).max() < 0.01
    again = cu.load_task("cuad_clauses", fast=True, verbose=False)["train"]
    assert again["text"] == small["text"]


def test_missing_column_is_named(tmp_path):
    write_task(tmp_path / "sst2", [{"sentence": "good", "label": "positive"}])
    with pytest.raises(DataError, match="missing column 'text'"):
        cu.load_task("sst2", data_dir=tmp_path, verbose=False)


def test_unknown_label_is_named(tmp_path):
    write_task(tmp_path / "sst2", [{"text": "good", "label": "positive"}, {"text": "meh", "label": "neutral"}])
    with pytest.raises(DataError, match="line 2: label 'neutral'"):
        cu.load_task("sst2", data_dir=tmp_path, verbose=False)


def test_label_index_out_of_range_is_named(tmp_path):
    write_task(tmp_path / "sst2", [{"text": "good", "label": 2}])
    with pytest.raises(DataError, match="index 2"):
        cu.load_task("sst2", data_dir=tmp_path, verbose=False)


def test_empty_text_is_named(tmp_path):
    write_task(tmp_path / "sst2", [{"text": "good", "label": "positive"}, {"text": "   ", "label": "negative"}])
    with pytest.raises(DataError, match="line 2: empty text"):
        cu.load_task("sst2", data_dir=tmp_path, verbose=False)


def test_empty_dataset_is_named(tmp_path):
    write_task(tmp_path / "sst2", [])
    with pytest.raises(DataError, match="empty"):
        cu.load_task("sst2", data_dir=tmp_path, verbose=False)


def test_label_names_must_match_the_registry(tmp_path):
    write_task(tmp_path / "sst2", [{"text": "good", "label": "pos"}], labels=("neg", "pos"))
    with pytest.raises(DataError, match="label names differ"):
        cu.load_task("sst2", data_dir=tmp_path, verbose=False)


def test_bad_json_names_the_line(tmp_path):
    folder = write_task(tmp_path / "sst2", [{"text": "good", "label": "positive"}])
    with open(folder / "train.jsonl", "a") as f:
        f.write("{not json\n")
    with pytest.raises(DataError, match="line 2"):
        cu.load_task("sst2", data_dir=tmp_path, verbose=False)


def test_builtin_sample_is_the_announced_last_resort(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    dsd = cu.load_task("cuad_clauses", data_dir=tmp_path)
    assert "BUILT-IN SAMPLE" in capsys.readouterr().out
    assert dsd["train"].features["label"].num_classes == 35
    for name in cu.TASKS:
        sample = cu.load_task(name, source="sample", verbose=False)
        assert len(sample["train"]) > 0 and len(sample["validation"]) > 0


def test_tokenize_and_pad_collate():
    from transformers import BertTokenizerFast

    tok = BertTokenizerFast.from_pretrained(str(cu.offline_model_path()))
    dsd = cu.load_task("sst2", source="sample", verbose=False)
    t = cu.tokenize(dsd, tok, max_length=8)
    assert max(t["train"]["length"]) <= 8 and "text" not in t["train"].column_names
    batch = cu.pad_collate([t["train"][0], t["train"][1]], tok.pad_token_id)
    assert batch["input_ids"].shape == batch["attention_mask"].shape
    assert batch["labels"].shape == (2,)
    real = batch["attention_mask"].sum(1).tolist()
    assert real == [t["train"][0]["length"], t["train"][1]["length"]]


def test_length_grouped_batches_cover_everything_once_with_little_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 120, size=2000)
    sampler = LengthGroupedBatchSampler(lengths, batch_size=32, seed=1)
    batches = list(sampler)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(2000)) and len(batches) == len(sampler)
    padded = sum(len(b) * lengths[b].max() for b in batches)
    assert lengths.sum() / padded > 0.9
    assert lengths[batches[0]].max() == lengths.max()  # longest batch first
    sampler.set_epoch(1)
    assert [i for b in sampler for i in b] != flat
    sampler.set_epoch(0)
    assert [i for b in sampler for i in b] == flat


def test_make_loader_rejects_untokenised_data():
    dsd = cu.load_task("sst2", source="sample", verbose=False)
    with pytest.raises(DataError, match="tokenize"):
        cu.make_loader(dsd["train"])
