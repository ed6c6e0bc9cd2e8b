"""Few-shot classification: K examples per class, contrastive pair counts, and learning curves.

Taught in lesson 06 (SetFit against fine-tuning and frozen embeddings).

"I have 8 labelled examples per class" is where most projects start. :func:`sample_per_class`
draws exactly K examples of every class from a training split, reproducibly; a different seed is
a different sample, so a learning curve over seeds measures how much the *choice* of examples
matters. :func:`contrastive_pair_counts` says how many sentence pairs K examples of C classes
can make (SetFit's stage one trains on such pairs). :func:`run_learning_curve` trains every
method on the same samples and returns a tidy table, one row per (method, K, seed);
:func:`summarise_curve` turns it into mean and spread.

>>> contrastive_pair_counts(k=8, num_classes=77)
{'positive': 2156, 'negative': 187264, 'total': 189420}
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "sample_per_class",
    "contrastive_pair_counts",
    "setfit_pair_count",
    "train_setfit",
    "FewShotResult",
    "run_learning_curve",
    "summarise_curve",
]


def sample_per_class(
    dataset, k: int, label_column: str = "label", seed: int = 42, classes: Sequence[int] | None = None
):
    """Exactly ``k`` rows of every class of ``dataset`` (a training split), drawn with ``seed``.

    ``classes`` keeps only those label ids (a fixed subset of intents, say); by default every
    class present in the data. The rows come back grouped by class, in a seeded random order
    within each class. The same seed gives the same rows; a class with fewer than ``k`` rows
    raises a ValueError naming it and its count (sample from the training split, never the
    test split).
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer (examples per class), got {k!r}.")
    if label_column not in dataset.column_names:
        raise KeyError(f"No column {label_column!r}; the dataset has {dataset.column_names}.")
    labels = np.asarray(dataset[label_column])
    wanted = sorted(set(labels.tolist())) if classes is None else [int(c) for c in classes]
    rng = np.random.default_rng(seed)
    chosen = []
    short = []
    for label in wanted:
        rows = np.flatnonzero(labels == label)
        if len(rows) < k:
            short.append((label, len(rows)))
            continue
        chosen.extend(rng.choice(rows, size=k, replace=False).tolist())
    if short:
        names = _label_names(dataset, label_column)
        described = ", ".join(f"{names[label] if names else label} ({count})" for label, count in short[:5])
        raise ValueError(
            f"{len(short)} class(es) have fewer than k={k} rows in this split: {described}"
            f"{' ...' if len(short) > 5 else ''}. Lower k, or leave those classes out with classes=[...]."
        )
    return dataset.select(chosen)


def _label_names(dataset, column: str) -> list[str] | None:
    names = getattr(dataset.features.get(column), "names", None)
    return list(names) if names else None


def contrastive_pair_counts(k: int, num_classes: int) -> dict[str, int]:
    """How many distinct sentence pairs ``k`` examples of each of ``num_classes`` classes make.

    Positive pairs join two examples of one class: C * K(K-1)/2. Negative pairs join examples of
    two different classes: K^2 * C(C-1)/2. SetFit samples from these rather than using them all
    (see lesson 06: with ``num_iterations`` n it draws 2n pairs per example).

    >>> contrastive_pair_counts(k=2, num_classes=3)
    {'positive': 3, 'negative': 12, 'total': 15}
    """
    if k < 1 or num_classes < 1:
        raise ValueError(f"k and num_classes must be positive, got k={k}, num_classes={num_classes}.")
    positive = num_classes * k * (k - 1) // 2
    negative = k * k * num_classes * (num_classes - 1) // 2
    return {"positive": positive, "negative": negative, "total": positive + negative}


def setfit_pair_count(num_examples: int, num_iterations: int) -> int:
    """The sentence pairs SetFit 1.x trains stage one on when ``num_iterations`` is set: for every
    example, ``num_iterations`` positive and ``num_iterations`` negative pairs.

    >>> setfit_pair_count(616, 20)  # banking77, 8 per class, SetFit's old default
    24640
    """
    return 2 * int(num_iterations) * int(num_examples)


def train_setfit(
    sample,
    model_name: str = "minilm",
    *,
    num_iterations: int = 5,
    batch_size: int = 16,
    body_learning_rate: float = 2e-5,
    seed: int = 42,
    text_column: str = "text",
    label_column: str = "label",
    output_dir: str = "outputs/setfit",
):
    """Train SetFit on ``sample`` (a Dataset): stage one fine-tunes the sentence encoder on
    contrastive pairs (:func:`setfit_pair_count` of them), stage two fits a logistic regression on
    its embeddings. Returns the trained ``setfit.SetFitModel`` (``predict``, ``predict_proba``,
    ``save_pretrained``).

    ``num_iterations`` bounds stage one: SetFit's default draws pairs until every possible pair
    has been seen, which for 8 examples of 77 classes is hours on a CPU. ``model_name`` is a
    sentence-transformers folder or Hub id ("minilm" is the course's offline one).
    """
    from setfit import SetFitModel, Trainer, TrainingArguments

    from clflib.environment import seed_everything
    from clflib.models import resolve_model_name

    seed_everything(seed)
    model = SetFitModel.from_pretrained(resolve_model_name(model_name))
    args = TrainingArguments(
        output_dir=output_dir,
        batch_size=(batch_size, 32),
        num_epochs=(1, 16),
        num_iterations=num_iterations,
        body_learning_rate=(body_learning_rate, body_learning_rate),
        seed=seed,
        report_to="none",
        save_strategy="no",
        eval_strategy="no",
        show_progress_bar=False,
    )
    columns = {text_column: "text", label_column: "label"}
    train = sample.select_columns(list(columns)).rename_columns(
        {old: new for old, new in columns.items() if old != new}
    )
    Trainer(model=model, args=args, train_dataset=train).train()
    return model


@dataclass(frozen=True)
class FewShotResult:
    """What one method returns for one sample: test predictions, and optionally extra numbers."""

    predictions: Sequence[int]
    extra: Mapping[str, float] | None = None


Method = Callable[..., "FewShotResult | Sequence[int]"]


def run_learning_curve(
    methods: Mapping[str, Method],
    train,
    test,
    ks: Sequence[int],
    seeds: Sequence[int],
    label_column: str = "label",
    classes: Sequence[int] | None = None,
    on_result: Callable[[dict], None] | None = None,
):
    """Train every method on the same K-per-class samples and score it on ``test``.

    ``methods`` maps a name to ``method(sample, seed) -> predictions`` for the test rows (or a
    :class:`FewShotResult`); each (K, seed) draws one sample with :func:`sample_per_class`, shared
    by all methods, so they differ only in how they learn. ``classes`` restricts train and test
    to those label ids. Returns a pandas DataFrame, one row per (method, k, seed): accuracy,
    macro_f1, seconds (training and predicting), plus any extra numbers. ``on_result`` is called
    with each row as it is made (to print progress).
    """
    import pandas as pd
    from sklearn.metrics import accuracy_score, f1_score

    if classes is not None:
        keep = {int(c) for c in classes}
        test = test.filter(lambda row: row[label_column] in keep)
    truth = np.asarray(test[label_column])
    rows = []
    for k in ks:
        for seed in seeds:
            sample = sample_per_class(train, k, label_column, seed, classes)
            for name, method in methods.items():
                started = time.perf_counter()
                result = method(sample, seed)
                seconds = time.perf_counter() - started
                if not isinstance(result, FewShotResult):
                    result = FewShotResult(result)
                predicted = np.asarray(result.predictions)
                if predicted.shape != truth.shape:
                    raise ValueError(
                        f"method {name!r} returned {predicted.shape[0]} predictions for {len(truth)} test rows."
                    )
                row = {
                    "method": name,
                    "k": int(k),
                    "seed": int(seed),
                    "accuracy": float(accuracy_score(truth, predicted)),
                    "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
                    "seconds": seconds,
                    **dict(result.extra or {}),
                }
                rows.append(row)
                if on_result is not None:
                    on_result(row)
    return pd.DataFrame(rows)


def summarise_curve(table, metrics: Sequence[str] = ("accuracy", "macro_f1", "seconds")):
    """Mean and standard deviation over seeds, per method and K: columns ``<metric>_mean``,
    ``<metric>_sd`` (0 for a single seed) and ``seeds``."""
    grouped = table.groupby(["method", "k"], sort=False)
    summary = grouped[list(metrics)].agg(["mean", "std"])
    summary.columns = [f"{metric}_{'sd' if stat == 'std' else stat}" for metric, stat in summary.columns]
    summary = summary.fillna(0.0)
    summary["seeds"] = grouped.size()
    return summary.reset_index()
