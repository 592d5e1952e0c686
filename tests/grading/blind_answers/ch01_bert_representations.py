# Blind answers for ch01_bert_representations (see tests/grading/test_blind.py).
# Each section replaces the whole solution cell of a question with an answer given without working it out; each must
# earn at most 15 % of the question's points (random draws: on average). Question 1 (shapes, 1 point for all four, 1/2 for three)
# is a fill-in question: its "options" are the numbers the question states (8, 40, 768); Question 2 (roles, 2 points,
# 1/4 a part, 15 letters): a random letter per part earns 1/15 of a quarter each, 6.7 % expected; one letter for every
# part matches at most one part, 12.5 %.

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(1))
shapes = {"attention_mask": (768, 8), "last_hidden_state": (8, 40, 40), "cls_vector": (768, 40, 8), "masked_mean": (40, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(2))
shapes = {"attention_mask": (8, 8), "last_hidden_state": (8, 768, 768), "cls_vector": (40, 768, 8), "masked_mean": (768, 768)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(3))
shapes = {"attention_mask": (768, 768), "last_hidden_state": (40, 768), "cls_vector": (768, 768, 8), "masked_mean": (40, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(4))
shapes = {"attention_mask": (40, 8), "last_hidden_state": (40, 8, 8), "cls_vector": (8, 40), "masked_mean": (8, 8, 768)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(5))
shapes = {"attention_mask": (768, 40, 768), "last_hidden_state": (40, 8), "cls_vector": (8, 8), "masked_mean": (40, 8, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(6))
shapes = {"attention_mask": (40, 40), "last_hidden_state": (8, 8), "cls_vector": (768, 40, 40), "masked_mean": (40, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(7))
shapes = {"attention_mask": (8, 40, 768), "last_hidden_state": (8, 768), "cls_vector": (40, 768), "masked_mean": (768, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(8))
shapes = {"attention_mask": (40, 40), "last_hidden_state": (8, 768), "cls_vector": (8, 8), "masked_mean": (768, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(9))
shapes = {"attention_mask": (768, 40, 40), "last_hidden_state": (8, 768), "cls_vector": (40, 768), "masked_mean": (768, 8, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(10))
shapes = {"attention_mask": (40, 40), "last_hidden_state": (8, 40), "cls_vector": (40, 768, 8), "masked_mean": (768, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(11))
shapes = {"attention_mask": (768, 40, 40), "last_hidden_state": (8, 768), "cls_vector": (768, 768, 8), "masked_mean": (40, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(12))
shapes = {"attention_mask": (40, 768, 768), "last_hidden_state": (8, 40, 8), "cls_vector": (40, 40, 768), "masked_mean": (768, 768, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(13))
shapes = {"attention_mask": (40, 768, 768), "last_hidden_state": (768, 8), "cls_vector": (8, 768), "masked_mean": (8, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(14))
shapes = {"attention_mask": (768, 768), "last_hidden_state": (40, 768), "cls_vector": (40, 768, 8), "masked_mean": (40, 40, 768)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(15))
shapes = {"attention_mask": (8, 768), "last_hidden_state": (8, 8), "cls_vector": (8, 768), "masked_mean": (768, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(16))
shapes = {"attention_mask": (40, 40, 40), "last_hidden_state": (8, 40, 8), "cls_vector": (768, 768, 40), "masked_mean": (768, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(17))
shapes = {"attention_mask": (40, 40, 40), "last_hidden_state": (768, 768), "cls_vector": (8, 8, 8), "masked_mean": (768, 40, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(18))
shapes = {"attention_mask": (8, 768), "last_hidden_state": (40, 8, 8), "cls_vector": (768, 40, 8), "masked_mean": (40, 40, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(19))
shapes = {"attention_mask": (768, 8), "last_hidden_state": (40, 40), "cls_vector": (768, 8, 768), "masked_mean": (8, 40, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(20))
shapes = {"attention_mask": (40, 768), "last_hidden_state": (40, 768), "cls_vector": (8, 40), "masked_mean": (8, 8, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(21))
shapes = {"attention_mask": (40, 768), "last_hidden_state": (768, 40, 40), "cls_vector": (40, 768), "masked_mean": (768, 768)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(22))
shapes = {"attention_mask": (8, 8), "last_hidden_state": (8, 768, 8), "cls_vector": (8, 8, 40), "masked_mean": (40, 768)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(23))
shapes = {"attention_mask": (8, 8, 768), "last_hidden_state": (40, 40, 768), "cls_vector": (8, 768, 8), "masked_mean": (40, 8, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(24))
shapes = {"attention_mask": (768, 8, 8), "last_hidden_state": (8, 8), "cls_vector": (768, 8), "masked_mean": (768, 8, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(25))
shapes = {"attention_mask": (8, 8, 40), "last_hidden_state": (8, 40, 8), "cls_vector": (768, 40, 8), "masked_mean": (768, 768)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(26))
shapes = {"attention_mask": (768, 8), "last_hidden_state": (768, 768, 8), "cls_vector": (40, 8), "masked_mean": (768, 40)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(27))
shapes = {"attention_mask": (768, 40, 40), "last_hidden_state": (8, 8), "cls_vector": (768, 40, 40), "masked_mean": (40, 8, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(28))
shapes = {"attention_mask": (768, 8), "last_hidden_state": (8, 8), "cls_vector": (40, 8, 8), "masked_mean": (40, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(29))
shapes = {"attention_mask": (40, 768), "last_hidden_state": (8, 768, 40), "cls_vector": (40, 8, 8), "masked_mean": (40, 768)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(30))
shapes = {"attention_mask": (768, 8, 768), "last_hidden_state": (40, 8), "cls_vector": (40, 768, 8), "masked_mean": (40, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(31))
shapes = {"attention_mask": (40, 8), "last_hidden_state": (8, 768, 8), "cls_vector": (8, 768), "masked_mean": (768, 8)}

# %% q_shapes: random answers (a draw: 2 or 3 of the question"s numbers per shape, random.Random(32))
shapes = {"attention_mask": (8, 8), "last_hidden_state": (768, 8, 40), "cls_vector": (768, 8), "masked_mean": (40, 768)}

# %% q_shapes: all options (every number of the question in every shape)
shapes = {"attention_mask": (8, 40, 768), "last_hidden_state": (8, 40, 768), "cls_vector": (8, 40, 768), "masked_mean": (8, 40, 768)}

# %% q_shapes: no option (empty shapes)
shapes = {"attention_mask": (), "last_hidden_state": (), "cls_vector": (), "masked_mean": ()}

# %% q_shapes: one constant answer (batch by hidden size for everything)
shapes = {"attention_mask": (8, 768), "last_hidden_state": (8, 768), "cls_vector": (8, 768), "masked_mean": (8, 768)}

# %% q_shapes: one constant answer (batch by sequence length for everything)
shapes = {"attention_mask": (8, 40), "last_hidden_state": (8, 40), "cls_vector": (8, 40), "masked_mean": (8, 40)}

# %% q_shapes: the items as listed (the example in the question)
shapes = {"attention_mask": (1, 2), "last_hidden_state": (1, 2, 3), "cls_vector": (1, 2), "masked_mean": (1, 2)}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(1))
roles = {"x": "c", "BERT": "j", "theta_hat": "n", "BERT_x": "m", "pool": "m", "F": "b", "omega": "e", "y": "b"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(2))
roles = {"x": "n", "BERT": "n", "theta_hat": "a", "BERT_x": "b", "pool": "b", "F": "f", "omega": "n", "y": "c"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(3))
roles = {"x": "d", "BERT": "j", "theta_hat": "i", "BERT_x": "c", "pool": "f", "F": "o", "omega": "j", "y": "h"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(4))
roles = {"x": "d", "BERT": "e", "theta_hat": "b", "BERT_x": "l", "pool": "g", "F": "h", "omega": "c", "y": "b"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(5))
roles = {"x": "j", "BERT": "e", "theta_hat": "l", "BERT_x": "f", "pool": "m", "F": "l", "omega": "n", "y": "l"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(6))
roles = {"x": "m", "BERT": "j", "theta_hat": "n", "BERT_x": "b", "pool": "h", "F": "m", "omega": "e", "y": "a"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(7))
roles = {"x": "f", "BERT": "c", "theta_hat": "g", "BERT_x": "k", "pool": "a", "F": "b", "omega": "n", "y": "i"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(8))
roles = {"x": "d", "BERT": "f", "theta_hat": "g", "BERT_x": "c", "pool": "d", "F": "l", "omega": "a", "y": "b"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(9))
roles = {"x": "h", "BERT": "j", "theta_hat": "f", "BERT_x": "e", "pool": "c", "F": "c", "omega": "n", "y": "k"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(10))
roles = {"x": "j", "BERT": "a", "theta_hat": "g", "BERT_x": "h", "pool": "j", "F": "a", "omega": "d", "y": "h"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(11))
roles = {"x": "h", "BERT": "n", "theta_hat": "i", "BERT_x": "n", "pool": "o", "F": "m", "omega": "h", "y": "h"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(12))
roles = {"x": "h", "BERT": "e", "theta_hat": "k", "BERT_x": "i", "pool": "k", "F": "f", "omega": "c", "y": "g"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(13))
roles = {"x": "e", "BERT": "e", "theta_hat": "k", "BERT_x": "o", "pool": "k", "F": "m", "omega": "n", "y": "o"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(14))
roles = {"x": "b", "BERT": "j", "theta_hat": "l", "BERT_x": "m", "pool": "k", "F": "i", "omega": "d", "y": "e"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(15))
roles = {"x": "d", "BERT": "a", "theta_hat": "i", "BERT_x": "l", "pool": "a", "F": "c", "omega": "o", "y": "d"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(16))
roles = {"x": "f", "BERT": "h", "theta_hat": "h", "BERT_x": "e", "pool": "g", "F": "d", "omega": "h", "y": "a"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(17))
roles = {"x": "i", "BERT": "g", "theta_hat": "m", "BERT_x": "e", "pool": "f", "F": "e", "omega": "c", "y": "m"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(18))
roles = {"x": "c", "BERT": "b", "theta_hat": "k", "BERT_x": "h", "pool": "f", "F": "d", "omega": "d", "y": "h"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(19))
roles = {"x": "k", "BERT": "a", "theta_hat": "m", "BERT_x": "o", "pool": "i", "F": "b", "omega": "i", "y": "d"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(20))
roles = {"x": "o", "BERT": "l", "theta_hat": "k", "BERT_x": "m", "pool": "m", "F": "o", "omega": "o", "y": "c"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(21))
roles = {"x": "c", "BERT": "g", "theta_hat": "l", "BERT_x": "g", "pool": "k", "F": "e", "omega": "h", "y": "n"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(22))
roles = {"x": "o", "BERT": "c", "theta_hat": "d", "BERT_x": "a", "pool": "j", "F": "h", "omega": "c", "y": "l"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(23))
roles = {"x": "o", "BERT": "m", "theta_hat": "e", "BERT_x": "o", "pool": "n", "F": "b", "omega": "a", "y": "j"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(24))
roles = {"x": "l", "BERT": "g", "theta_hat": "n", "BERT_x": "j", "pool": "c", "F": "d", "omega": "c", "y": "d"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(25))
roles = {"x": "g", "BERT": "m", "theta_hat": "o", "BERT_x": "n", "pool": "n", "F": "a", "omega": "d", "y": "o"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(26))
roles = {"x": "l", "BERT": "o", "theta_hat": "d", "BERT_x": "k", "pool": "d", "F": "g", "omega": "j", "y": "i"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(27))
roles = {"x": "k", "BERT": "h", "theta_hat": "l", "BERT_x": "e", "pool": "e", "F": "d", "omega": "b", "y": "b"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(28))
roles = {"x": "b", "BERT": "l", "theta_hat": "c", "BERT_x": "i", "pool": "j", "F": "l", "omega": "c", "y": "d"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(29))
roles = {"x": "i", "BERT": "b", "theta_hat": "f", "BERT_x": "j", "pool": "n", "F": "j", "omega": "e", "y": "b"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(30))
roles = {"x": "i", "BERT": "m", "theta_hat": "e", "BERT_x": "j", "pool": "a", "F": "j", "omega": "k", "y": "n"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(31))
roles = {"x": "a", "BERT": "h", "theta_hat": "b", "BERT_x": "m", "pool": "g", "F": "c", "omega": "k", "y": "a"}

# %% q_formula_roles: random answers (a draw: a random letter a-o per part, random.Random(32))
roles = {"x": "b", "BERT": "o", "theta_hat": "d", "BERT_x": "c", "pool": "e", "F": "l", "omega": "o", "y": "d"}

# %% q_formula_roles: all options (every letter for every part)
roles = {part: "abcdefghijklmno" for part in ["x", "BERT", "theta_hat", "BERT_x", "pool", "F", "omega", "y"]}

# %% q_formula_roles: no option
roles = {part: "" for part in ["x", "BERT", "theta_hat", "BERT_x", "pool", "F", "omega", "y"]}

# %% q_formula_roles: one constant answer (a for every part)
roles = {part: "a" for part in ["x", "BERT", "theta_hat", "BERT_x", "pool", "F", "omega", "y"]}

# %% q_formula_roles: one constant answer (o for every part)
roles = {part: "o" for part in ["x", "BERT", "theta_hat", "BERT_x", "pool", "F", "omega", "y"]}

# %% q_formula_roles: the items as listed (a to h, in the order of the parts)
roles = dict(zip(["x", "BERT", "theta_hat", "BERT_x", "pool", "F", "omega", "y"], "abcdefgh"))

# %% q_formula_roles: the items as listed, backwards (o down to h)
roles = dict(zip(["x", "BERT", "theta_hat", "BERT_x", "pool", "F", "omega", "y"], "onmlkjih"))
