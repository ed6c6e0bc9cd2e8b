"""Label noise injection and detection (clflib.label_noise)."""

import numpy as np
import pandas as pd
import pytest

from clflib import label_noise

LABELS = np.repeat(np.arange(4), [50, 30, 15, 5])  # 100 rows, imbalanced


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.2, 0.3])
def test_random_noise_flips_exactly_the_rate_and_only_to_other_classes(rate):
    noisy = label_noise.flip_random(LABELS, rate, num_classes=4, seed=3)
    assert noisy.flipped.sum() == round(rate * len(LABELS))
    assert (noisy.labels[noisy.flipped] != LABELS[noisy.flipped]).all()
    assert (noisy.labels[~noisy.flipped] == LABELS[~noisy.flipped]).all()
    assert noisy.labels.min() >= 0 and noisy.labels.max() < 4
    np.testing.assert_array_equal(noisy.original, LABELS)


def test_noise_is_reproducible_and_depends_on_the_seed():
    a, b = (label_noise.flip_random(LABELS, 0.2, 4, seed=7) for _ in range(2))
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.flipped, label_noise.flip_random(LABELS, 0.2, 4, seed=8).flipped)


def test_pairwise_noise_flips_the_rate_of_every_class_to_its_partner():
    partners = np.array([1, 0, 3, 2])
    noisy = label_noise.flip_pairwise(LABELS, 0.2, partners, seed=0)
    for c, size in enumerate([50, 30, 15, 5]):
        members = np.equal(LABELS, c)
        assert noisy.flipped[members].sum() == round(0.2 * size)
        assert (noisy.labels[members & noisy.flipped] == partners[c]).all()
    again = label_noise.flip_pairwise(LABELS, 0.2, partners, seed=0)
    np.testing.assert_array_equal(noisy.labels, again.labels)


def test_partners_come_from_the_confusions():
    confusion = np.array([[9, 0, 1], [0, 8, 0], [4, 0, 6]])
    assert label_noise.confusable_partners(confusion).tolist() == [
        2,
        2,
        0,
    ]  # class 1: never confused: the next id


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"rate is the share .*got 1.2"):
        label_noise.flip_random(LABELS, 1.2, 4)
    with pytest.raises(ValueError, match="label 3 is outside 0..2"):
        label_noise.flip_random(LABELS, 0.1, 3)
    with pytest.raises(ValueError, match="class 1 is its own partner"):
        label_noise.flip_pairwise(LABELS, 0.1, [1, 1, 3, 2])
    with pytest.raises(ValueError, match="class 3 has only 5 examples, fewer than folds=10"):
        label_noise.out_of_fold_probabilities(np.zeros((100, 2)), LABELS, 4, folds=10)
    with pytest.raises(ValueError, match=r"shape \(rows, classes\) = \(100, 4\)"):
        label_noise.find_label_issues(LABELS, np.zeros((100, 3)), list("abcd"))


def clusters(seed=0):
    """Four well-separated Gaussian clusters: a clean model is near perfect."""
    rng = np.random.default_rng(seed)
    centres = np.eye(4) * 6
    labels = np.repeat(np.arange(4), 60)
    return centres[labels] + rng.normal(size=(len(labels), 4)), labels


def test_confident_learning_finds_the_flipped_rows_of_a_tiny_case():
    features, labels = clusters()
    noisy = label_noise.flip_random(labels, 0.2, 4, seed=1)
    probabilities = label_noise.out_of_fold_probabilities(features, noisy.labels, 4, seed=0)
    assert probabilities.shape == (240, 4) and np.allclose(probabilities.sum(axis=1), 1)
    names = ["a", "b", "c", "d"]
    issues = label_noise.find_label_issues(noisy.labels, probabilities, names)
    scores = label_noise.detection_scores(issues["row"], noisy.flipped)
    assert scores["flipped"] == 48
    assert scores["precision"] >= 0.9 and scores["recall"] >= 0.9, scores
    assert issues["given_probability"].is_monotonic_increasing  # most suspicious first
    relabelled = label_noise.clean_labels(noisy.labels, issues, names, "relabel")
    assert (relabelled == labels).mean() > 0.97  # relabelling undoes almost every flip
    kept = label_noise.clean_labels(noisy.labels, issues, names, "remove")
    assert len(kept) == 240 - len(issues)


def test_disagreements_are_grouped_by_label_pair():
    issues = pd.DataFrame(
        {"row": [4, 9, 2, 7], "given": ["a", "a", "b", "a"], "suggested": ["b", "b", "a", "c"]}
    )
    table = label_noise.disagreement_pairs(issues)
    assert table.iloc[0].to_dict() == {"given": "a", "suggested": "b", "rows": 2, "example_rows": [4, 9]}
    assert len(table) == 3
    assert label_noise.disagreement_pairs(issues.iloc[:0]).empty
