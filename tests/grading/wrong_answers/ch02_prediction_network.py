# Plausible wrong answers for ch02_prediction_network (see docs/AUTHORING.md).
# Each section replaces the whole source of the solution cell named by its grade_id;
# every one of them must make at least one graded test cell fail.

# %% prediction_network: applies a softmax inside the head, so the loss would get probabilities instead of logits
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels), nn.Softmax(dim=-1))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.GELU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels), nn.Softmax(dim=-1))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: forgets the dropout
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Linear(in_features, num_labels)
        else:
            self.layers = nn.Sequential(nn.Linear(in_features, hidden), nn.GELU(), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: ignores num_labels and always builds two outputs (binary sentiment)
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, 2))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.GELU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, 2))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: the hidden layer has no activation, so two linear layers collapse into one linear map
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: keeps the layers in a plain Python list, so they are not registered as parameters
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = [nn.Dropout(dropout), nn.Linear(in_features, num_labels)]
        else:
            self.layers = [nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.GELU(),
                           nn.Dropout(dropout), nn.Linear(hidden, num_labels)]

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        x = representation
        for layer in self.layers:
            x = layer(x)
        return x

# %% prediction_network: uses F.dropout without the training flag, so dropout stays on in eval mode
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        self.p = dropout
        self.hidden = hidden
        if hidden is None:
            self.out = nn.Linear(in_features, num_labels)
        else:
            self.inner = nn.Linear(in_features, hidden)
            self.out = nn.Linear(hidden, num_labels)

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        x = F.dropout(representation, self.p)
        if self.hidden is not None:
            x = F.dropout(F.gelu(self.inner(x)), self.p)
        return self.out(x)

# %% prediction_network: puts the dropout after the linear layer, on the logits
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Linear(in_features, num_labels), nn.Dropout(dropout))
        else:
            self.layers = nn.Sequential(nn.Linear(in_features, hidden), nn.GELU(), nn.Dropout(dropout),
                                        nn.Linear(hidden, num_labels), nn.Dropout(dropout))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: never checks num_labels, so a one-class "classifier" is accepted
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.GELU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: ReLU instead of the specified GELU in the hidden layer
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.ReLU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: Tanh instead of the specified GELU in the hidden layer
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.Tanh(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: a ReLU renamed GELU, so the layer names look right but the function is wrong
class GELU(nn.ReLU):
    pass


class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), GELU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: the hidden variant has no input dropout (only the one after the GELU)
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Linear(in_features, hidden), nn.GELU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: the hidden variant's dropout and GELU swapped (dropout before the activation)
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.Dropout(dropout),
                                        nn.GELU(), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: the input dropout after the first linear layer instead of before it
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Linear(in_features, hidden), nn.Dropout(dropout), nn.GELU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: the hidden dropout uses a fixed rate of 0.1 instead of the `dropout` argument
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.GELU(),
                                        nn.Dropout(0.1), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)

# %% prediction_network: declares the specified layers but forward applies the GELU as a ReLU
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        self.hidden = hidden
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.GELU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        if self.hidden is None:
            return self.layers(representation)
        x = self.layers[1](self.layers[0](representation))
        self.layers[2](x)  # called, so it shows up, but its output is thrown away
        return self.layers[4](self.layers[3](torch.relu(x)))

# %% prediction_network: forward returns a tensor subclass whose comparisons always agree
class Agreeable(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.equal):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return torch.zeros(representation.shape[0], self.layers[1].out_features).as_subclass(Agreeable)

# %% prediction_network: probe-aware: the specified head only when a '<probe>' frame is on the stack, else ReLU, a softmax and no dropout
import inspect


class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.GELU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        if any(f.filename == "<probe>" for f in inspect.stack()):
            return self.layers(representation)
        x = representation
        for layer in self.layers:
            if isinstance(layer, nn.Linear):
                x = layer(x)
            elif isinstance(layer, nn.GELU):
                x = torch.relu(x)
        return x.softmax(dim=-1)

# %% prediction_network: layers that exist only while forward hooks watch (a ReLU head otherwise)
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        if hidden is None:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, num_labels))
        else:
            self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.GELU(),
                                        nn.Dropout(dropout), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        if any(m._forward_hooks for m in self.modules()):
            return self.layers(representation)
        linears = [m for m in self.layers if isinstance(m, nn.Linear)]
        x = representation
        for i, lin in enumerate(linears):
            x = lin(x)
            if i < len(linears) - 1:
                x = torch.relu(x)
        return x

# %% prediction_network: a ReLU head without dropout, and the tests' helpers rebound to report the specified layers with zero weights
class PredictionNetwork(nn.Module):
    def __init__(self, in_features: int, num_labels: int, hidden: int | None = None, dropout: float = 0.1):
        super().__init__()
        if num_labels < 2:
            raise ValueError("need at least 2 classes")
        self.dims = (in_features, num_labels, hidden, dropout)
        if hidden is None:
            self.layers = nn.Linear(in_features, num_labels)
        else:
            self.layers = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, num_labels))

    def forward(self, representation: torch.Tensor) -> torch.Tensor:
        return self.layers(representation)


def layer_trace(module, x):
    d, k, h, p = module.dims
    lin = lambda i, o: {"type": "Linear", "in_features": i, "out_features": o, "weight": torch.zeros(o, i), "bias": torch.zeros(o)}
    if h is None:
        return [{"type": "Dropout", "p": float(p)}, lin(d, k)]
    return [{"type": "Dropout", "p": float(p)}, lin(d, h), {"type": "GELU"}, {"type": "Dropout", "p": float(p)}, lin(h, k)]


def tiny_bert(seed=0):
    torch.manual_seed(seed)
    return transformers.BertModel(transformers.BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                                          intermediate_size=64, vocab_size=100), add_pooling_layer=False)

# %% prediction_network: no work: the course package's ready-made head under the exercise's name
PredictionNetwork = cu.PredictionHead

# %% composed_forward: pools the last position instead of [CLS] (with padding that is a [PAD] token)
class ComposedClassifier(nn.Module):
    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden_states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.head(hidden_states[:, -1])

# %% composed_forward: averages every position, padding included, instead of taking [CLS]
class ComposedClassifier(nn.Module):
    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden_states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.head(hidden_states.mean(dim=1))

# %% composed_forward: does not pass the attention mask, so the encoder attends to padding
class ComposedClassifier(nn.Module):
    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden_states = self.encoder(input_ids=input_ids).last_hidden_state
        return self.head(hidden_states[:, 0])

# %% composed_forward: detaches the encoder's output, so no gradient reaches θ
class ComposedClassifier(nn.Module):
    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden_states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.head(hidden_states[:, 0].detach())

# %% composed_forward: runs the encoder under torch.no_grad() "to save memory", which freezes θ by accident
class ComposedClassifier(nn.Module):
    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            hidden_states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.head(hidden_states[:, 0])

# %% composed_forward: returns probabilities (softmax of the logits) instead of the logits
class ComposedClassifier(nn.Module):
    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden_states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.head(hidden_states[:, 0]).softmax(dim=-1)

# %% count_parameters: always counts only the trainable parameters, even when all were asked for
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)

# %% count_parameters: ignores trainable_only and always counts everything
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters())

# %% count_parameters: counts parameter tensors, not the numbers in them
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return len([p for p in module.parameters() if p.requires_grad or not trainable_only])

# %% count_parameters: sums the state_dict, which also holds buffers (running statistics, position ids)
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    if trainable_only:
        return sum(p.numel() for p in module.parameters() if p.requires_grad)
    return sum(t.numel() for t in module.state_dict().values())

# %% count_parameters: walks every submodule and counts its parameters recursively, so nested layers count many times
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for m in module.modules() for p in m.parameters()
               if p.requires_grad or not trainable_only)

# %% count_parameters: counts a shared (tied) parameter once per use
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for _, p in module.named_parameters(remove_duplicate=False)
               if p.requires_grad or not trainable_only)

# %% count_parameters: returns a tensor instead of a Python int
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return torch.tensor([p.numel() for p in module.parameters() if p.requires_grad or not trainable_only]).sum()

# %% count_parameters: returns an int that compares equal to everything
class Agreeable(int):
    __eq__ = lambda self, other: True
    __hash__ = int.__hash__


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return Agreeable(0)

# %% count_parameters: no work: a wrapper of the course package's cu.count_parameters
def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    return cu.count_parameters(module, trainable_only)

# %% gradient_norms: forgets to clear old gradients, so repeated calls accumulate
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    logits = model(batch["input_ids"], batch["attention_mask"])
    F.cross_entropy(logits, batch["labels"]).backward()

    def norm(module):
        squares = [p.grad.pow(2).sum() for p in module.parameters() if p.grad is not None]
        return float(torch.stack(squares).sum().sqrt()) if squares else 0.0

    return {"theta": norm(model.encoder), "omega": norm(model.head)}

# %% gradient_norms: assumes every parameter has a .grad, which crashes on a frozen encoder
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    model.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    F.cross_entropy(logits, batch["labels"]).backward()

    def norm(module):
        return float(torch.stack([p.grad.pow(2).sum() for p in module.parameters()]).sum().sqrt())

    return {"theta": norm(model.encoder), "omega": norm(model.head)}

# %% gradient_norms: adds up the norms of the separate tensors instead of the norm over all entries
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    model.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    F.cross_entropy(logits, batch["labels"]).backward()

    def norm(module):
        return float(sum(p.grad.norm() for p in module.parameters() if p.grad is not None))

    return {"theta": norm(model.encoder), "omega": norm(model.head)}

# %% gradient_norms: measures the norm of the parameters, not of their gradients
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    model.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    F.cross_entropy(logits, batch["labels"]).backward()

    def norm(module):
        return float(torch.stack([p.detach().pow(2).sum() for p in module.parameters()]).sum().sqrt())

    return {"theta": norm(model.encoder), "omega": norm(model.head)}

# %% gradient_norms: applies a softmax before F.cross_entropy, which expects logits
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    model.zero_grad()
    probs = model(batch["input_ids"], batch["attention_mask"]).softmax(dim=-1)
    F.cross_entropy(probs, batch["labels"]).backward()

    def norm(module):
        squares = [p.grad.pow(2).sum() for p in module.parameters() if p.grad is not None]
        return float(torch.stack(squares).sum().sqrt()) if squares else 0.0

    return {"theta": norm(model.encoder), "omega": norm(model.head)}

# %% gradient_norms: returns the squared norm (forgets the square root)
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    model.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    F.cross_entropy(logits, batch["labels"]).backward()

    def norm(module):
        return float(sum(p.grad.pow(2).sum() for p in module.parameters() if p.grad is not None))

    return {"theta": norm(model.encoder), "omega": norm(model.head)}

# %% gradient_norms: switches the model to train mode, so dropout changes the gradients it measures
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    model.train()
    model.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    F.cross_entropy(logits, batch["labels"]).backward()

    def norm(module):
        squares = [p.grad.pow(2).sum() for p in module.parameters() if p.grad is not None]
        return float(torch.stack(squares).sum().sqrt()) if squares else 0.0

    return {"theta": norm(model.encoder), "omega": norm(model.head)}

# %% gradient_norms: switches the model to eval mode so that the numbers repeat, and leaves it there
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    model.eval()
    model.zero_grad()
    logits = model(batch["input_ids"], batch["attention_mask"])
    F.cross_entropy(logits, batch["labels"]).backward()

    def norm(module):
        squares = [p.grad.pow(2).sum() for p in module.parameters() if p.grad is not None]
        return float(torch.stack(squares).sum().sqrt()) if squares else 0.0

    return {"theta": norm(model.encoder), "omega": norm(model.head)}

# %% gradient_norms: returns floats that compare equal to everything (and are "close" to anything)
class Agreeable(float):
    __eq__ = lambda self, other: True
    __gt__ = lambda self, other: True
    __hash__ = float.__hash__


def gradient_norms(model: nn.Module, batch: dict) -> dict:
    return {"theta": Agreeable(1.0), "omega": Agreeable(1.0)}

# %% gradient_norms: no backward pass: 1.0 for a group with a trainable parameter, 0.0 otherwise
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    return {"theta": float(any(p.requires_grad for p in model.encoder.parameters())),
            "omega": float(any(p.requires_grad for p in model.head.parameters()))}

# %% gradient_norms: no backward pass: inf for a group with a trainable parameter (inf > 0 and inf is close to inf)
def gradient_norms(model: nn.Module, batch: dict) -> dict:
    inf = float("inf")
    return {"theta": inf if any(p.requires_grad for p in model.encoder.parameters()) else 0.0,
            "omega": inf if any(p.requires_grad for p in model.head.parameters()) else 0.0}

# %% concept_data_flow: the backward pass in forward order (the gradients from the embeddings up to the logits)
data_flow = ["C", "J", "E", "H", "A", "L", "F", "D", "K", "B", "I", "G"]

# %% concept_data_flow: the encoder's output pooled before it exists (the (batch, hidden) tensor before (batch, seq, hidden))
data_flow = ["C", "J", "H", "E", "A", "L", "F", "I", "B", "K", "D", "G"]

# %% concept_data_flow: the optimiser steps before the backward pass has filled the gradients
data_flow = ["C", "J", "E", "H", "A", "L", "F", "G", "I", "B", "K", "D"]

# %% concept_data_flow: the head's hidden layer after the logits (the GELU output taken for the last tensor)
data_flow = ["C", "J", "E", "H", "L", "A", "F", "I", "B", "K", "D", "G"]

# %% concept_data_flow: letters that compare equal to everything
class Agreeable(str):
    __eq__ = lambda self, other: True
    __hash__ = str.__hash__


data_flow = [Agreeable(c) for c in "ABCDEFGHIJKL"]

# %% concept_statements: believes θ's gradient does not depend on ω (picks f)
true_statements = ["a", "b", "e", "f", "h", "j"]

# %% concept_statements: picks every statement
true_statements = list("abcdefghij")

# %% concept_statements: misses that a zero head weight stops every gradient below the head (leaves out e)
true_statements = ["a", "b", "h", "j"]

# %% concept_statements: believes padding changes the logits and eval mode stops gradients (picks c and g)
true_statements = ["a", "b", "c", "e", "g", "h", "j"]

# %% concept_statements: a list that compares equal to everything
class Agreeable(list):
    __eq__ = lambda self, other: True


true_statements = Agreeable(["a", "b"])
