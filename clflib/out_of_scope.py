"""Reject inputs the classifier was not trained for, by thresholding its confidence.

Taught in lesson 02.

An intent router trained on known intents still answers every query with one of them. The
simplest guard: when the top softmax probability is below a threshold chosen on validation,
answer "out of scope" instead. Raising the threshold catches more out-of-scope queries (recall)
and wrongly rejects more in-scope ones (in-scope accuracy falls): a trade-off to choose.

>>> import numpy as np
>>> sweep = rejection_sweep(np.array([[0.9, 0.1], [0.55, 0.45]]), [0, 0], [False, True], [0.6])
>>> sweep[["in_scope_accuracy", "oos_recall"]].values.tolist()
[[1.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["rejection_sweep", "choose_threshold"]


def rejection_sweep(
    probabilities: np.ndarray,
    labels: Sequence[int],
    out_of_scope: Sequence[bool],
    thresholds: Sequence[float] | None = None,
) -> pd.DataFrame:
    """In-scope accuracy and out-of-scope recall at each threshold.

    ``labels`` hold the true class of in-scope examples (anything for out-of-scope ones);
    ``out_of_scope`` marks the examples that should be rejected. In-scope accuracy counts an
    in-scope example as correct only when it is kept and classified right.
    """
    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    out_of_scope = np.asarray(out_of_scope, dtype=bool)
    if not out_of_scope.any() or out_of_scope.all():
        raise ValueError("the sweep needs both in-scope and out-of-scope examples.")
    if thresholds is None:
        thresholds = np.round(np.linspace(0.0, 0.99, 100), 2)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    rows = []
    for t in thresholds:
        kept = confidence >= t
        rows.append(
            {
                "threshold": float(t),
                "in_scope_accuracy": float((kept & correct)[~out_of_scope].mean()),
                "oos_recall": float((~kept)[out_of_scope].mean()),
                "in_scope_rejected": float((~kept)[~out_of_scope].mean()),
            }
        )
    return pd.DataFrame(rows)


def choose_threshold(sweep: pd.DataFrame, min_in_scope_accuracy: float | None = None) -> float:
    """The threshold with the best mean of in-scope accuracy and out-of-scope recall.

    With ``min_in_scope_accuracy``, only thresholds keeping in-scope accuracy at or above it are
    considered (a product decision: how many real requests may we turn away?). Ties go to the
    lowest threshold.
    """
    candidates = sweep
    if min_in_scope_accuracy is not None:
        candidates = sweep[sweep["in_scope_accuracy"] >= min_in_scope_accuracy]
        if candidates.empty:
            raise ValueError(
                f"No threshold keeps in-scope accuracy >= {min_in_scope_accuracy}; the best is "
                f"{sweep['in_scope_accuracy'].max():.3f}."
            )
    balanced = (candidates["in_scope_accuracy"] + candidates["oos_recall"]) / 2
    return float(candidates.loc[balanced.idxmax(), "threshold"])
