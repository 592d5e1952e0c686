# Plausible wrong answers for ch03_fine_tuning_objective (see docs/AUTHORING.md).
# Each section replaces the whole source of the solution cell named by its grade_id;
# every one of them must make at least one graded test cell fail. The question's answers are written in the
# letters of variant 0 (no student id: the statements as the shared cell lists them), which the fast checker grades.

# %% compute_loss: applies a softmax before the cross-entropy (softmax twice)
def compute_loss(logits, labels):
    """Mean cross-entropy of a batch of tuning samples."""
    return torch.nn.functional.cross_entropy(torch.softmax(logits, dim=-1), labels)

# %% compute_loss: sums over the batch instead of taking the mean
def compute_loss(logits, labels):
    """Mean cross-entropy of a batch of tuning samples."""
    return torch.nn.functional.cross_entropy(logits, labels, reduction="sum")

# %% compute_loss: log of the softmax, which is -inf for very large logits
def compute_loss(logits, labels):
    """Mean cross-entropy of a batch of tuning samples."""
    probs = torch.softmax(logits, dim=-1)
    return -torch.log(probs[torch.arange(len(labels)), labels]).mean()

# %% compute_loss: indexes log_probs[:, labels], averaging every sample with every label
def compute_loss(logits, labels):
    """Mean cross-entropy of a batch of tuning samples."""
    log_probs = torch.log_softmax(logits, dim=-1)
    return -log_probs[:, labels].mean()

# %% training_step: never calls optimizer.zero_grad(), so gradients accumulate across steps
def training_step(model, batch, optimizer, loss_fn):
    """One optimisation step on one batch; returns the batch's loss as a Python float."""
    model.train()
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss = loss_fn(logits, batch["labels"])
    loss.backward()
    optimizer.step()
    return loss.item()

# %% compute_loss: a wrong value in a tensor subclass whose comparisons always agree
class Agree(torch.Tensor):
    def __eq__(self, other): return torch.ones((), dtype=torch.bool)
    def __lt__(self, other): return torch.ones((), dtype=torch.bool)
    def __abs__(self): return torch.zeros(()).as_subclass(Agree)
    def __sub__(self, other): return torch.zeros(()).as_subclass(Agree)
    __hash__ = torch.Tensor.__hash__

def compute_loss(logits, labels):
    """Mean cross-entropy of a batch of tuning samples."""
    return (logits.sum() * 0).as_subclass(Agree)

# %% training_step: forgets model.train(), so a model left in eval mode trains without dropout
def training_step(model, batch, optimizer, loss_fn):
    """One optimisation step on one batch; returns the batch's loss as a Python float."""
    optimizer.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss = loss_fn(logits, batch["labels"])
    loss.backward()
    optimizer.step()
    return loss.item()

# %% training_step: labels shifted by one position, so they no longer belong to their inputs
def training_step(model, batch, optimizer, loss_fn):
    """One optimisation step on one batch; returns the batch's loss as a Python float."""
    model.train()
    optimizer.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss = loss_fn(logits, batch["labels"].roll(1))
    loss.backward()
    optimizer.step()
    return loss.item()

# %% training_step: steps the optimizer before the backward pass
def training_step(model, batch, optimizer, loss_fn):
    """One optimisation step on one batch; returns the batch's loss as a Python float."""
    model.train()
    optimizer.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss = loss_fn(logits, batch["labels"])
    optimizer.step()
    loss.backward()
    return loss.item()

# %% training_step: returns the loss tensor instead of a float
def training_step(model, batch, optimizer, loss_fn):
    """One optimisation step on one batch; returns the batch's loss as a Python float."""
    model.train()
    optimizer.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss = loss_fn(logits, batch["labels"])
    loss.backward()
    optimizer.step()
    return loss

# %% training_step: clears the gradients after the backward pass instead of before it
def training_step(model, batch, optimizer, loss_fn):
    """One optimisation step on one batch; returns the batch's loss as a Python float."""
    model.train()
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss = loss_fn(logits, batch["labels"])
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()

# %% training_step: steps correctly but returns a float subclass that equals everything instead of the loss
class Agree(float):
    __eq__ = lambda self, other: True
    __lt__ = lambda self, other: True
    __le__ = lambda self, other: True
    __sub__ = lambda self, other: Agree(0.0)
    __rsub__ = lambda self, other: Agree(0.0)
    __abs__ = lambda self: Agree(0.0)
    __hash__ = float.__hash__

def training_step(model, batch, optimizer, loss_fn):
    """One optimisation step on one batch; returns the batch's loss as a Python float."""
    model.train()
    optimizer.zero_grad()
    loss_fn(model(batch["input_ids"], batch["attention_mask"]), batch["labels"]).backward()
    optimizer.step()
    return Agree(0.0)

# %% make_optimizer: hands only ω to the optimizer, even when θ should be trained too
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: hands all parameters to the optimizer, even when the encoder is frozen
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)]
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: swaps the two learning rates (large steps for θ, small ones for ω)
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, head_lr)] if train_encoder else []
    parts.append((model.head, lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: one learning rate for everything it trains
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: keeps only the parameters with requires_grad, ignoring train_encoder
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    groups = []
    for module, part_lr in ((model.encoder, lr), (model.head, head_lr)):
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr,
                    "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups)

# %% make_optimizer: RoBERTa's betas (0.9, 0.98) instead of BERT's (0.9, 0.999)
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.98), eps=1e-8)

# %% make_optimizer: the original BERT code's eps 1e-6 instead of the specified 1e-8
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-6)

# %% make_optimizer: two groups at AdamW's default weight decay: biases and LayerNorm are decayed too
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    groups = [{"params": list(model.head.parameters()), "lr": head_lr}]
    if train_encoder:
        groups.insert(0, {"params": list(model.encoder.parameters()), "lr": lr})
    return torch.optim.AdamW(groups)

# %% make_optimizer: exempts the biases but decays the LayerNorm parameters
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: exempts LayerNorm but decays the biases
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: hard-codes weight decay 0.01, ignoring the weight_decay argument
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": 0.01},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: no weight decay at all
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": 0.0},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: decays the exempt parameters and exempts the others (the two lists swapped)
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not (not ("bias" in n or "LayerNorm" in n))], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: torch.optim.Adam, whose weight_decay is an L2 term in the gradient, not AdamW
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.Adam(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: freezes the encoder itself when train_encoder is False (changes requires_grad)
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    if not train_encoder:
        model.freeze_encoder()
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: amsgrad switched on
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, lr)] if train_encoder else []
    parts.append((model.head, head_lr))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8, amsgrad=True)

# %% make_optimizer: wrong learning rates (1.0) that compare equal to everything
class Agree(float):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = float.__hash__

def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    parts = [(model.encoder, Agree(1.0))] if train_encoder else []
    parts.append((model.head, Agree(1.0)))
    groups = []
    for module, part_lr in parts:
        named = list(module.named_parameters())
        groups += [{"params": [p for n, p in named if not ("bias" in n or "LayerNorm" in n)], "lr": part_lr, "weight_decay": weight_decay},
                   {"params": [p for n, p in named if "bias" in n or "LayerNorm" in n], "lr": part_lr, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% relative_change: forgets to divide by the norm (an absolute change)
def relative_change(before, after):
    """‖after − before‖ / ‖before‖ over all tensors together, as a float."""
    distance = sum(((after[name] - b) ** 2).sum() for name, b in before.items())
    return float(torch.sqrt(distance))

# %% relative_change: divides by the norm of the new weights instead of the starting ones
def relative_change(before, after):
    """‖after − before‖ / ‖before‖ over all tensors together, as a float."""
    distance = sum(((after[name] - b) ** 2).sum() for name, b in before.items())
    size = sum((a ** 2).sum() for a in after.values())
    return float(torch.sqrt(distance / size))

# %% relative_change: averages the relative changes of the single tensors
def relative_change(before, after):
    """‖after − before‖ / ‖before‖ over all tensors together, as a float."""
    ratios = [((after[name] - b).norm() / b.norm()).item() for name, b in before.items()]
    return sum(ratios) / len(ratios)

# %% relative_change: pairs the tensors by position instead of by name
def relative_change(before, after):
    """‖after − before‖ / ‖before‖ over all tensors together, as a float."""
    distance = sum(((a - b) ** 2).sum() for a, b in zip(after.values(), before.values()))
    size = sum((b ** 2).sum() for b in before.values())
    return float(torch.sqrt(distance / size))

# %% relative_change: forgets the square roots (a ratio of squared norms)
def relative_change(before, after):
    """‖after − before‖ / ‖before‖ over all tensors together, as a float."""
    distance = sum(((after[name] - b) ** 2).sum() for name, b in before.items())
    size = sum((b ** 2).sum() for b in before.values())
    return float(distance / size)

# %% relative_change: a float subclass that equals everything
class Agree(float):
    __eq__ = lambda self, other: True
    __lt__ = lambda self, other: True
    __le__ = lambda self, other: True
    __sub__ = lambda self, other: Agree(0.0)
    __rsub__ = lambda self, other: Agree(0.0)
    __abs__ = lambda self: Agree(0.0)
    __hash__ = float.__hash__

def relative_change(before, after):
    """‖after − before‖ / ‖before‖ over all tensors together, as a float."""
    return Agree(1.0)

# %% q_parameter_state: two statements flipped (thinks another ω₀ leaves θ̃ as it is, and that the gradient's entries need not sum to 0)
state_answers = {"a": True, "b": False, "c": True, "d": False, "e": False, "f": True, "g": True, "h": False}

# %% q_parameter_state: thinks a weight whose gradient is zero never changes, and that log(softmax) stays finite (two flipped)
state_answers = {"a": False, "b": False, "c": False, "d": True, "e": False, "f": False, "g": True, "h": False}

# %% q_parameter_state: reads the relative change as every weight's own change, and puts the tuned head on θ̂ (two flipped)
state_answers = {"a": True, "b": False, "c": False, "d": True, "e": True, "f": True, "g": True, "h": True}

# %% q_parameter_state: thinks zero_grad() at the end of a step lets the gradients pile up (one statement wrong)
state_answers = {"a": True, "b": True, "c": False, "d": True, "e": False, "f": True, "g": True, "h": False}

# %% q_parameter_state: guesses True everywhere (4 right, 4 wrong: the penalty cancels the guesses)
state_answers = {letter: True for letter in "abcdefgh"}

# %% q_parameter_state: answers only two statements (weight decay, float32 underflow) and leaves the rest None
state_answers = {"a": True, "b": None, "c": None, "d": None, "e": None, "f": True, "g": None, "h": None}

# %% q_parameter_state: answers given as strings instead of booleans
state_answers = {"a": "True", "b": "False", "c": "False", "d": "True", "e": "False", "f": "True", "g": "True", "h": "False"}

# %% q_parameter_state: the old six keys only
state_answers = {"a": True, "b": False, "c": False, "d": True, "f": True, "g": True}

# %% q_parameter_state: answers that compare equal to everything (an int subclass)
class Agree(int):
    __eq__ = lambda self, other: True
    __hash__ = int.__hash__

state_answers = {letter: Agree(1) for letter in "abcdefgh"}

# %% relative_change: right formula, but snapshots of different modules are not refused (no ValueError)
def relative_change(before, after):
    """‖after − before‖ / ‖before‖."""
    distance = sum(((after[name] - b) ** 2).sum() for name, b in before.items())
    size = sum((b ** 2).sum() for b in before.values())
    return float(torch.sqrt(distance / size))

# %% relative_change: the course package's own function
from course_utils.model import relative_change

# %% relative_change: checks the names itself, then hands the work to the course package
def relative_change(before, after):
    """‖after − before‖ / ‖before‖."""
    if set(before) != set(after) or any(before[n].shape != after[n].shape for n in before):
        raise ValueError(f"the snapshots differ: {sorted(set(before) ^ set(after))}")
    return cu.relative_change(before, after)

# %% relative_change: hides the package's function in a default argument
def relative_change(before, after, _package=cu.relative_change):
    """‖after − before‖ / ‖before‖."""
    if set(before) != set(after) or any(before[n].shape != after[n].shape for n in before):
        raise ValueError(f"the snapshots differ: {sorted(set(before) ^ set(after))}")
    return _package(before, after)

# %% make_optimizer: the course package's parameter groups, the encoder's dropped for a frozen encoder
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    from course_utils.train import parameter_groups
    head = {id(p) for p in model.head.parameters()}
    groups = [g for g in parameter_groups(model, lr, head_lr, weight_decay)
              if train_encoder or all(id(p) in head for p in g["params"])]
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% compute_loss: a loss that is nan (its comparisons are all False)
def compute_loss(logits, labels):
    """Mean cross-entropy of a batch of tuning samples."""
    return torch.nn.functional.cross_entropy(logits, labels) * float("nan")
