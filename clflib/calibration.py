"""Are the probabilities honest? Reliability tables, expected calibration error, temperature scaling.

Taught in lesson 08.

A threshold such as "send to a person below 0.8" only means something if, among texts scored
0.8, about 80% are right. Fine-tuned transformers tend to be over-confident (Guo et al. 2017,
"On Calibration of Modern Neural Networks", ICML). Temperature scaling divides every logit by
one number T fitted on validation data (T > 1 softens the probabilities); the predicted label
never changes, only how sure the model claims to be.

>>> import numpy as np
>>> logits = np.array([[4.0, 0.0], [3.0, 0.0], [0.0, 5.0], [2.0, 0.0]])
>>> labels = np.array([0, 1, 1, 0])          # the second text is a confident mistake
>>> temperature = fit_temperature(logits, labels)
>>> bool(temperature > 1)                    # over-confident, so the fit softens
True
>>> probabilities = softmax_with_temperature(logits, temperature)
>>> bool((probabilities.argmax(1) == logits.argmax(1)).all())  # labels never change
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "reliability_table",
    "expected_calibration_error",
    "softmax_with_temperature",
    "negative_log_likelihood",
    "fit_temperature",
    "calibration_summary",
]


def _check(probabilities: np.ndarray, labels: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    probabilities = np.asarray(probabilities, dtype=float)
    labels = np.asarray(labels)
    if probabilities.ndim != 2 or probabilities.shape[1] < 2:
        raise ValueError(
            f"probabilities must be a (texts, classes) array with at least two "
            f"classes, got shape {probabilities.shape}."
        )
    if len(probabilities) != len(labels) or len(labels) == 0:
        raise ValueError(
            f"need one label per row of probabilities and at least one row; got "
            f"{len(probabilities)} rows and {len(labels)} labels."
        )
    if labels.min() < 0 or labels.max() >= probabilities.shape[1]:
        raise ValueError(f"labels must be class indices in [0, {probabilities.shape[1] - 1}].")
    if not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "each row of probabilities must sum to 1: pass softmax probabilities, "
            "not logits (see softmax_with_temperature)."
        )
    return probabilities, labels


def reliability_table(probabilities: np.ndarray, labels: Sequence[int], bins: int = 10) -> pd.DataFrame:
    """Texts grouped by their top probability into equal-width bins: confidence vs accuracy.

    Columns: ``lower``, ``upper``, ``count``, ``confidence`` (mean top probability) and
    ``accuracy`` (share of those texts predicted right). Empty bins are left out.

    >>> table = reliability_table(np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]]), [0, 1, 1], bins=5)
    >>> table[["count", "confidence", "accuracy"]].round(2).values.tolist()
    [[2.0, 0.75, 0.5], [1.0, 0.9, 1.0]]
    """
    probabilities, labels = _check(probabilities, labels)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    rows = [
        {
            "lower": edges[b],
            "upper": edges[b + 1],
            "count": int((which == b).sum()),
            "confidence": float(confidence[which == b].mean()),
            "accuracy": float(correct[which == b].mean()),
        }
        for b in range(bins)
        if (which == b).any()
    ]
    return pd.DataFrame(rows, columns=["lower", "upper", "count", "confidence", "accuracy"])


def expected_calibration_error(probabilities: np.ndarray, labels: Sequence[int], bins: int = 15) -> float:
    """ECE: the gap |accuracy - confidence| per bin, weighted by the share of texts in the bin.

    0 is perfectly calibrated. Equal-width bins on the top probability (Naeini et al. 2015;
    15 bins as in Guo et al. 2017).

    >>> round(expected_calibration_error(np.array([[0.9, 0.1], [0.9, 0.1]]), [0, 1], bins=10), 3)
    0.4
    """
    table = reliability_table(probabilities, labels, bins)
    weights = table["count"] / table["count"].sum()
    return float((weights * (table["accuracy"] - table["confidence"]).abs()).sum())


def softmax_with_temperature(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of ``logits / temperature``, computed stably."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}.")
    scaled = np.asarray(logits, dtype=float) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def negative_log_likelihood(logits: np.ndarray, labels: Sequence[int], temperature: float = 1.0) -> float:
    """Mean cross-entropy of the labels under ``softmax(logits / temperature)``."""
    probabilities = softmax_with_temperature(logits, temperature)
    picked = probabilities[np.arange(len(probabilities)), np.asarray(labels)]
    return float(-np.log(np.clip(picked, 1e-12, None)).mean())


def fit_temperature(
    logits: np.ndarray, labels: Sequence[int], bounds: tuple[float, float] = (0.05, 20.0)
) -> float:
    """The temperature that minimises the negative log-likelihood of held-out (validation) labels.

    Fit it on validation data, never on the test split you report. One scalar, found by a
    bounded search on log T (the loss is smooth and has one minimum in T).
    """
    from scipy.optimize import minimize_scalar

    logits = np.asarray(logits, dtype=float)
    _check(softmax_with_temperature(logits), labels)
    low, high = np.log(bounds[0]), np.log(bounds[1])
    result = minimize_scalar(
        lambda log_t: negative_log_likelihood(logits, labels, np.exp(log_t)),
        bounds=(low, high),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(np.exp(result.x))


def calibration_summary(
    logits: np.ndarray, labels: Sequence[int], temperature: float, bins: int = 15
) -> pd.DataFrame:
    """Accuracy, NLL and ECE before and after temperature scaling, one row each."""
    rows = []
    for name, t in (
        ("as trained (T = 1)", 1.0),
        (f"temperature scaled (T = {temperature:.2f})", temperature),
    ):
        probabilities = softmax_with_temperature(logits, t)
        rows.append(
            {
                "probabilities": name,
                "accuracy": float((probabilities.argmax(1) == np.asarray(labels)).mean()),
                "nll": negative_log_likelihood(logits, labels, t),
                "ece": expected_calibration_error(probabilities, labels, bins),
                "mean_confidence": float(probabilities.max(1).mean()),
            }
        )
    return pd.DataFrame(rows).set_index("probabilities")
