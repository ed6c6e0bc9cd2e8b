"""Multi-label data and metrics: multi-hot targets, co-occurrence, and the report that matters.

Taught in lesson 03.

In a multi-label task each text carries any number of labels, so a target is a row of 0/1
values (multi-hot) and the model scores every label independently (a sigmoid per label, not a
softmax across them). The metrics come in families that answer different questions:

- micro-F1 pools every (text, label) decision: dominated by the frequent labels;
- macro-F1 averages the per-label F1s: every label counts the same, rare ones included;
- weighted-F1 averages per-label F1s weighted by support; samples-F1 averages per-text F1s;
- hamming loss is the share of wrong (text, label) decisions; subset accuracy the share of texts
  whose whole label set is exactly right (harsh: one missed label and the text counts as wrong);
- macro average precision (AP) scores the ranking of each label's scores, before any threshold.

>>> multi_hot([[0, 2], [1], []], num_labels=3).tolist()
[[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
>>> m = multilabel_metrics([[1, 0], [0, 1]], [[1, 0], [1, 1]])
>>> round(m["micro_f1"], 3), m["subset_accuracy"], m["hamming_loss"]
(0.8, 0.5, 0.25)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_recall_fscore_support

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MULTI_LABEL",
    "multi_hot",
    "label_lists",
    "add_multi_hot",
    "label_cardinality",
    "cooccurrence",
    "macro_average_precision",
    "multilabel_metrics",
    "per_label_report",
    "sigmoid",
    "make_compute_metrics",
]

MULTI_LABEL = "multi_label_classification"


def multi_hot(label_lists: Sequence[Sequence[int]], num_labels: int) -> np.ndarray:
    """A (texts, labels) float32 array with 1 where a text carries a label.

    Raises a ValueError naming the first label id outside ``[0, num_labels)``.
    """
    if num_labels < 1:
        raise ValueError(f"num_labels must be at least 1, got {num_labels}.")
    targets = np.zeros((len(label_lists), num_labels), dtype=np.float32)
    for row, labels in enumerate(label_lists):
        if isinstance(labels, (int, np.integer)):
            raise TypeError(
                f"row {row} holds a single label id ({labels}); a multi-label row "
                f"is a list of ids, e.g. [{labels}]."
            )
        for label in labels:
            if not 0 <= int(label) < num_labels:
                raise ValueError(f"row {row} has label id {label}, outside [0, {num_labels}).")
            targets[row, int(label)] = 1.0
    return targets


def label_lists(targets: np.ndarray) -> list[list[int]]:
    """The inverse of :func:`multi_hot`: the label ids of each row.

    >>> label_lists(np.array([[1, 0, 1], [0, 0, 0]]))
    [[0, 2], []]
    """
    return [np.flatnonzero(row).tolist() for row in np.asarray(targets)]


def add_multi_hot(dataset, num_labels: int, source: str = "labels", target: str = "labels"):
    """Replace a column of label-id lists by float32 multi-hot rows (what BCE training needs).

    Works on a Dataset or a DatasetDict. float32 matters: transformers' BCEWithLogits loss
    refuses integer targets, and float64 targets would not match float32 logits.
    """
    import datasets

    def encode(batch):
        return {target: multi_hot(batch[source], num_labels).tolist()}

    some_split = next(iter(dataset.values())) if hasattr(dataset, "keys") else dataset
    if source not in some_split.column_names:
        raise KeyError(f"no column {source!r}; the dataset has {some_split.column_names}.")
    features = some_split.features.copy()
    features[target] = datasets.List(datasets.Value("float32"))
    if source != target:
        del features[source]
    remove = [source] if source != target else None
    return dataset.map(
        encode, batched=True, features=features, remove_columns=remove, desc="Multi-hot labels"
    )


def label_cardinality(targets: np.ndarray) -> dict[str, float]:
    """How many labels texts carry: mean, share with none, one, and two or more.

    >>> label_cardinality(np.array([[1, 0], [1, 1], [0, 1], [0, 0]]))
    {'mean_labels': 1.0, 'no_label': 0.25, 'one_label': 0.5, 'two_or_more': 0.25}
    """
    per_text = np.asarray(targets).sum(axis=1)
    return {
        "mean_labels": float(per_text.mean()),
        "no_label": float((per_text == 0).mean()),
        "one_label": float((per_text == 1).mean()),
        "two_or_more": float((per_text >= 2).mean()),
    }


def cooccurrence(targets: np.ndarray, normalise: bool = False) -> np.ndarray:
    """How often each pair of labels appears on the same text (the diagonal: each label's count).

    With ``normalise=True`` row i holds P(label j | label i): the share of label i's texts that
    also carry label j.

    >>> cooccurrence(np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1]])).tolist()
    [[2, 1, 0], [1, 2, 1], [0, 1, 1]]
    """
    targets = np.asarray(targets).astype(np.int64)
    counts = targets.T @ targets
    if not normalise:
        return counts
    diagonal = np.diag(counts).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(diagonal[:, None] > 0, counts / diagonal[:, None], 0.0)


def _check_pair(targets, predictions) -> tuple[np.ndarray, np.ndarray]:
    targets = np.asarray(targets).astype(int)
    predictions = np.asarray(predictions).astype(int)
    if targets.ndim != 2 or targets.shape != predictions.shape:
        raise ValueError(
            f"targets and predictions must be (texts, labels) arrays of the same "
            f"shape, got {targets.shape} and {predictions.shape}."
        )
    if len(targets) == 0:
        raise ValueError("Cannot compute metrics on zero texts.")
    return targets, predictions


def macro_average_precision(targets: np.ndarray, scores: np.ndarray) -> float:
    """Mean average precision over the labels that have at least one positive text.

    AP is undefined for a label without positives; scikit-learn would warn and count it as 0,
    which punishes a model for a label the split never tests.
    """
    targets = np.asarray(targets).astype(int)
    scores = np.asarray(scores, dtype=float)
    present = targets.sum(axis=0) > 0
    if not present.any():
        raise ValueError("No label has a positive text: average precision is undefined.")
    return float(average_precision_score(targets[:, present], scores[:, present], average="macro"))


def multilabel_metrics(
    targets: np.ndarray, predictions: np.ndarray, scores: np.ndarray | None = None
) -> dict[str, float]:
    """Every multi-label metric of the lesson, in one dict (0/1 arrays of shape (texts, labels)).

    ``scores`` (probabilities) add ``macro_ap``, which needs a ranking, not decisions.
    Texts with no predicted label score 0 on samples-F1 (``zero_division=0``).
    """
    targets, predictions = _check_pair(targets, predictions)
    result = {
        f"{average}_f1": float(f1_score(targets, predictions, average=average, zero_division=0))
        for average in ("micro", "macro", "weighted", "samples")
    }
    for average in ("micro", "macro"):
        precision, recall, _, _ = precision_recall_fscore_support(
            targets, predictions, average=average, zero_division=0
        )
        result[f"{average}_precision"], result[f"{average}_recall"] = float(precision), float(recall)
    result["hamming_loss"] = float((targets != predictions).mean())
    result["subset_accuracy"] = float((targets == predictions).all(axis=1).mean())
    result["no_label_share"] = float((predictions.sum(axis=1) == 0).mean())
    if scores is not None:
        result["macro_ap"] = macro_average_precision(targets, scores)
    return result


def per_label_report(
    targets: np.ndarray,
    predictions: np.ndarray,
    label_names: Sequence[str],
    scores: np.ndarray | None = None,
    thresholds: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Precision, recall, F1 and support of every label (plus AP and threshold when given)."""
    import pandas as pd

    targets, predictions = _check_pair(targets, predictions)
    if targets.shape[1] != len(label_names):
        raise ValueError(f"{targets.shape[1]} label columns but {len(label_names)} label names.")
    precision, recall, f1, support = precision_recall_fscore_support(
        targets, predictions, average=None, zero_division=0
    )
    table = pd.DataFrame(
        {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": support,
            "predicted": predictions.sum(axis=0),
        },
        index=pd.Index(list(label_names), name="label"),
    )
    if scores is not None:
        scores = np.asarray(scores, dtype=float)
        table["ap"] = [
            average_precision_score(targets[:, j], scores[:, j]) if targets[:, j].any() else np.nan
            for j in range(targets.shape[1])
        ]
    if thresholds is not None:
        table["threshold"] = np.broadcast_to(np.asarray(thresholds, dtype=float), (targets.shape[1],))
    return table


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Element-wise logistic function, stable for large logits."""
    logits = np.asarray(logits, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -logits))


def make_compute_metrics(threshold: float = 0.5) -> Callable:
    """A ``compute_metrics`` for the Trainer on multi-label logits (sigmoid, then ``threshold``).

    It reports ``macro_ap`` too, a threshold-free score: choose the best checkpoint by it when
    the thresholds will be tuned afterwards anyway.
    """

    def compute_metrics(eval_prediction) -> dict[str, float]:
        logits, targets = eval_prediction.predictions, eval_prediction.label_ids
        if isinstance(logits, tuple):
            logits = logits[0]
        scores = sigmoid(logits)
        result = multilabel_metrics(targets, scores >= threshold, scores)
        return {
            key: result[key]
            for key in ("micro_f1", "macro_f1", "samples_f1", "macro_ap", "hamming_loss", "subset_accuracy")
        }

    return compute_metrics
