"""Which weights train: the head only, the top layers, LoRA adapters, or all of them (lesson 10).

Full fine-tuning updates every weight. The cheaper routes freeze most of the pretrained body:

- ``"head"``: only the new classification head (and BERT's pooler, the dense layer that feeds
  it: the sentence embedder never trained it for classification);
- ``"top-<k>"``: the head plus the top ``k`` encoder layers; embeddings and lower layers frozen;
- ``"lora"``: the body frozen, small low-rank adapters added beside the attention projections
  (the ``peft`` library), plus the head;
- ``"full"``: everything.

Each returns the model to train; :func:`count_parameters` says how many weights train.

>>> from clflib.models import load_sequence_classifier
>>> model = adapt(load_sequence_classifier("minilm-l2", ["a", "b"]), "head")
>>> count_parameters(model)["trainable"] < count_parameters(model)["total"] // 10
True
"""

from __future__ import annotations

import re
from typing import Any

from clflib.training import HEAD_MODULES, is_head_parameter

__all__ = [
    "ADAPTATIONS",
    "count_parameters",
    "encoder_layer_count",
    "freeze_below",
    "add_lora",
    "adapt",
    "merged",
]

ADAPTATIONS = ("head", "top-<k>", "lora", "full")

# The pooler feeds BERT's classifier; it trains with the head.
_HEAD_EXTRA = ("pooler",)
_LAYER = re.compile(r"\.encoder\.layer\.(\d+)\.")


def count_parameters(model) -> dict[str, Any]:
    """Trainable and total parameter counts of a torch model, and the trainable share.

    >>> import torch
    >>> layer = torch.nn.Linear(3, 2)
    >>> _ = layer.bias.requires_grad_(False)
    >>> count_parameters(layer)
    {'trainable': 6, 'total': 8, 'share': 0.75}
    """
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"trainable": trainable, "total": total, "share": trainable / total if total else 0.0}


def encoder_layer_count(model) -> int:
    """How many transformer layers the encoder has (read from the parameter names)."""
    layers = {int(m.group(1)) for name, _ in model.named_parameters() if (m := _LAYER.search(name))}
    if not layers:
        raise ValueError(
            f"{type(model).__name__} has no parameters named like '<body>.encoder.layer.<i>.': "
            "freeze_below knows BERT-style encoders only."
        )
    return max(layers) + 1


def _is_head(name: str) -> bool:
    return is_head_parameter(name) or any(f"{part}." in name for part in _HEAD_EXTRA)


def freeze_below(model, trainable_layers: int):
    """Freeze the embeddings and every encoder layer below the top ``trainable_layers``.

    The head (and pooler) always train; ``trainable_layers=0`` trains the head alone. Returns
    the same model, changed in place.
    """
    depth = encoder_layer_count(model)
    if not 0 <= trainable_layers <= depth:
        raise ValueError(
            f"trainable_layers must be between 0 and {depth} (the encoder's depth), got {trainable_layers}."
        )
    lowest_trained = depth - trainable_layers
    if not any(is_head_parameter(name) for name, _ in model.named_parameters()):
        raise ValueError(
            f"{type(model).__name__} has no head parameters named {list(HEAD_MODULES)}: freeze_below knows "
            "transformers' sequence classifiers (freeze other models' parameters with requires_grad yourself)."
        )
    for name, parameter in model.named_parameters():
        layer = _LAYER.search(name)
        parameter.requires_grad = _is_head(name) or (
            layer is not None and int(layer.group(1)) >= lowest_trained
        )
    return model


def add_lora(
    model, *, rank: int = 8, alpha: int = 16, dropout: float = 0.1, target_modules=("query", "value")
):
    """Wrap ``model`` with LoRA adapters (peft): the body frozen, rank-``rank`` updates trained
    beside ``target_modules``, and the head and pooler trained in full.

    The result trains with the course's Trainer like any model; :func:`merged` folds the adapters
    back into plain weights for serving.
    """
    from peft import LoraConfig, TaskType, get_peft_model

    head_modules = sorted(
        {name.split(".")[0] for name, _ in model.named_parameters() if is_head_parameter(name)}
    )
    pooler = [
        name.rsplit(".", 1)[0] for name, _ in model.named_parameters() if name.endswith("pooler.dense.weight")
    ]
    config = LoraConfig(
        task_type=TaskType.SEQ_CLS,
        r=rank,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=list(target_modules),
        modules_to_save=head_modules + pooler,
    )
    return get_peft_model(model, config)


def merged(model):
    """A LoRA model's adapters added into its weights: a plain transformers model again, every
    weight trainable (the LoRA model itself is changed in place; other models come back
    unchanged)."""
    if not hasattr(model, "merge_and_unload"):
        return model
    plain = model.merge_and_unload()
    plain.requires_grad_(True)
    return plain


def adapt(model, how: str):
    """Prepare a freshly loaded classifier for one of :data:`ADAPTATIONS`.

    ``how`` is ``"head"``, ``"top-<k>"`` (e.g. ``"top-2"``), ``"lora"`` or ``"full"``.
    """
    if how == "full":
        return model
    if how == "head":
        return freeze_below(model, 0)
    if how == "lora":
        return add_lora(model)
    if (match := re.fullmatch(r"top-(\d+)", how)) is not None:
        return freeze_below(model, int(match.group(1)))
    raise ValueError(f"how must be one of 'head', 'top-<k>' (e.g. 'top-2'), 'lora' or 'full'; got {how!r}.")
