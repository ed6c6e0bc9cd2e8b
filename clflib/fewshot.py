"""Few-shot classification: K examples per class, contrastive pair counts, and learning curves.

Taught in lesson 06 (SetFit against fine-tuning and frozen embeddings).

"I have 8 labelled examples per class" is where most projects start. :func:`clflib.sampling.sample_per_class`
draws exactly K examples of every class from a training split, reproducibly; a different seed is
a different sample, so a learning curve over seeds measures how much the *choice* of examples
matters. :func:`contrastive_pair_counts` says how many sentence pairs K examples of C classes
can make (SetFit's stage one trains on such pairs). :func:`run_learning_curve` trains every
method on the same samples and returns a tidy table, one row per (method, K, seed);
:func:`summarise_curve` turns it into mean and spread, and :func:`seed_gap` says whether two
methods' gap is larger than that spread.

>>> contrastive_pair_counts(k=8, num_classes=77)
{'positive': 2156, 'negative': 187264, 'total': 189420}
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from clflib.data_checks import warn_if_truncated
from clflib.environment import seed_everything
from clflib.models import load_tokenizer, resolve_model_name
from clflib.sampling import sample_per_class
from clflib.training import fine_tune, tokenize_dataset

__all__ = [
    "contrastive_pair_counts",
    "setfit_pair_count",
    "SETFIT_LOSSES",
    "setfit_arguments",
    "train_setfit",
    "choose_classes",
    "passes_for",
    "fine_tune_few_shot",
    "readable_label",
    "predict_by_label_names",
    "neighbour_agreement",
    "FewShotResult",
    "run_learning_curve",
    "seed_gap",
    "summarise_curve",
]


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


SETFIT_LOSSES = ("triplet", "pairs")


def _setfit_loss(loss: str):
    if loss == "triplet":
        from sentence_transformers.losses import BatchAllTripletLoss

        return BatchAllTripletLoss
    if loss == "pairs":
        from sentence_transformers.losses import CosineSimilarityLoss

        return CosineSimilarityLoss
    raise ValueError(f"loss must be one of {SETFIT_LOSSES}, got {loss!r}.")


def train_setfit(
    sample,
    model_name: str = "minilm",
    *,
    loss: str = "triplet",
    num_epochs: int = 10,
    num_iterations: int = 5,
    batch_size: int = 32,
    body_learning_rate: float = 2e-5,
    max_length: int | None = None,
    seed: int = 42,
    text_column: str = "text",
    label_column: str = "label",
    output_dir: str = "outputs/setfit",
    device=None,
):
    """Train SetFit on ``sample`` (a Dataset with a text and an integer label column).

    Stage one fine-tunes the sentence encoder contrastively, stage two fits a logistic
    regression on its embeddings. Returns the trained ``setfit.SetFitModel`` (``predict``,
    ``predict_proba``, ``save_pretrained``).

    ``loss`` chooses stage one:

    - ``"triplet"`` (the course's choice): batches of ``batch_size`` texts, two per class
      (sentence-transformers' group-by-label sampler), and a batch-all triplet loss over every
      (anchor, positive, negative) in the batch; ``num_epochs`` passes over the examples.
    - ``"pairs"`` (SetFit's default loss): :func:`setfit_pair_count` explicit pairs, each with a
      target cosine similarity of 1 (same class) or 0, for one epoch. ``num_iterations`` bounds
      them: SetFit's unbounded default draws every negative pair, which for 8 examples of 77
      classes is hours on a CPU.

    ``max_length`` truncates texts to that many tokens (default: the embedder's own limit); a
    :class:`clflib.data_checks.TruncationWarning` says how many examples are cut when more than 5%
    are.
    ``model_name`` is a sentence-transformers folder or Hub id ("minilm" is the course's offline
    one). The same seed and sample give the same model on a CPU.

    >>> model = train_setfit(sample, num_epochs=10, output_dir="runs/setfit")  # doctest: +SKIP
    >>> model.predict(["my card was charged twice"])  # doctest: +SKIP
    """
    from setfit import SetFitModel, Trainer

    _setfit_loss(loss)  # a clear error for an unknown loss, before any check below
    for name, value in (
        ("num_epochs", num_epochs),
        ("num_iterations", num_iterations),
        ("batch_size", batch_size),
    ):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if loss == "triplet" and (batch_size < 4 or batch_size % 2):
        raise ValueError(
            f"the triplet loss takes two texts per class a batch: batch_size must be even and >= 4, got {batch_size}."
        )
    seed_everything(seed)
    model = SetFitModel.from_pretrained(resolve_model_name(model_name), device=device)
    if max_length is not None:
        model.model_body.max_seq_length = max_length
    args = setfit_arguments(
        loss,
        num_epochs=num_epochs,
        num_iterations=num_iterations,
        batch_size=batch_size,
        body_learning_rate=body_learning_rate,
        seed=seed,
        output_dir=output_dir,
    )
    columns = {text_column: "text", label_column: "label"}
    train = sample.select_columns(list(columns)).rename_columns(
        {old: new for old, new in columns.items() if old != new}
    )
    body = model.model_body  # sentence-transformers cuts texts at max_seq_length, silently
    if isinstance(getattr(body, "max_seq_length", None), int):
        warn_if_truncated(body.tokenizer, list(train["text"]), body.max_seq_length, where="train_setfit")
    Trainer(model=model, args=args, train_dataset=train).train()
    return model


def setfit_arguments(
    loss: str = "triplet",
    *,
    num_epochs: int = 10,
    num_iterations: int = 5,
    batch_size: int = 32,
    body_learning_rate: float = 2e-5,
    seed: int = 42,
    output_dir: str = "outputs/setfit",
):
    """The ``setfit.TrainingArguments`` :func:`train_setfit` trains with (see it for ``loss``).

    The triplet route passes ``num_epochs`` over the examples; the pair route draws
    ``num_iterations`` positive and negative pairs per text for one epoch. Everything else is
    SetFit's default, which for the triplet loss means cosine distance and a margin of 0.25.

    >>> args = setfit_arguments("pairs", num_iterations=2, batch_size=16)
    >>> args.loss.__name__, args.num_iterations, args.embedding_batch_size
    ('CosineSimilarityLoss', 2, 16)
    """
    from setfit import TrainingArguments

    return TrainingArguments(
        output_dir=output_dir,
        loss=_setfit_loss(loss),
        batch_size=(batch_size, 32),
        num_epochs=(num_epochs if loss == "triplet" else 1, 16),
        num_iterations=num_iterations if loss == "pairs" else None,
        body_learning_rate=(body_learning_rate, body_learning_rate),
        seed=seed,
        report_to="none",
        save_strategy="no",
        eval_strategy="no",
        show_progress_bar=False,
    )


def choose_classes(label_names: Sequence[str], spec, seed: int = 0) -> list[int]:
    """Label ids for a smaller problem: ``spec`` is None (all), a number (a fixed random subset
    of that many, the same for a given ``seed``), or a list of words (the labels whose names
    contain one of them, e.g. ``["transfer", "top_up"]``: a family of near neighbours).

    >>> choose_classes(["card_arrival", "top_up_failed", "cancel_transfer"], ["transfer", "top_up"])
    [1, 2]
    """
    count = len(label_names)
    if spec is None:
        return list(range(count))
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if not 2 <= spec <= count:
            raise ValueError(f"a subset needs 2 to {count} classes, got {spec}.")
        return sorted(np.random.default_rng(seed).choice(count, int(spec), replace=False).tolist())
    if isinstance(spec, str) or not all(isinstance(word, str) for word in spec):
        raise TypeError(f"classes must be None, a number or a list of words, got {spec!r}.")
    chosen = [i for i, name in enumerate(label_names) if any(word in name for word in spec)]
    if len(chosen) < 2:
        raise ValueError(
            f"only {len(chosen)} label name(s) contain one of {list(spec)}; a problem needs at least 2."
        )
    return chosen


def passes_for(k: int, texts_per_class: int = 64) -> int:
    """Training passes (epochs) over a K-per-class sample so that every model sees about
    ``texts_per_class`` texts of each class, whatever K: the same compute at every point of a
    learning curve, and never less than one pass.

    >>> [passes_for(k) for k in (8, 16, 32, 64, 100)]
    [8, 4, 2, 1, 1]
    """
    if k < 1 or texts_per_class < 1:
        raise ValueError(
            f"k and texts_per_class must be positive, got k={k!r}, texts_per_class={texts_per_class!r}."
        )
    return max(1, math.ceil(texts_per_class / k))


def fine_tune_few_shot(
    sample,
    label_names: Sequence[str],
    profile,
    output_dir: str,
    *,
    num_epochs: int | None = None,
    model_name: str = "minilm",
    text_column: str = "text",
    label_column: str = "label",
    head_learning_rate: float | None = 1e-2,
    max_length: int = 64,
    seed: int = 42,
    device=None,
):
    """Fine-tune a classifier (body and a new head) on a few-shot sample with the course's
    Trainer, for ``num_epochs`` (else ``profile.num_epochs``) epochs, and keep the last model: with
    K examples per class there is no validation split to choose a checkpoint on (or to stop
    early with). ``head_learning_rate``: the new head's own, higher rate (lesson 02).

    Returns ``(model, tokenizer)``; the checkpoint folder is not written.

    >>> model, tokenizer = fine_tune_few_shot(sample, names, profile, "runs/ft")  # doctest: +SKIP
    """
    from dataclasses import replace

    if num_epochs is not None:
        profile = replace(profile, num_epochs=num_epochs)
    tokenizer = load_tokenizer(model_name)
    columns = [text_column, label_column]
    encoded = tokenize_dataset(
        sample.select_columns(columns),
        tokenizer,
        text_columns=(text_column,),
        max_length=max_length,
        label_column=label_column,
    )
    trainer = fine_tune(
        model_name,
        label_names,
        tokenizer,
        encoded,
        None,
        profile,
        output_dir,
        seed=seed,
        device=device,
        early_stopping=False,
        head_learning_rate=head_learning_rate,
        eval_strategy="no",
        save_strategy="no",
        load_best_model_at_end=False,
        disable_tqdm=True,
    )
    return trainer.model.eval(), tokenizer


def readable_label(name: str) -> str:
    """A label id as words, for embedding it: ``"card_payment_fee_charged"`` -> ``"card payment fee charged"``."""
    return " ".join(name.replace("_", " ").replace("-", " ").split())


def predict_by_label_names(text_vectors: np.ndarray, label_vectors: np.ndarray) -> np.ndarray:
    """Zero examples per class: each text goes to the label whose *name's* embedding is nearest
    (cosine similarity; both arrays are normalised here). Returns label indices.

    >>> predict_by_label_names(np.array([[1.0, 0.1], [0.0, 2.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]))
    array([1, 0])
    """
    texts = _normalised(text_vectors)
    labels = _normalised(label_vectors)
    return np.asarray((texts @ labels.T).argmax(axis=1))


def _normalised(vectors) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {vectors.shape}.")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError(
            f"vector {int(np.flatnonzero(norms[:, 0] == 0)[0])} is all zeros and has no direction."
        )
    return vectors / norms


def neighbour_agreement(vectors, labels: Sequence[int]) -> float:
    """The share of texts whose nearest *other* text (cosine similarity) has the same label: a
    number for "are the classes clusters in this embedding space?".

    >>> neighbour_agreement(np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]]), [0, 0, 1, 1])
    1.0
    """
    vectors = _normalised(vectors)
    labels = np.asarray(labels)
    if len(labels) != len(vectors) or len(labels) < 2:
        raise ValueError(
            f"need one label per vector and at least two vectors, got {len(vectors)} vectors, {len(labels)} labels."
        )
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    return float((labels[similarity.argmax(axis=1)] == labels).mean())


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
    columns = ["method", "k", "seed", "accuracy", "macro_f1", "seconds"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


def summarise_curve(table, metrics: Sequence[str] = ("accuracy", "macro_f1", "seconds")):
    """Mean and standard deviation over seeds, per method and K: columns ``<metric>_mean``,
    ``<metric>_sd`` (0 for a single seed) and ``seeds``."""
    grouped = table.groupby(["method", "k"], sort=False)
    summary = grouped[list(metrics)].agg(["mean", "std"])
    summary.columns = [f"{metric}_{'sd' if stat == 'std' else stat}" for metric, stat in summary.columns]
    summary = summary.fillna(0.0)
    summary["seeds"] = grouped.size()
    return summary.reset_index()


def seed_gap(summary, first: str, second: str, metric: str = "accuracy", k: int | None = None) -> dict:
    """How far ``first`` is from ``second`` in a :func:`summarise_curve` table (at ``k``, or its
    only K), against the spread between samples: ``gap`` (first minus second, of the means),
    ``spread`` (the larger of the two standard deviations), ``seeds`` (the fewer of the two
    counts) and ``tie`` (the gap is no larger than the spread, with at least two seeds each;
    one sample has no spread to measure a gap against, so it is never called a tie).

    >>> import pandas as pd
    >>> table = pd.DataFrame({"method": ["a", "a", "b", "b"], "k": 8, "seed": [0, 1, 0, 1],
    ...                       "accuracy": [0.80, 0.84, 0.81, 0.82], "macro_f1": 0.0, "seconds": 1.0})
    >>> gap = seed_gap(summarise_curve(table), "a", "b")
    >>> round(gap["gap"], 3), round(gap["spread"], 3), gap["tie"]
    (0.005, 0.028, True)
    """
    rows = summary if k is None else summary[summary["k"] == k]
    if rows["k"].nunique() != 1:
        raise ValueError(f"the summary holds K = {sorted(rows['k'].unique())}: name one with k=.")
    by_method = rows.set_index("method")
    for name in (first, second):
        if name not in by_method.index:
            raise ValueError(f"no method {name!r} in the summary; it has {list(by_method.index)}.")
    gap = float(by_method.loc[first, f"{metric}_mean"] - by_method.loc[second, f"{metric}_mean"])
    spread = float(max(by_method.loc[first, f"{metric}_sd"], by_method.loc[second, f"{metric}_sd"]))
    seeds = int(min(by_method.loc[first, "seeds"], by_method.loc[second, "seeds"]))
    return {"gap": gap, "spread": spread, "seeds": seeds, "tie": seeds >= 2 and abs(gap) <= spread}
