# Blind answers for ch05_legal_document_classification (see tests/grading/test_blind.py).
# Each section replaces the whole solution cell named by its grade_id with an answer given without reading the
# question; each must earn at most 15 % of the question's points. The concept check holds two questions:
# statements (2 points; 14 letters, a letter right earns one share of 14, a letter wrong costs two) and
# learning-rate reasons (1 point; 7 letters, a letter right earns one share of 7, a letter wrong costs two). The
# answers are written in variant-0 letters (the harness grades them with no student id). Expected scores of the
# strategies, computed from the key: random letters (each chosen with probability 1/2) 2.1 % and 6.3 % (3.5 % of
# the 3 points); every letter 0 % and 0 %; no letter 0 % and 0 %; the best single letter 0 % and 14.3 % (4.8 %).

# %% concept_theta_omega: random answers (a draw: each letter chosen with probability 1/2, random.Random(1))
true_statements = {"A", "D", "E", "F", "I", "J", "L", "N"}
lr_reasons = {"a", "c", "f", "g"}

# %% concept_theta_omega: random answers (another draw, random.Random(2))
true_statements = {"C", "D", "H", "L", "M", "N"}
lr_reasons = {"e", "f", "g"}

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
true_statements = {"N"}
lr_reasons = {"g"}

# %% concept_theta_omega: the items as listed
true_statements = list(STATEMENTS)
lr_reasons = list(LR_REASONS)
