"""Predict with a fine-tuned classifier: sorted by length, padded per batch, order restored.

Taught in lessons 01 and 03; lesson 08 builds the serving Predictor on it.

>>> probs = predict_proba(model, tokenizer, ["what a lovely film", "dull"])  # doctest: +SKIP
>>> probs.shape  # doctest: +SKIP
(2, 2)
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clflib.data_checks import warn_if_truncated
from clflib.models import load_saved, model_label_names
from clflib.thresholds import apply_thresholds

__all__ = [
    "text_problem",
    "check_texts",
    "length_sorted_batches",
    "in_length_order",
    "scores_from_logits",
    "predict_proba",
    "load_classifier",
    "predict_label_sets",
]


def text_problem(text: object) -> str | None:
    """Why ``text`` cannot be classified, or None when it can.

    >>> [text_problem(t) for t in ["fine", None, float("nan"), 3, "  "]]
    [None, 'missing (None)', 'missing (NaN)', 'not a string (int)', 'empty or whitespace']
    >>> text_problem("\u200b\u200d\x07")  # zero-width and control characters only
    'no visible characters (control or zero-width only)'
    """
    if text is None:
        return "missing (None)"
    if not isinstance(text, str):
        if isinstance(text, float) and math.isnan(text):
            return "missing (NaN)"
        if type(text).__name__ in ("NAType", "NaTType"):
            return "missing (NA)"
        return f"not a string ({type(text).__name__})"
    if not text.strip():
        return "empty or whitespace"
    if not any(not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf") for char in text):
        return "no visible characters (control or zero-width only)"
    return None


def check_texts(texts: Sequence[str]) -> list[str]:
    """Validate a list of texts; say what is wrong instead of failing inside the tokenizer.

    >>> check_texts(["fine", None])
    Traceback (most recent call last):
    ...
    TypeError: Every text must be a string; item 1 is NoneType (None). 1 item(s) are not strings: drop or convert them first.
    """
    if isinstance(texts, str):
        raise TypeError("Pass a list of texts, e.g. [text], not a single string.")
    texts = list(texts)
    if not texts:
        raise ValueError("Got an empty list of texts: nothing to predict.")
    bad = [(i, t) for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        i, t = bad[0]
        raise TypeError(
            f"Every text must be a string; item {i} is {type(t).__name__} ({t!r}). "
            f"{len(bad)} item(s) are not strings: drop or convert them first."
        )
    empty = [i for i, t in enumerate(texts) if text_problem(t)]
    if empty:
        raise ValueError(
            f"{len(empty)} text(s) are {text_problem(texts[empty[0]])} (first at position "
            f"{empty[0]}): a classifier has nothing to read there. Drop them or replace them first."
        )
    return texts


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Indices grouped into batches of similar length (shortest first): the one place that sorts.

    Each batch then pads only to its own longest member. The sort is stable, so equal lengths
    keep their input order.

    >>> [b.tolist() for b in length_sorted_batches([5, 1, 3, 1], batch_size=2)]
    [[1, 3], [2, 0]]
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [order[start : start + batch_size] for start in range(0, len(order), int(batch_size))]


def in_length_order(
    texts: Sequence[str],
    batch_size: int,
    predict_batch: Callable[[list[str]], Any],
    show_progress: bool | None = None,
    desc: str = "Predicting",
    lengths: Sequence[int] | None = None,
) -> Any:
    """Run ``predict_batch`` on length-sorted batches of ``texts``; results in the input order.

    ``predict_batch`` gets a list of texts and returns one result per text: an array (rows are
    reassembled into one array) or a list of anything (reassembled into a list). A progress bar
    shows for more than 1,000 texts unless ``show_progress`` says otherwise. ``lengths`` sorts
    by other lengths than the texts' own (e.g. items that are sentence pairs).

    >>> in_length_order(["ccc", "a", "bb"], 2, lambda batch: [t.upper() for t in batch])
    ['CCC', 'A', 'BB']
    >>> in_length_order(["ccc", "a"], 1, lambda batch: np.array([[len(t)] for t in batch])).tolist()
    [[3], [1]]
    """
    from tqdm.auto import tqdm

    if show_progress is None:
        show_progress = len(texts) > 1000
    batches = length_sorted_batches([len(t) for t in texts] if lengths is None else lengths, batch_size)
    outputs = [
        predict_batch([texts[i] for i in batch])
        for batch in tqdm(batches, desc=desc, disable=not show_progress)
    ]
    order = np.concatenate(batches) if batches else np.zeros(0, dtype=int)
    if outputs and all(isinstance(out, np.ndarray) for out in outputs):
        in_sorted_order = np.concatenate(outputs)
        restored = np.empty_like(in_sorted_order)
        restored[order] = in_sorted_order
        return restored
    restored_list: list[Any] = [None] * len(texts)
    for position, result in zip(order, (item for out in outputs for item in out), strict=True):
        restored_list[position] = result
    return restored_list


def scores_from_logits(logits: np.ndarray, multi_label: bool) -> np.ndarray:
    """Softmax over the last axis, or one sigmoid per label when ``multi_label``.

    >>> scores_from_logits(np.array([[0.0, 0.0]]), multi_label=False).tolist()
    [[0.5, 0.5]]
    >>> scores_from_logits(np.array([[0.0, 2.0]]), multi_label=True).astype(float).round(3).tolist()
    [[0.5, 0.881]]
    """
    logits = np.asarray(logits, dtype=np.float32)
    if multi_label:
        return 0.5 * (1.0 + np.tanh(0.5 * logits))  # the sigmoid, without overflow warnings
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def predict_proba(
    model,
    tokenizer,
    texts: Sequence[str],
    batch_size: int = 64,
    max_length: int = 128,
    show_progress: bool | None = None,
    text_pairs: Sequence[str] | None = None,
) -> np.ndarray:
    """Class probabilities for each text (or sentence pair), in the order given.

    Softmax over the classes for a single-label model; one sigmoid per label for a model whose
    ``config.problem_type`` is "multi_label_classification" (rows then need not sum to 1).
    ``text_pairs`` gives each text a second sentence (lesson 05's hypotheses, with ``texts`` the
    premises): each pair is encoded together and truncated ``longest_first``.

    Texts (or pairs) longer than ``max_length`` tokens are cut; when more than 5% of them are, a
    :class:`clflib.data_checks.TruncationWarning` says how many, once per call.

    ``model`` and ``tokenizer`` are a sequence classifier and its tokenizer; ``batch_size`` texts
    go through the model at a time. Texts are sorted by length so each batch pads only to its own
    longest text, then the rows
    are put back in the input order. A progress bar shows for more than 1,000 texts unless
    ``show_progress`` says otherwise.
    """
    import torch

    texts = check_texts(texts)
    if text_pairs is not None:
        text_pairs = check_texts(text_pairs)
        if len(text_pairs) != len(texts):
            raise ValueError(
                f"{len(texts)} texts but {len(text_pairs)} text_pairs: give one second text per text."
            )
    warn_if_truncated(
        tokenizer,
        texts if text_pairs is None else list(zip(texts, text_pairs)),
        max_length,
        where="predict_proba",
    )
    device = next(model.parameters()).device
    model.eval()
    multi_label = getattr(model.config, "problem_type", None) == "multi_label_classification"

    def predict_batch(rows: list[int]) -> np.ndarray:
        first = [texts[i] for i in rows]
        second = None if text_pairs is None else [text_pairs[i] for i in rows]
        encoded = tokenizer(
            first, second, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
        ).to(device)
        with torch.inference_mode():
            logits = model(**encoded).logits.float().cpu().numpy()
        return scores_from_logits(logits, multi_label)

    lengths = [len(t) + (0 if text_pairs is None else len(text_pairs[i])) for i, t in enumerate(texts)]
    return in_length_order(list(range(len(texts))), batch_size, predict_batch, show_progress, lengths=lengths)


def load_classifier(directory: str | Path):
    """A saved classifier folder as ``(model, tokenizer, thresholds)``, through
    :func:`clflib.models.load_saved` (which checks the folder and reads the thresholds).

    ``thresholds`` is the folder's ``thresholds.json`` (None for a single-label model saved
    without one). A multi-label model saved without thresholds raises, rather than silently
    predicting at 0.5; a token classifier is for :class:`clflib.serving.predictor.Predictor`.
    """
    saved = load_saved(directory)
    if saved.task == "token_classification":
        raise ValueError(
            f"{directory} holds a token classifier (lesson 04): load it with "
            "clflib.serving.predictor.Predictor.from_folder, which joins its tags into spans."
        )
    return saved.model, saved.tokenizer, saved.thresholds


def predict_label_sets(model, tokenizer, texts: Sequence[str], saved_thresholds, **kwargs) -> list[list[str]]:
    """The label names whose score passes its threshold, per text (multi-label models).

    ``saved_thresholds`` comes from :func:`load_classifier`; its fallback decides what a text
    with no label passing gets (nothing, the label closest to passing, or a fixed label).
    """
    if saved_thresholds is None:
        raise ValueError("predict_label_sets needs thresholds; see clflib.thresholds.")
    names = model_label_names(model)
    if list(saved_thresholds.label_names) != names:
        raise ValueError("these thresholds were saved for other labels than the model's.")
    scores = predict_proba(model, tokenizer, texts, **kwargs)
    decisions = apply_thresholds(scores, saved_thresholds.thresholds, saved_thresholds.fallback)
    return [[names[j] for j in np.flatnonzero(row)] for row in decisions]
