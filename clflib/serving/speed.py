"""Measure inference honestly: throughput, single-request latency, accuracy, and the hardware share.

Taught in lesson 08; benchmarks/inference_speed.py uses it too.

Lesson 08 and ``benchmarks/inference_speed.py`` compare ways of serving one model with these
functions, side by side in one process, on the same texts:

- **throughput**: every text in one call (the configuration batches as it likes), texts/second;
- **latency**: one text per call, as an online service sees it, p50/p99 in milliseconds;
- **accuracy**: of the labels from the throughput run, so a fast path that is wrong shows;
- **hardware share**: the useful FLOP/s (forward FLOPs of the real, non-padding tokens) as a
  share of what this machine's matmul reaches at the model's shapes.

A configuration is any callable from a list of texts to a list of label names:

>>> configurations = {"upper": lambda texts: ["pos" if t.isupper() else "neg" for t in texts]}
>>> table = compare(configurations, ["GOOD", "bad", "OK"], ["pos", "neg", "neg"], latency_texts=2)
>>> round(float(table.loc["upper", "accuracy"]), 3), int(table.loc["upper", "texts"])
(0.667, 3)
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd

from clflib.data_checks import TruncationWarning, warn_if_truncated

__all__ = [
    "speed_change",
    "predictor_labels",
    "pipeline_labels",
    "compare",
    "throughput_by_batch_size",
    "encoder_shapes",
    "forward_flops",
    "matmul_gflops",
    "token_lengths",
    "mean_forward_flops",
    "add_hardware_share",
]

LabelFunction = Callable[[list[str]], list[str]]


def speed_change(ratio: float) -> str:
    """A speed ratio (new speed / old speed) in words a lesson can quote: faster, slower or the same.

    Within 5% either way is "about as fast": timing noise on a shared machine is that large.

    >>> speed_change(1.83), speed_change(0.8), speed_change(1.03)
    ('1.8x faster', '1.25x slower', 'about as fast (1.03x)')
    """
    ratio = float(ratio)
    if not np.isfinite(ratio) or ratio <= 0:
        return "not measurable (no time recorded)"
    if 0.95 <= ratio <= 1.05:
        return f"about as fast ({ratio:.2f}x)"
    if ratio > 1:
        return f"{ratio:.1f}x faster"
    return f"{1 / ratio:.2f}x slower" if 1 / ratio < 1.95 else f"{1 / ratio:.1f}x slower"


def predictor_labels(predictor) -> LabelFunction:
    """A configuration from a :class:`clflib.serving.predictor.Predictor` (single-label)."""
    return lambda texts: predictor.predict(texts)["label"].tolist()


def pipeline_labels(pipe, batch_size: int | None = None, max_length: int = 512) -> LabelFunction:
    """A configuration from a ``transformers.pipeline("text-classification")``.

    ``batch_size=None`` keeps the pipeline's default: one text per forward pass. Texts are
    truncated to ``max_length`` tokens (the pipeline does not truncate by default, and a text
    longer than the model's positions would crash it); a
    :class:`clflib.data_checks.TruncationWarning` says so when more than 5% of a call's texts are.
    """
    options = {"truncation": True, "max_length": max_length}
    if batch_size is not None:
        options["batch_size"] = batch_size

    def predict(texts: list[str]) -> list[str]:
        texts = list(texts)
        warn_if_truncated(pipe.tokenizer, texts, max_length, where="pipeline_labels")
        return [out["label"] for out in pipe(texts, **options)]

    return predict


@contextmanager
def _no_truncation_warnings(quiet: bool = True):
    """Silence TruncationWarning inside (repeat calls on texts already reported), if ``quiet``."""
    if not quiet:
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=TruncationWarning)
        yield


def _timed(predict: LabelFunction, texts: list[str]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    predicted = list(predict(texts))
    return time.perf_counter() - started, predicted


def compare(
    configurations: Mapping[str, LabelFunction],
    texts: Sequence[str],
    gold_labels: Sequence[str],
    latency_texts: int = 100,
    repeats: int = 1,
    warm_up_texts: int = 64,
) -> pd.DataFrame:
    """Throughput, single-text latency and accuracy of each configuration, side by side.

    - Each configuration first predicts ``warm_up_texts`` texts (lazy initialisation, first
      allocations at full batch shapes), untimed.
    - Throughput: all texts in one call, ``repeats`` rounds taken in turn (configuration 1, 2,
      ..., then again), so a machine that slows down or speeds up over time (turbo, heat,
      another job) is shared out evenly; the best round counts.
    - Latency: the first ``latency_texts`` texts, one call each; p50 and p99 in milliseconds
      (with n samples, p99 is about the n/100-th slowest, so ask for a few hundred).
    - Accuracy: of the labels from the throughput run. The first configuration is the baseline
      of ``speedup``; ``accuracy_change`` is in points against it.

    A configuration that cuts long texts (a :class:`clflib.data_checks.TruncationWarning`)
    says so once, from its first throughput round over all the texts; the warm-up, the later
    rounds and the one-text latency calls stay quiet.
    """
    texts, gold = list(texts), list(gold_labels)
    if not texts or len(texts) != len(gold):
        raise ValueError(
            f"need texts and one gold label per text; got {len(texts)} texts and {len(gold)} labels."
        )
    with _no_truncation_warnings():
        for predict in configurations.values():
            predict(texts[:warm_up_texts])
    best = {name: float("inf") for name in configurations}
    predicted: dict[str, list[str]] = {}
    for round_ in range(max(1, repeats)):
        for name, predict in configurations.items():
            # a configuration that cuts texts says so once: in the first round, over all texts
            with _no_truncation_warnings(round_ > 0):
                seconds, predicted[name] = _timed(predict, texts)
            best[name] = min(best[name], seconds)
            if len(predicted[name]) != len(texts):
                raise ValueError(f"{name!r} returned {len(predicted[name])} labels for {len(texts)} texts.")
    rows = {}
    for name, predict in configurations.items():
        with _no_truncation_warnings():
            latencies = [1000 * _timed(predict, [text])[0] for text in texts[: max(1, latency_texts)]]
        p50, p99 = np.percentile(latencies, [50, 99])
        rows[name] = {
            "texts": len(texts),
            "seconds": best[name],
            "texts_per_second": len(texts) / best[name],
            "p50_ms": float(p50),
            "p99_ms": float(p99),
            "accuracy": float(np.mean([p == g for p, g in zip(predicted[name], gold)])),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    baseline = table.iloc[0]
    table["speedup"] = table["texts_per_second"] / baseline["texts_per_second"]
    table["accuracy_change"] = 100 * (table["accuracy"] - baseline["accuracy"])
    table.index.name = "configuration"
    return table


def throughput_by_batch_size(
    make_predict: Callable[[int], LabelFunction],
    texts: Sequence[str],
    batch_sizes: Sequence[int],
    configuration: str = "",
    repeats: int = 1,
) -> pd.DataFrame:
    """Texts per second of ``make_predict(batch_size)`` over ``texts`` (best of ``repeats``).

    ``ms_per_batch`` is the mean time of one batch: what a request waits for when it is served
    in a batch of that size.
    """
    rows = []
    texts = list(texts)
    for position, batch_size in enumerate(batch_sizes):
        predict = make_predict(batch_size)
        with _no_truncation_warnings():
            predict(texts[:batch_size])
        timings = []
        for round_ in range(max(1, repeats)):
            # texts cut at max_length are reported once: first batch size, first round
            with _no_truncation_warnings(position > 0 or round_ > 0):
                timings.append(_timed(predict, texts)[0])
        seconds = min(timings)
        batches = -(-len(texts) // batch_size)
        rows.append(
            {
                "configuration": configuration,
                "batch_size": batch_size,
                "texts_per_second": len(texts) / seconds,
                "ms_per_batch": 1000 * seconds / batches,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the hardware limit
def encoder_shapes(config) -> tuple[int, int, int]:
    """(layers, hidden size, feed-forward size) of a BERT-like encoder config.

    BERT, RoBERTa, MiniLM and most encoders name them ``num_hidden_layers``, ``hidden_size``,
    ``intermediate_size``; DistilBERT ``n_layers``, ``dim``, ``hidden_dim``.
    """
    for names in (
        ("num_hidden_layers", "hidden_size", "intermediate_size"),
        ("n_layers", "dim", "hidden_dim"),
    ):
        values = [getattr(config, name, None) for name in names]
        if all(isinstance(v, int) for v in values):
            return values[0], values[1], values[2]
    raise ValueError(
        f"{type(config).__name__} does not describe a BERT-like encoder "
        f"(num_hidden_layers, hidden_size, intermediate_size)."
    )


def forward_flops(config, length: int) -> float:
    """Forward FLOPs for one text of ``length`` real tokens (multiply-add = 2 FLOPs).

    Per layer and token: the Q, K, V and output projections (4 d²), the feed-forward block
    (2 d f), and attention over the ``length`` tokens (scores and weighted sum, 2 L d);
    then the pooler (d²) and classifier (d × labels) once per text. Embedding look-ups,
    softmax and layer norms are memory-bound and left out, as is usual.

    >>> from types import SimpleNamespace
    >>> config = SimpleNamespace(num_hidden_layers=1, hidden_size=2, intermediate_size=4, num_labels=2)
    >>> forward_flops(config, 3)  # 2 x (3 x (4*4 + 2*2*4 + 2*3*2) + 2*2 + 2*2)
    280.0
    """
    layers, d, f = encoder_shapes(config)
    per_token = 4 * d * d + 2 * d * f + 2 * length * d
    per_text = d * d + d * int(getattr(config, "num_labels", 2))
    return 2.0 * (layers * length * per_token + per_text)


def matmul_gflops(config, tokens: int = 1024, repeats: int = 20) -> float:
    """This machine's fp32 matmul GFLOP/s at the model's shapes, for ``tokens`` rows at once.

    Times the four projections and the two feed-forward matmuls of one layer (median of
    ``repeats``) in torch, on the current thread setting, and divides their FLOPs by the time.
    """
    import torch

    _, d, f = encoder_shapes(config)
    shapes = [(tokens, d, d)] * 4 + [(tokens, d, f), (tokens, f, d)]
    operands = [(torch.randn(m, k), torch.randn(k, n)) for m, k, n in shapes]
    flops = sum(2.0 * m * k * n for m, k, n in shapes)
    timings = []
    with torch.inference_mode():
        for round_ in range(repeats + 2):
            started = time.perf_counter()
            for a, b in operands:
                torch.matmul(a, b)
            if round_ >= 2:  # two warm-up rounds
                timings.append(time.perf_counter() - started)
    return flops / float(np.median(timings)) / 1e9


def token_lengths(tokenizer, texts: Sequence[str], max_length: int) -> list[int]:
    """Real (non-padding) tokens per text, special tokens included, after truncation."""
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)
    return [len(ids) for ids in encoded["input_ids"]]


def mean_forward_flops(config, lengths: Sequence[int]) -> float:
    """Mean :func:`forward_flops` over texts of these token lengths."""
    return float(np.mean([forward_flops(config, n) for n in lengths]))


def add_hardware_share(
    table: pd.DataFrame, config, lengths: Sequence[int], peak_gflops: float, rows: Sequence[str] | None = None
) -> pd.DataFrame:
    """Adds ``useful_gflops`` and ``hardware_share`` (of ``peak_gflops``) to a :func:`compare` table.

    ``useful_gflops``: the forward FLOPs of texts with these token ``lengths`` (see
    :func:`token_lengths`) times each configuration's texts per second.

    ``rows`` names the configurations that ran on the device the peak was measured on (default:
    all); the others get NaN rather than a share of the wrong machine. The share can pass 1.0
    for int8 paths: the peak is the fp32 matmul's.
    """
    table = table.copy()
    table["useful_gflops"] = table["texts_per_second"] * mean_forward_flops(config, lengths) / 1e9
    table["hardware_share"] = table["useful_gflops"] / peak_gflops
    if rows is not None:
        table.loc[~table.index.isin(list(rows)), "hardware_share"] = np.nan
    return table
