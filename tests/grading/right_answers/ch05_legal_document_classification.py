# Correct alternatives for ch05_legal_document_classification (same format as ../wrong_answers/).
# Each section replaces the whole source of the solution cell named by its grade_id; every one of
# them must keep full marks on every graded test cell (tests/grading/test_grading.py).

# %% class_weights: NumPy counts, the scale from the formula's closed form
def class_weights(labels, num_classes, power=1.0):
    y = np.asarray(labels.tolist() if isinstance(labels, torch.Tensor) else labels, dtype=np.int64).ravel()
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must be in 0..{num_classes - 1}")
    n = np.bincount(y, minlength=num_classes).astype(np.float64)
    w = np.zeros(num_classes)
    present = n > 0
    w[present] = y.size * n[present] ** -power / np.sum(n[present] ** (1 - power))
    return torch.from_numpy(w).to(torch.float32)

# %% class_weights: a Counter and a loop over the classes
def class_weights(labels, num_classes, power=1.0):
    from collections import Counter

    values = [int(v) for v in (labels.flatten().tolist() if isinstance(labels, torch.Tensor) else np.ravel(labels))]
    for v in values:
        if not 0 <= v < num_classes:
            raise ValueError(f"label {v} is not a class of a {num_classes}-class problem")
    counts = Counter(values)
    raw = [counts[c] ** -power if counts[c] else 0.0 for c in range(num_classes)]
    scale = len(values) / sum(counts[c] * raw[c] for c in range(num_classes)) if values else 0.0
    return torch.tensor([r * scale for r in raw], dtype=torch.float32)

# %% weighted_loss_fn: log-softmax and gather by hand, divided by the batch's weight
def weighted_loss_fn(weights):
    def loss_fn(logits, labels):
        w = weights.to(logits.device).float()[labels]
        nll = -torch.log_softmax(logits.float(), dim=-1).gather(1, labels.unsqueeze(1)).squeeze(1)
        return (w * nll).sum() / w.sum()

    return loss_fn

# %% weighted_loss_fn: per-example cross-entropy (reduction="none"), a weighted mean
def weighted_loss_fn(weights):
    def loss_fn(logits, labels):
        per_example = F.cross_entropy(logits.float(), labels, reduction="none")
        w = weights.to(device=logits.device, dtype=torch.float32).index_select(0, labels)
        return torch.sum(w * per_example) / torch.sum(w)

    return loss_fn

# %% chunk_ids: the window starts listed first, then the windows
def chunk_ids(input_ids, window, stride, cls_id, sep_id):
    if window < 3:
        raise ValueError("window must hold [CLS], [SEP] and at least one token")
    size = window - 2
    if stride < 1 or stride > size:
        raise ValueError(f"stride must be between 1 and {size}")
    ids = list(map(int, input_ids))
    starts = [0]
    while starts[-1] + size < len(ids):
        starts.append(starts[-1] + stride)
    return [[cls_id, *ids[s:s + size], sep_id] for s in starts]

# %% chunk_ids: the number of windows from a ceiling division
def chunk_ids(input_ids, window, stride, cls_id, sep_id):
    size = window - 2
    if size < 1 or not 1 <= stride <= size:
        raise ValueError(f"window={window}, stride={stride}: need window >= 3 and 1 <= stride <= window - 2")
    ids = [int(t) for t in input_ids]
    m = 1 if len(ids) <= size else 1 + math.ceil((len(ids) - size) / stride)
    return [[cls_id] + ids[k * stride:k * stride + size] + [sep_id] for k in range(m)]

# %% chunk_and_pool: padded by hand, amax for max pooling
def chunk_and_pool(model, windows, pool="mean", pad_id=0):
    if pool not in {"mean", "max"}:
        raise ValueError(f"unknown pool {pool!r}")
    device = next(model.parameters()).device
    seq = max(len(w) for w in windows)
    ids = torch.full((len(windows), seq), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), seq), dtype=torch.long)
    for i, w in enumerate(windows):
        ids[i, :len(w)] = torch.tensor(w, dtype=torch.long)
        mask[i, :len(w)] = 1
    h = model.represent(ids.to(device), attention_mask=mask.to(device))
    return h.mean(0) if pool == "mean" else torch.amax(h, dim=0)

# %% chunk_and_pool: each window encoded on its own (no padding at all), then pooled
def chunk_and_pool(model, windows, pool="mean", pad_id=0):
    if pool not in ("mean", "max"):
        raise ValueError("pool must be 'mean' or 'max'")
    device = next(model.parameters()).device
    vectors = torch.cat([model.represent(torch.tensor([w], device=device)) for w in windows])
    return vectors.mean(dim=0) if pool == "mean" else vectors.max(dim=0)[0]

# %% concept_theta_omega: lists in another order
true_statements = ["M", "J", "I", "E", "C", "B", "A"]
lr_reasons = ["e", "b", "a"]

# %% concept_theta_omega: sets built from strings
true_statements = set("ABCEIJM")
lr_reasons = frozenset("abe")
