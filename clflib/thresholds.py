"""Decision thresholds for multi-label classifiers: search them, apply them, ship them.

Taught in lesson 03.

A sigmoid score of 0.5 is only the right cut-off for a label if the model is calibrated *and*
false positives cost as much as false negatives; for rare labels neither holds. This module
tunes thresholds on validation data:

- :func:`best_global_threshold`: one cut-off for every label, chosen on a grid;
- :func:`best_label_thresholds`: one cut-off per label, each maximising that label's F1, found
  exactly and vectorised: sort each label's scores once, and a cumulative sum gives the true
  and false positives of every possible cut at once (no Python loop over cut points);
- :func:`apply_thresholds`, with a policy for texts where no label passes;
- :func:`save_thresholds` / :func:`load_thresholds`: the thresholds live in ``thresholds.json``
  beside the model's weights, and :func:`clflib.inference.load_classifier` reads them, so a
  model never ships with 0.5 by accident.

>>> targets = np.array([[1], [1], [0], [0]])
>>> scores = np.array([[0.9], [0.4], [0.3], [0.1]])
>>> best_label_thresholds(targets, scores, min_support=1).thresholds.round(2).tolist()
[0.35]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "THRESHOLDS_FILE",
    "DEFAULT_GRID",
    "f1_at_thresholds",
    "best_global_threshold",
    "threshold_curve",
    "LabelThresholds",
    "best_label_thresholds",
    "apply_thresholds",
    "save_thresholds",
    "SavedThresholds",
    "load_thresholds",
]

THRESHOLDS_FILE = "thresholds.json"
DEFAULT_GRID = np.round(np.arange(0.02, 0.981, 0.01), 2)


def _check(targets, scores) -> tuple[np.ndarray, np.ndarray]:
    targets = np.asarray(targets)
    scores = np.asarray(scores, dtype=np.float64)
    if targets.ndim != 2 or targets.shape != scores.shape:
        raise ValueError(
            f"targets and scores must be (texts, labels) arrays of the same shape, "
            f"got {targets.shape} and {scores.shape}."
        )
    if len(targets) == 0:
        raise ValueError("Cannot tune thresholds on zero texts.")
    if not np.isin(targets, (0, 1)).all():
        raise ValueError("targets must be multi-hot (0/1); see clflib.multilabel.multi_hot.")
    return targets.astype(bool), scores


def _f1(tp, predicted, positives):
    """F1 = 2 tp / (predicted + positives) from counts (any broadcastable arrays); 0 where both are 0."""
    denominator = predicted + positives
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def f1_at_thresholds(targets: np.ndarray, scores: np.ndarray, thresholds) -> np.ndarray:
    """Each label's F1 when predicting ``score >= threshold`` (one threshold per label, or one)."""
    targets, scores = _check(targets, scores)
    predictions = scores >= np.broadcast_to(np.asarray(thresholds, dtype=float), (scores.shape[1],))
    return _f1((predictions & targets).sum(axis=0), predictions.sum(axis=0), targets.sum(axis=0))


def best_global_threshold(
    targets: np.ndarray, scores: np.ndarray, average: str = "macro", grid: Sequence[float] = DEFAULT_GRID
) -> tuple[float, float]:
    """The single cut-off on ``grid`` maximising macro- (or micro-) F1. Returns (threshold, F1).

    All grid points are scored at once: a (grid, texts, labels) comparison, chunked so memory
    stays bounded.

    >>> best_global_threshold(np.array([[1, 0], [0, 1]]), np.array([[0.3, 0.1], [0.2, 0.25]]),
    ...                       grid=[0.1, 0.22, 0.5])
    (0.22, 1.0)
    """
    if average not in ("macro", "micro"):
        raise ValueError(f"average must be 'macro' or 'micro', got {average!r}.")
    targets, scores = _check(targets, scores)
    grid = np.asarray(grid, dtype=float)
    chunk = max(1, int(2e7 // max(1, scores.size)))
    positives = targets.sum(axis=0)
    f1s = []
    for start in range(0, len(grid), chunk):
        predictions = scores[None] >= grid[start : start + chunk, None, None]
        tp = (predictions & targets[None]).sum(axis=1)  # (grid points, labels)
        predicted = predictions.sum(axis=1)
        if average == "macro":
            f1s.append(_f1(tp, predicted, positives).mean(axis=1))
        else:
            f1s.append(_f1(tp.sum(axis=1), predicted.sum(axis=1), positives.sum()))
    f1s = np.concatenate(f1s)
    best = int(np.argmax(f1s))
    return float(grid[best]), float(f1s[best])


def threshold_curve(
    targets: Sequence[int], scores: Sequence[float], grid: Sequence[float] = DEFAULT_GRID
) -> pd.DataFrame:
    """Precision, recall and F1 of one label at every threshold on ``grid`` (one row each).

    >>> threshold_curve([1, 0, 1], [0.9, 0.6, 0.3], grid=[0.5]).round(3).values.tolist()
    [[0.5, 0.5, 0.5, 0.5, 2.0]]
    """
    import pandas as pd

    targets = np.asarray(targets).astype(bool).reshape(-1)
    scores = np.asarray(scores, dtype=float).reshape(-1)
    grid = np.asarray(grid, dtype=float)
    predictions = scores[None, :] >= grid[:, None]
    tp = (predictions & targets[None, :]).sum(axis=1)
    predicted = predictions.sum(axis=1)
    precision = np.where(predicted > 0, tp / np.maximum(predicted, 1), 0.0)
    recall = tp / max(1, targets.sum())
    f1 = _f1(tp, predicted, targets.sum())
    return pd.DataFrame(
        {
            "threshold": grid,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "predicted": predicted.astype(float),
        }
    )


@dataclass
class LabelThresholds:
    """Per-label thresholds and how each was chosen.

    ``validation_f1`` is each label's F1 on the tuning data at its threshold; ``tuned`` is False
    where a label had fewer than ``min_support`` positives and kept the fallback threshold.
    """

    thresholds: np.ndarray
    validation_f1: np.ndarray
    support: np.ndarray
    tuned: np.ndarray
    fallback_threshold: float


def best_label_thresholds(
    targets: np.ndarray, scores: np.ndarray, min_support: int = 5, fallback_threshold: float = 0.5
) -> LabelThresholds:
    """For every label, the cut-off that maximises its F1 on (``targets``, ``scores``).

    Exact and vectorised: each label's scores are sorted once (descending); predicting the top
    k texts positive gives tp = cumsum(targets)[k] and F1 = 2 tp / (k + positives) for every k at
    once. Only cuts between two different scores are valid (tied scores fall on the same side),
    and the threshold returned is the midpoint between the last score kept and the next one, so
    it does not sit on a validation score.

    The guard: a label with fewer than ``min_support`` positives cannot support a tuned
    threshold (with 2 positives, the "best" cut is whatever isolates those two texts, often
    absurdly high or low), so it keeps ``fallback_threshold`` (pass the tuned global threshold).
    """
    targets, scores = _check(targets, scores)
    n, num_labels = scores.shape
    order = np.argsort(-scores, axis=0, kind="stable")
    sorted_scores = np.take_along_axis(scores, order, axis=0)
    sorted_targets = np.take_along_axis(targets, order, axis=0)
    tp = np.cumsum(sorted_targets, axis=0)  # row k: true positives when the top k+1 are positive
    predicted = np.arange(1, n + 1)[:, None]
    positives = targets.sum(axis=0)
    f1 = 2 * tp / (predicted + positives[None, :])
    # A cut after row k is valid only if the next score is strictly lower (or k is the last row).
    valid = np.ones_like(f1, dtype=bool)
    valid[:-1] = sorted_scores[:-1] > sorted_scores[1:]
    f1 = np.where(valid, f1, -1.0)
    best = np.argmax(f1, axis=0)
    columns = np.arange(num_labels)
    kept = sorted_scores[best, columns]
    following = np.where(best + 1 < n, sorted_scores[np.minimum(best + 1, n - 1), columns], kept)
    thresholds = np.where(best + 1 < n, (kept + following) / 2, kept)
    best_f1 = np.maximum(f1[best, columns], 0.0)
    tuned = positives >= max(1, min_support)
    thresholds = np.where(tuned, thresholds, fallback_threshold)
    validation_f1 = np.where(tuned, best_f1, f1_at_thresholds(targets, scores, thresholds))
    return LabelThresholds(
        thresholds=thresholds,
        validation_f1=validation_f1,
        support=positives,
        tuned=tuned,
        fallback_threshold=float(fallback_threshold),
    )


def apply_thresholds(scores: np.ndarray, thresholds, fallback: str | int | None = None) -> np.ndarray:
    """0/1 predictions: ``score >= threshold`` per label, with a policy for empty rows.

    ``fallback``: None leaves a text with no label passing empty; ``"top"`` gives it the label
    closest to passing (highest score minus threshold); an int gives it that label id (e.g.
    "neutral").

    >>> apply_thresholds(np.array([[0.6, 0.2], [0.3, 0.35]]), [0.5, 0.4], fallback="top").tolist()
    [[1, 0], [0, 1]]
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2:
        raise ValueError(f"scores must be a (texts, labels) array, got shape {scores.shape}.")
    thresholds = np.asarray(thresholds, dtype=float)
    if thresholds.ndim == 1 and thresholds.shape[0] != scores.shape[1]:
        raise ValueError(f"{thresholds.shape[0]} thresholds for {scores.shape[1]} labels.")
    predictions = (scores >= thresholds).astype(int)
    empty = predictions.sum(axis=1) == 0
    if fallback is None or not empty.any():
        return predictions
    if isinstance(fallback, str):
        if fallback != "top":
            raise ValueError(f"fallback must be None, 'top' or a label id, got {fallback!r}.")
        choice = np.argmax(scores - thresholds, axis=1)
    else:
        if not 0 <= int(fallback) < scores.shape[1]:
            raise ValueError(f"fallback label id {fallback} is outside [0, {scores.shape[1]}).")
        choice = np.full(len(scores), int(fallback))
    predictions[np.flatnonzero(empty), choice[empty]] = 1
    return predictions


def save_thresholds(
    directory: str | Path,
    thresholds: Sequence[float],
    label_names: Sequence[str],
    fallback: str | int | None = None,
    note: str = "",
) -> Path:
    """Write ``thresholds.json`` into a saved model's folder (label names, thresholds, fallback).

    The label names are stored with the thresholds, so loading can check they still match the
    model's labels.
    """
    thresholds = [float(t) for t in np.asarray(thresholds, dtype=float).reshape(-1)]
    if len(thresholds) != len(label_names):
        raise ValueError(f"{len(thresholds)} thresholds for {len(label_names)} labels.")
    if not all(0.0 <= t <= 1.0 for t in thresholds):
        raise ValueError("thresholds are probabilities: every one must lie in [0, 1].")
    if isinstance(fallback, str) and fallback != "top":  # a label name becomes its id
        if fallback not in label_names:
            raise ValueError(f"fallback must be None, 'top', a label id or a label name; got {fallback!r}.")
        fallback = list(label_names).index(fallback)
    elif fallback is not None and fallback != "top":
        fallback = int(fallback)
    path = Path(directory) / THRESHOLDS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"label_names": list(label_names), "thresholds": thresholds, "fallback": fallback, "note": note}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


@dataclass
class SavedThresholds:
    """What :func:`load_thresholds` read: per-label thresholds and the empty-row policy."""

    label_names: list[str]
    thresholds: np.ndarray
    fallback: str | int | None
    note: str = ""


def _thresholds_problem(payload) -> str:
    """What is wrong with a thresholds.json payload ("" when nothing is).

    >>> _thresholds_problem({"label_names": ["a", "b"], "thresholds": [0.3, 1.5], "fallback": None})
    'thresholds[1] is 1.5: every threshold must be a number in [0, 1]'
    """
    if not isinstance(payload, dict):
        return f"expected a JSON object, found {type(payload).__name__}"
    names, values = payload.get("label_names"), payload.get("thresholds")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return "label_names must be a list of label names"
    if not isinstance(values, list) or len(values) != len(names):
        count = len(values) if isinstance(values, list) else "no list of"
        return f"{count} thresholds for {len(names)} label_names: there must be one per label"
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            return f"thresholds[{index}] is {value!r}: every threshold must be a number in [0, 1]"
    fallback = payload.get("fallback")
    valid = fallback is None or fallback == "top"
    valid = valid or (
        isinstance(fallback, int) and not isinstance(fallback, bool) and 0 <= fallback < len(names)
    )
    if not valid:
        return f'fallback is {fallback!r}: it must be null, "top" or a label id in [0, {len(names)})'
    return ""


def load_thresholds(
    directory: str | Path, label_names: Sequence[str] | None = None
) -> SavedThresholds | None:
    """Read ``thresholds.json`` from a model folder (None if there is none).

    With ``label_names`` (the model's labels, in id order), a mismatch raises a ValueError
    instead of silently applying thresholds to the wrong labels.
    """
    path = Path(directory) / THRESHOLDS_FILE
    if not path.exists():
        return None
    fix = "re-save it with clflib.thresholds.save_thresholds, or delete it to use 0.5 for every label"
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON ({error}); {fix}.") from None
    problem = _thresholds_problem(payload)
    if problem:
        raise ValueError(f"{path}: {problem}; {fix}.")
    saved = SavedThresholds(
        label_names=list(payload["label_names"]),
        thresholds=np.asarray(payload["thresholds"], dtype=float),
        fallback=payload.get("fallback"),
        note=payload.get("note", ""),
    )
    if label_names is not None and list(label_names) != saved.label_names:
        raise ValueError(
            f"{path} was saved for labels {saved.label_names[:5]}..., but the model "
            f"has {list(label_names)[:5]}...: re-tune the thresholds for this model."
        )
    return saved
