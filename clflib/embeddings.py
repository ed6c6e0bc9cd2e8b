"""Sentence embeddings from the backbone: mean pooling over tokens, as a sentence encoder does.

Taught in lesson 05 (the bi-encoder: premise and hypothesis embedded separately); any lesson that
compares texts by meaning can use it.

all-MiniLM-L6-v2 was trained as a sentence embedder: a sentence's embedding is the mean of its
token vectors (padding left out), scaled to length 1, so the dot product of two embeddings is
their cosine similarity. :func:`embed` does that over many texts, fast: each distinct text is
embedded once, and texts are batched by length so a batch pads little.

>>> vectors = embed(["A dog runs.", "A dog runs.", "A cat sleeps."], "minilm-l2")
>>> vectors.shape, round(float(vectors[0] @ vectors[1]), 4)
((3, 384), 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clflib.data_checks import count_tokens, warn_if_truncated
from clflib.inference import check_texts, in_length_order
from clflib.models import load_encoder, load_tokenizer

__all__ = ["mean_pool", "embed"]


def mean_pool(token_vectors, attention_mask):
    """The mean of each sequence's token vectors, padding left out (torch tensors in and out).

    ``token_vectors`` is (batch, tokens, hidden), ``attention_mask`` (batch, tokens) with 1 for
    real tokens.
    """
    mask = attention_mask.unsqueeze(-1).to(token_vectors.dtype)
    return (token_vectors * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


def embed(
    texts: Sequence[str],
    model_name: str = "minilm",
    *,
    batch_size: int = 128,
    max_length: int = 128,
    normalize: bool = True,
    device=None,
    model=None,
    tokenizer=None,
    show_progress: bool | None = None,
) -> np.ndarray:
    """One embedding per text, in the order given: a float32 array (len(texts), hidden size).

    Each distinct text is embedded once; batches are formed from texts of similar length.
    ``normalize`` scales each vector to length 1 (dot product = cosine similarity);
    ``batch_size`` texts go through the model at a time, on ``device`` (default: wherever the
    model already is); ``show_progress`` shows a progress bar (default: for more than
    1,000 texts). Pass
    ``model`` and ``tokenizer`` to reuse loaded ones (the model's ``base_model`` is used, so a
    sequence classifier's body works too); else ``model_name`` is loaded
    (:func:`clflib.models.load_encoder`). A missing or empty text raises, naming its position.
    A text longer than ``max_length`` tokens is embedded from its first ``max_length`` tokens;
    when more than 5% of the texts are, a :class:`clflib.data_checks.TruncationWarning` says how
    many (once per call).
    """
    import torch

    texts = check_texts(texts)
    tokenizer = tokenizer if tokenizer is not None else load_tokenizer(model_name)
    body = getattr(model, "base_model", model) if model is not None else load_encoder(model_name)
    body.eval()
    if device is not None:
        body.to(device)

    def embed_batch(batch: list[str]) -> np.ndarray:
        encoded = tokenizer(batch, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
        with torch.inference_mode():
            pooled = mean_pool(body(**encoded.to(body.device)).last_hidden_state, encoded["attention_mask"])
            if normalize:
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return pooled.float().cpu().numpy()

    distinct = list(dict.fromkeys(texts))  # each text once: NLI premises come three times
    index = {text: i for i, text in enumerate(distinct)}
    positions = [index[text] for text in texts]
    # untruncated lengths, each distinct text tokenized once; counted over every text given
    lengths = count_tokens(tokenizer, distinct)[positions]
    warn_if_truncated(tokenizer, texts, max_length, lengths=lengths, where="embed")
    vectors = in_length_order(distinct, batch_size, embed_batch, show_progress, desc="Embedding")
    return vectors[positions]
