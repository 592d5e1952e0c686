# Blind answers for ch02_prediction_network (see tests/grading/test_blind.py). 5a: the order of 10 stages, 1/9 point a
# link; 5b: 10 statements, 5 true, scored (true picks - false picks - 1) / 4, never below 0. Each must earn at most 15 %
# of the question's points (random draws: on average). Expected from the keys: 5a a random order 10 %; 5b each letter
# picked with probability 1/2: 6.0 % (it was 12.3 % under the old +1/5/-1/5 scoring, where one true letter alone
# earned 20 %: now 0).

# %% concept_data_flow: random answers (a draw: a random order, random.Random(1).sample)
data_flow = ["C", "B", "E", "A", "D", "F", "H", "J", "I", "G"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(2).sample)
data_flow = ["A", "B", "I", "C", "H", "G", "E", "D", "J", "F"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(3).sample)
data_flow = ["D", "I", "C", "H", "E", "J", "A", "G", "F", "B"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(4).sample)
data_flow = ["D", "E", "B", "F", "J", "G", "H", "A", "C", "I"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(5).sample)
data_flow = ["J", "E", "F", "G", "H", "I", "A", "B", "D", "C"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(6).sample)
data_flow = ["J", "B", "H", "G", "C", "A", "E", "D", "I", "F"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(7).sample)
data_flow = ["F", "C", "G", "J", "A", "H", "E", "B", "D", "I"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(8).sample)
data_flow = ["D", "F", "G", "B", "H", "A", "E", "J", "C", "I"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(9).sample)
data_flow = ["H", "F", "E", "B", "G", "A", "C", "D", "I", "J"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(10).sample)
data_flow = ["J", "A", "G", "D", "E", "I", "B", "H", "C", "F"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(11).sample)
data_flow = ["H", "I", "J", "D", "E", "F", "B", "A", "G", "C"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(12).sample)
data_flow = ["H", "E", "F", "B", "D", "A", "C", "G", "J", "I"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(13).sample)
data_flow = ["E", "J", "C", "F", "B", "G", "I", "H", "A", "D"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(14).sample)
data_flow = ["B", "I", "D", "C", "F", "G", "E", "H", "A", "J"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(15).sample)
data_flow = ["D", "A", "I", "B", "G", "H", "E", "C", "J", "F"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(16).sample)
data_flow = ["F", "H", "I", "C", "D", "B", "J", "A", "E", "G"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(17).sample)
data_flow = ["I", "G", "E", "C", "J", "B", "F", "A", "D", "H"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(18).sample)
data_flow = ["C", "B", "H", "J", "I", "F", "D", "G", "E", "A"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(19).sample)
data_flow = ["A", "I", "B", "E", "H", "D", "C", "G", "F", "J"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(20).sample)
data_flow = ["C", "E", "B", "G", "J", "I", "H", "A", "D", "F"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(21).sample)
data_flow = ["C", "G", "I", "F", "J", "D", "B", "E", "A", "H"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(22).sample)
data_flow = ["C", "D", "A", "E", "I", "B", "H", "J", "G", "F"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(23).sample)
data_flow = ["E", "B", "A", "J", "C", "D", "G", "F", "I", "H"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(24).sample)
data_flow = ["G", "C", "D", "B", "J", "F", "A", "I", "H", "E"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(25).sample)
data_flow = ["G", "A", "D", "J", "C", "H", "I", "B", "E", "F"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(26).sample)
data_flow = ["D", "J", "G", "E", "H", "A", "B", "I", "F", "C"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(27).sample)
data_flow = ["H", "E", "I", "B", "A", "F", "C", "D", "G", "J"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(28).sample)
data_flow = ["B", "C", "I", "J", "G", "D", "E", "A", "H", "F"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(29).sample)
data_flow = ["I", "B", "F", "E", "G", "C", "A", "H", "J", "D"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(30).sample)
data_flow = ["I", "E", "A", "J", "F", "B", "C", "H", "G", "D"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(31).sample)
data_flow = ["A", "H", "B", "G", "D", "I", "J", "F", "C", "E"]

# %% concept_data_flow: random answers (a draw: a random order, random.Random(32).sample)
data_flow = ["B", "D", "C", "H", "F", "J", "I", "A", "G", "E"]

# %% concept_data_flow: all options, each letter once, in alphabetical order
data_flow = sorted(STAGES)

# %% concept_data_flow: no option
data_flow = []

# %% concept_data_flow: one constant answer (A for every stage)
data_flow = ["A"] * 10

# %% concept_data_flow: the items as listed (A to J)
data_flow = list("ABCDEFGHIJ")

# %% concept_data_flow: the items as listed, backwards (J to A)
data_flow = list("JIHGFEDCBA")

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
