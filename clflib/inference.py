"""Predict with a fine-tuned classifier: sorted by length, padded per batch, order restored.

>>> probs = predict_proba(model, tokenizer, ["what a lovely film", "dull"])  # doctest: +SKIP
>>> probs.shape  # doctest: +SKIP
(2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def check_texts(texts: Sequence[str]) -> list[str]:
    """Validate a list of texts; say what is wrong instead of failing inside the tokenizer."""
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
    empty = [i for i, t in enumerate(texts) if not t.strip()]
    if empty:
        raise ValueError(
            f"{len(empty)} text(s) are empty or whitespace (first at position {empty[0]}): "
            f"a classifier has nothing to read there. Drop them or replace them first."
        )
    return texts


def predict_proba(model, tokenizer, texts: Sequence[str], batch_size: int = 64,
                  max_length: int = 128, show_progress: bool | None = None) -> np.ndarray:
    """Class probabilities for each text, in the order given.

    Softmax over the classes for a single-label model; one sigmoid per label for a model whose
    ``config.problem_type`` is "multi_label_classification" (rows then need not sum to 1).

    Texts are sorted by length so each batch pads only to its own longest text, then the rows
    are put back in the input order. A progress bar shows for more than 1,000 texts unless
    ``show_progress`` says otherwise.
    """
    import torch
    from tqdm.auto import tqdm

    texts = check_texts(texts)
    if show_progress is None:
        show_progress = len(texts) > 1000
    order = np.argsort([len(t) for t in texts], kind="stable")
    device = next(model.parameters()).device
    model.eval()
    multi_label = getattr(model.config, "problem_type", None) == "multi_label_classification"
    chunks = []
    starts = range(0, len(texts), batch_size)
    with torch.inference_mode():
        for start in tqdm(starts, desc="Predicting", disable=not show_progress):
            batch = [texts[i] for i in order[start:start + batch_size]]
            encoded = tokenizer(batch, padding=True, truncation=True, max_length=max_length,
                                return_tensors="pt").to(device)
            logits = model(**encoded).logits.float()
            scores = torch.sigmoid(logits) if multi_label else torch.softmax(logits, dim=-1)
            chunks.append(scores.cpu().numpy())
    sorted_probs = np.concatenate(chunks)
    probabilities = np.empty_like(sorted_probs)
    probabilities[order] = sorted_probs
    return probabilities


def predict_labels(model, tokenizer, texts: Sequence[str], **kwargs) -> list[str]:
    """The most probable label name for each text."""
    probabilities = predict_proba(model, tokenizer, texts, **kwargs)
    return [model.config.id2label[int(i)] for i in probabilities.argmax(axis=1)]


def load_classifier(directory: str | Path):
    """A saved classifier folder as ``(model, tokenizer, thresholds)``.

    ``thresholds`` is what :func:`clflib.thresholds.load_thresholds` read from the folder's
    ``thresholds.json`` (None for a single-label model). A multi-label model saved without
    thresholds raises, rather than silently predicting at 0.5.
    """
    from clflib import resources, thresholds

    directory = Path(directory)
    if not resources.is_model_folder(directory):
        raise FileNotFoundError(f"{directory} holds no saved model (no config.json); save one "
                                f"with trainer.save_model(folder) or model.save_pretrained(folder).")
    model = resources.load_sequence_classifier(str(directory))
    tokenizer = resources.load_tokenizer(str(directory))
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    saved = thresholds.load_thresholds(directory, names)
    if saved is None and model.config.problem_type == "multi_label_classification":
        raise FileNotFoundError(
            f"{directory} holds a multi-label model but no {thresholds.THRESHOLDS_FILE}: tune "
            f"thresholds on validation data and save them with clflib.thresholds.save_thresholds, "
            f"so the model does not ship with 0.5 by accident.")
    return model, tokenizer, saved


def predict_label_sets(model, tokenizer, texts: Sequence[str], saved_thresholds,
                       **kwargs) -> list[list[str]]:
    """The label names whose score passes its threshold, per text (multi-label models).

    ``saved_thresholds`` comes from :func:`load_classifier`; its fallback decides what a text
    with no label passing gets (nothing, the label closest to passing, or a fixed label).
    """
    from clflib.thresholds import apply_thresholds

    if saved_thresholds is None:
        raise ValueError("predict_label_sets needs thresholds; see clflib.thresholds.")
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    if list(saved_thresholds.label_names) != names:
        raise ValueError("these thresholds were saved for other labels than the model's.")
    scores = predict_proba(model, tokenizer, texts, **kwargs)
    decisions = apply_thresholds(scores, saved_thresholds.thresholds, saved_thresholds.fallback)
    return [[names[j] for j in np.flatnonzero(row)] for row in decisions]
