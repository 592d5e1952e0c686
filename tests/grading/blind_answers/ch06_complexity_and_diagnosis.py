# Blind answers for ch06_complexity_and_diagnosis (see tests/grading/test_blind.py).
# Each section replaces the whole solution cell named by its grade_id with an answer given without reading the
# question; each must earn at most 15 % of the question's points (3.5 points: 0.5 a run). Every cause but G
# explains exactly one run, so one letter for all runs earns 1 of 7 (14.3 %) and a random letter per run 1/8
# (12.5 %) on average.
# The answers are in variant 0's run names and letters (the harness grades variant 0); in a student's variant the
# runs and the letters are permuted, so each strategy's expected share is the same.

# %% diagnosis: random answers (a draw: one of the eight letters per run, random.Random(1); draws vary around 1/8)
diagnosis = {"run_1": "C", "run_2": "B", "run_3": "E", "run_4": "B", "run_5": "H", "run_6": "H", "run_7": "H"}

# %% diagnosis: all options
diagnosis = {f"run_{i}": "ABCDEFGH" for i in range(1, 8)}

# %% diagnosis: no option
diagnosis = {f"run_{i}": "" for i in range(1, 8)}

# %% diagnosis: no option (an empty dict)
diagnosis = {}

# %% diagnosis: one constant answer (A)
diagnosis = {f"run_{i}": "A" for i in range(1, 8)}

# %% diagnosis: one constant answer (G, the cause of no run)
diagnosis = {f"run_{i}": "G" for i in range(1, 8)}

# %% diagnosis: the items as listed (run_1 A, run_2 B, ... run_7 G)
diagnosis = {f"run_{i}": letter for i, letter in enumerate("ABCDEFG", start=1)}

# %% diagnosis: the items as listed, backwards (run_1 H, run_2 G, ... run_7 B)
diagnosis = {f"run_{i}": letter for i, letter in enumerate("HGFEDCB", start=1)}
