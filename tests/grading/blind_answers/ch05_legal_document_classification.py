# Blind answers for ch05_legal_document_classification (see tests/grading/test_blind.py).
# Each section replaces the whole solution cell named by its grade_id with an answer given without reading the
# question; each must earn at most 15 % of the question's points. The concept check holds two questions:
# statements (2 points; a letter right earns one share of 9, a letter wrong costs one) and learning-rate reasons
# (1 point; a letter right earns one share of 5, a letter wrong costs two). Expected scores of the strategies,
# computed from the key: random letters (each chosen with probability 1/2) 13.7 % and 9.4 %; every letter 11.1 %
# and 0 %; no letter 0 % and 0 %; the best single letter 11.1 % and 0 %.

# %% concept_theta_omega: random answers (a draw: each letter chosen with probability 1/2, random.Random(1))
true_statements = {"A", "D", "E", "F", "I"}
lr_reasons = {"a", "c", "e"}

# %% concept_theta_omega: random answers (another draw, random.Random(2))
true_statements = {"C", "D", "H"}
lr_reasons = {"c", "d", "e"}

# %% concept_theta_omega: all options
true_statements = set(STATEMENTS)
lr_reasons = set(LR_REASONS)

# %% concept_theta_omega: no option
true_statements = set()
lr_reasons = set()

# %% concept_theta_omega: one constant answer (the first letter of each list)
true_statements = {"A"}
lr_reasons = {"a"}

# %% concept_theta_omega: one constant answer (the last letter of each list)
true_statements = {"I"}
lr_reasons = {"e"}

# %% concept_theta_omega: the items as listed
true_statements = list(STATEMENTS)
lr_reasons = list(LR_REASONS)
