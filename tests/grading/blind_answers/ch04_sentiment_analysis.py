# Blind answers for ch04_sentiment_analysis (see tests/grading/test_blind.py).
# Each section replaces the whole solution cell of the ordering question with an answer given without reading it;
# each must earn at most 15 % of its 2 points (random draws: on average). Scoring: 8 "step X needs step Y" relations,
# 2 · (kept − broken) / 8 points, never below 0. The letters are assigned so that the steps as listed (A … G) and
# backwards (G … A) each break 4 relations: 0 points. Expected score of a random order, computed from the key over
# all 5,040 orders: 12.6 %; the 32 draws below (random.Random(1) .. (32)). The answers are in the letters of
# variant 0 (no student id), which the blind test grades; in a student's own variant the steps are listed in
# another order under other letters, so the letters as listed there are one of the 5,040 orders at random.

# %% concept_order: random answers (a draw: a random order, random.Random(1).sample)
steps_in_order = ["B", "E", "A", "C", "F", "G", "D"]

# %% concept_order: random answers (a draw: a random order, random.Random(2).sample)
steps_in_order = ["G", "A", "F", "E", "B", "D", "C"]

# %% concept_order: random answers (a draw: a random order, random.Random(3).sample)
steps_in_order = ["B", "E", "F", "G", "D", "C", "A"]

# %% concept_order: random answers (a draw: a random order, random.Random(4).sample)
steps_in_order = ["B", "C", "A", "D", "G", "E", "F"]

# %% concept_order: random answers (a draw: a random order, random.Random(5).sample)
steps_in_order = ["E", "C", "F", "A", "B", "D", "G"]

# %% concept_order: random answers (a draw: a random order, random.Random(6).sample)
steps_in_order = ["G", "E", "A", "D", "B", "F", "C"]

# %% concept_order: random answers (a draw: a random order, random.Random(7).sample)
steps_in_order = ["C", "B", "D", "A", "E", "G", "F"]

# %% concept_order: random answers (a draw: a random order, random.Random(8).sample)
steps_in_order = ["B", "C", "D", "G", "A", "F", "E"]

# %% concept_order: random answers (a draw: a random order, random.Random(9).sample)
steps_in_order = ["D", "E", "C", "F", "A", "G", "B"]

# %% concept_order: random answers (a draw: a random order, random.Random(10).sample)
steps_in_order = ["E", "A", "D", "G", "C", "F", "B"]

# %% concept_order: random answers (a draw: a random order, random.Random(11).sample)
steps_in_order = ["D", "E", "G", "F", "C", "A", "B"]

# %% concept_order: random answers (a draw: a random order, random.Random(12).sample)
steps_in_order = ["D", "C", "E", "F", "A", "B", "G"]

# %% concept_order: random answers (a draw: a random order, random.Random(13).sample)
steps_in_order = ["C", "G", "B", "E", "F", "A", "D"]

# %% concept_order: random answers (a draw: a random order, random.Random(14).sample)
steps_in_order = ["A", "E", "F", "B", "D", "C", "G"]

# %% concept_order: random answers (a draw: a random order, random.Random(15).sample)
steps_in_order = ["B", "A", "E", "F", "D", "C", "G"]

# %% concept_order: random answers (a draw: a random order, random.Random(16).sample)
steps_in_order = ["C", "D", "F", "G", "B", "A", "E"]

# %% concept_order: random answers (a draw: a random order, random.Random(17).sample)
steps_in_order = ["E", "D", "C", "G", "B", "A", "F"]

# %% concept_order: random answers (a draw: a random order, random.Random(18).sample)
steps_in_order = ["B", "A", "D", "C", "F", "E", "G"]

# %% concept_order: random answers (a draw: a random order, random.Random(19).sample)
steps_in_order = ["F", "A", "E", "G", "C", "D", "B"]

# %% concept_order: random answers (a draw: a random order, random.Random(20).sample)
steps_in_order = ["F", "G", "B", "C", "D", "A", "E"]

# %% concept_order: random answers (a draw: a random order, random.Random(21).sample)
steps_in_order = ["B", "D", "F", "C", "G", "A", "E"]

# %% concept_order: random answers (a draw: a random order, random.Random(22).sample)
steps_in_order = ["B", "G", "A", "D", "E", "C", "F"]

# %% concept_order: random answers (a draw: a random order, random.Random(23).sample)
steps_in_order = ["G", "C", "A", "E", "F", "B", "D"]

# %% concept_order: random answers (a draw: a random order, random.Random(24).sample)
steps_in_order = ["F", "D", "E", "B", "A", "C", "G"]

# %% concept_order: random answers (a draw: a random order, random.Random(25).sample)
steps_in_order = ["D", "A", "B", "C", "G", "E", "F"]

# %% concept_order: random answers (a draw: a random order, random.Random(26).sample)
steps_in_order = ["F", "B", "G", "D", "C", "A", "E"]

# %% concept_order: random answers (a draw: a random order, random.Random(27).sample)
steps_in_order = ["F", "D", "C", "E", "A", "G", "B"]

# %% concept_order: random answers (a draw: a random order, random.Random(28).sample)
steps_in_order = ["A", "F", "B", "E", "G", "C", "D"]

# %% concept_order: random answers (a draw: a random order, random.Random(29).sample)
steps_in_order = ["E", "A", "C", "G", "F", "B", "D"]

# %% concept_order: random answers (a draw: a random order, random.Random(30).sample)
steps_in_order = ["E", "C", "G", "A", "F", "D", "B"]

# %% concept_order: random answers (a draw: a random order, random.Random(31).sample)
steps_in_order = ["A", "D", "G", "F", "E", "C", "B"]

# %% concept_order: random answers (a draw: a random order, random.Random(32).sample)
steps_in_order = ["A", "B", "F", "C", "D", "G", "E"]

# %% concept_order: all options, each letter once, in alphabetical order
steps_in_order = sorted(STEPS)

# %% concept_order: no option
steps_in_order = []

# %% concept_order: one constant answer (A for every step)
steps_in_order = ["A"] * 7

# %% concept_order: one constant answer (G for every step)
steps_in_order = ["G"] * 7

# %% concept_order: the items as listed (A to G)
steps_in_order = ["A", "B", "C", "D", "E", "F", "G"]

# %% concept_order: the items as listed, backwards (G to A)
steps_in_order = ["G", "F", "E", "D", "C", "B", "A"]
