"""Classification metrics with scikit-learn (no ``evaluate.load``: it needs the Hub).

>>> m = classification_metrics([0, 1, 1, 0], [0, 1, 0, 0])
>>> round(m["accuracy"], 2), round(m["f1"], 2)
(0.75, 0.67)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def classification_metrics(labels: Sequence[int], predictions: Sequence[int],
                           average: str = "binary", positive_label: int = 1) -> dict[str, float]:
    """Accuracy, precision, recall and F1.

    ``average="binary"`` scores the class ``positive_label`` (two classes only); "macro" gives
    every class the same weight; "weighted" weights classes by their support.
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.shape != predictions.shape:
        raise ValueError(
            f"labels and predictions differ in shape: {labels.shape} vs {predictions.shape}."
        )
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


def majority_baseline(train_labels: Sequence[int], test_labels: Sequence[int],
                      average: str = "binary") -> dict[str, float]:
    """Metrics of always predicting the most frequent training label: the floor to beat."""
    majority = int(np.bincount(np.asarray(train_labels)).argmax())
    predictions = np.full(len(test_labels), majority)
    return classification_metrics(test_labels, predictions, average=average)


def confusion(labels: Sequence[int], predictions: Sequence[int], num_labels: int) -> np.ndarray:
    """Confusion matrix with rows = true label, columns = predicted label, every label present."""
    return confusion_matrix(labels, predictions, labels=list(range(num_labels)))
