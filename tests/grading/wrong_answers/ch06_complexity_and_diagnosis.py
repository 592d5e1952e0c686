# Plausible wrong answers for ch06_complexity_and_diagnosis (see docs/AUTHORING.md).
# Each section replaces the whole source of the solution cell named by its grade_id;
# every one of them must make at least one graded test cell fail.

# %% parameter_count: a dict of ints that compare equal to everything (nothing counted)
class Anything(int):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = int.__hash__


def bert_parameter_count(config, pooler=False):
    return {k: Anything(0) for k in ("embeddings", "layer", "pooler", "total")}

# %% parameter_count: counts floats (parameters are whole numbers: the spec asks for Python ints)
def bert_parameter_count(config, pooler=False):
    d, inter = config.hidden_size, config.intermediate_size
    embeddings = (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * d + 2 * d
    layer = 4 * (d * d + d) + 2 * d + (d * inter + inter) + (inter * d + d) + 2 * d
    pool = d * d + d if pooler else 0
    return {k: float(v) for k, v in {"embeddings": embeddings, "layer": layer, "pooler": pool,
                                     "total": embeddings + config.num_hidden_layers * layer + pool}.items()}

# %% parameter_count: the total leaves out the pooler even when pooler=True (the parts are right)
def bert_parameter_count(config, pooler=False):
    d, inter = config.hidden_size, config.intermediate_size
    embeddings = (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * d + 2 * d
    layer = 4 * (d * d + d) + 2 * d + (d * inter + inter) + (inter * d + d) + 2 * d
    pool = d * d + d if pooler else 0
    return {"embeddings": embeddings, "layer": layer, "pooler": pool,
            "total": embeddings + config.num_hidden_layers * layer}

# %% parameter_count: forgets the position and token-type embeddings (counts only the word table)
def bert_parameter_count(config, pooler=False):
    d, inter = config.hidden_size, config.intermediate_size
    embeddings = config.vocab_size * d + 2 * d
    layer = 4 * (d * d + d) + 2 * d + (d * inter + inter) + (inter * d + d) + 2 * d
    pool = d * d + d if pooler else 0
    return {"embeddings": embeddings, "layer": layer, "pooler": pool,
            "total": embeddings + config.num_hidden_layers * layer + pool}

# %% parameter_count: forgets the LayerNorm parameters (in the embeddings and twice per layer)
def bert_parameter_count(config, pooler=False):
    d, inter = config.hidden_size, config.intermediate_size
    embeddings = (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * d
    layer = 4 * (d * d + d) + (d * inter + inter) + (inter * d + d)
    pool = d * d + d if pooler else 0
    return {"embeddings": embeddings, "layer": layer, "pooler": pool,
            "total": embeddings + config.num_hidden_layers * layer + pool}

# %% parameter_count: counts three attention projections (Q, K, V) and forgets the output projection
def bert_parameter_count(config, pooler=False):
    d, inter = config.hidden_size, config.intermediate_size
    embeddings = (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * d + 2 * d
    layer = 3 * (d * d + d) + 2 * d + (d * inter + inter) + (inter * d + d) + 2 * d
    pool = d * d + d if pooler else 0
    return {"embeddings": embeddings, "layer": layer, "pooler": pool,
            "total": embeddings + config.num_hidden_layers * layer + pool}

# %% parameter_count: assumes the feed-forward size is always 4 * hidden_size instead of reading intermediate_size
def bert_parameter_count(config, pooler=False):
    d = config.hidden_size
    inter = 4 * d
    embeddings = (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * d + 2 * d
    layer = 4 * (d * d + d) + 2 * d + (d * inter + inter) + (inter * d + d) + 2 * d
    pool = d * d + d if pooler else 0
    return {"embeddings": embeddings, "layer": layer, "pooler": pool,
            "total": embeddings + config.num_hidden_layers * layer + pool}

# %% parameter_count: always adds the pooler
def bert_parameter_count(config, pooler=False):
    d, inter = config.hidden_size, config.intermediate_size
    embeddings = (config.vocab_size + config.max_position_embeddings + config.type_vocab_size) * d + 2 * d
    layer = 4 * (d * d + d) + 2 * d + (d * inter + inter) + (inter * d + d) + 2 * d
    pool = d * d + d
    return {"embeddings": embeddings, "layer": layer, "pooler": pool,
            "total": embeddings + config.num_hidden_layers * layer + pool}

# %% encoder_b: counts BERT's own feed-forward block (the variant's block ignored)
d_b, i_b = encoder_b.hidden, encoder_b.inter
layer_b = 4 * (d_b * d_b + d_b) + 2 * d_b + (d_b * i_b + i_b) + (i_b * d_b + d_b) + 2 * d_b
encoder_b_count = {"layer": layer_b, "total": (encoder_b.vocab + 512 + 2) * d_b + 2 * d_b + encoder_b.layers * layer_b}

# %% encoder_b: the layer right, the total without the embedding block
d_b, i_b = encoder_b.hidden, encoder_b.inter
ffn_b = {"gated": 2 * (d_b * i_b + i_b) + (i_b * d_b + d_b) + 2 * d_b, "no_bias": 2 * d_b * i_b + 2 * d_b,
         "deep": (d_b * i_b + i_b) + (i_b * i_b + i_b) + (i_b * d_b + d_b) + 2 * d_b,
         "rms": (d_b * i_b + i_b) + (i_b * d_b + d_b) + d_b}[encoder_b.ffn]
layer_b = 4 * (d_b * d_b + d_b) + 2 * d_b + ffn_b
encoder_b_count = {"layer": layer_b, "total": encoder_b.layers * layer_b}

# %% encoder_b: the new block without its normalisation layer, and the total with a pooler
d_b, i_b = encoder_b.hidden, encoder_b.inter
ffn_b = {"gated": 2 * (d_b * i_b + i_b) + (i_b * d_b + d_b), "no_bias": 2 * d_b * i_b,
         "deep": (d_b * i_b + i_b) + (i_b * i_b + i_b) + (i_b * d_b + d_b),
         "rms": (d_b * i_b + i_b) + (i_b * d_b + d_b)}[encoder_b.ffn]
layer_b = 4 * (d_b * d_b + d_b) + 2 * d_b + ffn_b
encoder_b_count = {"layer": layer_b,
                   "total": (encoder_b.vocab + 512 + 2) * d_b + 2 * d_b + encoder_b.layers * layer_b + d_b * d_b + d_b}

# %% encoder_b: a gated block counted with one up projection too many (three Linear(d, I)), the rest right
d_b, i_b = encoder_b.hidden, encoder_b.inter
ffn_b = {"gated": 3 * (d_b * i_b + i_b) + (i_b * d_b + d_b) + 2 * d_b, "no_bias": 2 * d_b * i_b + 2 * d_b,
         "deep": (d_b * i_b + i_b) + (i_b * i_b + i_b) + (i_b * d_b + d_b) + 2 * d_b,
         "rms": (d_b * i_b + i_b) + (i_b * d_b + d_b) + d_b}[encoder_b.ffn]
layer_b = 4 * (d_b * d_b + d_b) + 2 * d_b + ffn_b
encoder_b_count = {"layer": layer_b, "total": (encoder_b.vocab + 512 + 2) * d_b + 2 * d_b + encoder_b.layers * layer_b}

# %% encoder_b: counts that compare equal to everything
class Anything(int):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = int.__hash__


encoder_b_count = {"layer": Anything(0), "total": Anything(0)}

# %% flops: returns numbers that compare equal to everything (and nothing computed)
class Anything(float):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = float.__hash__
    __truediv__ = lambda self, other: Anything(4.0)
    __gt__ = lambda self, other: True


def training_flops(n_params, n_tokens, recompute=False):
    return Anything(0.0)


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    return Anything(0.0)

# %% flops: counts the forward pass only (2·N·T) and forgets attention's backward pass too
def training_flops(n_params, n_tokens, recompute=False):
    return (4 if recompute else 2) * n_params * n_tokens


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    return 4 * seq_len * seq_len * n_heads * head_dim * n_layers * n_sequences

# %% flops: right 6NT, but attention linear in the sequence length (s·d instead of s²·d)
def training_flops(n_params, n_tokens, recompute=False):
    return (8 if recompute else 6) * n_params * n_tokens


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    return 12 * seq_len * n_heads * head_dim * n_layers * n_sequences

# %% flops: right 6NT, attention counted for the scores Q·K^T only (forgets the weighted sum of V)
def training_flops(n_params, n_tokens, recompute=False):
    return (8 if recompute else 6) * n_params * n_tokens


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    return 3 * 2 * seq_len * seq_len * n_heads * head_dim * n_layers * n_sequences

# %% flops: right 6NT, attention for one layer only (forgets n_layers)
def training_flops(n_params, n_tokens, recompute=False):
    return (8 if recompute else 6) * n_params * n_tokens


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    return 12 * seq_len * seq_len * n_heads * head_dim * n_sequences

# %% flops: attention for one head only (forgets that every head does its own products)
def training_flops(n_params, n_tokens, recompute=False):
    return (8 if recompute else 6) * n_params * n_tokens


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    return 12 * seq_len * seq_len * head_dim * n_layers * n_sequences

# %% flops: assumes BERT's head layout, hidden size 768 (ignores head_dim)
def training_flops(n_params, n_tokens, recompute=False):
    return (8 if recompute else 6) * n_params * n_tokens


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    return 12 * seq_len * seq_len * 768 * n_layers * n_sequences

# %% flops: 6 FLOPs per parameter, not per parameter and token (forgets the tokens)
def training_flops(n_params, n_tokens, recompute=False):
    return (8 if recompute else 6) * n_params


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    return 12 * n_layers * n_heads * head_dim * seq_len ** 2 * n_sequences

# %% flops: checkpointing recomputes forward AND backward (12·N·T instead of 8·N·T)
def training_flops(n_params, n_tokens, recompute=False):
    return (12 if recompute else 6) * n_params * n_tokens


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    return 12 * n_layers * n_heads * head_dim * seq_len ** 2 * n_sequences

# %% flops: ignores recompute (checkpointing costs nothing extra)
def training_flops(n_params, n_tokens, recompute=False):
    return 6 * n_params * n_tokens


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    return 12 * n_layers * n_heads * head_dim * seq_len ** 2 * n_sequences

# %% memory: a total that compares equal to everything, and the rest computed
class Anything(float):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = float.__hash__


def training_memory_bytes(config, n_params, n_trainable, batch_size, seq_len, bytes_per_value=4):
    weights = bytes_per_value * n_params
    gradients = bytes_per_value * n_trainable
    adam = 2 * bytes_per_value * n_trainable
    d, inter, heads = config.hidden_size, config.intermediate_size, config.num_attention_heads
    activations = bytes_per_value * config.num_hidden_layers * batch_size * seq_len * (10 * d + 2 * inter + 3 * heads * seq_len)
    return {"weights": weights, "gradients": gradients, "adam": adam, "activations": activations, "total": Anything(0)}

# %% memory: fp32 hard-coded (ignores bytes_per_value)
def training_memory_bytes(config, n_params, n_trainable, batch_size, seq_len, bytes_per_value=4):
    weights = 4 * n_params
    gradients = 4 * n_trainable
    adam = 8 * n_trainable
    d, inter, heads = config.hidden_size, config.intermediate_size, config.num_attention_heads
    activations = 4 * config.num_hidden_layers * batch_size * seq_len * (10 * d + 2 * inter + 3 * heads * seq_len)
    return {"weights": weights, "gradients": gradients, "adam": adam, "activations": activations,
            "total": weights + gradients + adam + activations}

# %% memory: counts the Adam states once (one moment instead of two)
def training_memory_bytes(config, n_params, n_trainable, batch_size, seq_len, bytes_per_value=4):
    weights = bytes_per_value * n_params
    gradients = bytes_per_value * n_trainable
    adam = bytes_per_value * n_trainable
    d, inter, heads = config.hidden_size, config.intermediate_size, config.num_attention_heads
    activations = bytes_per_value * config.num_hidden_layers * batch_size * seq_len * (10 * d + 2 * inter + 3 * heads * seq_len)
    return {"weights": weights, "gradients": gradients, "adam": adam, "activations": activations,
            "total": weights + gradients + adam + activations}

# %% memory: gradients and Adam states for every parameter, frozen ones too
def training_memory_bytes(config, n_params, n_trainable, batch_size, seq_len, bytes_per_value=4):
    weights = bytes_per_value * n_params
    gradients = bytes_per_value * n_params
    adam = 2 * bytes_per_value * n_params
    d, inter, heads = config.hidden_size, config.intermediate_size, config.num_attention_heads
    activations = bytes_per_value * config.num_hidden_layers * batch_size * seq_len * (10 * d + 2 * inter + 3 * heads * seq_len)
    return {"weights": weights, "gradients": gradients, "adam": adam, "activations": activations,
            "total": weights + gradients + adam + activations}

# %% memory: activations without attention's s² term (linear in the sequence length)
def training_memory_bytes(config, n_params, n_trainable, batch_size, seq_len, bytes_per_value=4):
    weights = bytes_per_value * n_params
    gradients = bytes_per_value * n_trainable
    adam = 2 * bytes_per_value * n_trainable
    d, inter = config.hidden_size, config.intermediate_size
    activations = bytes_per_value * config.num_hidden_layers * batch_size * seq_len * (10 * d + 2 * inter)
    return {"weights": weights, "gradients": gradients, "adam": adam, "activations": activations,
            "total": weights + gradients + adam + activations}

# %% memory: activations for one sequence, not the whole batch
def training_memory_bytes(config, n_params, n_trainable, batch_size, seq_len, bytes_per_value=4):
    weights = bytes_per_value * n_params
    gradients = bytes_per_value * n_trainable
    adam = 2 * bytes_per_value * n_trainable
    d, inter, heads = config.hidden_size, config.intermediate_size, config.num_attention_heads
    activations = bytes_per_value * config.num_hidden_layers * seq_len * (10 * d + 2 * inter + 3 * heads * seq_len)
    return {"weights": weights, "gradients": gradients, "adam": adam, "activations": activations,
            "total": weights + gradients + adam + activations}

# %% memory: the total leaves out the activations
def training_memory_bytes(config, n_params, n_trainable, batch_size, seq_len, bytes_per_value=4):
    weights = bytes_per_value * n_params
    gradients = bytes_per_value * n_trainable
    adam = 2 * bytes_per_value * n_trainable
    d, inter, heads = config.hidden_size, config.intermediate_size, config.num_attention_heads
    activations = bytes_per_value * config.num_hidden_layers * batch_size * seq_len * (10 * d + 2 * inter + 3 * heads * seq_len)
    return {"weights": weights, "gradients": gradients, "adam": adam, "activations": activations,
            "total": weights + gradients + adam}

# %% diagnosis: swaps the frozen run (run_1, Δθ exactly 0) and the tiny learning rate (run_2, Δθ small): both have a flat loss
diagnosis = {"run_1": "H", "run_2": "C", "run_3": "B", "run_4": "F", "run_5": "A", "run_6": "D", "run_7": "E"}

# %% diagnosis: reads the climbing gradient norm of run_3 as a learning rate that is too high
diagnosis = {"run_1": "C", "run_2": "H", "run_3": "A", "run_4": "F", "run_5": "A", "run_6": "D", "run_7": "E"}

# %% diagnosis: takes the padding run (good training loss, poor own predictions) for over-fitting, and the tiny set for padding
diagnosis = {"run_1": "C", "run_2": "H", "run_3": "B", "run_4": "E", "run_5": "A", "run_6": "D", "run_7": "F"}

# %% diagnosis: blames the misaligned labels (parameters move, loss flat) on a frozen model
diagnosis = {"run_1": "C", "run_2": "H", "run_3": "B", "run_4": "F", "run_5": "A", "run_6": "C", "run_7": "E"}

# %% diagnosis: answers as if each cause could be used once only, the last by elimination (G for the tiny learning rate)
diagnosis = {"run_1": "C", "run_2": "G", "run_3": "B", "run_4": "F", "run_5": "A", "run_6": "D", "run_7": "E"}

# %% diagnosis: the key of the course package's earlier release (the runs were renamed since)
diagnosis = {"run_1": "H", "run_2": "F", "run_3": "A", "run_4": "C", "run_5": "E", "run_6": "B", "run_7": "D"}

# %% diagnosis: the old six-run answer (run_7 missing)
diagnosis = {"run_1": "D", "run_2": "A", "run_3": "E", "run_4": "B", "run_5": "F", "run_6": "C"}

# %% diagnosis: a classmate's answer handed in as is (student s2400117's names and letters under this course's key)
diagnosis = {"run_1": "H", "run_2": "F", "run_3": "D", "run_4": "C", "run_5": "A", "run_6": "E", "run_7": "G"}

# %% diagnosis: letters that compare equal to every letter
class Anything(str):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = str.__hash__


diagnosis = {f"run_{i}": Anything("Z") for i in range(1, 8)}

# %% diagnosis: a dict that compares equal to every dict and claims every key
class Everything(dict):
    __eq__ = lambda self, other: True
    __contains__ = lambda self, key: True
    __getitem__ = lambda self, key: "A"


diagnosis = Everything()

# %% train_steps: still forgets optimizer.zero_grad(), so gradients pile up
def train_steps(model, batches, lr, epochs=1):
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    losses = []
    for _ in range(epochs):
        for batch in batches:
            loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses

# %% train_steps: zero_grad, mask and train() fixed, a lower learning rate, but the labels are still shifted by one
def train_steps(model, batches, lr, epochs=1):
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr / 10, weight_decay=0.0)
    losses = []
    for _ in range(epochs):
        for batch in batches:
            optimizer.zero_grad()
            logits = model(batch["input_ids"], batch["attention_mask"])
            loss = F.cross_entropy(logits[:-1], batch["labels"][1:])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses

# %% train_steps: still does not pass the attention mask, so padding is attended to and pooled
def train_steps(model, batches, lr, epochs=1):
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    losses = []
    for _ in range(epochs):
        for batch in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(batch["input_ids"]), batch["labels"])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses

# %% train_steps: everything else fixed, but model.train() is never called (a model in eval mode stays there)
def train_steps(model, batches, lr, epochs=1):
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    losses = []
    for _ in range(epochs):
        for batch in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses

# %% train_steps: trains the head only (a linear probe), θ never moves
def train_steps(model, batches, lr, epochs=1):
    model.train()
    optimizer = torch.optim.AdamW(model.head.parameters(), lr=lr, weight_decay=0.0)
    losses = []
    for _ in range(epochs):
        for batch in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses

# %% train_steps: calls model.train() only after the updates (dropout off while training, the model ends in train mode)
def train_steps(model, batches, lr, epochs=1):
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    losses = []
    for _ in range(epochs):
        for batch in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.train()
    return losses

# %% train_steps: the default is two epochs, not one
def train_steps(model, batches, lr, epochs=2):
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    losses = []
    for _ in range(epochs):
        for batch in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses

# %% train_steps: returns losses that compare equal to everything, and the model is trained
class Anything(float):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: False
    __hash__ = float.__hash__
    __lt__ = lambda self, other: True


def train_steps(model, batches, lr, epochs=1):
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    losses = []
    for _ in range(epochs):
        for batch in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
            loss.backward()
            optimizer.step()
            losses.append(Anything(99.0))
    return losses

# %% train_steps: trains and then returns the loss after each update (computed on the updated model)
def train_steps(model, batches, lr, epochs=1):
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.0)
    losses = []
    for _ in range(epochs):
        for batch in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                after = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
            losses.append(after.item())
    return losses
