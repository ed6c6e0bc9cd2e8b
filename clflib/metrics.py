"""Classification metrics with scikit-learn (no ``evaluate.load``: it needs the Hub).

Taught in lessons 01 and 02; every lesson scores with it.

>>> m = classification_metrics([0, 1, 1, 0], [0, 1, 0, 0])
>>> round(m["accuracy"], 2), round(m["f1"], 2)
(0.75, 0.67)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "softmax",
    "classification_metrics",
    "make_compute_metrics",
    "majority_baseline",
    "check_label_ids",
    "confusion",
    "per_class_report",
    "rarest_classes",
    "most_confused_pairs",
    "prevalence_weighted_f1",
    "prevalence_weighted_accuracy",
    "most_confident_mistakes",
]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def classification_metrics(
    labels: Sequence[int], predictions: Sequence[int], average: str = "binary", positive_label: int = 1
) -> dict[str, float]:
    """Accuracy, precision, recall and F1.

    ``average="binary"`` scores the class ``positive_label`` (two classes only); "macro" gives
    every class the same weight; "weighted" weights classes by their support.
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.shape != predictions.shape:
        raise ValueError(f"labels and predictions differ in shape: {labels.shape} vs {predictions.shape}.")
    if len(labels) == 0:
        raise ValueError("Cannot compute metrics on zero examples.")
    kwargs = {"pos_label": positive_label} if average == "binary" else {}
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predictions, average=average, zero_division=0, **kwargs
    )
    return {
        "accuracy": float(accuracy_score(labels, predictions)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }


def make_compute_metrics(average: str = "binary") -> Callable:
    """A ``compute_metrics`` function for the transformers Trainer (logits in, metrics out)."""

    def compute_metrics(eval_prediction) -> dict[str, float]:
        logits, labels = eval_prediction.predictions, eval_prediction.label_ids
        if isinstance(logits, tuple):  # some models also return hidden states
            logits = logits[0]
        return classification_metrics(labels, np.argmax(logits, axis=-1), average=average)

    return compute_metrics


def majority_baseline(
    train_labels: Sequence[int], test_labels: Sequence[int], average: str = "binary"
) -> dict[str, float]:
    """Metrics of always predicting the most frequent training label: the floor to beat."""
    majority = int(np.bincount(np.asarray(train_labels)).argmax())
    predictions = np.full(len(test_labels), majority)
    return classification_metrics(test_labels, predictions, average=average)


def check_label_ids(values: Sequence[int], num_labels: int, what: str = "labels") -> np.ndarray:
    """``values`` as an int array, or a ValueError naming the rows whose value is not a label
    id in ``[0, num_labels)`` (a -100 "ignore" label included: it belongs to token tasks).

    >>> check_label_ids([0, 2, 1], 3).tolist()
    [0, 2, 1]
    >>> check_label_ids([0, 5, -1], 2)
    Traceback (most recent call last):
    ...
    ValueError: labels: 2 of 3 values are not label ids in [0, 2): row 1 = 5, row 2 = -1. Map every label to an id of label_names (or drop those rows).
    """
    array = np.asarray(values)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"{what} must be integer label ids, got {array.dtype} values such as {array.flat[0]!r}."
        )
    bad = np.flatnonzero((array < 0) | (array >= num_labels))
    if len(bad):
        shown = ", ".join(f"row {int(i)} = {int(array[i])}" for i in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise ValueError(
            f"{what}: {len(bad)} of {len(array)} values are not label ids in [0, {num_labels}): "
            f"{shown}{more}. Map every label to an id of label_names (or drop those rows)."
        )
    return array.astype(int)


def confusion(labels: Sequence[int], predictions: Sequence[int], num_labels: int) -> np.ndarray:
    """Confusion matrix with rows = true label, columns = predicted label, every label present.

    Ids outside ``[0, num_labels)`` raise (see :func:`check_label_ids`) instead of being dropped.
    """
    labels = check_label_ids(labels, num_labels, "labels")
    predictions = check_label_ids(predictions, num_labels, "predictions")
    return confusion_matrix(labels, predictions, labels=list(range(num_labels)))


def per_class_report(
    labels: Sequence[int], predictions: Sequence[int], label_names: Sequence[str]
) -> pd.DataFrame:
    """Precision, recall, F1 and support of every class, one row each (indexed by name).

    Ids outside the label names raise (see :func:`check_label_ids`) instead of being dropped.
    """
    import pandas as pd

    labels = check_label_ids(labels, len(label_names), "labels")
    predictions = check_label_ids(predictions, len(label_names), "predictions")

    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predictions, labels=list(range(len(label_names))), zero_division=0
    )
    return pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support},
        index=pd.Index(list(label_names), name="label"),
    )


def rarest_classes(
    train_counts: Sequence[int], fraction: float = 0.1, exclude: Sequence[int] = ()
) -> np.ndarray:
    """Indices of the rarest ``fraction`` of classes by training count (at least one class).

    >>> rarest_classes([50, 3, 20, 1, 9], fraction=0.4).tolist()
    [1, 3]
    """
    counts = np.asarray(train_counts)
    candidates = np.array([c for c in range(len(counts)) if c not in set(exclude)])
    k = max(1, int(round(len(candidates) * fraction)))
    order = candidates[np.argsort(counts[candidates], kind="stable")]
    return np.sort(order[:k])


def most_confused_pairs(
    labels: Sequence[int], predictions: Sequence[int], label_names: Sequence[str], k: int = 10
) -> pd.DataFrame:
    """The ``k`` (true, predicted) pairs of different labels that occur most often.

    >>> most_confused_pairs([0, 0, 1, 2], [1, 1, 1, 0], ["a", "b", "c"], k=1).values.tolist()
    [['a', 'b', 2]]
    """
    import pandas as pd

    pairs = pd.DataFrame({"true": np.asarray(labels), "predicted": np.asarray(predictions)})
    pairs = pairs[pairs["true"] != pairs["predicted"]]
    counted = pairs.value_counts().rename("count").reset_index().head(k)
    names = np.asarray(label_names)
    return pd.DataFrame(
        {
            "true": names[counted["true"].to_numpy(dtype=int)],
            "predicted": names[counted["predicted"].to_numpy(dtype=int)],
            "count": counted["count"].to_numpy(),
        }
    )


def prevalence_weighted_f1(
    labels: Sequence[int], predictions: Sequence[int], class_priors: Sequence[float]
) -> float:
    """Per-class F1 averaged with weights ``class_priors`` (classes present in ``labels``).

    Like weighted-F1, but weighted by how common each class is in production (e.g. training
    priors) rather than by its support in a test split, which may be balanced.

    >>> round(prevalence_weighted_f1([0, 0, 1, 1], [0, 0, 0, 1], [0.75, 0.25]), 4)
    0.7667
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    present = np.unique(labels)
    _, _, f1, _ = precision_recall_fscore_support(labels, predictions, labels=list(present), zero_division=0)
    priors = np.asarray(class_priors, dtype=float)[present]
    return float((priors / priors.sum() * f1).sum())


def prevalence_weighted_accuracy(
    labels: Sequence[int], predictions: Sequence[int], class_priors: Sequence[float]
) -> float:
    """The accuracy expected on traffic whose classes follow ``class_priors``.

    A balanced test split hides imbalance: every class counts the same. In production, classes
    arrive as often as they do in the training data, and accuracy becomes the prior-weighted
    mean of per-class recall. Classes absent from ``labels`` are left out (priors renormalised).

    >>> prevalence_weighted_accuracy([0, 0, 1, 1], [0, 0, 0, 0], [0.9, 0.1])
    0.9
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    priors = np.asarray(class_priors, dtype=float)
    present = np.unique(labels)
    recall = np.array([(predictions[labels == c] == c).mean() for c in present])
    weights = priors[present] / priors[present].sum()
    return float((weights * recall).sum())


# --- error analysis ----------------------------------------------------------------------


def most_confident_mistakes(
    texts: Sequence[str],
    labels: Sequence[int],
    probabilities: np.ndarray,
    id2label: Mapping[int, str],
    k: int = 10,
) -> pd.DataFrame:
    """The ``k`` wrong predictions the model was most sure of, most confident first.

    Confident mistakes are where to look first: they are often label noise, sarcasm, negation
    or examples outside what the training data covered.

    >>> table = most_confident_mistakes(["a", "b", "c"], [0, 1, 1],
    ...                                 np.array([[0.9, 0.1], [0.2, 0.8], [0.95, 0.05]]),
    ...                                 {0: "neg", 1: "pos"})
    >>> table[["text", "true", "predicted"]].values.tolist()
    [['c', 'pos', 'neg']]
    """
    import pandas as pd

    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels)
    if len(texts) != len(labels) or len(labels) != len(probabilities):
        raise ValueError(
            f"texts, labels and probabilities must have the same length, got "
            f"{len(texts)}, {len(labels)}, {len(probabilities)}."
        )
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    order = wrong[np.argsort(-confidence, kind="stable")][:k]
    return pd.DataFrame(
        {
            "text": [texts[i] for i in order],
            "true": [id2label[int(labels[i])] for i in order],
            "predicted": [id2label[int(predicted[i])] for i in order],
            "confidence": probabilities[order, predicted[order]].round(3),
        }
    )
