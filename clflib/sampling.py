"""Pick rows: stratified subsets, K per class, a subset of classes, a validation split, a long tail.

Every row-sampling helper of the course lives here. Used in every lesson (lessons 01-10 shrink
their splits with :func:`stratified_subsample`); lesson 06 draws K examples per class with
:func:`sample_per_class` and keeps a subset of intents with :func:`select_classes`; lesson 02
makes and counters imbalance on purpose.

``stratified_indices`` draws ``n`` row numbers keeping each label's share;
``stratified_subsample`` applies it to a Dataset; ``ensure_validation_split`` carves a stratified
validation split out of train when a dataset has none (never out of test).
``long_tail_subsample`` cuts a training split down to a long tail (the largest class ``ratio``
times the smallest, class sizes falling geometrically in between) so a learner can watch
imbalance bite. ``oversampling_sampler`` draws training examples with probability inversely
proportional to their class size, so every class is seen about equally often.

>>> stratified_indices([0, 0, 0, 0, 1, 1, 1, 1], 4, seed=0).tolist()
[2, 3, 4, 5]
>>> long_tail_counts(5, max_count=100, ratio=50).tolist()
[100, 38, 14, 5, 2]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clflib.labels import label_names

__all__ = [
    "stratified_indices",
    "stratified_subsample",
    "sample_per_class",
    "select_classes",
    "ensure_validation_split",
    "long_tail_counts",
    "long_tail_head_for_budget",
    "long_tail_indices",
    "long_tail_subsample",
    "imbalance_ratio",
    "oversampling_weights",
    "oversampling_sampler",
]


def long_tail_counts(num_classes: int, max_count: int, ratio: float) -> np.ndarray:
    """Class sizes falling geometrically from ``max_count`` to ``max_count / ratio`` (at least 1)."""
    if num_classes < 2 or max_count < 1 or ratio < 1:
        raise ValueError("need num_classes >= 2, max_count >= 1 and ratio >= 1.")
    steps = np.arange(num_classes) / (num_classes - 1)
    return np.maximum(1, np.round(max_count * ratio ** (-steps))).astype(int)


def long_tail_head_for_budget(
    num_classes: int, ratio: float, budget: int | None, largest_available: int
) -> int:
    """The largest head size whose long tail fits in ``budget`` examples in total.

    >>> long_tail_head_for_budget(5, 50, budget=100, largest_available=100)
    63
    """
    if budget is None or long_tail_counts(num_classes, largest_available, ratio).sum() <= budget:
        return largest_available
    low, high = 1, largest_available  # the total grows with the head: binary search
    while low < high:
        middle = (low + high + 1) // 2
        if long_tail_counts(num_classes, middle, ratio).sum() <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def long_tail_indices(
    labels: Sequence[int],
    ratio: float,
    seed: int = 42,
    exclude: Sequence[int] = (),
    max_count: int | None = None,
    order: str = "by_size",
) -> np.ndarray:
    """Indices of a long-tailed subset: class sizes fall geometrically by a factor ``ratio``.

    The head class keeps ``max_count`` examples (default: the largest class's size), the last
    class ``max_count / ratio`` (at least 1, so the realised ratio can exceed ``ratio``).
    ``order`` decides which class gets which place: "by_size" puts the classes with most
    examples first (ties broken at random with ``seed``), so every class can fill its place
    whenever the data allow; "random" shuffles them with ``seed``, so rarity is unrelated to
    anything else about a class (a class with fewer examples than its place asks for keeps
    all it has). Examples within a class are drawn at random. Labels in ``exclude`` (e.g. an
    out-of-scope label) are left out. The result is sorted.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    classes = np.array(sorted(set(labels.tolist()) - set(exclude)))
    if len(classes) < 2:
        raise ValueError("a long tail needs at least two classes.")
    available = np.array([(labels == c).sum() for c in classes])
    head = int(max_count or available.max())
    targets = long_tail_counts(len(classes), head, ratio)
    if order not in ("by_size", "random"):
        raise ValueError(f"order must be 'by_size' or 'random', got {order!r}.")
    shuffled = rng.permutation(len(classes))
    # by size: largest first, random among equals; random: the shuffle alone
    ranking = np.lexsort((shuffled, -available)) if order == "by_size" else shuffled
    chosen = []
    for place, class_index in enumerate(ranking):
        members = np.flatnonzero(labels == classes[class_index])
        size = min(targets[place], len(members))
        chosen.append(rng.choice(members, size=size, replace=False))
    return np.sort(np.concatenate(chosen))


def long_tail_subsample(
    dataset,
    label_column: str,
    ratio: float = 50.0,
    seed: int = 42,
    exclude: Sequence[int] = (),
    max_count: int | None = None,
    order: str = "by_size",
):
    """A long-tailed subset of ``dataset`` (see :func:`long_tail_indices`)."""
    picked = long_tail_indices(list(dataset[label_column]), ratio, seed, exclude, max_count, order)
    return dataset.select(picked)


def imbalance_ratio(labels: Sequence[int]) -> float:
    """Size of the largest class over the smallest present one.

    >>> imbalance_ratio([0, 0, 0, 1])
    3.0
    """
    counts = np.bincount(np.asarray(labels))
    counts = counts[counts > 0]
    return float(counts.max() / counts.min())


def oversampling_weights(labels: Sequence[int]) -> np.ndarray:
    """Per-example sampling weights 1 / (size of its class): each class is drawn equally often.

    >>> oversampling_weights([0, 0, 1]).tolist()
    [0.5, 0.5, 1.0]
    """
    labels = np.asarray(labels)
    counts = np.bincount(labels)
    return 1.0 / counts[labels]


def oversampling_sampler(labels: Sequence[int], seed: int = 42, num_samples: int | None = None):
    """A ``WeightedRandomSampler`` (with replacement) drawing classes about equally often.

    One epoch draws ``num_samples`` examples (default: the dataset size), so an epoch costs the
    same number of steps as without oversampling: rare examples repeat, frequent ones are skipped.
    """
    import torch
    from torch.utils.data import WeightedRandomSampler

    weights = torch.as_tensor(oversampling_weights(labels), dtype=torch.double)
    generator = torch.Generator().manual_seed(seed)
    return WeightedRandomSampler(weights, num_samples or len(weights), replacement=True, generator=generator)


def stratified_indices(labels: Sequence[int], n: int, seed: int = 42) -> np.ndarray:
    """``n`` indices drawn without replacement, keeping each label's share of ``labels``.

    Every class present keeps at least one example when ``n`` is at least the number of
    classes; shares are rounded with the largest-remainder rule so the total is exactly ``n``.
    The result is sorted, so the original order of the data is kept.

    >>> stratified_indices([0, 0, 0, 0, 1, 1, 1, 1], 4, seed=0).tolist()
    [2, 3, 4, 5]
    """
    labels = np.asarray(labels)
    if n >= len(labels):
        return np.arange(len(labels))
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}.")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts / counts.sum() * n
    quota = np.floor(exact).astype(int)
    if n >= len(classes):
        quota = np.maximum(quota, 1)
    order = np.argsort(-(exact - np.floor(exact)), kind="stable")
    for i in order:  # hand out the remaining places by largest remainder
        if quota.sum() >= n:
            break
        if quota[i] < counts[i]:
            quota[i] += 1
    while quota.sum() > n:  # the minimum of one per class overshot: trim the largest classes
        quota[np.argmax(quota)] -= 1
    chosen = [
        rng.choice(np.flatnonzero(labels == cls), size=q, replace=False) for cls, q in zip(classes, quota)
    ]
    return np.sort(np.concatenate(chosen))


def stratified_subsample(dataset, n: int | None, label_column: str | None = "label", seed: int = 42):
    """A subset of ``n`` rows keeping label proportions (random when ``label_column`` is None).

    ``n=None`` or ``n >= len(dataset)`` returns the dataset unchanged.
    """
    if n is None or n >= len(dataset):
        return dataset
    if label_column is None:
        rng = np.random.default_rng(seed)
        return dataset.select(np.sort(rng.choice(len(dataset), size=n, replace=False)))
    return dataset.select(stratified_indices(list(dataset[label_column]), n, seed))


def select_classes(dataset, classes: Sequence[int], label_column: str = "label"):
    """The rows of ``dataset`` (a Dataset or DatasetDict) whose label is one of ``classes``,
    relabelled 0..len(classes)-1 in the order given, with the ClassLabel names to match: a
    smaller problem of the same kind (lesson 06's learning curve on 18 of 77 intents).

    >>> small = select_classes(banking["test"], [4, 0])  # doctest: +SKIP
    >>> label_names(small, "label")  # doctest: +SKIP
    ['automatic_top_up', 'activate_my_card']
    """
    import datasets

    if isinstance(dataset, datasets.DatasetDict):
        return datasets.DatasetDict(
            {name: select_classes(split, classes, label_column) for name, split in dataset.items()}
        )
    names = label_names(dataset, label_column)
    new_id = {}
    for position, value in enumerate(classes):
        if not isinstance(value, (int, np.integer)) or not 0 <= int(value) < len(names):
            raise ValueError(
                f"classes[{position}] = {value!r} is not a label id of {label_column!r} (0..{len(names) - 1})."
            )
        if int(value) in new_id:
            raise ValueError(f"classes[{position}] = {value!r} is listed twice.")
        new_id[int(value)] = len(new_id)
    kept = dataset.filter(lambda label: label in new_id, input_columns=label_column)
    relabelled = kept.map(lambda label: {label_column: new_id[label]}, input_columns=label_column)
    return relabelled.cast_column(label_column, datasets.ClassLabel(names=[names[old] for old in new_id]))


def ensure_validation_split(dataset_dict, label_column: str = "label", fraction: float = 0.1, seed: int = 42):
    """Carve a stratified validation split out of train when the dataset has none (banking77).

    Model selection (early stopping, thresholds) must never look at the test split.
    """
    import datasets

    if "validation" in dataset_dict:
        return dataset_dict
    train = dataset_dict["train"]
    n_validation = max(1, int(round(len(train) * fraction)))
    picked = stratified_indices(list(train[label_column]), n_validation, seed)
    rest = np.setdiff1d(np.arange(len(train)), picked)
    splits = dict(dataset_dict)
    splits["train"], splits["validation"] = train.select(rest), train.select(picked)
    return datasets.DatasetDict(splits)


def sample_per_class(
    dataset, k: int, label_column: str = "label", seed: int = 42, classes: Sequence[int] | None = None
):
    """Exactly ``k`` rows of every class of ``dataset`` (a training split), drawn with ``seed``.

    ``classes`` keeps only those label ids (a fixed subset of intents, say); by default every
    class present in the data. The rows come back grouped by class, in a seeded random order
    within each class. The same seed gives the same rows; a class with fewer than ``k`` rows
    raises a ValueError naming it and its count (sample from the training split, never the
    test split).
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer (examples per class), got {k!r}.")
    if label_column not in dataset.column_names:
        raise KeyError(f"No column {label_column!r}; the dataset has {dataset.column_names}.")
    labels = np.asarray(dataset[label_column])
    wanted = sorted(set(labels.tolist())) if classes is None else [int(c) for c in classes]
    rng = np.random.default_rng(seed)
    chosen = []
    short = []
    for label in wanted:
        rows = np.flatnonzero(labels == label)
        if len(rows) < k:
            short.append((label, len(rows)))
            continue
        chosen.extend(rng.choice(rows, size=k, replace=False).tolist())
    if short:
        names = _label_names(dataset, label_column)
        described = ", ".join(f"{names[label] if names else label} ({count})" for label, count in short[:5])
        raise ValueError(
            f"{len(short)} class(es) have fewer than k={k} rows in this split: {described}"
            f"{' ...' if len(short) > 5 else ''}. Lower k, or leave those classes out with classes=[...]."
        )
    return dataset.select(chosen)


def _label_names(dataset, column: str) -> list[str] | None:
    names = getattr(dataset.features.get(column), "names", None)
    return list(names) if names else None
