"""Frozen embeddings + logistic regression (clflib.baselines)."""

import numpy as np
import pytest

from clflib import baselines

POSITIVE = [
    "a wonderful, moving film",
    "loved every minute",
    "brilliant acting and a great story",
    "a delight from start to finish",
    "funny, warm and clever",
    "superb, I would watch it again",
]
NEGATIVE = [
    "a dull, lifeless film",
    "hated every minute",
    "terrible acting and a silly story",
    "a chore from start to finish",
    "boring, cold and stupid",
    "awful, I walked out",
]


def test_the_frozen_baseline_learns_sentiment_from_embeddings():
    texts, labels = POSITIVE[:4] + NEGATIVE[:4], [1] * 4 + [0] * 4
    clf = baselines.train_embedding_classifier(texts, labels, "minilm", seed=0)
    held_out = POSITIVE[4:] + NEGATIVE[4:]
    assert clf.predict(held_out).tolist() == [1, 1, 0, 0]
    probabilities = clf.predict_proba(held_out)
    assert probabilities.shape == (4, 2) and np.allclose(probabilities.sum(axis=1), 1)
    assert clf.fit_seconds > 0


def test_the_same_seed_gives_the_same_classifier():
    vectors = np.random.default_rng(0).normal(size=(40, 8))
    labels = (vectors[:, 0] > 0).astype(int)
    first = baselines.fit_logistic_regression(vectors, labels, seed=3)
    second = baselines.fit_logistic_regression(vectors, labels, seed=3)
    assert np.array_equal(first.coef_, second.coef_)


def test_bad_shapes_and_a_single_class_are_explained():
    with pytest.raises(ValueError, match=r"shape \(3, 2\) for 2 labels"):
        baselines.fit_logistic_regression(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="at least two classes"):
        baselines.fit_logistic_regression(np.zeros((3, 2)), [1, 1, 1])
