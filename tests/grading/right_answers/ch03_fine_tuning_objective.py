# Correct alternatives for ch03_fine_tuning_objective (see docs/AUTHORING.md): each section replaces the whole
# source of the solution cell named by its grade_id and must keep full marks on every graded test cell.

# %% compute_loss: torch.nn.functional.cross_entropy, as the exercise allows
def compute_loss(logits, labels):
    """Mean cross-entropy of a batch of tuning samples."""
    return torch.nn.functional.cross_entropy(logits, labels)

# %% compute_loss: the log-sum-exp written out, with the maximum subtracted for stability
def compute_loss(logits, labels):
    """Mean cross-entropy of a batch of tuning samples."""
    shifted = logits - logits.max(dim=-1, keepdim=True).values.detach()
    log_norm = shifted.exp().sum(dim=-1).log()
    correct = shifted[torch.arange(len(labels)), labels]
    return (log_norm - correct).mean()

# %% compute_loss: nll_loss of log_softmax, as a module
def compute_loss(logits, labels):
    """Mean cross-entropy of a batch of tuning samples."""
    return torch.nn.NLLLoss()(torch.nn.LogSoftmax(dim=1)(logits), labels)

# %% training_step: returns float(loss), a Python float (torch warns about requires_grad: harmless)
def training_step(model, batch, optimizer, loss_fn):
    """One optimisation step on one batch; returns the batch's loss as a Python float."""
    model.train()
    optimizer.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss = loss_fn(logits, batch["labels"])
    loss.backward()
    optimizer.step()
    return float(loss)

# %% training_step: keyword arguments, zero_grad(set_to_none=False) and loss.detach().item()
def training_step(model, batch, optimizer, loss_fn):
    """One optimisation step on one batch; returns the batch's loss as a Python float."""
    model.train(True)
    optimizer.zero_grad(set_to_none=False)
    loss = loss_fn(model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]), batch["labels"])
    loss.backward()
    optimizer.step()
    return loss.detach().item()

# %% make_optimizer: one group per parameter, decided by its full name in the model
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    groups = []
    for name, p in model.named_parameters():
        is_head = name.startswith("head.")
        if not (is_head or train_encoder):
            continue
        no_decay = "bias" in name or "LayerNorm" in name
        groups.append({"params": [p], "lr": head_lr if is_head else lr, "weight_decay": 0.0 if no_decay else weight_decay})
    return torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)

# %% make_optimizer: AdamW's own defaults for lr and weight_decay, overridden only where they differ
def make_optimizer(model, lr, head_lr, train_encoder=True, weight_decay=0.01):
    """AdamW over the parameters to tune."""
    def split(module):
        named = list(module.named_parameters())
        return ([p for n, p in named if "bias" not in n and "LayerNorm" not in n],
                [p for n, p in named if "bias" in n or "LayerNorm" in n])
    head_decay, head_exempt = split(model.head)
    groups = [{"params": head_decay, "lr": head_lr}, {"params": head_exempt, "lr": head_lr, "weight_decay": 0.0}]
    if train_encoder:
        decay, exempt = split(model.encoder)
        groups += [{"params": decay}, {"params": exempt, "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=lr, weight_decay=weight_decay)

# %% relative_change: the two snapshots flattened into one long vector each, torch.linalg.vector_norm
def relative_change(before, after):
    """‖after − before‖ / ‖before‖ over all tensors together."""
    if set(before) != set(after):
        raise ValueError(f"not the same parameters: {sorted(set(before) ^ set(after))}")
    names = sorted(before)
    if any(before[n].shape != after[n].shape for n in names):
        raise ValueError(f"shapes differ: {[n for n in names if before[n].shape != after[n].shape]}")
    flat_before = torch.cat([before[n].flatten() for n in names])
    flat_after = torch.cat([after[n].flatten() for n in names])
    return (torch.linalg.vector_norm(flat_after - flat_before) / torch.linalg.vector_norm(flat_before)).item()

# %% relative_change: a loop of Python floats and math.sqrt
def relative_change(before, after):
    """‖after − before‖ / ‖before‖ over all tensors together."""
    for name in list(before) + list(after):
        if name not in before or name not in after:
            raise ValueError(f"parameter {name} is in only one snapshot")
        if before[name].shape != after[name].shape:
            raise ValueError(f"parameter {name} changed shape")
    distance = size = 0.0
    for name in before:
        distance += float(((after[name] - before[name]) ** 2).sum())
        size += float((before[name] ** 2).sum())
    return math.sqrt(distance / size)

# %% q_parameter_state: the same answers, written with dict(...) and in another key order
state_answers = dict(h=False, g=True, f=True, e=False, d=True, c=False, b=False, a=True)

