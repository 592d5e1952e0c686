# Correct alternatives for ch06_complexity_and_diagnosis (same format as ../wrong_answers/).
# Each section replaces the whole source of the solution cell named by its grade_id; every one of
# them must keep full marks on every graded test cell (tests/grading/test_grading.py).

# %% parameter_count: a helper per module kind (Linear, LayerNorm, Embedding), summed block by block
def bert_parameter_count(config, pooler=False):
    def linear(a, b):
        return a * b + b

    def layer_norm(d):
        return 2 * d

    d, inter = config.hidden_size, config.intermediate_size
    tables = [config.vocab_size, config.max_position_embeddings, config.type_vocab_size]
    embeddings = sum(rows * d for rows in tables) + layer_norm(d)
    attention = 4 * linear(d, d) + layer_norm(d)
    feed_forward = linear(d, inter) + linear(inter, d) + layer_norm(d)
    pool = linear(d, d) if pooler else 0
    layer = attention + feed_forward
    return {"embeddings": int(embeddings), "layer": int(layer), "pooler": int(pool),
            "total": int(embeddings + config.num_hidden_layers * layer + pool)}

# %% parameter_count: the shapes of every weight and bias listed, multiplied out with math.prod
def bert_parameter_count(config, pooler=False):
    import math

    V, d, L, inter = config.vocab_size, config.hidden_size, config.num_hidden_layers, config.intermediate_size
    P, T = config.max_position_embeddings, config.type_vocab_size
    emb_shapes = [(V, d), (P, d), (T, d), (d,), (d,)]
    layer_shapes = [(d, d), (d,)] * 4 + [(d,), (d,)] + [(d, inter), (inter,), (inter, d), (d,), (d,), (d,)]
    emb = sum(math.prod(s) for s in emb_shapes)
    layer = sum(math.prod(s) for s in layer_shapes)
    pool = math.prod((d, d)) + d if pooler else 0
    return dict(embeddings=emb, layer=layer, pooler=pool, total=emb + L * layer + pool)

# %% encoder_b: encoder B built on the meta device from its description, its parameters counted
with torch.device("meta"):
    d_b, i_b = encoder_b.hidden, encoder_b.inter
    model_b = transformers.BertModel(transformers.BertConfig(
        vocab_size=encoder_b.vocab, hidden_size=d_b, num_hidden_layers=encoder_b.layers, num_attention_heads=d_b // 64,
        intermediate_size=i_b, max_position_embeddings=512, type_vocab_size=2), add_pooling_layer=False)
    for layer in model_b.encoder.layer:
        if encoder_b.ffn == "gated":
            layer.intermediate.gate = nn.Linear(d_b, i_b)
        elif encoder_b.ffn == "no_bias":
            layer.intermediate.dense, layer.output.dense = nn.Linear(d_b, i_b, bias=False), nn.Linear(i_b, d_b, bias=False)
        elif encoder_b.ffn == "deep":
            layer.intermediate.extra = nn.Linear(i_b, i_b)
        else:
            layer.output.LayerNorm = nn.RMSNorm(d_b)
encoder_b_count = {"layer": sum(p.numel() for p in model_b.encoder.layer[0].parameters()),
                   "total": sum(p.numel() for p in model_b.parameters())}

# %% encoder_b: BERT's counts from bert_parameter_count, then the feed-forward block swapped
config_b = transformers.BertConfig(vocab_size=encoder_b.vocab, hidden_size=encoder_b.hidden,
                                   num_hidden_layers=encoder_b.layers, intermediate_size=encoder_b.inter)
bert_b = bert_parameter_count(config_b)
d, i = encoder_b.hidden, encoder_b.inter
change = {"gated": d * i + i,                  # one more Linear(d, I)
          "no_bias": -(i + d),                 # the two Linear layers' biases
          "deep": i * i + i,                   # one more Linear(I, I)
          "rms": -d}[encoder_b.ffn]            # the LayerNorm's biases
encoder_b_count = {"layer": bert_b["layer"] + change, "total": bert_b["total"] + encoder_b.layers * change}

# %% flops: forward and backward named, floats
def training_flops(n_params, n_tokens, recompute=False):
    forward = 2.0 * n_params * n_tokens
    backward = 2 * forward
    return forward + backward + (forward if recompute else 0.0)


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    def matmul(m, k, n):
        return 2 * m * k * n

    per_head = matmul(seq_len, head_dim, seq_len) + matmul(seq_len, seq_len, head_dim)
    return float(3 * per_head * n_heads * n_layers * n_sequences)

# %% flops: one expression each, the head layout as the total width of the heads
def training_flops(n_params, n_tokens, recompute=False):
    return n_params * n_tokens * (6 + 2 * int(bool(recompute)))


def attention_flops(n_layers, n_heads, head_dim, seq_len, n_sequences):
    width = n_heads * head_dim
    return 12 * n_layers * n_sequences * width * seq_len ** 2

# %% memory: the activation table summed row by row (numbers per layer and sequence)
def training_memory_bytes(config, n_params, n_trainable, batch_size, seq_len, bytes_per_value=4):
    s, d, inter, a = seq_len, config.hidden_size, config.intermediate_size, config.num_attention_heads
    kept = [4 * s * d,        # layer input, Q, K, V
            3 * a * s * s,    # probabilities, their dropout mask, dropped-out probabilities (per head)
            3 * s * d,        # attention output, its dropout mask, input of the first LayerNorm
            s * d,            # first LayerNorm's output
            2 * s * inter,    # FFN hidden before and after GELU
            2 * s * d]        # FFN dropout mask, input of the second LayerNorm
    out = {"weights": bytes_per_value * n_params,
           "gradients": bytes_per_value * n_trainable,
           "adam": 2 * bytes_per_value * n_trainable,
           "activations": bytes_per_value * config.num_hidden_layers * batch_size * sum(kept)}
    out["total"] = sum(out.values())
    return out

# %% memory: numbers first, bytes at the end (floats)
def training_memory_bytes(config, n_params, n_trainable, batch_size, seq_len, bytes_per_value=4):
    L, B, s = config.num_hidden_layers, batch_size, seq_len
    per_token = 10 * config.hidden_size + 2 * config.intermediate_size + 3 * config.num_attention_heads * s
    numbers = {"weights": n_params, "gradients": n_trainable, "adam": 2 * n_trainable,
               "activations": L * B * s * per_token}
    result = {k: float(v * bytes_per_value) for k, v in numbers.items()}
    result["total"] = sum(result.values())
    return result

# %% diagnosis: lower-case letters, with spaces
diagnosis = {"run_1": " c", "run_2": "h ", "run_3": "b", "run_4": "f", "run_5": "a", "run_6": "d", "run_7": "e"}

# %% diagnosis: letters in parentheses, built in another order
diagnosis = {f"run_{i}": f"({cause})" for i, cause in reversed(list(enumerate("CHBFADE", start=1)))}

# %% train_steps: float(loss), a filter over the trainable parameters, the model's own zero_grad
def train_steps(model, batches, lr, epochs=1):
    model.train()
    params = list(filter(lambda p: p.requires_grad, model.parameters()))
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    losses = []
    for epoch in range(epochs):
        for b in batches:
            model.zero_grad()
            logits = model(b["input_ids"], attention_mask=b["attention_mask"])
            loss = F.cross_entropy(logits, b["labels"])
            loss.backward()
            optimizer.step()
            losses.append(float(loss))
    return losses

# %% train_steps: zero_grad after the step, detach().item(), an index over the epochs and batches
def train_steps(model, batches, lr, epochs=1):
    optimizer = torch.optim.AdamW((p for p in model.parameters() if p.requires_grad), lr=lr, weight_decay=0.0)
    optimizer.zero_grad(set_to_none=True)
    model.train()
    losses = []
    for step in range(epochs * len(batches)):
        batch = batches[step % len(batches)]
        loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.detach().item())
    return losses
