import collections

import numpy as np
import pytest

from clflib import sampling


def test_long_tail_counts_fall_geometrically_to_the_ratio():
    counts = sampling.long_tail_counts(11, max_count=100, ratio=50)
    assert counts[0] == 100 and counts[-1] == 2 and (np.diff(counts) <= 0).all()
    with pytest.raises(ValueError):
        sampling.long_tail_counts(1, 100, 50)


def test_long_tail_indices_make_the_requested_imbalance():
    labels = np.repeat(np.arange(20), 60)  # 20 classes of 60
    labels = np.concatenate([labels, np.full(30, 99)])  # an out-of-scope label to exclude
    picked = sampling.long_tail_indices(labels, ratio=20, seed=3, exclude=[99])
    subset = labels[picked]
    assert 99 not in subset and len(set(subset.tolist())) == 20
    assert sampling.imbalance_ratio(subset) == pytest.approx(20, rel=0.05)
    assert (np.diff(picked) > 0).all()
    assert (picked == sampling.long_tail_indices(labels, ratio=20, seed=3, exclude=[99])).all()
    other = labels[sampling.long_tail_indices(labels, ratio=20, seed=4, exclude=[99])]
    assert collections.Counter(subset.tolist()) != collections.Counter(other.tolist())  # seeded ranking


def test_long_tail_on_imbalanced_data_keeps_the_exact_ratio():
    sizes = {c: s for c, s in enumerate([25, 50, 75, 100] * 10)}  # like clinc150 imbalanced
    labels = np.concatenate([np.full(s, c) for c, s in sizes.items()])
    subset = labels[sampling.long_tail_indices(labels, ratio=50, seed=0)]
    counts = collections.Counter(subset.tolist())
    assert max(counts.values()) == 100 and min(counts.values()) == 2
    assert all(counts[c] <= sizes[c] for c in counts)
    small = labels[sampling.long_tail_indices(labels, ratio=10, seed=0, max_count=20)]
    assert sorted(collections.Counter(small.tolist()).values())[::39] == [2, 20]


def test_oversampler_draws_classes_about_equally():
    labels = np.array([0] * 900 + [1] * 90 + [2] * 10)
    sampler = sampling.oversampling_sampler(labels, seed=0, num_samples=30000)
    drawn = collections.Counter(labels[list(sampler)].tolist())
    for cls in (0, 1, 2):
        assert drawn[cls] / 30000 == pytest.approx(1 / 3, abs=0.02)
    assert len(sampling.oversampling_sampler(labels)) == len(labels)
    assert list(sampling.oversampling_sampler(labels, seed=5)) == list(
        sampling.oversampling_sampler(labels, seed=5)
    )


def test_head_for_budget_is_the_largest_that_fits():
    head = sampling.long_tail_head_for_budget(150, 50, budget=1500, largest_available=100)
    assert (
        sampling.long_tail_counts(150, head, 50).sum()
        <= 1500
        < sampling.long_tail_counts(150, head + 1, 50).sum()
    )
    assert sampling.long_tail_head_for_budget(150, 50, budget=None, largest_available=100) == 100
    assert sampling.long_tail_head_for_budget(150, 50, budget=10**6, largest_available=100) == 100


def test_random_order_decouples_rarity_from_size():
    labels = np.concatenate([np.full(s, c) for c, s in enumerate([100] * 10 + [30] * 10)])
    by_size = collections.Counter(labels[sampling.long_tail_indices(labels, 10, seed=1)].tolist())
    shuffled = collections.Counter(
        labels[sampling.long_tail_indices(labels, 10, seed=1, order="random")].tolist()
    )
    assert all(by_size[c] >= by_size[c + 10] for c in range(10))  # the big classes head the tail
    assert max(shuffled, key=shuffled.get) is not None and any(
        shuffled[c] > shuffled[c - 10] for c in range(10, 20)
    )
    assert all(shuffled[c] <= 30 for c in range(10, 20))
    with pytest.raises(ValueError, match="order"):
        sampling.long_tail_indices(labels, 10, order="alphabetical")
