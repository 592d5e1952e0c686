import gzip
import json
import re

import numpy as np
import pytest
from datasets import ClassLabel

import course_utils as cu
from course_utils.data import DataError, LengthGroupedBatchSampler

# The packaged copy's promise, from the table of ../shared/data/README.md (train / validation / test;
# None: no test split) and the label names of each task: written here so that the check needs no
# ../shared/data.
PACKAGED = {
    "rotten_tomatoes": ((8543, 1068, 1067), ("negative", "positive")),
    "sst2": ((6920, 872, None), ("negative", "positive")),
    "sst5": ((8544, 1101, None), ("very negative", "negative", "neutral", "positive", "very positive")),
    "cfimdb": ((1707, 245, None), ("negative", "positive")),
    "cuad_clauses": ((3402, 485, 971), ("Affiliate License-Licensee", "Anti-Assignment", "Audit Rights")),  # first 3 of 35
}


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


def test_packaged_copy_is_the_default_source(capsys):
    dsd = cu.load_task("rotten_tomatoes", fast=False)
    assert dsd.source.startswith("packaged copy")
    assert "from packaged copy" in capsys.readouterr().out
    assert set(dsd) == {"train", "validation", "test"}
    assert dsd["train"].column_names == ["text", "label"]
    assert isinstance(dsd["train"].features["label"], ClassLabel)
    assert dsd["train"].features["label"].names == ["negative", "positive"]


@pytest.mark.parametrize("name", sorted(PACKAGED))
def test_packaged_copy_keeps_the_readme_promise(name):
    sizes, first_names = PACKAGED[name]
    dsd = cu.load_task(name, fast=False, source="packaged", verbose=False)
    assert tuple(len(dsd[s]) if s in dsd else None for s in ("train", "validation", "test")) == sizes
    names = dsd["train"].features["label"].names
    assert tuple(names[:len(first_names)]) == first_names and len(names) == cu.get_task(name).num_labels
    assert set(dsd["train"]["label"]) == set(range(len(names))), "every class has training examples"
    for split in dsd.values():
        assert split.column_names == ["text", "label"] and all(t.strip() for t in split["text"])
    # the README that ships with the data states the same sizes
    readme = (cu.data.PACKAGED_DIR / "README.md").read_text(encoding="utf-8")
    row = re.search(rf"^\| `{name}` \|.*?\| (\d+) / (\d+) / (\d+|–) \|", readme, re.MULTILINE)
    assert row, f"no row for {name} in the packaged README"
    assert tuple(None if v == "–" else int(v) for v in row.groups()) == sizes


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


def test_builtin_sample_is_the_announced_last_resort(tmp_path, capsys):
    dsd = cu.load_task("ledgar", data_dir=tmp_path)  # no local or packaged copy; the hub is off (conftest)
    out = capsys.readouterr().out
    assert "BUILT-IN SAMPLE" in out and "no packaged copy of ledgar" in out and "tried hub:" in out
    assert dsd["train"].features["label"].num_classes == 100
    for name in cu.TASKS:
        sample = cu.load_task(name, source="sample", verbose=False)
        assert len(sample["train"]) > 0 and len(sample["validation"]) > 0


def test_source_order_keeps_the_hub_first_only_in_full_mode():
    assert cu.data.source_order("rotten_tomatoes", fast=True) == ("local", "packaged", "hub", "sample")
    assert cu.data.source_order("rotten_tomatoes", fast=False) == ("local", "hub", "packaged", "sample")
    assert cu.data.source_order("cuad_clauses", fast=False) == ("local", "packaged", "hub", "sample")


def test_full_mode_without_the_hub_falls_back_to_the_packaged_copy(capsys):
    dsd = cu.load_task("sst2", fast=False)  # HF_HUB_OFFLINE=1: the hub is tried first and fails
    out = capsys.readouterr().out
    assert dsd.source.startswith("packaged copy") and "tried hub: " in out
    assert len(dsd["train"]) == 6920


def test_override_folder_wins_and_may_be_gzipped(tmp_path, capsys):
    folder = tmp_path / "sst2"
    folder.mkdir()
    rows = [{"text": "good", "label": "positive"}, {"text": "bad", "label": "negative"}]
    with gzip.open(folder / "train.jsonl.gz", "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    dsd = cu.load_task("sst2", data_dir=tmp_path, fast=False)
    assert dsd.source == f"local copy in {folder}" and dsd["train"]["text"] == ["good", "bad"]
    (folder / "train.jsonl").write_text(json.dumps(rows[0]) + "\n")
    with pytest.raises(DataError, match="both train.jsonl and train.jsonl.gz"):
        cu.load_task("sst2", data_dir=tmp_path, verbose=False)


def test_insisting_on_a_missing_source_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no packaged copy of ledgar"):
        cu.load_task("ledgar", source="packaged", verbose=False)
    with pytest.raises(FileNotFoundError, match="COURSE_DATA_DIR is not set"):
        cu.load_task("sst2", source="local", data_dir="", verbose=False)
    with pytest.raises(DataError, match="no hub source"):
        cu.load_task("cfimdb", source="hub", verbose=False)
    with pytest.raises(ValueError, match="source='web'"):
        cu.load_task("sst2", source="web")


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


# -- the hub path, without a network: datasets.load_dataset replaced by the hub's real schemas -----

def _hub_schemas():
    """What ``datasets.load_dataset`` returns for each hub id the registry names (columns, label
    features, splits as on the hub; a few rows each). The LEDGAR names are the 100 LexGLUE
    categories; three of them are spot-checked by index below against LexGLUE's loading script."""
    from datasets import Dataset, DatasetDict, Features, Value

    def dsd(features, splits):
        return DatasetDict({s: Dataset.from_dict(rows, features=Features(features)) for s, rows in splits.items()})

    text = Value("string")
    return {
        ("cornell-movie-review-data/rotten_tomatoes", None): dsd(
            {"text": text, "label": ClassLabel(names=["neg", "pos"])},
            {s: {"text": [f"a fine film ({s})", f"a dull film ({s})"], "label": [1, 0]}
             for s in ("train", "validation", "test")}),
        ("stanfordnlp/sst2", None): dsd(
            {"idx": Value("int32"), "sentence": text, "label": ClassLabel(names=["negative", "positive"])},
            {"train": {"idx": [0, 1, 2], "sentence": ["hide new secretions ", "lovely ", "dull "], "label": [0, 1, 0]},
             "validation": {"idx": [0, 1], "sentence": ["it 's a charming journey . ", "unflinchingly bleak "],
                            "label": [1, 0]},
             "test": {"idx": [0, 1], "sentence": ["uneasy mishmash .", "a fine film ."], "label": [-1, -1]}}),
        ("SetFit/sst5", None): dsd(
            {"text": text, "label": Value("int64"), "label_text": text},
            {s: {"text": ["awful", "bad", "so-so", "good", "superb"], "label": [0, 1, 2, 3, 4],
                 "label_text": ["very negative", "negative", "neutral", "positive", "very positive"]}
             for s in ("train", "validation", "test")}),
        ("coastalcph/lex_glue", "ledgar"): dsd(
            {"text": text, "label": ClassLabel(names=list(cu.data.LEDGAR_TYPES))},
            {s: {"text": ["The Company shall adjust ...", "This Agreement shall be governed by ...",
                          "The Employer may withhold ..."], "label": [0, 47, 99]}
             for s in ("train", "validation", "test")}),
    }


@pytest.fixture
def fake_hub(monkeypatch):
    """Replace ``datasets.load_dataset``; the calls it gets are recorded in the returned list."""
    import datasets

    schemas, calls = _hub_schemas(), []

    def load_dataset(path, name=None, **kwargs):
        calls.append((path, name))
        return schemas[(path, name)]

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    return schemas, calls


HUB_TASKS = {  # task: ((hub id, config), the splits load_task keeps)
    "rotten_tomatoes": (("cornell-movie-review-data/rotten_tomatoes", None), {"train", "validation", "test"}),
    "sst2": (("stanfordnlp/sst2", None), {"train", "validation"}),  # the test split's labels are hidden (-1)
    "sst5": (("SetFit/sst5", None), {"train", "validation", "test"}),
    "ledgar": (("coastalcph/lex_glue", "ledgar"), {"train", "validation", "test"}),
}


@pytest.mark.parametrize("name", sorted(HUB_TASKS))
def test_hub_schemas_become_the_course_shape(fake_hub, name):
    schemas, calls = fake_hub
    key, splits = HUB_TASKS[name]
    dsd = cu.load_task(name, source="hub", fast=False, verbose=False)
    assert calls == [key] and dsd.source.startswith(f"hub: {key[0]}")
    assert set(dsd) == splits
    task = cu.get_task(name)
    for split, ds in dsd.items():
        assert ds.column_names == ["text", "label"]
        assert isinstance(ds.features["label"], ClassLabel) and tuple(ds.features["label"].names) == task.label_names
        raw = schemas[key][split]
        assert ds["text"] == raw[task.text_column] and ds["label"] == raw["label"]


def test_hub_labels_keep_their_meaning(fake_hub):
    rt = cu.load_task("rotten_tomatoes", source="hub", fast=False, verbose=False)["train"]
    assert [rt.features["label"].int2str(v) for v in rt["label"]] == ["positive", "negative"]  # hub: pos, neg
    sst5 = cu.load_task("sst5", source="hub", fast=False, verbose=False)["train"]
    assert [sst5.features["label"].int2str(v) for v in sst5["label"]] == \
        ["very negative", "negative", "neutral", "positive", "very positive"]
    ledgar = cu.load_task("ledgar", source="hub", fast=False, verbose=False)["train"]
    # indices 0, 47, 99 of LEDGAR_CATEGORIES in LexGLUE's loading script
    assert [ledgar.features["label"].int2str(v) for v in ledgar["label"]] == ["Adjustments", "Governing Laws",
                                                                             "Withholdings"]


def test_full_mode_reads_the_hub_and_fast_mode_the_packaged_copy(fake_hub):
    _, calls = fake_hub
    assert cu.load_task("sst2", fast=True, verbose=False).source.startswith("packaged copy")
    assert calls == []
    assert cu.load_task("sst2", fast=False, verbose=False).source == "hub: stanfordnlp/sst2"
    assert cu.load_task("ledgar", fast=False, verbose=False).source == "hub: coastalcph/lex_glue (ledgar)"
    assert cu.load_task("cuad_clauses", fast=False, verbose=False).source.startswith("packaged copy")


def test_hub_data_that_disagrees_is_an_error(fake_hub):
    schemas, _ = fake_hub
    sst2 = schemas[("stanfordnlp/sst2", None)]
    sst2["test"] = sst2["test"].map(lambda row, i: {"label": 1 if i == 0 else -1}, with_indices=True)
    with pytest.raises(DataError, match="stanfordnlp/sst2 test, row 1: label index -1"):
        cu.load_task("sst2", source="hub", fast=False, verbose=False)  # a partly hidden split is no split

    sst5 = schemas[("SetFit/sst5", None)]
    sst5["train"] = sst5["train"].map(lambda row, i: {"label_text": "neutral" if i == 0 else row["label_text"]},
                                      with_indices=True)
    with pytest.raises(DataError, match="row 0: label 0 is 'very negative'.*label_text says 'neutral'"):
        cu.load_task("sst5", source="hub", fast=False, verbose=False)

    rt = schemas[("cornell-movie-review-data/rotten_tomatoes", None)]
    rt["train"] = rt["train"].cast_column("label", ClassLabel(names=["pos", "neg"]))
    with pytest.raises(DataError, match="label names"):
        cu.load_task("rotten_tomatoes", source="hub", fast=False, verbose=False)
