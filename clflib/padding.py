"""What padding costs: padded tokens and training-step time of three batching strategies.

Taught in lesson 01.

- "max_length": every text padded to ``max_length`` (the classic tutorial recipe);
- "dynamic": each batch padded to its own longest text (random batches);
- "dynamic + length-grouped": texts of similar length batched together, then dynamic padding.

All three see the same examples in the same number of batches; only the shapes differ.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from clflib.data_checks import warn_if_truncated
from clflib.inference import length_sorted_batches

__all__ = ["STRATEGIES", "batch_shapes", "padding_cost"]

STRATEGIES = ("max_length", "dynamic", "dynamic + length-grouped")


def batch_shapes(
    lengths: Sequence[int], batch_size: int, max_length: int, strategy: str, seed: int = 0
) -> list[tuple[np.ndarray, int]]:
    """The batches a strategy makes: (indices, padded length) per batch.

    >>> [(ix.tolist(), L) for ix, L in batch_shapes([3, 9, 4, 8], 2, 16, "dynamic + length-grouped")]
    [([0, 2], 4), ([3, 1], 9)]
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown strategy {strategy!r}; choose one of {STRATEGIES}.")
    lengths = np.minimum(np.asarray(lengths), max_length)
    if strategy == "dynamic + length-grouped":
        groups = length_sorted_batches(lengths, batch_size)
    else:
        order = np.random.default_rng(seed).permutation(len(lengths))
        groups = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    batches = [(idx, max_length if strategy == "max_length" else int(lengths[idx].max())) for idx in groups]
    if strategy == "dynamic + length-grouped":  # shuffle the batches, not their contents
        shuffled = np.random.default_rng(seed).permutation(len(batches))
        batches = [batches[i] for i in shuffled]
    return batches


def padding_cost(
    model,
    tokenizer,
    texts: Sequence[str],
    labels: Sequence[int],
    batch_size: int = 32,
    max_length: int = 128,
    seed: int = 0,
    show_progress: bool = True,
) -> pd.DataFrame:
    """Time one training pass (forward, backward, no optimizer step) under each strategy.

    Returns a table with the tokens each strategy pushes through the model, the share of them
    that are padding, the seconds taken, and the speed-up over "max_length". Gradients are
    computed and thrown away, so the model's weights do not change. The model runs where it
    is (move it to the GPU first to time the GPU). Texts are cut at ``max_length`` tokens (a
    :class:`clflib.data_checks.TruncationWarning` when more than 5% are).

    ``model`` and ``tokenizer``: a sequence classifier and its tokenizer; ``texts`` and
    ``labels``: the examples timed, ``batch_size`` of them per step; ``seed`` orders the batches
    of the shuffled strategies; ``show_progress`` shows a progress bar.
    """
    from tqdm.auto import tqdm

    texts, labels = list(texts), np.asarray(labels)
    warn_if_truncated(tokenizer, texts, max_length, where="padding_cost")
    encoded = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    lengths = np.array([len(ids) for ids in encoded])
    real_tokens = int(lengths.sum())
    pad_id = tokenizer.pad_token_id
    device = next(model.parameters()).device
    was_training = model.training
    model.train()
    warm_up = tokenizer(texts[:2], padding=True, return_tensors="pt").to(device)
    model(**warm_up).logits.sum().backward()  # the first call pays one-off set-up costs
    model.zero_grad(set_to_none=True)
    rows = []
    progress = tqdm(
        total=len(STRATEGIES) * math.ceil(len(texts) / batch_size),
        desc="Timing padding strategies",
        disable=not show_progress,
    )
    for strategy in STRATEGIES:
        batches = batch_shapes(lengths, batch_size, max_length, strategy, seed)
        seconds = _time_training_pass(model, batches, encoded, labels, pad_id, progress)
        processed = sum(len(idx) * width for idx, width in batches)
        rows.append(
            {
                "strategy": strategy,
                "tokens_processed": processed,
                "padding_share": 1 - real_tokens / processed,
                "seconds": seconds,
            }
        )
    progress.close()
    model.train(was_training)
    table = pd.DataFrame(rows)
    table["speedup_vs_max_length"] = table["seconds"].iloc[0] / table["seconds"]
    return table


def _time_training_pass(model, batches, encoded, labels: np.ndarray, pad_id: int, progress) -> float:
    """Seconds for forward and backward over ``batches`` (row indices, padded width), weights
    untouched (gradients are dropped after each batch)."""
    import torch

    device = next(model.parameters()).device
    started = time.perf_counter()
    for idx, width in batches:
        ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
        for row, i in enumerate(idx):
            ids[row, : len(encoded[i])] = torch.tensor(encoded[i])
        mask = (ids != pad_id).long()
        out = model(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            labels=torch.tensor(labels[idx]).to(device),
        )
        out.loss.backward()
        model.zero_grad(set_to_none=True)
        progress.update()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started
