# Blind answers for ch03_fine_tuning_objective (see tests/grading/test_blind.py).
# Each section replaces the whole solution cell of the concept question with an answer given without reading it;
# each must earn at most 15 % of its 2 points (random draws: on average). Scoring: +0.25 a right letter, -0.25 a
# wrong one, 0 for None, total kept >= 0; the key is balanced (4 true, 4 false) and agrees with every listed pattern
# below (alternating, halves, pairs) on exactly half the letters. Expected score of random True/False answers,
# computed from the key: 13.7 % (random True/False/None: 11.4 %); the 32 draws below (random.Random(1) .. (32)).
# The answers are in the letters of variant 0 (no student id), which the blind test grades; in a student's own
# variant the statements are shuffled, so a pattern of letters agrees with that student's key only by chance (the
# key's 4 true letters are one of the 70 sets of 4: a fixed pattern is a random answer there).

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(1))
state_answers = {'a': True, 'b': True, 'c': False, 'd': True, 'e': False, 'f': False, 'g': False, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(2))
state_answers = {'a': True, 'b': True, 'c': True, 'd': False, 'e': True, 'f': False, 'g': False, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(3))
state_answers = {'a': True, 'b': True, 'c': False, 'd': False, 'e': True, 'f': True, 'g': False, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(4))
state_answers = {'a': True, 'b': False, 'c': True, 'd': False, 'e': False, 'f': True, 'g': True, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(5))
state_answers = {'a': False, 'b': False, 'c': True, 'd': False, 'e': True, 'f': True, 'g': True, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(6))
state_answers = {'a': True, 'b': False, 'c': False, 'd': True, 'e': True, 'f': True, 'g': False, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(7))
state_answers = {'a': False, 'b': True, 'c': False, 'd': True, 'e': True, 'f': True, 'g': False, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(8))
state_answers = {'a': True, 'b': False, 'c': False, 'd': True, 'e': True, 'f': True, 'g': True, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(9))
state_answers = {'a': False, 'b': False, 'c': False, 'd': True, 'e': True, 'f': True, 'g': False, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(10))
state_answers = {'a': True, 'b': False, 'c': False, 'd': True, 'e': True, 'f': False, 'g': False, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(11))
state_answers = {'a': False, 'b': False, 'c': False, 'd': True, 'e': True, 'f': False, 'g': True, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(12))
state_answers = {'a': False, 'b': False, 'c': False, 'd': True, 'e': False, 'f': True, 'g': False, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(13))
state_answers = {'a': False, 'b': False, 'c': True, 'd': True, 'e': True, 'f': True, 'g': True, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(14))
state_answers = {'a': True, 'b': True, 'c': False, 'd': False, 'e': False, 'f': True, 'g': False, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(15))
state_answers = {'a': True, 'b': True, 'c': True, 'd': True, 'e': True, 'f': True, 'g': True, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(16))
state_answers = {'a': False, 'b': False, 'c': False, 'd': False, 'e': False, 'f': True, 'g': False, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(17))
state_answers = {'a': False, 'b': False, 'c': False, 'd': False, 'e': True, 'f': False, 'g': True, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(18))
state_answers = {'a': True, 'b': True, 'c': False, 'd': False, 'e': True, 'f': True, 'g': False, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(19))
state_answers = {'a': True, 'b': True, 'c': True, 'd': False, 'e': False, 'f': False, 'g': True, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(20))
state_answers = {'a': True, 'b': False, 'c': True, 'd': False, 'e': True, 'f': True, 'g': False, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(21))
state_answers = {'a': True, 'b': False, 'c': False, 'd': False, 'e': False, 'f': True, 'g': False, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(22))
state_answers = {'a': True, 'b': True, 'c': True, 'd': False, 'e': True, 'f': True, 'g': False, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(23))
state_answers = {'a': False, 'b': True, 'c': True, 'd': False, 'e': False, 'f': False, 'g': False, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(24))
state_answers = {'a': False, 'b': True, 'c': True, 'd': True, 'e': True, 'f': True, 'g': True, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(25))
state_answers = {'a': False, 'b': True, 'c': True, 'd': False, 'e': False, 'f': True, 'g': False, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(26))
state_answers = {'a': True, 'b': True, 'c': False, 'd': True, 'e': True, 'f': False, 'g': True, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(27))
state_answers = {'a': False, 'b': False, 'c': False, 'd': True, 'e': True, 'f': True, 'g': False, 'h': False}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(28))
state_answers = {'a': True, 'b': True, 'c': True, 'd': True, 'e': True, 'f': False, 'g': False, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(29))
state_answers = {'a': True, 'b': False, 'c': False, 'd': True, 'e': False, 'f': False, 'g': False, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(30))
state_answers = {'a': False, 'b': True, 'c': True, 'd': False, 'e': True, 'f': False, 'g': False, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(31))
state_answers = {'a': True, 'b': False, 'c': True, 'd': False, 'e': True, 'f': True, 'g': True, 'h': True}

# %% q_parameter_state: random answers (a draw: True or False per letter, random.Random(32))
state_answers = {'a': True, 'b': True, 'c': True, 'd': False, 'e': True, 'f': False, 'g': True, 'h': True}

# %% q_parameter_state: all options (every statement true)
state_answers = {letter: True for letter in "abcdefgh"}

# %% q_parameter_state: no option (not sure of anything)
state_answers = {letter: None for letter in "abcdefgh"}

# %% q_parameter_state: one constant answer (every statement false)
state_answers = {letter: False for letter in "abcdefgh"}

# %% q_parameter_state: the items as listed, alternating True, False, ...
state_answers = {"a": True, "b": False, "c": True, "d": False, "e": True, "f": False, "g": True, "h": False}

# %% q_parameter_state: the items as listed, alternating False, True, ...
state_answers = {"a": False, "b": True, "c": False, "d": True, "e": False, "f": True, "g": False, "h": True}

# %% q_parameter_state: the items as listed, the first half true
state_answers = {"a": True, "b": True, "c": True, "d": True, "e": False, "f": False, "g": False, "h": False}

# %% q_parameter_state: the items as listed, the second half true
state_answers = {"a": False, "b": False, "c": False, "d": False, "e": True, "f": True, "g": True, "h": True}

# %% q_parameter_state: the items as listed, in pairs (two true, two false, ...)
state_answers = {"a": True, "b": True, "c": False, "d": False, "e": True, "f": True, "g": False, "h": False}
