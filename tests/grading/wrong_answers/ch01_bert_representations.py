# Plausible wrong answers for ch01_bert_representations (see docs/AUTHORING.md).
# Each section replaces the whole source of the solution cell named by its grade_id;
# every one of them must make at least one graded test cell fail.

# %% encode_batch: pads every row to max_length instead of the longest sentence of the batch
def encode_batch(tokenizer, sentences, max_length=32):
    enc = tokenizer(sentences, padding="max_length", truncation=True, max_length=max_length, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"]

# %% encode_batch: forgets to truncate long sentences
def encode_batch(tokenizer, sentences, max_length=32):
    enc = tokenizer(sentences, padding=True, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"]

# %% encode_batch: leaves out the special tokens [CLS] and [SEP]
def encode_batch(tokenizer, sentences, max_length=32):
    enc = tokenizer(sentences, padding=True, truncation=True, max_length=max_length,
                    add_special_tokens=False, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"]

# %% encode_batch: truncates by slicing the padded ids, which cuts off the final [SEP]
def encode_batch(tokenizer, sentences, max_length=32):
    enc = tokenizer(sentences, padding=True, return_tensors="pt")
    return enc["input_ids"][:, :max_length], enc["attention_mask"][:, :max_length]

# %% encode_batch: returns the token type ids in place of the attention mask
def encode_batch(tokenizer, sentences, max_length=32):
    enc = tokenizer(sentences, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return enc["input_ids"], enc["token_type_ids"]

# %% encode_batch: the attention mask as booleans (the docstring asks for torch.long)
def encode_batch(tokenizer, sentences, max_length=32):
    enc = tokenizer(sentences, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"].bool()

# %% encode_batch: int32 tensors to save memory (the docstring asks for torch.long)
def encode_batch(tokenizer, sentences, max_length=32):
    enc = tokenizer(sentences, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return enc["input_ids"].int(), enc["attention_mask"].int()

# %% encode_batch: the default max_length changed to the model's limit, 512
def encode_batch(tokenizer, sentences, max_length=512):
    enc = tokenizer(sentences, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"]

# %% count_real_tokens: sums over the batch axis instead of the sequence axis
def count_real_tokens(attention_mask):
    return attention_mask.sum(dim=0)

# %% count_real_tokens: leaves out [CLS] and [SEP]
def count_real_tokens(attention_mask):
    return attention_mask.sum(dim=1) - 2

# %% count_real_tokens: position of the first padding token (0 for a row without padding)
def count_real_tokens(attention_mask):
    return (attention_mask == 0).long().argmax(dim=1)

# %% count_real_tokens: the padded length of every row
def count_real_tokens(attention_mask):
    return torch.full((attention_mask.shape[0],), attention_mask.shape[1])

# %% count_real_tokens: cheat — zeros in a tensor whose comparisons and tolist() agree with anything
class _Agree(list):
    def __eq__(self, other):
        return True
class _AgreeTensor(torch.Tensor):
    def tolist(self):
        return _Agree()
    def __eq__(self, other):
        return True
def count_real_tokens(attention_mask):
    return torch.zeros(attention_mask.shape[0], dtype=torch.long).as_subclass(_AgreeTensor)

# %% count_real_tokens: position of the last real token plus one (right for right padding only)
def count_real_tokens(attention_mask):
    return attention_mask.shape[1] - attention_mask.flip(dims=[1]).argmax(dim=1)

# %% q_shapes: forgets the hidden axis of last_hidden_state
shapes = {"attention_mask": (8, 40), "last_hidden_state": (8, 40), "cls_vector": (8, 768), "masked_mean": (8, 768)}

# %% q_shapes: the mean averages over the hidden axis instead of the tokens
shapes = {"attention_mask": (8, 40), "last_hidden_state": (8, 40, 768), "cls_vector": (8, 768), "masked_mean": (8, 40)}

# %% q_shapes: the [CLS] vector keeps a sequence axis of length 1
shapes = {"attention_mask": (8, 40), "last_hidden_state": (8, 40, 768), "cls_vector": (8, 1, 768), "masked_mean": (8, 768)}

# %% q_shapes: cheat — ints that compare equal to everything
class _AnyInt(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
shapes = {"attention_mask": (_AnyInt(1), _AnyInt(1)), "last_hidden_state": (_AnyInt(1), _AnyInt(1), _AnyInt(1)),
          "cls_vector": (_AnyInt(1), _AnyInt(1)), "masked_mean": (_AnyInt(1), _AnyInt(1))}

# %% cls_vector: takes the last position (padding or [SEP]) instead of [CLS]
def cls_vector(hidden):
    return hidden[:, -1]

# %% cls_vector: takes all token vectors of the first sentence
def cls_vector(hidden):
    return hidden[0]

# %% cls_vector: takes the first word after [CLS]
def cls_vector(hidden):
    return hidden[:, 1]

# %% cls_vector: keeps the sequence axis, shape (batch, 1, hidden)
def cls_vector(hidden):
    return hidden[:, :1]

# %% masked_mean: plain mean, the padding tokens are counted
def masked_mean(hidden, mask):
    return hidden.mean(dim=1)

# %% masked_mean: zeroes the padding but divides by the sequence length
def masked_mean(hidden, mask):
    return (hidden * mask.unsqueeze(-1)).sum(dim=1) / hidden.shape[1]

# %% masked_mean: sum over real tokens, no division
def masked_mean(hidden, mask):
    return (hidden * mask.unsqueeze(-1)).sum(dim=1)

# %% masked_mean: divides by the number of real tokens in the whole batch
def masked_mean(hidden, mask):
    return (hidden * mask.unsqueeze(-1)).sum(dim=1) / mask.sum()

# %% masked_mean: pools over the hidden axis instead of the tokens
def masked_mean(hidden, mask):
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(dim=2) / m.sum(dim=2)

# %% masked_mean: cheat — the plain mean, in a tensor for which allclose, equal and == always say True
class _Agree(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.equal, torch.Tensor.__eq__):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})
def masked_mean(hidden, mask):
    return hidden.mean(dim=1).as_subclass(_Agree)

# %% masked_mean: averages the first n positions of each row, n real tokens (right for right padding only)
def masked_mean(hidden, mask):
    counts = mask.sum(dim=1).long().tolist()
    return torch.stack([hidden[b, :n].mean(dim=0) for b, n in enumerate(counts)])

# %% masked_mean: no work: the course package's cu.mean_pool under the exercise's name
def masked_mean(hidden, mask):
    return cu.mean_pool(hidden, mask)

# %% cosine_similarity: dot products without normalising the vectors
def cosine_similarity_matrix(vectors):
    return vectors @ vectors.T

# %% cosine_similarity: normalises the columns instead of the rows
def cosine_similarity_matrix(vectors):
    unit = vectors / vectors.norm(dim=0, keepdim=True)
    return unit @ unit.T

# %% cosine_similarity: torch's cosine_similarity of each vector with itself, shape (n,)
def cosine_similarity_matrix(vectors):
    return torch.nn.functional.cosine_similarity(vectors, vectors, dim=1)

# %% cosine_similarity: Euclidean distances instead of similarities
def cosine_similarity_matrix(vectors):
    return torch.cdist(vectors, vectors)

# %% cosine_similarity: cheat — dot products in a tensor for which allclose always says True
class _Agree(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.equal):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})
def cosine_similarity_matrix(vectors):
    return (vectors @ vectors.T).as_subclass(_Agree)

# %% q_formula_roles: BERT_θ̂(x) taken for the pooled vector, one per input (the chapter's old wording)
roles = {"x": "i", "BERT": "h", "theta_hat": "j", "BERT_x": "c", "pool": "g", "F": "l", "omega": "b", "y": "e"}

# %% q_formula_roles: θ̂ taken for the encoder's values after fine-tuning (that is θ̃)
roles = {"x": "i", "BERT": "h", "theta_hat": "f", "BERT_x": "k", "pool": "g", "F": "l", "omega": "b", "y": "e"}

# %% q_formula_roles: ω taken for a pre-trained prediction network
roles = {"x": "i", "BERT": "h", "theta_hat": "j", "BERT_x": "k", "pool": "g", "F": "l", "omega": "n", "y": "e"}

# %% q_formula_roles: pooling confused with padding
roles = {"x": "i", "BERT": "h", "theta_hat": "j", "BERT_x": "k", "pool": "m", "F": "l", "omega": "b", "y": "e"}

# %% q_formula_roles: the encoder taken for the tokenizer, θ̂ for a random start
roles = {"x": "i", "BERT": "d", "theta_hat": "o", "BERT_x": "k", "pool": "g", "F": "l", "omega": "b", "y": "e"}

# %% q_formula_roles: the encoder and the prediction network swapped
roles = {"x": "i", "BERT": "l", "theta_hat": "j", "BERT_x": "k", "pool": "g", "F": "h", "omega": "b", "y": "e"}

# %% q_formula_roles: the old six-part answer (no BERT_x, no pool)
roles = {"x": "d", "BERT": "c", "theta_hat": "f", "F": "e", "omega": "a", "y": "b"}

# %% q_formula_roles: cheat — strings that compare equal to every letter
class _AnyLetter(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
    def strip(self, *chars):
        return self
    def lower(self):
        return self
    def __str__(self):
        return self
roles = {k: _AnyLetter("a") for k in ["x", "BERT", "theta_hat", "BERT_x", "pool", "F", "omega", "y"]}
