# Correct alternatives for ch02_prediction_network (same format as ../wrong_answers/).
# Each section replaces the whole source of the solution cell named by its grade_id; every one of
# them must keep full marks on every graded test cell (tests/grading/test_grading.py).

# %% prediction_network: named layers, one nn.Dropout module used twice, the branch in forward
class PredictionNetwork(nn.Module):
    """F_ω: maps a representation (batch, in_features) to logits (batch, num_labels)."""

    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError(f"num_labels must be at least 2, got {num_labels}")
        self.hidden = hidden
        self.drop = nn.Dropout(dropout)
        if hidden is None:
            self.out = nn.Linear(in_features, num_labels)
        else:
            self.fc = nn.Linear(in_features, hidden)
            self.act = nn.GELU()
            self.out = nn.Linear(hidden, num_labels)

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        x = self.drop(representation)
        if self.hidden is not None:
            x = self.drop(self.act(self.fc(x)))
        return self.out(x)

# %% prediction_network: functional style, F.gelu and the training-aware F.dropout(x, p, self.training)
class PredictionNetwork(nn.Module):
    """F_ω: maps a representation (batch, in_features) to logits (batch, num_labels)."""

    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("a classifier needs at least 2 classes")
        self.p = dropout
        self.fc = nn.Linear(in_features, hidden) if hidden is not None else None
        self.out = nn.Linear(in_features if hidden is None else hidden, num_labels)

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        x = F.dropout(representation, self.p, self.training)
        if self.fc is not None:
            x = F.dropout(F.gelu(self.fc(x)), self.p, self.training)
        return self.out(x)

# %% prediction_network: nn.GELU(approximate="tanh"), as in the original BERT
class PredictionNetwork(nn.Module):
    """F_ω: maps a representation (batch, in_features) to logits (batch, num_labels)."""

    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 labels")
        layers = [nn.Dropout(dropout)]
        if hidden is not None:
            layers += [nn.Linear(in_features, hidden), nn.GELU(approximate="tanh"), nn.Dropout(dropout)]
            in_features = hidden
        self.layers = nn.Sequential(*layers, nn.Linear(in_features, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: an nn.ModuleDict of layers, the matrix product written out with the Linear's parameters
class PredictionNetwork(nn.Module):
    """F_ω: maps a representation (batch, in_features) to logits (batch, num_labels)."""

    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("num_labels < 2")
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleDict()
        if hidden is not None:
            self.blocks["hidden"] = nn.Linear(in_features, hidden)
            in_features = hidden
        self.blocks["logits"] = nn.Linear(in_features, num_labels)

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        x = self.dropout(representation)
        if "hidden" in self.blocks:
            lin = self.blocks["hidden"]
            x = self.dropout(F.gelu(x @ lin.weight.T + lin.bias))
        lin = self.blocks["logits"]
        return x @ lin.weight.T + lin.bias

# %% composed_forward: keyword-free call, [CLS] by select
class ComposedClassifier(nn.Module):
    """y = F_ω(BERT_θ(x)) as one module: `encoder` holds θ, `head` holds ω."""

    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids, attention_mask=attention_mask)
        return self.head(out.last_hidden_state.select(1, 0))

# %% composed_forward: the output indexed as a tuple (element 0 is last_hidden_state)
class ComposedClassifier(nn.Module):
    """y = F_ω(BERT_θ(x)) as one module: `encoder` holds θ, `head` holds ω."""

    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden_states = self.encoder(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)[0]
        return self.head(hidden_states[:, 0, :])

# %% count_parameters: a loop with an explicit skip
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    total = 0
    for p in module.parameters():
        if trainable_only and not p.requires_grad:
            continue
        total += p.numel()
    return total

# %% count_parameters: named_parameters (which also skips shared ones), int of a generator sum
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return int(sum(p.numel() for _, p in module.named_parameters() if p.requires_grad or not trainable_only))

# %% count_parameters: unique tensors by id over every submodule's own parameters
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    seen = {}
    for m in module.modules():
        for p in m.parameters(recurse=False):
            if not trainable_only or p.requires_grad:
                seen[id(p)] = p.numel()
    return sum(seen.values())

# %% gradient_norms: torch.linalg.vector_norm over the concatenated gradients
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    for p in model.parameters():
        p.grad = None
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss = F.cross_entropy(logits, batch["labels"])
    loss.backward()
    result = {}
    for key, module in (("theta", model.encoder), ("omega", model.head)):
        grads = [p.grad.flatten() for p in module.parameters() if p.grad is not None]
        result[key] = torch.linalg.vector_norm(torch.cat(grads)).item() if grads else 0.0
    return result

# %% gradient_norms: zero_grad() to zeros, the square root of a Python sum of squared norms
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    model.zero_grad(set_to_none=False)
    F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"]).backward()
    theta = sum(float(p.grad.norm()) ** 2 for p in model.encoder.parameters() if p.grad is not None)
    omega = sum(float(p.grad.norm()) ** 2 for p in model.head.parameters() if p.grad is not None)
    return {"theta": math.sqrt(theta), "omega": math.sqrt(omega)}

# %% gradient_norms: torch.autograd.grad over the trainable parameters (no .grad kept)
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    model.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
    groups = {"theta": [p for p in model.encoder.parameters() if p.requires_grad],
              "omega": [p for p in model.head.parameters() if p.requires_grad]}
    params = groups["theta"] + groups["omega"]
    grads = torch.autograd.grad(loss, params, allow_unused=True) if params else []
    by_param = {id(p): g for p, g in zip(params, grads)}
    out = {}
    for key, ps in groups.items():
        gs = [by_param[id(p)] for p in ps if by_param[id(p)] is not None]
        out[key] = float(torch.sqrt(sum((g.double() ** 2).sum() for g in gs))) if gs else 0.0
    return out

# %% concept_data_flow: a tuple of the letters
data_flow = ("C", "J", "E", "H", "A", "L", "F", "I", "B", "K", "D", "G")

# %% concept_data_flow: one string split into letters
data_flow = list("CJEHALFIBKDG")

# %% concept_statements: the letters in another order, as a tuple
true_statements = ("j", "h", "e", "b", "a")

# %% concept_statements: the letters taken from STATEMENTS by a filter
true_statements = [s for s in STATEMENTS if s in "abehj"]
