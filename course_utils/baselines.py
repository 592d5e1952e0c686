"""Baselines without pre-training: what fine-tuning has to beat.

* ``majority_class`` / ``majority_predictions``: always predict the most frequent training label.
* ``tfidf_logistic_regression``: bag of words and word pairs (TF-IDF) and logistic regression
  (scikit-learn). With the defaults it gives the reference numbers of the course design brief on
  the local splits (e.g. Rotten Tomatoes test accuracy 0.783).

Both learn from the training data only: the vocabulary, the IDF weights and the classifier never
see the texts they are asked to label.
"""

from __future__ import annotations

import numpy as np


def majority_class(train_labels) -> int:
    """The most frequent label id in ``train_labels`` (ties: the smallest id)."""
    labels = np.asarray(train_labels)
    if labels.size == 0:
        raise ValueError("majority_class: no training labels")
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
        raise ValueError("majority_class: expected a 1-d sequence of non-negative integer label ids")
    return int(np.bincount(labels).argmax())


def majority_predictions(train_labels, n: int) -> np.ndarray:
    """``n`` copies of the training set's majority label: (n,) int64."""
    return np.full(n, majority_class(train_labels), dtype=np.int64)


def tfidf_logistic_regression(train_texts, train_labels, test_texts, *, ngram_range=(1, 2),
                              sublinear_tf: bool = True, min_df: int = 1, C: float = 10.0,
                              max_iter: int = 1000, class_weight=None, return_proba: bool = False):
    """Fit TF-IDF features and logistic regression on the training texts, label ``test_texts``.

    Returns predicted label ids, (n_test,) int64, or with ``return_proba=True`` the pair
    (predictions, probabilities of shape (n_test, n_classes_seen_in_training)).
    ``class_weight="balanced"`` re-weights rare classes (useful for imbalanced label sets).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train_texts, test_texts = list(train_texts), list(test_texts)
    train_labels = np.asarray(train_labels)
    if len(train_texts) != len(train_labels):
        raise ValueError(f"{len(train_texts)} training texts but {len(train_labels)} labels")
    if not train_texts or not test_texts:
        raise ValueError("tfidf_logistic_regression: no training or no test texts")
    vectorizer = TfidfVectorizer(ngram_range=tuple(ngram_range), sublinear_tf=sublinear_tf, min_df=min_df)
    features = vectorizer.fit_transform(train_texts)  # vocabulary and IDF from the training texts only
    classifier = LogisticRegression(C=C, max_iter=max_iter, class_weight=class_weight)
    classifier.fit(features, train_labels)
    test_features = vectorizer.transform(test_texts)
    predictions = classifier.predict(test_features).astype(np.int64)
    if return_proba:
        return predictions, classifier.predict_proba(test_features)
    return predictions
