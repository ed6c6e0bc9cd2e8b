"""A dataset's label names, and the id <-> name maps a model's config needs.

Used in every lesson (through ``clflib.data``, which lists these names too): read the class names
of a ClassLabel column right after loading, then hand ``id2label``/``label2id`` to the model.

>>> label_maps(["negative", "positive"])[1]
{'negative': 0, 'positive': 1}
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["label_names", "label_maps"]


def label_names(dataset, column: str) -> list[str]:
    """Names of a ClassLabel column (or a list-of-ClassLabel column, for multi-label data)."""
    import datasets

    feature = dataset.features.get(column)
    if feature is None:
        raise KeyError(f"No column {column!r}; columns are {list(dataset.features)}.")
    inner = getattr(feature, "feature", None)
    if isinstance(feature, datasets.ClassLabel):
        return list(feature.names)
    if isinstance(inner, datasets.ClassLabel):
        return list(inner.names)
    raise TypeError(
        f"Column {column!r} is {feature}, not a ClassLabel: cast it first, e.g. "
        f"dataset.class_encode_column({column!r})."
    )


def label_maps(names: Sequence[str]) -> tuple[dict[int, str], dict[str, int]]:
    """``(id2label, label2id)`` from a list of label names.

    >>> label_maps(["neg", "pos"])
    ({0: 'neg', 1: 'pos'}, {'neg': 0, 'pos': 1})
    """
    id2label = {i: str(name) for i, name in enumerate(names)}
    if len(set(id2label.values())) != len(id2label):
        repeated = sorted({n for n in id2label.values() if list(id2label.values()).count(n) > 1})
        raise ValueError(
            f"label names repeat: {repeated}; each label needs one name, or id2label and label2id "
            "would disagree."
        )
    return id2label, {name: i for i, name in id2label.items()}
