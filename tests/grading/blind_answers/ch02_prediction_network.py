# Blind answers for ch02_prediction_network (see tests/grading/test_blind.py), in variant 0's letters. 5a: the order of
# 12 items of one training step, 1/11 point a link; 5b: 10 statements, 5 true, scored (true picks - false picks - 1) / 4,
# never below 0. Each must earn at most 15 % of the question's points (random draws: on average). Expected from the
# keys: 5a a random order 1/12 = 8.3 % (these 32 draws: 9.9 %; the items as listed, forwards or backwards, share no
# link with the key: 0 %);
# 5b each letter picked with probability 1/2: 6.0 %.

# %% concept_data_flow: random answers (a draw: a random order, random.Random(1).sample)
data_flow = ["C", "J", "B", "E", "K", "D", "G", "F", "I", "A", "L", "H"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(2).sample)
data_flow = ["A", "B", "K", "F", "C", "I", "G", "H", "E", "D", "L", "J"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(3).sample)
data_flow = ["D", "J", "I", "C", "F", "E", "L", "G", "A", "K", "H", "B"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(4).sample)
data_flow = ["D", "E", "B", "G", "H", "J", "A", "F", "K", "I", "C", "L"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(5).sample)
data_flow = ["J", "E", "F", "I", "A", "G", "D", "B", "H", "L", "C", "K"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(6).sample)
data_flow = ["J", "B", "H", "E", "A", "L", "K", "I", "D", "C", "F", "G"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(7).sample)
data_flow = ["F", "C", "G", "A", "B", "J", "E", "I", "K", "D", "L", "H"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(8).sample)
data_flow = ["D", "F", "G", "C", "L", "K", "A", "J", "B", "E", "I", "H"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(9).sample)
data_flow = ["H", "J", "F", "E", "C", "B", "K", "A", "L", "D", "G", "I"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(10).sample)
data_flow = ["J", "A", "G", "H", "K", "B", "D", "F", "C", "E", "I", "L"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(11).sample)
data_flow = ["H", "I", "L", "J", "D", "B", "E", "K", "G", "A", "F", "C"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(12).sample)
data_flow = ["H", "E", "I", "F", "C", "D", "A", "L", "G", "B", "K", "J"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(13).sample)
data_flow = ["E", "L", "C", "D", "J", "G", "B", "F", "K", "A", "H", "I"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(14).sample)
data_flow = ["B", "J", "I", "D", "E", "F", "C", "G", "A", "H", "L", "K"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(15).sample)
data_flow = ["D", "A", "I", "K", "C", "B", "J", "F", "G", "H", "L", "E"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(16).sample)
data_flow = ["F", "H", "K", "E", "G", "B", "D", "A", "L", "C", "J", "I"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(17).sample)
data_flow = ["I", "G", "E", "F", "J", "B", "L", "H", "C", "A", "D", "K"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(18).sample)
data_flow = ["C", "B", "H", "F", "D", "K", "J", "I", "G", "E", "L", "A"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(19).sample)
data_flow = ["K", "A", "I", "B", "D", "H", "C", "E", "F", "G", "L", "J"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(20).sample)
data_flow = ["L", "K", "C", "E", "B", "G", "J", "I", "H", "A", "D", "F"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(21).sample)
data_flow = ["C", "G", "K", "E", "H", "J", "B", "D", "F", "L", "A", "I"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(22).sample)
data_flow = ["C", "D", "A", "H", "L", "F", "J", "I", "G", "K", "B", "E"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(23).sample)
data_flow = ["E", "B", "A", "L", "G", "D", "I", "C", "K", "F", "J", "H"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(24).sample)
data_flow = ["L", "G", "J", "C", "D", "B", "K", "F", "A", "I", "H", "E"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(25).sample)
data_flow = ["G", "A", "D", "E", "H", "K", "C", "L", "F", "J", "B", "I"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(26).sample)
data_flow = ["L", "D", "K", "G", "A", "B", "J", "H", "I", "C", "F", "E"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(27).sample)
data_flow = ["K", "H", "E", "J", "D", "A", "G", "C", "I", "B", "L", "F"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(28).sample)
data_flow = ["B", "C", "I", "K", "D", "L", "F", "H", "E", "A", "J", "G"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(29).sample)
data_flow = ["I", "B", "F", "E", "K", "L", "C", "D", "G", "A", "J", "H"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(30).sample)
data_flow = ["I", "E", "J", "A", "D", "C", "L", "H", "K", "G", "F", "B"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(31).sample)
data_flow = ["A", "H", "B", "G", "C", "F", "L", "J", "I", "K", "D", "E"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(32).sample)
data_flow = ["B", "D", "C", "E", "K", "H", "A", "F", "I", "L", "J", "G"]

# %% concept_data_flow: all options, each letter once, in alphabetical order
data_flow = sorted(STAGES)

# %% concept_data_flow: no option
data_flow = []

# %% concept_data_flow: one constant answer (A for every item)
data_flow = ["A"] * 12

# %% concept_data_flow: the items as listed (A to L)
data_flow = list("ABCDEFGHIJKL")

# %% concept_data_flow: the items as listed, backwards (L to A)
data_flow = list("LKJIHGFEDCBA")

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(1))
true_statements = ["a", "d", "e", "f", "i", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(2))
true_statements = ["c", "d", "h"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(3))
true_statements = ["a", "c", "f", "g", "i", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(4))
true_statements = ["a", "b", "c", "d", "e", "f", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(5))
true_statements = ["g", "h"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(6))
true_statements = ["c", "d", "e", "g", "i"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(7))
true_statements = ["a", "b", "d", "f", "g", "i", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(8))
true_statements = ["a", "c", "e", "f", "h", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(9))
true_statements = ["a", "b", "c", "e", "h"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(10))
true_statements = ["b", "d", "h", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(11))
true_statements = ["a", "d", "g"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(12))
true_statements = ["a", "d", "e", "f", "g"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(13))
true_statements = ["a", "e", "f", "g", "h", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(14))
true_statements = ["a", "e", "f", "i"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(15))
true_statements = ["b", "d", "f"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(16))
true_statements = ["a", "b", "c", "d", "e", "g", "i", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(17))
true_statements = ["d", "h", "i", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(18))
true_statements = ["a", "c", "d", "e", "f", "g", "h", "i", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(19))
true_statements = ["e", "g", "h", "i", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(20))
true_statements = ["e", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(21))
true_statements = ["a", "d", "e", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(22))
true_statements = ["b", "c", "e", "f", "h", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(23))
true_statements = ["d", "f", "h", "i", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(24))
true_statements = ["c", "e", "g", "i"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(25))
true_statements = ["a", "d", "g", "i", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(26))
true_statements = ["b", "c", "e", "h"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(27))
true_statements = ["d", "e", "g", "h", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(28))
true_statements = ["a", "b", "d", "e", "f", "g", "h", "i"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(29))
true_statements = ["b", "d", "f", "g", "i", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(30))
true_statements = ["b", "c", "e", "f", "g", "j"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(31))
true_statements = ["a", "b", "c", "e", "f", "g", "i"]

# %% concept_statements: random answers (a draw: each letter with probability 1/2, random.Random(32))
true_statements = ["a", "b", "c", "e", "g"]

# %% concept_statements: all options
true_statements = sorted(STATEMENTS)

# %% concept_statements: no option
true_statements = []

# %% concept_statements: one constant answer (the first letter alone)
true_statements = ["a"]

# %% concept_statements: one constant answer (the last letter alone)
true_statements = ["j"]

# %% concept_statements: the items as listed (the first half)
true_statements = list("abcde")

# %% concept_statements: the items as listed (the second half)
true_statements = list("fghij")
