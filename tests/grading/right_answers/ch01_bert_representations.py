# Correct alternatives for ch01_bert_representations (same format as ../wrong_answers/).
# Each section replaces the whole source of the solution cell named by its grade_id; every one of
# them must keep full marks on every graded test cell (tests/grading/test_grading.py).

# %% encode_batch: the tokenizer's encoding moved out by attribute, padding="longest"
def encode_batch(tokenizer, sentences, max_length=32):
    enc = tokenizer(list(sentences), padding="longest", truncation=True, max_length=max_length,
                    return_tensors="pt")
    return enc.input_ids, enc.attention_mask

# %% encode_batch: one sentence at a time, padded by hand to the longest row
def encode_batch(tokenizer, sentences, max_length=32):
    rows = [tokenizer(s, truncation=True, max_length=max_length)["input_ids"] for s in sentences]
    seq = max(len(r) for r in rows)
    ids = torch.tensor([r + [tokenizer.pad_token_id] * (seq - len(r)) for r in rows], dtype=torch.long)
    mask = torch.tensor([[1] * len(r) + [0] * (seq - len(r)) for r in rows], dtype=torch.long)
    return ids, mask

# %% encode_batch: tokenizer.pad on the unpadded encodings
def encode_batch(tokenizer, sentences, max_length=32):
    enc = tokenizer(sentences, truncation=True, max_length=max_length)
    padded = tokenizer.pad(enc, padding=True, return_tensors="pt")
    return padded["input_ids"].long(), padded["attention_mask"].long()

# %% count_real_tokens: a count of the nonzero entries of each row
def count_real_tokens(attention_mask):
    return (attention_mask != 0).sum(dim=-1)

# %% count_real_tokens: a Python loop over the rows, stacked into one tensor
def count_real_tokens(attention_mask):
    return torch.stack([row.sum() for row in attention_mask])

# %% count_real_tokens: torch.count_nonzero along the sequence axis
def count_real_tokens(attention_mask):
    return torch.count_nonzero(attention_mask, dim=1)

# %% q_shapes: lists instead of tuples
shapes = {"attention_mask": [8, 40], "last_hidden_state": [8, 40, 768], "cls_vector": [8, 768], "masked_mean": [8, 768]}

# %% q_shapes: built from named sizes, torch.Size values
batch, seq, hidden = 8, 40, 768
shapes = {
    "attention_mask": torch.Size([batch, seq]),
    "last_hidden_state": torch.Size([batch, seq, hidden]),
    "cls_vector": torch.Size([batch, hidden]),
    "masked_mean": torch.Size([batch, hidden]),
}

# %% cls_vector: indexing with an ellipsis and an explicit slice
def cls_vector(hidden):
    return hidden[:, 0, :]

# %% cls_vector: select along the sequence axis
def cls_vector(hidden):
    return hidden.select(1, 0)

# %% cls_vector: narrow then squeeze (a copy, not a view)
def cls_vector(hidden):
    return hidden.narrow(1, 0, 1).squeeze(1).clone()

# %% masked_mean: einsum for the weighted sum, clamp the counts
def masked_mean(hidden, mask):
    m = mask.to(hidden.dtype)
    return torch.einsum("bsh,bs->bh", hidden, m) / m.sum(dim=1, keepdim=True).clamp(min=1)

# %% masked_mean: a loop over the rows, boolean indexing of the real tokens
def masked_mean(hidden, mask):
    return torch.stack([h[m.bool()].mean(dim=0) for h, m in zip(hidden, mask)])

# %% masked_mean: batched matrix product with the normalised mask
def masked_mean(hidden, mask):
    w = mask.float()
    w = w / w.sum(dim=1, keepdim=True)
    return torch.bmm(w.unsqueeze(1).to(hidden.dtype), hidden).squeeze(1)

# %% cosine_similarity: F.normalize and matmul
def cosine_similarity_matrix(vectors):
    unit = F.normalize(vectors, dim=-1)
    return torch.matmul(unit, unit.transpose(0, 1))

# %% cosine_similarity: broadcast F.cosine_similarity over all pairs
def cosine_similarity_matrix(vectors):
    return F.cosine_similarity(vectors[:, None, :], vectors[None, :, :], dim=-1)

# %% cosine_similarity: dot products divided by the outer product of the norms, with einsum
def cosine_similarity_matrix(vectors):
    dots = torch.einsum("id,jd->ij", vectors, vectors)
    norms = vectors.norm(dim=1)
    return dots / torch.outer(norms, norms)

# %% q_formula_roles: letters in parentheses and capitals (the test normalises them)
roles = {"x": "(I)", "BERT": "H", "theta_hat": "(j)", "BERT_x": "K", "pool": "g", "F": "(L)", "omega": "b", "y": "E"}

# %% q_formula_roles: built with dict(zip(...)), padded with spaces
roles = dict(zip(["x", "BERT", "theta_hat", "BERT_x", "pool", "F", "omega", "y"],
                 [" i", "h ", "j", "k", "g", "l", "b", "e"]))
