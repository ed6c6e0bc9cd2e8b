import collections

import datasets
import numpy as np
import pytest

from clflib import labels, sampling


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


# --- row sampling (moved from test_data / test_fewshot) ---


def test_stratified_indices_keep_shares_and_size():
    labels = [0] * 900 + [1] * 90 + [2] * 10
    picked = sampling.stratified_indices(labels, 100, seed=1)
    counts = collections.Counter(np.asarray(labels)[picked].tolist())
    assert len(picked) == 100 and len(set(picked.tolist())) == 100
    assert counts == {0: 90, 1: 9, 2: 1}
    assert (np.diff(picked) > 0).all()  # sorted: original order kept
    assert (picked == sampling.stratified_indices(labels, 100, seed=1)).all()
    assert not (picked == sampling.stratified_indices(labels, 100, seed=2)).all()


def test_stratified_indices_keep_every_class_when_they_can():
    labels = [0] * 97 + [1, 2, 3]
    picked = sampling.stratified_indices(labels, 10, seed=0)
    assert set(np.asarray(labels)[picked].tolist()) == {0, 1, 2, 3} and len(picked) == 10


def test_subsample_none_or_large_returns_the_same_rows():
    ds = datasets.Dataset.from_dict({"text": list("abcd"), "label": [0, 1, 0, 1]})
    assert sampling.stratified_subsample(ds, None) is ds
    assert sampling.stratified_subsample(ds, 10) is ds
    assert len(sampling.stratified_subsample(ds, 2, label_column=None)) == 2


def test_validation_split_is_carved_from_train_without_overlap():
    ds = datasets.DatasetDict(
        train=datasets.Dataset.from_dict(
            {"text": [f"t{i}" for i in range(100)], "label": [i % 4 for i in range(100)]}
        )
    )
    out = sampling.ensure_validation_split(ds, fraction=0.2)
    assert len(out["train"]) == 80 and len(out["validation"]) == 20
    assert not set(out["train"]["text"]) & set(out["validation"]["text"])
    assert collections.Counter(out["validation"]["label"]) == {0: 5, 1: 5, 2: 5, 3: 5}
    assert sampling.ensure_validation_split(out) is out


def test_exactly_k_per_class_and_reproducible(labelled):
    sample = sampling.sample_per_class(labelled, 3, seed=7)
    assert sorted(np.bincount(sample["label"]).tolist()) == [3, 3, 3]
    assert sample["text"] == sampling.sample_per_class(labelled, 3, seed=7)["text"]
    assert len(set(sample["text"])) == 9, "no row is drawn twice"
    others = [tuple(sampling.sample_per_class(labelled, 3, seed=s)["text"]) for s in range(5)]
    assert len(set(others)) > 1, "another seed is another sample"


def test_a_class_subset_and_a_short_class(labelled):
    sample = sampling.sample_per_class(labelled, 5, classes=[0, 1], seed=1)
    assert np.bincount(sample["label"]).tolist() == [5, 5]
    with pytest.raises(ValueError, match=r"refund \(3\).*Lower k"):
        sampling.sample_per_class(labelled, 5)
    with pytest.raises(ValueError, match="positive integer"):
        sampling.sample_per_class(labelled, 0)
    with pytest.raises(KeyError, match="intent"):
        sampling.sample_per_class(labelled, 2, label_column="intent")


def test_select_classes_relabels_in_the_order_given():
    split = datasets.Dataset.from_dict({"text": list("abcdef"), "label": [0, 1, 2, 0, 1, 2]}).cast_column(
        "label", datasets.ClassLabel(names=["x", "y", "z"])
    )
    small = sampling.select_classes(datasets.DatasetDict(train=split), [2, 0])["train"]
    assert small["text"] == ["a", "c", "d", "f"] and small["label"] == [1, 0, 1, 0]
    assert labels.label_names(small, "label") == ["z", "x"]
    with pytest.raises(ValueError, match=r"classes\[1\] = 3 is not a label id"):
        sampling.select_classes(split, [0, 3])
    with pytest.raises(ValueError, match="listed twice"):
        sampling.select_classes(split, [1, 1])
