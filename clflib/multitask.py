"""One encoder, two heads: two classification tasks served by one forward pass (lesson 10).

A support message has an intent and a sentiment. Two separate fine-tuned models run the encoder
twice per message; a shared encoder with two linear heads runs it once. Training data need not
carry both labels: a row labelled for one task only has ``-100`` (:data:`NOT_LABELLED`) for the
other, and each head's loss averages over the rows labelled for it.

>>> import torch
>>> loss = two_head_loss(torch.zeros(2, 3), torch.zeros(2, 2), torch.tensor([0, -100]), torch.tensor([-100, -100]))
>>> round(loss.item(), 4)  # 0.5 x log(3) from the one intent label, 0 from sentiment (no labels here)
0.5493
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clflib.data_checks import count_tokens, warn_if_truncated
from clflib.embeddings import mean_pool
from clflib.inference import in_length_order
from clflib.models import load_encoder

__all__ = [
    "NOT_LABELLED",
    "two_head_loss",
    "TwoHeadClassifier",
    "epoch_order",
    "train_two_heads",
    "predict_two_heads",
]

NOT_LABELLED = -100


def _head_loss(logits, labels):
    import torch

    labelled = labels != NOT_LABELLED
    if not bool(labelled.any()):
        # no row of this batch is labelled for this task: it adds nothing (and no nan)
        return logits.sum() * 0.0
    return torch.nn.functional.cross_entropy(logits[labelled], labels[labelled])


def two_head_loss(logits_a, logits_b, labels_a, labels_b, weight_a: float = 0.5):
    """``weight_a`` x task A's loss + (1 - ``weight_a``) x task B's loss.

    Each is the mean cross-entropy over the rows labelled for that task (label ``-100``: not
    labelled); a task with no labelled row in the batch contributes 0 (the other task's loss
    keeps its weight, so such a batch takes a smaller step).
    """
    if not 0.0 <= weight_a <= 1.0:
        raise ValueError(f"weight_a must be between 0 and 1, got {weight_a}.")
    if len(logits_a) != len(labels_a) or len(logits_b) != len(labels_b):
        raise ValueError(
            f"one label per row: logits {len(logits_a)} / {len(logits_b)} rows, labels {len(labels_a)} / {len(labels_b)}."
        )
    return weight_a * _head_loss(logits_a, labels_a) + (1 - weight_a) * _head_loss(logits_b, labels_b)


def _build_module():
    import torch

    class TwoHeadClassifier(torch.nn.Module):
        """A pretrained encoder, mean pooling, and one linear head per task."""

        def __init__(self, encoder, num_labels_a: int, num_labels_b: int, dropout: float = 0.1) -> None:
            super().__init__()
            self.encoder = encoder
            hidden = encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(dropout)
            self.head_a = torch.nn.Linear(hidden, num_labels_a)
            self.head_b = torch.nn.Linear(hidden, num_labels_b)

        def forward(self, input_ids, attention_mask, **encoder_inputs):
            tokens = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **encoder_inputs)
            pooled = self.dropout(mean_pool(tokens.last_hidden_state, attention_mask))
            return self.head_a(pooled), self.head_b(pooled)

    return TwoHeadClassifier


def TwoHeadClassifier(model_name: str, num_labels_a: int, num_labels_b: int, dropout: float = 0.1):
    """A two-head classifier on the pretrained encoder ``model_name`` (a course alias or a path).

    ``model(input_ids, attention_mask)`` returns ``(logits_a, logits_b)``.
    """
    return _build_module()(load_encoder(model_name), num_labels_a, num_labels_b, dropout)


def epoch_order(lengths: Sequence[int], batch_size: int, rng, pool: int = 16) -> Any:
    """One epoch's row order, length-grouped: a random permutation, sorted by length within pools
    of ``pool`` batches, cut into batches whose order is shuffled. Every row once.

    >>> import numpy as np
    >>> order = epoch_order([5, 1, 4, 2, 3, 6], 2, np.random.default_rng(0))
    >>> sorted(order.tolist()), [sorted([5, 1, 4, 2, 3, 6][i] for i in order[k:k + 2]) for k in (0, 2, 4)]
    ([0, 1, 2, 3, 4, 5], [[1, 2], [3, 4], [5, 6]])
    """
    import numpy as np

    lengths = np.asarray(lengths)
    shuffled = rng.permutation(len(lengths))
    size = batch_size * pool
    pools = [shuffled[start : start + size] for start in range(0, len(shuffled), size)]
    grouped = np.concatenate([p[np.argsort(lengths[p], kind="stable")] for p in pools]) if pools else shuffled
    batches = [grouped[start : start + batch_size] for start in range(0, len(grouped), batch_size)]
    return np.concatenate([batches[i] for i in rng.permutation(len(batches))]) if batches else grouped


def _batches(tokenizer, texts, labels_a, labels_b, batch_size, max_length, order):
    import torch

    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        encoded = tokenizer(
            [texts[i] for i in rows],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        yield encoded, torch.tensor([labels_a[i] for i in rows]), torch.tensor([labels_b[i] for i in rows])


def train_two_heads(
    model,
    tokenizer,
    texts: Sequence[str],
    labels_a: Sequence[int],
    labels_b: Sequence[int],
    *,
    epochs: int = 3,
    learning_rate: float = 5e-5,
    batch_size: int = 32,
    weight_a: float = 0.5,
    max_length: int = 128,
    seed: int = 0,
    group_by_length: bool = True,
    head_learning_rate: float | None = None,
) -> list[float]:
    """Train ``model`` (a :func:`TwoHeadClassifier`) with AdamW on the mixed loss; returns the
    mean loss of each epoch. Rows not labelled for a task carry -100 for it.

    ``group_by_length`` batches texts of similar length together (each epoch: shuffle, sort
    within pools of 16 batches, shuffle the batches), as the course's Trainer does: the same
    rows each epoch, 2.3x fewer tokens through the encoder on the support inbox.
    ``head_learning_rate`` (e.g. 1e-2) trains the two new heads faster than the pretrained
    encoder, as ``clflib.training.make_trainer`` does for a single head. Texts longer than
    ``max_length`` tokens are cut; a :class:`clflib.data_checks.TruncationWarning` says how many
    when more than 5% are (once, before the first epoch)."""
    import numpy as np
    import torch

    texts, labels_a, labels_b = list(texts), list(labels_a), list(labels_b)  # by position, never by index
    if not len(texts) == len(labels_a) == len(labels_b):
        raise ValueError(
            f"texts, labels_a and labels_b differ in length: {len(texts)}, {len(labels_a)}, {len(labels_b)}."
        )
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    untruncated = count_tokens(tokenizer, texts)
    warn_if_truncated(tokenizer, texts, max_length, lengths=untruncated, where="train_two_heads")
    lengths = np.minimum(untruncated, max_length)  # what each batch holds after the cut
    heads = [p for name, p in model.named_parameters() if name.startswith(("head_a.", "head_b."))]
    body = [p for name, p in model.named_parameters() if not name.startswith(("head_a.", "head_b."))]
    optimiser = torch.optim.AdamW(
        [{"params": body}, {"params": heads, "lr": head_learning_rate or learning_rate}], lr=learning_rate
    )
    history = []
    model.train()
    for _ in range(epochs):
        losses = []
        order = epoch_order(lengths, batch_size, rng) if group_by_length else rng.permutation(len(texts))
        for encoded, batch_a, batch_b in _batches(
            tokenizer, texts, labels_a, labels_b, batch_size, max_length, order
        ):
            logits_a, logits_b = model(**encoded)
            loss = two_head_loss(logits_a, logits_b, batch_a, batch_b, weight_a)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        history.append(float(np.mean(losses)))
    model.eval()
    return history


def predict_two_heads(
    model, tokenizer, texts: Sequence[str], batch_size: int = 64, max_length: int = 128
) -> Any:
    """Predicted label ids for both tasks: ``(ids_a, ids_b)`` as numpy arrays, in the order of
    ``texts``; one forward pass per length-sorted batch (:func:`clflib.inference.in_length_order`).
    Texts longer than ``max_length`` tokens are cut (a :class:`clflib.data_checks.TruncationWarning`
    when more than 5% are, once per call)."""
    import numpy as np
    import torch

    texts = list(texts)
    if not texts:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    warn_if_truncated(tokenizer, texts, max_length, where="predict_two_heads")
    model.eval()

    def both_heads(batch: list[str]) -> np.ndarray:
        encoded = tokenizer(batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        with torch.inference_mode():
            logits_a, logits_b = model(**encoded)
        return np.stack([logits_a.argmax(-1).numpy(), logits_b.argmax(-1).numpy()], axis=1)

    ids = in_length_order(texts, batch_size, both_heads, show_progress=False)
    return ids[:, 0], ids[:, 1]
