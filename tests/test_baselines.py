import numpy as np
import pytest

from course_utils.baselines import majority_class, majority_predictions, tfidf_logistic_regression


def test_majority_class_and_predictions():
    assert majority_class([0, 2, 2, 1]) == 2
    assert majority_class(np.array([1, 0, 0, 1])) == 0  # a tie goes to the smallest id
    preds = majority_predictions([1, 1, 0], 4)
    assert preds.tolist() == [1, 1, 1, 1] and preds.dtype == np.int64


def test_majority_class_rejects_bad_input():
    with pytest.raises(ValueError, match="no training labels"):
        majority_class([])
    with pytest.raises(ValueError, match="integer"):
        majority_class(["pos", "neg"])


TRAIN = ["a great film", "great acting and a great story", "simply wonderful", "wonderful and moving",
         "a dull film", "dull and boring", "boring story", "simply awful"]
LABELS = [1, 1, 1, 1, 0, 0, 0, 0]


def test_tfidf_learns_words_and_returns_int_ids():
    preds = tfidf_logistic_regression(TRAIN, LABELS, ["great and wonderful", "awful, dull, boring"])
    assert preds.tolist() == [1, 0] and preds.dtype == np.int64


def test_tfidf_prediction_does_not_depend_on_other_test_texts():
    tests = ["great and wonderful", "awful, dull, boring", "a film", "moving story", "unknown words only"]
    together = tfidf_logistic_regression(TRAIN, LABELS, tests)
    alone = [int(tfidf_logistic_regression(TRAIN, LABELS, [t])[0]) for t in tests]
    assert together.tolist() == alone


def test_tfidf_probabilities_and_errors():
    preds, proba = tfidf_logistic_regression(TRAIN, LABELS, ["great", "dull"], return_proba=True)
    assert proba.shape == (2, 2) and np.allclose(proba.sum(1), 1) and (proba.argmax(1) == preds).all()
    with pytest.raises(ValueError, match="8 training texts but 3 labels"):
        tfidf_logistic_regression(TRAIN, [0, 1, 0], ["x"])
