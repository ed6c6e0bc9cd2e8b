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


def test_fits_side_by_side_match_fits_one_after_the_other():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16))
    label_sets = [rng.integers(0, 4, size=300) for _ in range(5)]
    together = baselines.fit_logistic_regressions(
        [(vectors, labels) for labels in label_sets], C=3.0, workers=2
    )
    alone = [baselines.fit_logistic_regression(vectors, labels, C=3.0) for labels in label_sets]
    assert len(together) == 5
    for a, b in zip(together, alone):
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-8)


def test_many_fits_check_every_job_and_the_worker_count():
    good = (np.zeros((4, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="one row per label"):
        baselines.fit_logistic_regressions([good, (np.zeros((3, 2)), [0, 1, 0, 1])])
    with pytest.raises(ValueError, match="workers must be at least 1"):
        baselines.fit_logistic_regressions([good], workers=0)
    with pytest.raises(ValueError, match="C has 3 values for 2 jobs"):
        baselines.fit_logistic_regressions([good, good], C=[1.0, 2.0, 3.0])


def test_one_c_per_job_is_the_same_as_fitting_each_alone():
    rng = np.random.default_rng(1)
    vectors, labels = rng.normal(size=(200, 8)), rng.integers(0, 3, size=200)
    weak, strong = baselines.fit_logistic_regressions([(vectors, labels)] * 2, C=[100.0, 0.01])
    np.testing.assert_allclose(
        weak.coef_, baselines.fit_logistic_regression(vectors, labels, C=100.0).coef_, rtol=1e-6
    )
    assert np.abs(strong.coef_).sum() < np.abs(weak.coef_).sum()


def test_each_fit_runs_on_one_blas_thread(monkeypatch):
    from threadpoolctl import threadpool_info

    seen = []
    real_fit = baselines._fit

    def recording_fit(*args):
        seen.append({pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"})
        return real_fit(*args)

    monkeypatch.setattr(baselines, "_fit", recording_fit)
    vectors = np.random.default_rng(0).normal(size=(40, 4))
    baselines.fit_logistic_regressions([(vectors, [0, 1] * 20)] * 2)
    assert seen == [{1}, {1}]
