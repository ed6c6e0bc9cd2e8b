"""Losses for imbalanced classes: class weights, weighted cross-entropy, focal loss.

Taught in lessons 02 (class weights, focal loss) and 03 (focal BCE).

Class-weight strategies, each normalised so the weights average 1 over the classes. PyTorch's
weighted cross-entropy is a weighted *mean*, sum(w_y * loss) / sum(w_y), in which any constant
factor cancels; normalising matters where the weights are applied without that denominator (a
plain mean of w_y * loss, or weights passed to a sampler) and makes schemes comparable:

- ``"inverse"``: w_c ∝ 1 / n_c, every class contributes equally in expectation;
- ``"sqrt_inverse"``: w_c ∝ 1 / sqrt(n_c), a softer version;
- ``"effective_number"``: w_c ∝ (1 - β) / (1 - β^n_c), Cui et al. 2019 ("Class-Balanced Loss
  Based on Effective Number of Samples", CVPR): extra examples of a class add less and less new
  information, so large classes are discounted less harshly than by 1/n. The effective number
  (1 - β^n) / (1 - β) is close to n while n is small next to 1 / (1 - β), and levels off at
  1 / (1 - β) beyond it: with β = 0.999 and classes of at most 100 examples it is nearly 1/n.

>>> class_weights([10, 10, 10], "inverse").round(6).tolist()
[1.0, 1.0, 1.0]
>>> [round(w, 3) for w in class_weights([90, 10], "inverse").tolist()]
[0.2, 1.8]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "WEIGHT_STRATEGIES",
    "class_counts",
    "class_weights",
    "weighted_cross_entropy",
    "focal_loss",
    "focal_binary_loss",
    "LOSS_KINDS",
    "make_loss",
]

WEIGHT_STRATEGIES = ("inverse", "sqrt_inverse", "effective_number")


def class_counts(labels: Sequence[int], num_classes: int) -> np.ndarray:
    """Examples per class, zeros included for classes with none.

    >>> class_counts([0, 2, 2], 4).tolist()
    [1, 0, 2, 0]
    """
    labels = np.asarray(labels, dtype=int)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}), got {labels.min()}..{labels.max()}.")
    return np.bincount(labels, minlength=num_classes)


def class_weights(counts: Sequence[int], strategy: str = "inverse", beta: float = 0.999) -> np.ndarray:
    """Per-class loss weights from class counts, normalised to mean 1.

    A class with no examples gets weight 0 (it never appears in the loss anyway) and is left out
    of the mean.
    """
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 1 or counts.size < 2:
        raise ValueError("counts must be a 1-D sequence with one count per class (at least two).")
    if (counts < 0).any():
        raise ValueError("class counts cannot be negative.")
    present = counts > 0
    if not present.any():
        raise ValueError("every class count is zero: no weights can be computed.")
    raw = np.zeros_like(counts)
    if strategy == "inverse":
        raw[present] = 1.0 / counts[present]
    elif strategy == "sqrt_inverse":
        raw[present] = 1.0 / np.sqrt(counts[present])
    elif strategy == "effective_number":
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"beta must lie in [0, 1), got {beta}.")
        raw[present] = (1.0 - beta) / (1.0 - np.power(beta, counts[present]))
    else:
        raise ValueError(f"Unknown strategy {strategy!r}; choose one of {WEIGHT_STRATEGIES}.")
    return raw / raw[present].mean()


def weighted_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor | None = None
) -> torch.Tensor:
    """Cross-entropy where each example counts with its class's weight (a weighted mean).

    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 1.0]]); labels = torch.tensor([0, 1])
    >>> bool(torch.isclose(weighted_cross_entropy(logits, labels), F.cross_entropy(logits, labels)))
    True
    """
    if weights is not None:
        weights = weights.to(device=logits.device, dtype=logits.dtype)
    return F.cross_entropy(logits, labels, weight=weights)


def focal_loss(
    logits: torch.Tensor, labels: torch.Tensor, gamma: float = 2.0, alpha: torch.Tensor | None = None
) -> torch.Tensor:
    """Multi-class focal loss (Lin et al. 2017): cross-entropy scaled by (1 - p_true)^gamma.

    Well-classified examples (p_true near 1) are down-weighted, so the gradient concentrates on
    hard ones. ``gamma=0`` with no ``alpha`` is exactly cross-entropy. ``alpha`` (optional,
    one weight per class) weights examples by their class, as in weighted cross-entropy; the
    result is a mean weighted the same way.
    """
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma}.")
    log_probs = F.log_softmax(logits.float(), dim=-1)
    log_p_true = log_probs.gather(1, labels.unsqueeze(1)).squeeze(1)
    p_true = log_p_true.exp()
    per_example = -((1.0 - p_true) ** gamma) * log_p_true
    if alpha is None:
        return per_example.mean()
    example_weights = alpha.to(device=logits.device, dtype=per_example.dtype)[labels]
    return (example_weights * per_example).sum() / example_weights.sum()


def focal_binary_loss(
    logits: torch.Tensor, targets: torch.Tensor, gamma: float = 2.0, alpha: float | None = None
) -> torch.Tensor:
    """Focal loss for multi-label (one sigmoid per label), the binary form of Lin et al. 2017.

    Each (text, label) term is binary cross-entropy scaled by (1 - p_t)^gamma, where p_t is the
    probability given to the right answer for that label. ``alpha`` (optional, in (0, 1))
    weights positive terms by alpha and negative ones by 1 - alpha. With ``gamma=0`` and no
    ``alpha`` it is exactly ``binary_cross_entropy_with_logits`` (a mean over every term).

    >>> z = torch.tensor([[2.0, -1.0]]); y = torch.tensor([[1.0, 0.0]])
    >>> bool(torch.isclose(focal_binary_loss(z, y, gamma=0.0), F.binary_cross_entropy_with_logits(z, y)))
    True
    """
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma}.")
    if alpha is not None and not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1) or be None, got {alpha}.")
    logits, targets = logits.float(), targets.to(dtype=torch.float32, device=logits.device)
    if logits.shape != targets.shape:
        raise ValueError(
            f"logits {tuple(logits.shape)} and multi-hot targets "
            f"{tuple(targets.shape)} must have the same shape."
        )
    log_p = F.logsigmoid(logits)  # log P(label present), stable for large |logits|
    log_not_p = F.logsigmoid(-logits)
    log_p_t = targets * log_p + (1 - targets) * log_not_p
    per_term = -((1.0 - log_p_t.exp()) ** gamma) * log_p_t
    if alpha is not None:
        per_term = per_term * (targets * alpha + (1 - targets) * (1 - alpha))
    return per_term.mean()


LOSS_KINDS = ("cross_entropy", "focal", "bce", "focal_bce")


def make_loss(
    kind: str = "cross_entropy",
    weights: Sequence[float] | None = None,
    gamma: float = 2.0,
    alpha: float | None = None,
) -> Callable:
    """A ``compute_loss_func`` for the transformers Trainer: ``(outputs, labels, n) -> loss``.

    Single-label: ``kind`` "cross_entropy" (``weights`` optional: weighted cross-entropy) or
    "focal" (``weights`` used as per-class alpha). Multi-label (multi-hot float labels): "bce"
    or "focal_bce" (``gamma``, optional scalar ``alpha``). The loss is a mean over the batch;
    the Trainer does not rescale a custom loss for gradient accumulation, and the course trains
    without accumulation.
    """
    if kind not in LOSS_KINDS:
        raise ValueError(f"Unknown loss {kind!r}; choose one of {LOSS_KINDS}.")
    if weights is not None and kind in ("bce", "focal_bce"):
        raise ValueError(f"{kind!r} takes a scalar alpha, not per-class weights.")
    tensor = None if weights is None else torch.as_tensor(np.asarray(weights), dtype=torch.float32)

    def compute_loss(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs.logits
        if kind == "focal":
            return focal_loss(logits, labels, gamma=gamma, alpha=tensor)
        if kind == "bce":
            return focal_binary_loss(logits, labels, gamma=0.0)
        if kind == "focal_bce":
            return focal_binary_loss(logits, labels, gamma=gamma, alpha=alpha)
        return weighted_cross_entropy(logits, labels, tensor)

    compute_loss.kind, compute_loss.weights, compute_loss.gamma = kind, tensor, gamma
    compute_loss.alpha = alpha
    return compute_loss
