"""Predict with a fine-tuned classifier: sorted by length, padded per batch, order restored.

>>> probs = predict_proba(model, tokenizer, ["what a lovely film", "dull"])  # doctest: +SKIP
>>> probs.shape  # doctest: +SKIP
(2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence

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
    """Class probabilities (softmax) for each text, in the order given.

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
    chunks = []
    starts = range(0, len(texts), batch_size)
    with torch.inference_mode():
        for start in tqdm(starts, desc="Predicting", disable=not show_progress):
            batch = [texts[i] for i in order[start:start + batch_size]]
            encoded = tokenizer(batch, padding=True, truncation=True, max_length=max_length,
                                return_tensors="pt").to(device)
            logits = model(**encoded).logits.float()
            chunks.append(torch.softmax(logits, dim=-1).cpu().numpy())
    sorted_probs = np.concatenate(chunks)
    probabilities = np.empty_like(sorted_probs)
    probabilities[order] = sorted_probs
    return probabilities


def predict_labels(model, tokenizer, texts: Sequence[str], **kwargs) -> list[str]:
    """The most probable label name for each text."""
    probabilities = predict_proba(model, tokenizer, texts, **kwargs)
    return [model.config.id2label[int(i)] for i in probabilities.argmax(axis=1)]
