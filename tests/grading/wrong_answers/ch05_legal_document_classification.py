# Plausible wrong answers for ch05_legal_document_classification (see docs/AUTHORING.md).
# Each section replaces the whole source of the solution cell named by its grade_id;
# every one of them must make at least one graded test cell fail.

# %% class_weights: weights proportional to the class frequency instead of inversely proportional
def class_weights(labels, num_classes: int, power: float = 1.0) -> torch.Tensor:
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long).flatten()
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError("label out of range")
    counts = torch.bincount(labels, minlength=num_classes).double()
    return (counts / counts.sum()).float()

# %% class_weights: plain 1 / n_c, so a class without examples gets inf (division by zero)
def class_weights(labels, num_classes: int, power: float = 1.0) -> torch.Tensor:
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long).flatten()
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError("label out of range")
    counts = torch.bincount(labels, minlength=num_classes).double()
    weights = counts ** -power
    weights = weights * labels.numel() / (counts * weights).nan_to_num().sum()
    return weights.float()

# %% class_weights: inverse frequency but not scaled, so the loss changes scale (1/n_c as is)
def class_weights(labels, num_classes: int, power: float = 1.0) -> torch.Tensor:
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long).flatten()
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError("label out of range")
    counts = torch.bincount(labels, minlength=num_classes).double()
    weights = torch.zeros(num_classes, dtype=torch.float64)
    weights[counts > 0] = counts[counts > 0] ** -power
    return weights.float()

# %% class_weights: scaled so that the weights average 1 over the classes, not over the training examples
def class_weights(labels, num_classes: int, power: float = 1.0) -> torch.Tensor:
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long).flatten()
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError("label out of range")
    counts = torch.bincount(labels, minlength=num_classes).double()
    present = counts > 0
    weights = torch.zeros(num_classes, dtype=torch.float64)
    weights[present] = counts[present] ** -power
    weights = weights * int(present.sum()) / weights.sum()
    return weights.float()

# %% class_weights: ignores `power` (always inverse frequency)
def class_weights(labels, num_classes: int, power: float = 1.0) -> torch.Tensor:
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long).flatten()
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError("label out of range")
    counts = torch.bincount(labels, minlength=num_classes).double()
    present = counts > 0
    weights = torch.zeros(num_classes, dtype=torch.float64)
    weights[present] = 1.0 / counts[present]
    weights = weights * labels.numel() / (counts * weights).sum()
    return weights.float()

# %% class_weights: no range check, so a label >= num_classes is silently counted (bincount grows the tensor)
def class_weights(labels, num_classes: int, power: float = 1.0) -> torch.Tensor:
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long).flatten()
    counts = torch.bincount(labels, minlength=num_classes).double()
    present = counts > 0
    weights = torch.zeros(len(counts), dtype=torch.float64)
    weights[present] = counts[present] ** -power
    weights = weights * labels.numel() / (counts * weights).sum()
    return weights.float()

# %% class_weights: returns a float that compares equal to everything (and a tensor subclass would arrive as plain data)
class _EqualsAll(float):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False


def class_weights(labels, num_classes: int, power: float = 1.0) -> torch.Tensor:
    return _EqualsAll(1.0)


# %% weighted_loss_fn: divides the weighted sum by the batch size instead of by the sum of the weights
def weighted_loss_fn(weights: torch.Tensor):
    def loss_fn(logits, labels):
        w = weights.to(device=logits.device, dtype=torch.float32)
        per_example = F.cross_entropy(logits.float(), labels, reduction="none")
        return (w[labels] * per_example).sum() / len(labels)

    return loss_fn

# %% weighted_loss_fn: looks the weight up by the predicted class instead of the true class
def weighted_loss_fn(weights: torch.Tensor):
    def loss_fn(logits, labels):
        w = weights.to(device=logits.device, dtype=torch.float32)[logits.argmax(dim=-1)]
        per_example = F.cross_entropy(logits.float(), labels, reduction="none")
        return (w * per_example).sum() / w.sum()

    return loss_fn

# %% weighted_loss_fn: ignores the weights (plain cross-entropy)
def weighted_loss_fn(weights: torch.Tensor):
    def loss_fn(logits, labels):
        return F.cross_entropy(logits, labels)

    return loss_fn

# %% weighted_loss_fn: scales the logits by the class weights instead of weighting the examples' losses
def weighted_loss_fn(weights: torch.Tensor):
    def loss_fn(logits, labels):
        return F.cross_entropy(logits * weights.to(device=logits.device, dtype=logits.dtype), labels)

    return loss_fn

# %% weighted_loss_fn: returns a Python float (.item()), so no gradient reaches θ and ω
def weighted_loss_fn(weights: torch.Tensor):
    def loss_fn(logits, labels):
        w = weights.to(device=logits.device, dtype=torch.float32)
        return F.cross_entropy(logits.float(), labels, weight=w).item()

    return loss_fn

# %% weighted_loss_fn: the class weights stay on the CPU (no .to(logits.device)): fine on a CPU, crashes on a GPU
def weighted_loss_fn(weights: torch.Tensor):
    def loss_fn(logits, labels):
        return F.cross_entropy(logits.float(), labels, weight=weights.float())

    return loss_fn

# %% weighted_loss_fn: moves the weights to "cuda if available else cpu" instead of to the logits' device
def weighted_loss_fn(weights: torch.Tensor):
    w = weights.to(device="cuda" if torch.cuda.is_available() else "cpu", dtype=torch.float32)

    def loss_fn(logits, labels):
        return F.cross_entropy(logits.float(), labels, weight=w)

    return loss_fn

# %% weighted_loss_fn: a manual weighted mean whose weights stay on the CPU
def weighted_loss_fn(weights: torch.Tensor):
    def loss_fn(logits, labels):
        w = weights.float()[labels.cpu()]
        per_example = F.cross_entropy(logits.float(), labels, reduction="none")
        return (w * per_example).sum() / w.sum()

    return loss_fn

# %% weighted_loss_fn: returns a float that compares equal to everything
class _EqualsAll(float):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __lt__ = __gt__ = __le__ = __ge__ = lambda self, other: True


def weighted_loss_fn(weights: torch.Tensor):
    def loss_fn(logits, labels):
        return _EqualsAll(0.0)

    return loss_fn

# %% weighted_loss_fn: detaches the loss and makes a new leaf (backward runs, but no gradient reaches the logits)
def weighted_loss_fn(weights: torch.Tensor):
    def loss_fn(logits, labels):
        w = weights.to(device=logits.device, dtype=torch.float32)
        value = F.cross_entropy(logits.detach().float(), labels, weight=w)
        return value.clone().requires_grad_(True)

    return loss_fn

# %% chunk_ids: windows without [CLS] and [SEP]
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window < 3 or not 1 <= stride <= size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    windows, start = [], 0
    while True:
        windows.append(ids[start:start + size])
        if start + size >= len(ids):
            return windows
        start += stride

# %% chunk_ids: ignores the stride (non-overlapping windows, one after the other)
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window < 3 or not 1 <= stride <= size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    return [[cls_id] + ids[s:s + size] + [sep_id] for s in range(0, max(len(ids), 1), size)]

# %% chunk_ids: keeps only full windows, so the end of the text is dropped
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window < 3 or not 1 <= stride <= size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    starts = range(0, max(len(ids) - size, 0) + 1, stride)
    return [[cls_id] + ids[s:s + size] + [sep_id] for s in starts]

# %% chunk_ids: puts `window` content tokens in each window, so with [CLS]/[SEP] it is 2 tokens too long
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    if window < 3 or not 1 <= stride <= window - 2:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    windows, start = [], 0
    while True:
        windows.append([cls_id] + ids[start:start + window] + [sep_id])
        if start + window >= len(ids):
            return windows
        start += stride

# %% chunk_ids: treats stride as the overlap between windows (the Hugging Face tokenizer's meaning)
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window < 3 or not 0 <= stride < size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    windows, start = [], 0
    while True:
        windows.append([cls_id] + ids[start:start + size] + [sep_id])
        if start + size >= len(ids):
            return windows
        start += size - stride

# %% chunk_ids: keeps sliding until the start passes the end, adding a window that lies inside the previous one
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window < 3 or not 1 <= stride <= size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    windows = [[cls_id] + ids[s:s + size] + [sep_id] for s in range(0, len(ids), stride)]
    return windows or [[cls_id, sep_id]]

# %% chunk_ids: no check of the stride, so a stride larger than the window silently skips tokens
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    ids = list(input_ids)
    windows, start = [], 0
    while True:
        windows.append([cls_id] + ids[start:start + size] + [sep_id])
        if start + size >= len(ids):
            return windows
        start += stride

# %% chunk_ids: off by one in the stride (consecutive windows start stride + 1 tokens apart)
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window < 3 or not 1 <= stride <= size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    windows, start = [], 0
    while True:
        windows.append([cls_id] + ids[start:start + size] + [sep_id])
        if start + size >= len(ids):
            return windows
        start += stride + 1

# %% chunk_ids: off by one in the slice end (window - 3 content tokens per window)
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window < 3 or not 1 <= stride <= size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    windows, start = [], 0
    while True:
        windows.append([cls_id] + ids[start:start + size - 1] + [sep_id])
        if start + size >= len(ids):
            return windows
        start += stride

# %% chunk_ids: off by one in the chunk count (stops only when a window passes the end, so one ending exactly there is followed by another)
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window < 3 or not 1 <= stride <= size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    windows, start = [], 0
    while True:
        windows.append([cls_id] + ids[start:start + size] + [sep_id])
        if start + size > len(ids):
            return windows
        start += stride

# %% chunk_ids: chunk count from a formula that is one short when the text does not end on a window boundary
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window < 3 or not 1 <= stride <= size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    m = 1 + max(0, (len(ids) - size) // stride)
    return [[cls_id] + ids[j * stride:j * stride + size] + [sep_id] for j in range(m)]

# %% chunk_ids: refuses the smallest window (window=3, one content token)
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window <= 3 or not 1 <= stride <= size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    windows, start = [], 0
    while True:
        windows.append([cls_id] + ids[start:start + size] + [sep_id])
        if start + size >= len(ids):
            return windows
        start += stride

# %% chunk_ids: stops one token early (the window that reaches the last token but one counts as the last)
def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    size = window - 2
    if window < 3 or not 1 <= stride <= size:
        raise ValueError("bad window or stride")
    ids = list(input_ids)
    windows, start = [], 0
    while True:
        windows.append([cls_id] + ids[start:start + size] + [sep_id])
        if start + size >= len(ids) - 1:
            return windows
        start += stride

# %% chunk_ids: returns a list that compares equal to everything
class _EqualsAll(list):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False


def chunk_ids(input_ids, window: int, stride: int, cls_id: int, sep_id: int) -> list:
    if window < 3 or not 1 <= stride <= window - 2:
        raise ValueError("bad window or stride")
    return _EqualsAll([[cls_id, sep_id]])

# %% chunk_and_pool: pads the windows but passes no attention mask, so the padding changes the shorter windows' vectors
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    if pool not in ("mean", "max"):
        raise ValueError(pool)
    batch = cu.pad_collate([{"input_ids": w} for w in windows], pad_id)
    device = next(model.parameters()).device
    vectors = model.represent(batch["input_ids"].to(device))
    return vectors.mean(dim=0) if pool == "mean" else vectors.max(dim=0).values

# %% chunk_and_pool: uses only the first window (that is truncation again)
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    if pool not in ("mean", "max"):
        raise ValueError(pool)
    device = next(model.parameters()).device
    return model.represent(torch.tensor([windows[0]], device=device))[0]

# %% chunk_and_pool: glues the windows into one long sequence and encodes it once
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    if pool not in ("mean", "max"):
        raise ValueError(pool)
    device = next(model.parameters()).device
    ids = torch.tensor([[t for w in windows for t in w]], device=device)
    return model.represent(ids)[0]

# %% chunk_and_pool: always takes the mean, whatever `pool` says
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    batch = cu.pad_collate([{"input_ids": w} for w in windows], pad_id)
    device = next(model.parameters()).device
    vectors = model.represent(batch["input_ids"].to(device), batch["attention_mask"].to(device))
    return vectors.mean(dim=0)

# %% chunk_and_pool: pools over the hidden dimension instead of over the windows
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    if pool not in ("mean", "max"):
        raise ValueError(pool)
    batch = cu.pad_collate([{"input_ids": w} for w in windows], pad_id)
    device = next(model.parameters()).device
    vectors = model.represent(batch["input_ids"].to(device), batch["attention_mask"].to(device))
    return vectors.mean(dim=1) if pool == "mean" else vectors.max(dim=1).values

# %% chunk_and_pool: forgets .to(device): fine with a model on the CPU, crashes with one on a GPU
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    if pool not in ("mean", "max"):
        raise ValueError(pool)
    batch = cu.pad_collate([{"input_ids": w} for w in windows], pad_id)
    vectors = model.represent(batch["input_ids"], batch["attention_mask"])
    return vectors.mean(dim=0) if pool == "mean" else vectors.max(dim=0).values

# %% chunk_and_pool: moves the ids to the model's device but leaves the attention mask on the CPU
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    if pool not in ("mean", "max"):
        raise ValueError(pool)
    batch = cu.pad_collate([{"input_ids": w} for w in windows], pad_id)
    device = next(model.parameters()).device
    vectors = model.represent(batch["input_ids"].to(device), batch["attention_mask"])
    return vectors.mean(dim=0) if pool == "mean" else vectors.max(dim=0).values

# %% chunk_and_pool: returns the vector on the CPU (.cpu()), not on the model's device
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    if pool not in ("mean", "max"):
        raise ValueError(pool)
    batch = cu.pad_collate([{"input_ids": w} for w in windows], pad_id)
    device = next(model.parameters()).device
    vectors = model.represent(batch["input_ids"].to(device), batch["attention_mask"].to(device))
    return (vectors.mean(dim=0) if pool == "mean" else vectors.max(dim=0).values).cpu()

# %% chunk_and_pool: off by one in the window index (the last window is left out of the pooling)
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    if pool not in ("mean", "max"):
        raise ValueError(pool)
    batch = cu.pad_collate([{"input_ids": w} for w in windows], pad_id)
    device = next(model.parameters()).device
    vectors = model.represent(batch["input_ids"].to(device), batch["attention_mask"].to(device))
    vectors = vectors[:-1] if len(vectors) > 1 else vectors
    return vectors.mean(dim=0) if pool == "mean" else vectors.max(dim=0).values

# %% chunk_and_pool: off by one in the window index (the first window is left out of the max)
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    if pool not in ("mean", "max"):
        raise ValueError(pool)
    batch = cu.pad_collate([{"input_ids": w} for w in windows], pad_id)
    device = next(model.parameters()).device
    vectors = model.represent(batch["input_ids"].to(device), batch["attention_mask"].to(device))
    return vectors.mean(dim=0) if pool == "mean" else vectors[1:].max(dim=0).values if len(vectors) > 1 else vectors[0]

# %% chunk_and_pool: divides the sum by the number of windows plus one
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    if pool not in ("mean", "max"):
        raise ValueError(pool)
    batch = cu.pad_collate([{"input_ids": w} for w in windows], pad_id)
    device = next(model.parameters()).device
    vectors = model.represent(batch["input_ids"].to(device), batch["attention_mask"].to(device))
    return vectors.sum(dim=0) / (len(windows) + 1) if pool == "mean" else vectors.max(dim=0).values

# %% chunk_and_pool: accepts any pool name, taking the max for everything that is not "mean"
def chunk_and_pool(model, windows: list, pool: str = "mean", pad_id: int = 0) -> torch.Tensor:
    batch = cu.pad_collate([{"input_ids": w} for w in windows], pad_id)
    device = next(model.parameters()).device
    vectors = model.represent(batch["input_ids"].to(device), batch["attention_mask"].to(device))
    return vectors.mean(dim=0) if pool == "mean" else vectors.max(dim=0).values

# %% concept_theta_omega: believes fine-tuning leaves the encoder untouched (only ω learns)
true_statements = {"A", "B", "E", "J", "M"}
lr_reasons = {"a", "e"}

# %% concept_theta_omega: believes the encoder is rewritten, far from its pre-trained values
true_statements = {"A", "B", "D", "E", "I", "J", "M"}
lr_reasons = {"a", "b", "e"}

# %% concept_theta_omega: believes the head barely moves and can be reused for another label set
true_statements = {"A", "B", "C", "F", "G", "I", "J"}
lr_reasons = {"a", "b", "e"}

# %% concept_theta_omega: believes a small weight change bounds the change of the representations (H)
true_statements = {"A", "B", "C", "E", "H", "I", "J", "M"}
lr_reasons = {"a", "b", "e"}

# %% concept_theta_omega: the earlier answer key (before the statements became scenarios; A and e were added)
true_statements = {"B", "C", "E", "I"}
lr_reasons = {"a", "b"}

# %% concept_theta_omega: right statements, but thinks the head's larger learning rate is about parameter counts
true_statements = {"A", "B", "C", "E", "I", "J", "M"}
lr_reasons = {"a", "b", "c", "e"}

# %% concept_theta_omega: right statements, but thinks AdamW's steps grow with the gradient (f)
true_statements = {"A", "B", "C", "E", "I", "J", "M"}
lr_reasons = {"a", "b", "e", "f"}

# %% concept_theta_omega: thinks the dilution by the vocabulary table does not exist (I) and weight decay moves θ at LR 0 (K, not A)
true_statements = {"B", "C", "E", "J", "K", "M"}
lr_reasons = {"a", "b", "e"}

# %% concept_theta_omega: thinks a frozen encoder also stops the head from learning (L, not B)
true_statements = {"A", "C", "E", "I", "J", "L", "M"}
lr_reasons = {"a", "b", "e"}

# %% concept_theta_omega: the key of the first nine statements only (misses the two true ones added, J and M)
true_statements = {"A", "B", "C", "E", "I"}
lr_reasons = {"a", "b", "e"}

# %% concept_theta_omega: right statements, one reason only (a single letter, as the old question asked)
true_statements = {"A", "B", "C", "E", "I", "J", "M"}
lr_reasons = "a"

# %% concept_theta_omega: picks every statement and every reason
true_statements = set("ABCDEFGHIJKLMN")
lr_reasons = set("abcdefg")

# %% concept_theta_omega: sets that claim to contain every letter
class _AllLetters(set):
    __contains__ = lambda self, item: True
    __eq__ = lambda self, other: True


true_statements = _AllLetters({"B"})
lr_reasons = _AllLetters({"a"})
