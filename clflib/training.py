"""Tokenize, then build TrainingArguments and the Trainer from a profile: the one place that does.

Taught in lesson 01 (the Trainer, in full); lessons 02 and 03 train several models each with
:func:`fine_tune`, and lesson 08 and the benchmarks train through it too.

Tutorials drift because every notebook repeats the Trainer boilerplate against an API that keeps
moving (``evaluation_strategy`` became ``eval_strategy``, ``tokenizer=`` became
``processing_class=``, ``warmup_ratio`` folded into ``warmup_steps``). Here it is written once,
against transformers 5, and tested.

The defaults are the course's recipe: dynamic padding with length-grouped batches, linear warmup
over the first 10% of steps, weight decay 0.01, evaluation and a checkpoint each epoch, early
stopping, and the best checkpoint (by ``metric_for_best_model``) loaded at the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from clflib.data_checks import warn_if_truncated
from clflib.environment import seed_everything
from clflib.metrics import check_label_ids
from clflib.models import load_sequence_classifier, load_token_classifier
from clflib.profiles import Profile, resolve_precision

__all__ = [
    "tokenize_dataset",
    "make_training_args",
    "ARGUMENT_REASONS",
    "argument_differences",
    "is_head_parameter",
    "is_token_classifier",
    "check_dataset_labels",
    "make_trainer",
    "fine_tune",
    "training_history",
    "HEAD_MODULES",
]


def tokenize_dataset(
    dataset,
    tokenizer,
    text_columns: Sequence[str] = ("text",),
    max_length: int = 128,
    label_column: str | None = "label",
):
    """Tokenize a Dataset or DatasetDict for training, without padding.

    Padding happens later, per batch (dynamic padding), so short batches stay short. The label
    column is renamed "labels" (what transformers models expect) and the text columns are
    dropped. One text column gives single texts; two give sentence pairs.

    Texts longer than ``max_length`` tokens are cut; when more than 5% of a split's texts (or
    pairs) are, a :class:`clflib.data_checks.TruncationWarning` says how many, once per split.
    """
    text_columns = tuple(text_columns)
    if not 1 <= len(text_columns) <= 2:
        raise ValueError(f"text_columns must name one or two columns, got {text_columns!r}.")
    some_split = next(iter(dataset.values())) if hasattr(dataset, "keys") else dataset
    missing = [c for c in (*text_columns, label_column) if c and c not in some_split.column_names]
    if missing:
        raise KeyError(f"Missing column(s) {missing}; the dataset has {some_split.column_names}.")

    def encode(batch: dict[str, list]) -> dict[str, Any]:
        texts = [batch[c] for c in text_columns]
        return tokenizer(*texts, truncation=True, max_length=max_length)

    splits = dataset.items() if hasattr(dataset, "keys") else [(None, dataset)]
    for name, split in splits:
        _warn_if_split_truncated(split, name, tokenizer, text_columns, max_length)

    drop = [c for c in some_split.column_names if c in text_columns]
    encoded = dataset.map(encode, batched=True, remove_columns=drop, desc="Tokenizing")
    if label_column and label_column != "labels":
        encoded = encoded.rename_column(label_column, "labels")
    return encoded


def _warn_if_split_truncated(split, name, tokenizer, text_columns: tuple[str, ...], max_length: int) -> None:
    """One :func:`clflib.data_checks.warn_if_truncated` for a whole split (not one per map batch)."""

    columns = [list(split[c]) for c in text_columns]
    texts = list(zip(*columns)) if len(columns) == 2 else columns[0]
    where = "tokenize_dataset" + (f" (split {name!r})" if name is not None else "")
    warn_if_truncated(tokenizer, texts, max_length, where=where)


def make_training_args(
    profile: Profile,
    output_dir: str | Path,
    *,
    train_size: int | None = None,
    metric_for_best_model: str = "f1",
    greater_is_better: bool = True,
    seed: int = 42,
    **overrides: Any,
):
    """TrainingArguments for ``profile`` (transformers 5 names), with optional overrides.

    ``train_size`` (rows in the training set) sets the logging interval to about five logs per
    epoch, so the learning curve has points without flooding the output.
    """
    import torch
    from transformers import TrainingArguments

    precision = resolve_precision(profile)
    logging_steps = 10
    if train_size:
        steps_per_epoch = math.ceil(train_size / profile.batch_size)
        logging_steps = max(1, steps_per_epoch // 5)
    settings: dict[str, Any] = dict(
        output_dir=str(output_dir),
        num_train_epochs=profile.num_epochs,
        per_device_train_batch_size=profile.batch_size,
        per_device_eval_batch_size=profile.eval_batch_size,
        learning_rate=profile.learning_rate,
        weight_decay=profile.weight_decay,
        warmup_steps=profile.warmup_ratio,  # a float in [0, 1) is a share of all steps
        lr_scheduler_type="linear",
        eval_strategy="epoch",
        save_strategy="epoch",
        # with load_best_model_at_end, the best and the last checkpoint are kept: at most two
        save_total_limit=1,
        # optimizer, scheduler and RNG state go with each checkpoint (about twice the weights),
        # so trainer.train(resume_from_checkpoint=True) carries on where a run was cut off
        save_only_model=False,
        load_best_model_at_end=True,
        metric_for_best_model=metric_for_best_model,
        greater_is_better=greater_is_better,
        train_sampling_strategy="group_by_length",
        logging_strategy="steps",
        logging_steps=logging_steps,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
        report_to="none",
        disable_tqdm=False,  # else it follows the logging level, which setup() lowers
        seed=seed,
        data_seed=seed,
    )
    settings.update(overrides)
    return TrainingArguments(**settings)


ARGUMENT_REASONS = {
    "data_seed": "the order of the training batches follows the seed too, so a rerun sees the same batches",
    "logging_steps": "about five training-loss logs per epoch, so the learning curve has points",
    "save_total_limit": "only the best and the latest checkpoint stay on disk",
    "use_cpu": "no CUDA here: train on the CPU, said explicitly",
    "disable_tqdm": "progress bars stay on although clflib.setup() quiets transformers' logging",
    "dataloader_pin_memory": "pinned memory only speeds up copies to a GPU (transformers turns it off with use_cpu)",
    "bf16": "mixed precision on a GPU that supports bfloat16 (the gpu profile)",
    "fp16": "mixed precision on an older GPU (the gpu profile)",
}
"""Why :func:`make_training_args` sets a field the plain recipe of lesson 01 leaves at its default."""


def argument_differences(plain, course, ignore: Sequence[str] = ("output_dir", "logging_dir")):
    """The TrainingArguments fields on which ``plain`` and ``course`` differ, with the reason.

    A table indexed by field, with columns ``plain``, ``course`` and ``why`` (from
    :data:`ARGUMENT_REASONS`; empty when the course has no reason on record, which lesson 01's
    checks count as a failure).

    >>> from transformers import TrainingArguments
    >>> argument_differences(TrainingArguments("a", seed=1), TrainingArguments("b", seed=1, data_seed=1)).index.tolist()
    ['data_seed']
    """
    import pandas as pd

    a, b = plain.to_dict(), course.to_dict()
    fields = [k for k in sorted(set(a) | set(b)) if k not in ignore and a.get(k) != b.get(k)]
    return pd.DataFrame(
        {
            "plain": [a.get(k) for k in fields],
            "course": [b.get(k) for k in fields],
            "why": [ARGUMENT_REASONS.get(k, "") for k in fields],
        },
        index=pd.Index(fields, name="argument"),
    )


HEAD_MODULES = ("classifier", "pre_classifier", "score")


def is_head_parameter(name: str) -> bool:
    """True for the task head's weights (new at fine-tuning time), not the pretrained body.

    A LoRA model (peft) prefixes every name with ``base_model.model.``; that prefix is ignored.

    >>> is_head_parameter("classifier.weight"), is_head_parameter("bert.pooler.dense.weight")
    (True, False)
    >>> is_head_parameter("base_model.model.classifier.modules_to_save.default.weight")
    True
    """
    return name.removeprefix("base_model.model.").split(".", 1)[0] in HEAD_MODULES


def is_token_classifier(model) -> bool:
    """True for a model that predicts one label per token (lesson 04's NER models).

    >>> from clflib.models import load_token_classifier
    >>> is_token_classifier(load_token_classifier("minilm-l2", ["O", "B-X", "I-X"]))
    True
    """
    return type(model).__name__.endswith("ForTokenClassification")


def _ordered_trainer_class():
    """A Trainer whose evaluation and prediction keep the dataset's row order.

    With ``train_sampling_strategy="group_by_length"``, transformers 5 also length-groups the
    evaluation and test dataloaders, so ``trainer.predict(ds)`` returns rows in another order
    than ``ds``. Metrics survive (labels move with predictions), but anything that pairs the
    predictions with the dataset's texts would be silently wrong. Evaluation gains little from
    grouping, so this Trainer reads evaluation data in order.
    """
    from torch.utils.data import SequentialSampler
    from transformers import Trainer

    class OrderedEvalTrainer(Trainer):
        def __init__(self, *args, train_sampler=None, head_learning_rate=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.custom_train_sampler = train_sampler
            self.head_learning_rate = head_learning_rate

        def create_optimizer(self, model=None):
            if self.head_learning_rate is None or self.optimizer is not None:
                return super().create_optimizer(model)
            model = self.model if model is None else model
            decay = set(self.get_decay_parameter_names(model))
            groups: dict[tuple[bool, bool], list] = {}
            for name, parameter in model.named_parameters():
                if parameter.requires_grad:
                    groups.setdefault((is_head_parameter(name), name in decay), []).append(parameter)
            optimizer_cls, optimizer_kwargs = self.get_optimizer_cls_and_kwargs(self.args, model)
            self.optimizer = optimizer_cls(
                [
                    {
                        "params": params,
                        "lr": self.head_learning_rate if head else self.args.learning_rate,
                        "weight_decay": self.args.weight_decay if decays else 0.0,
                    }
                    for (head, decays), params in groups.items()
                ],
                **optimizer_kwargs,
            )
            return self.optimizer

        def _get_eval_sampler(self, eval_dataset):
            return SequentialSampler(eval_dataset) if eval_dataset is not None else None

        def _get_train_sampler(self, train_dataset=None):
            if self.custom_train_sampler is not None:
                return self.custom_train_sampler
            return super()._get_train_sampler(train_dataset)

    return OrderedEvalTrainer


def check_dataset_labels(dataset, model, name: str = "dataset") -> None:
    """Refuse label ids the model cannot learn, naming the rows, before training starts (torch
    would fail 14 frames deep, or, for -100 in a sequence classifier, silently skip the row).

    Single-label sequence classification: every ``label``/``labels`` value an id in
    ``[0, num_labels)``. Token classification: the same, -100 (not scored) allowed. Multi-label
    models and datasets without a label column are not checked here.
    """
    if dataset is None:
        return
    column = next((c for c in ("labels", "label") if c in dataset.column_names), None)
    num_labels = model.config.num_labels
    if column is None or model.config.problem_type == "multi_label_classification":
        return
    what = f"{name}'s {column!r} column"
    if is_token_classifier(model):
        bad = [
            (i, value)
            for i, row in enumerate(dataset[column])
            for value in row
            if value != -100 and not 0 <= value < num_labels
        ]
        if bad:
            shown = ", ".join(f"row {i} has {value}" for i, value in bad[:5])
            raise ValueError(
                f"{what}: {len(bad)} token labels are not tag ids in [0, {num_labels}) or -100: "
                f"{shown}. Map every tag to an id of the label names."
            )
        return
    check_label_ids(dataset[column], num_labels, what)


def make_trainer(
    model,
    tokenizer,
    train_dataset,
    eval_dataset,
    profile: Profile,
    output_dir: str | Path,
    *,
    compute_metrics: Callable | None = None,
    metric_for_best_model: str = "f1",
    early_stopping: bool = True,
    callbacks: list | None = None,
    seed: int = 42,
    loss: Callable | None = None,
    train_sampler=None,
    head_learning_rate: float | None = None,
    **training_overrides: Any,
):
    """A transformers Trainer wired the course's way.

    Batches are padded per batch: ``DataCollatorWithPadding`` for sequence classifiers,
    ``DataCollatorForTokenClassification`` (labels padded with -100) for token classifiers.
    Evaluation and ``predict`` return rows in the dataset's order (see
    :func:`_ordered_trainer_class`), so predictions line up with the texts.

    Args:
        model, tokenizer: from :mod:`clflib.models`.
        train_dataset, eval_dataset: tokenized (see :func:`tokenize_dataset`).
        profile: sizes and optimisation settings (see :mod:`clflib.profiles`).
        output_dir: where checkpoints and the best model's files are written.
        compute_metrics: e.g. :func:`clflib.metrics.make_compute_metrics`; it must produce
            ``metric_for_best_model`` (without the "eval_" prefix).
        early_stopping: stop when the metric has not improved for
            ``profile.early_stopping_patience`` evaluations.
        callbacks: more ``TrainerCallback`` objects, after the early-stopping one.
        seed: seeds the run (weights of a new head, shuffling, dropout) and the data order.
        loss: a ``compute_loss_func`` (see :func:`clflib.losses.make_loss`) replacing the
            model's own cross-entropy, e.g. weighted or focal.
        train_sampler: a torch Sampler for the training set (see
            :func:`clflib.sampling.oversampling_sampler`); it replaces length grouping.
        head_learning_rate: a separate, usually higher, learning rate for the new task head
            (:func:`is_head_parameter`); the pretrained body keeps ``profile.learning_rate``.
            A random head over many classes learns slowly at a rate gentle enough for the body.
        training_overrides: any TrainingArguments field, e.g. ``num_train_epochs=1``.
    """
    from transformers import (
        DataCollatorForTokenClassification,
        DataCollatorWithPadding,
        EarlyStoppingCallback,
    )

    for name, dataset in (("train_dataset", train_dataset), ("eval_dataset", eval_dataset)):
        check_dataset_labels(dataset, model, name)
    args = make_training_args(
        profile,
        output_dir,
        train_size=len(train_dataset),
        metric_for_best_model=metric_for_best_model,
        seed=seed,
        **training_overrides,
    )
    # Tensor cores like shapes that are multiples of 8; on a CPU that only adds padding.
    multiple = 8 if (args.bf16 or args.fp16) else None
    if is_token_classifier(model):
        # one label per token: the labels are padded too, with -100 (ignored by the loss)
        collator = DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=multiple)
    else:
        collator = DataCollatorWithPadding(tokenizer, pad_to_multiple_of=multiple)
    all_callbacks = list(callbacks or [])
    if early_stopping:
        all_callbacks.append(EarlyStoppingCallback(profile.early_stopping_patience))
    return _ordered_trainer_class()(
        model=model,
        args=args,
        data_collator=collator,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=all_callbacks,
        compute_loss_func=loss,
        train_sampler=train_sampler,
        head_learning_rate=head_learning_rate,
    )


def fine_tune(
    model_name: str,
    label_names: Sequence[str],
    tokenizer,
    train_dataset,
    eval_dataset,
    profile: Profile,
    output_dir: str | Path,
    *,
    seed: int = 42,
    problem_type: str | None = None,
    task: str = "sequence_classification",
    device=None,
    prepare: Callable | None = None,
    **trainer_options: Any,
):
    """Seed, load a fresh classifier for ``label_names``, build the course's Trainer and train it.

    The same steps lesson 01 writes out one by one; lessons that train several models (one per
    loss, sampler or label set) call this so every model starts from the same pretrained weights
    and the same seed. ``trainer_options`` go to :func:`make_trainer` (``compute_metrics``,
    ``metric_for_best_model``, ``loss``, ``train_sampler``, ``head_learning_rate``, ...).
    ``task="token_classification"`` trains one tag per token (lesson 04; ``label_names`` are
    then the BIO tags). ``prepare`` is applied to the freshly loaded model and returns the model
    to train (lesson 10 freezes layers or adds LoRA adapters: :func:`clflib.adaptation.adapt`).
    Returns the trained Trainer (its model is the best checkpoint).

    >>> trainer = fine_tune("minilm", ["neg", "pos"], tokenizer, encoded["train"],
    ...                     encoded["validation"], profile, "runs/sentiment")  # doctest: +SKIP
    """
    if task not in ("sequence_classification", "token_classification"):
        raise ValueError(f"task must be 'sequence_classification' or 'token_classification', got {task!r}.")
    seed_everything(seed)
    if task == "token_classification":
        model = load_token_classifier(model_name, label_names)
    else:
        model = load_sequence_classifier(model_name, label_names, problem_type=problem_type)
    if prepare is not None:
        model = prepare(model)
    if device is not None:
        model.to(device)
    trainer = make_trainer(
        model, tokenizer, train_dataset, eval_dataset, profile, output_dir, seed=seed, **trainer_options
    )
    trainer.train()
    return trainer


def training_history(trainer) -> Any:
    """The Trainer's log as two tables: training loss by step, and evaluation metrics by epoch.

    Returns ``(train_log, eval_log)`` as pandas DataFrames.
    """
    import pandas as pd

    history = trainer.state.log_history
    train_log = pd.DataFrame([h for h in history if "loss" in h and "eval_loss" not in h])
    eval_log = pd.DataFrame([h for h in history if "eval_loss" in h])
    return train_log, eval_log
