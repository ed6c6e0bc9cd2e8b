"""A Predictor: a saved classifier folder in, labels and probabilities (or entity spans) out.

Taught in lesson 08.

It serves the three kinds of models the course trains, found from the folder's config:

- ``single_label``: softmax; columns ``label``, ``score`` (the label's probability) and
  ``probabilities`` (one per label, in the order of ``predictor.label_names``);
- ``multi_label``: one sigmoid per label, cut by the ``thresholds.json`` saved beside the
  model (see :mod:`clflib.thresholds`); columns ``labels`` (a list) and ``probabilities``;
- ``token_classification``: per-word BIO tags joined into entity spans with character
  offsets (see :mod:`clflib.spans`); a word is a whitespace-separated chunk, as in the NER
  data the course trains on (:func:`clflib.spans.whitespace_word_ids`); column ``spans``, a list of
  ``{"label", "start", "end", "text", "score"}``. A text longer than ``max_length`` tokens is
  read in overlapping windows (``stride`` tokens shared between neighbours), and each word is
  tagged from the window where it has the most context on both sides, so no entity past the
  first window is lost (:func:`clflib.spans.merge_windows`).

Inputs can be a list of strings, a pandas Series (the result keeps its index), a DataFrame
column (:meth:`Predictor.predict_frame`) or a ``datasets.Dataset``
(:meth:`Predictor.predict_dataset`). Texts are sorted by length into batches, each padded to its
own longest text, run under ``torch.inference_mode``, and put back in the input order.

Bad input: with ``invalid="raise"`` (the default) a None, NaN, non-string, empty or
whitespace-only text, a bare string or an empty list raises a ValueError/TypeError that says
which item is wrong. With ``invalid="null"`` (what the batch command uses) such rows get empty
predictions and an ``error`` column saying why, and an empty list gives an empty table.

Long texts: a sequence classifier reads the first ``max_length`` tokens of a text. When more
than 5% of the texts of one call are longer, a :class:`clflib.data_checks.TruncationWarning`
says how many (once per ``predict`` call, once per :meth:`Predictor.predict_dataset`).
Token classification never cuts: it reads long texts in windows (above).

``temperature`` (single-label models) divides the logits before the softmax: pass the one fitted
on validation data with :func:`clflib.calibration.fit_temperature` to serve calibrated scores.

Backends: ``"torch"`` (fp32, or bf16/fp16 with ``precision`` on a GPU), ``"int8"`` (dynamic int8
quantisation of every ``nn.Linear``, CPU) and ``"onnx"`` (exported once to ``MODEL_DIR/onnx``
and run by ONNX Runtime, CPU). Every call is timed: :meth:`Predictor.stats` gives p50/p95/p99
latency per call and per batch, and texts per second.

>>> predictor = Predictor.from_folder("runs/my_model", backend="int8")  # doctest: +SKIP
>>> predictor.predict(["where is my parcel?", "thanks, all sorted"])  # doctest: +SKIP
      label     score            probabilities
0  delivery  0.912...  [0.912..., 0.041..., ...]
1    thanks  0.887...  [0.032..., 0.887..., ...]
"""

from __future__ import annotations

import time
import uuid
import warnings
from collections.abc import Sequence
from copy import deepcopy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clflib.data_checks import count_tokens, warn_if_truncated
from clflib.inference import check_texts, in_length_order, scores_from_logits, text_problem
from clflib.models import detect_task, load_saved, model_label_names
from clflib.serving.latency import LatencyStats
from clflib.serving.onnx_export import OnnxLogits, export_onnx
from clflib.spans import merge_windows, spans_from_words, whitespace_word_ids
from clflib.thresholds import apply_thresholds

__all__ = [
    "BACKENDS",
    "PRECISIONS",
    "INVALID",
    "OUTPUT_COLUMNS",
    "quantize_int8",
    "Predictor",
]

BACKENDS = ("torch", "int8", "onnx")
PRECISIONS = ("fp32", "bf16", "fp16", "auto")
INVALID = ("raise", "null")
OUTPUT_COLUMNS = {
    "single_label": ["label", "score", "probabilities"],
    "multi_label": ["labels", "probabilities"],
    "token_classification": ["spans"],
}


def quantize_int8(model):
    """Dynamic int8 quantisation of every ``nn.Linear`` (weights int8, activations per batch).

    Uses ``torch.ao.quantization.quantize_dynamic``: in torch 2.13 it still works and has the
    x86/ARM CPU kernels, but it is marked deprecated in favour of torchao's ``quantize_``
    (whose int8 path targets GPUs); its deprecation warning is silenced here. CPU only.
    """
    import torch

    try:
        from torch.ao.quantization import quantize_dynamic
    except ImportError as error:  # pragma: no cover - a future torch without torch.ao.quantization
        raise ImportError(
            "This torch no longer has torch.ao.quantization.quantize_dynamic; use "
            "backend='onnx', or torchao's quantize_ API."
        ) from error
    float_copy = deepcopy(model).float().cpu().eval()  # the caller's model stays as it was
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(float_copy, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


def _resolve_device(device: str | None) -> str:
    import torch

    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but torch sees no CUDA GPU here; use device='cpu'.")
    return str(device)


def _resolve_precision(precision: str, device: str, backend: str):
    import torch

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}.")
    on_gpu = device.startswith("cuda")
    if precision == "auto":
        if not on_gpu or backend != "torch":
            return torch.float32
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if precision == "fp32":
        return torch.float32
    if not on_gpu or backend != "torch":
        raise ValueError(
            f"precision={precision!r} is for the torch backend on a GPU; on a CPU "
            f"keep 'fp32' (CPUs without native bf16 run it far slower) or use "
            f"backend='int8' or 'onnx'."
        )
    return torch.bfloat16 if precision == "bf16" else torch.float16


def _check_sizes(backend: str, batch_size: int, max_length: int) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}.")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if not isinstance(max_length, int) or max_length < 2:
        raise ValueError(f"max_length must be an integer of at least 2, got {max_length!r}.")


def _check_temperature(temperature: float, task: str) -> float:
    is_number = isinstance(temperature, (int, float)) and not isinstance(temperature, bool)
    if not (is_number and temperature > 0):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}.")
    if temperature != 1.0 and task != "single_label":
        raise ValueError(
            "temperature scaling here is for single-label (softmax) models; a "
            "multi-label model's thresholds were tuned on its raw sigmoids."
        )
    return float(temperature)


def _check_thresholds(thresholds, task: str, label_names: list[str]):
    if task == "multi_label":
        if thresholds is None:
            raise ValueError(
                "a multi-label model needs its thresholds: load the folder with "
                "Predictor.from_folder, or pass thresholds=clflib.thresholds."
                "load_thresholds(folder)."
            )
        if list(thresholds.label_names) != label_names:
            raise ValueError("these thresholds were saved for other labels than the model's.")
    return thresholds


def _check_token_options(tokenizer, task: str, max_length: int, stride: int | None) -> int:
    """The stride of the overlapping windows a long text is read in (token classification)."""
    if task == "token_classification" and not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            "token classification needs a fast tokenizer (character offsets and "
            "word ids); load it with AutoTokenizer.from_pretrained(..., use_fast=True)."
        )
    chosen = max_length // 4 if stride is None else stride
    room = max_length - tokenizer.num_special_tokens_to_add()
    if task == "token_classification" and not (isinstance(chosen, int) and 0 <= chosen < room):
        raise ValueError(
            f"stride must be an integer from 0 to {room - 1} (max_length {max_length} less "
            f"the special tokens, less one), got {stride!r}."
        )
    return chosen


class Predictor:
    """Batched, length-sorted, timed prediction for one classifier (see the module docstring)."""

    def __init__(
        self,
        model,
        tokenizer,
        thresholds=None,
        *,
        batch_size: int = 32,
        max_length: int = 128,
        backend: str = "torch",
        device: str | None = "auto",
        precision: str = "fp32",
        onnx_folder: str | Path | None = None,
        num_threads: int | None = None,
        temperature: float = 1.0,
        stride: int | None = None,
    ) -> None:
        """Wrap a loaded ``model`` and ``tokenizer`` (see :meth:`from_folder` for a saved folder).

        ``thresholds``: a multi-label model's (:func:`clflib.thresholds.load_thresholds`).
        ``batch_size`` texts per model call, each cut to ``max_length`` tokens; ``backend`` one of
        :data:`BACKENDS` (``"onnx"`` exports to ``onnx_folder``); ``device`` "auto", "cpu" or
        "cuda"; ``precision`` one of :data:`PRECISIONS` (bf16/fp16 on a GPU only);
        ``num_threads`` CPU threads (process-wide for torch); ``temperature`` divides a
        single-label model's logits (lesson 08's calibration); ``stride`` the overlap in tokens
        of the windows a long text is read in (token classification; default a quarter of
        ``max_length``).
        """
        _check_sizes(backend, batch_size, max_length)
        self.task = detect_task(model)
        self.temperature = _check_temperature(temperature, self.task)
        self.label_names = model_label_names(model)
        self.thresholds = _check_thresholds(thresholds, self.task, self.label_names)
        self.stride = _check_token_options(tokenizer, self.task, max_length, stride)
        self.tokenizer = tokenizer
        self.batch_size, self.max_length, self.backend = batch_size, max_length, backend
        self.device = "cpu" if backend in ("int8", "onnx") else _resolve_device(device)
        if backend != "torch" and device not in (None, "auto", "cpu"):
            raise ValueError(
                f"backend={backend!r} runs on the CPU; for a GPU use backend='torch' "
                f"with precision='bf16' or 'fp16'."
            )
        self.dtype = _resolve_precision(precision, self.device, backend)
        if num_threads and backend != "onnx":
            import torch

            torch.set_num_threads(int(num_threads))  # process-wide, as torch has it
        self.model, self._onnx = None, None
        if backend == "onnx":
            if onnx_folder is None:
                raise ValueError("backend='onnx' needs onnx_folder, where the export is (or goes).")
            self._onnx = OnnxLogits(export_onnx(model, tokenizer, onnx_folder), num_threads)
        elif backend == "int8":
            self.model = quantize_int8(model)
        else:
            self.model = model.to(device=self.device, dtype=self.dtype).eval()
        self.call_latency = LatencyStats()
        self.batch_latency = LatencyStats()
        self._report_truncation = True  # predict_dataset reports once, not once per map batch

    @classmethod
    def from_folder(cls, directory: str | Path, **options: Any) -> Predictor:
        """Load a saved model folder (with its ``thresholds.json`` for a multi-label model).

        ``options`` are the constructor's (``batch_size``, ``max_length``, ``backend``,
        ``device``, ``precision``, ``num_threads``, ``temperature``). The ONNX backend exports to
        ``directory/onnx`` the first time, unless ``onnx_folder`` says elsewhere.
        """
        saved = load_saved(directory)
        if options.get("backend") == "onnx":
            options.setdefault("onnx_folder", saved.folder / "onnx")
        return cls(saved.model, saved.tokenizer, saved.thresholds, **options)

    # ----------------------------------------------------------------------------- running
    def _logits(self, batch: list[str]):
        """Tokenize one batch (padded to its longest text) and run the model.

        Returns (logits, encoding, character offsets, the text of each window): the last two only
        for token classification, where a long text becomes several overlapping windows.
        """
        token_task = self.task == "token_classification"
        windows = {"return_overflowing_tokens": True, "stride": self.stride} if token_task else {}
        encoded = self.tokenizer(
            batch,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="np" if self._onnx is not None else "pt",
            return_offsets_mapping=token_task,
            **windows,
        )
        offsets = encoded.pop("offset_mapping") if token_task else None
        # which text each window comes from (token classification); the model must not see it
        window_texts = [int(i) for i in encoded.pop("overflow_to_sample_mapping")] if token_task else None
        if self._onnx is not None:
            return self._onnx(encoded), encoded, offsets, window_texts
        import torch

        with torch.inference_mode():
            logits = self.model(**encoded.to(self.device)).logits
        return logits.float().cpu().numpy(), encoded, offsets, window_texts

    def _predict_batch(self, batch: list[str]):
        started = time.perf_counter()
        logits, encoded, offsets, window_texts = self._logits(batch)
        if self.task == "token_classification":
            scores = scores_from_logits(logits, multi_label=False)
            result = []
            for i, text in enumerate(batch):
                windows = [w for w, source in enumerate(window_texts) if source == i]
                _, word_offsets, word_scores = merge_windows(
                    [whitespace_word_ids(text, offsets[w]) for w in windows],
                    [np.asarray(offsets[w]) for w in windows],
                    [scores[w] for w in windows],
                )
                result.append(spans_from_words(text, word_offsets, word_scores, self.label_names))
        else:
            result = scores_from_logits(logits / self.temperature, multi_label=self.task == "multi_label")
        self.batch_latency.record(time.perf_counter() - started, len(batch))
        return result

    def _warn_if_truncated(self, texts: list[str]) -> None:
        """One truncation check per call, on all its texts (windows cut nothing: no check)."""
        if self._report_truncation and self.task != "token_classification" and texts:
            warn_if_truncated(self.tokenizer, texts, self.max_length, where="Predictor")

    def _run(self, texts: list[str]):
        self._warn_if_truncated(texts)
        return in_length_order(texts, self.batch_size, self._predict_batch, show_progress=False)

    # ----------------------------------------------------------------------------- public API
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text in the input order (sequence classifiers only)."""
        if self.task == "token_classification":
            raise ValueError(
                "a token-classification model has no per-text probabilities; use "
                "predict(texts) for entity spans."
            )
        started = time.perf_counter()
        texts = check_texts(texts)
        scores = self._run(texts)
        self.call_latency.record(time.perf_counter() - started, len(texts))
        return scores

    def predict_logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits, one row per text in the input order (no temperature, no softmax).

        What calibration fits a temperature on (see :mod:`clflib.calibration`).
        """
        if self.task == "token_classification":
            raise ValueError("predict_logits is for sequence classifiers; use predict(texts) for spans.")
        texts = check_texts(texts)
        self._warn_if_truncated(texts)
        return in_length_order(
            texts, self.batch_size, lambda batch: self._logits(batch)[0], show_progress=False
        )

    def predict(self, texts: Sequence[str] | pd.Series, invalid: str = "raise") -> pd.DataFrame:
        """One row of predictions per text, in the input order (see the module docstring)."""
        if invalid not in INVALID:
            raise ValueError(f"invalid must be one of {INVALID}, got {invalid!r}.")
        started = time.perf_counter()
        index = texts.index if isinstance(texts, pd.Series) else None
        if isinstance(texts, str):
            check_texts(texts)  # raises: a bare string is one text, not a list
        texts = list(texts)
        if invalid == "raise":
            problems: list[str | None] = [None] * len(check_texts(texts))
        else:
            problems = [text_problem(text) for text in texts]
        valid = [i for i, problem in enumerate(problems) if problem is None]
        results = self._run([texts[i] for i in valid]) if valid else []
        columns = self._columns(results, valid, len(texts))
        if invalid == "null":
            columns["error"] = pd.Series(problems, dtype=object)
        frame = pd.DataFrame(columns)
        if index is not None:
            frame.index = index
        self.call_latency.record(time.perf_counter() - started, len(valid))
        return frame

    def _columns(self, results, valid: list[int], n: int) -> dict[str, pd.Series]:
        """The output columns for ``n`` rows; rows not in ``valid`` stay empty (None/NaN)."""

        def column(values, dtype=object) -> pd.Series:
            full: list[Any] = [None] * n
            for position, value in zip(valid, values, strict=True):
                full[position] = value
            return pd.Series(full, dtype=dtype)

        if self.task == "token_classification":
            return {"spans": column(results)}
        scores = np.asarray(results, dtype=np.float32).reshape(len(valid), len(self.label_names))
        probabilities = column(row.tolist() for row in scores)
        if self.task == "multi_label":
            decisions = apply_thresholds(scores, self.thresholds.thresholds, self.thresholds.fallback)
            names = np.asarray(self.label_names, dtype=object)
            return {
                "labels": column(names[np.flatnonzero(row)].tolist() for row in decisions),
                "probabilities": probabilities,
            }
        best = scores.argmax(axis=1) if len(scores) else np.zeros(0, dtype=int)
        return {
            "label": column(self.label_names[i] for i in best),
            "score": column(scores[np.arange(len(best)), best].astype(float), dtype=float),
            "probabilities": probabilities,
        }

    def predict_frame(
        self, frame: pd.DataFrame, text_column: str = "text", prefix: str = "pred_", invalid: str = "null"
    ) -> pd.DataFrame:
        """``frame`` with the prediction columns added, each named ``prefix`` + column.

        >>> predictor.predict_frame(pd.DataFrame({"id": [7], "text": ["hi"]})).columns.tolist()  # doctest: +SKIP
        ['id', 'text', 'pred_label', 'pred_score', 'pred_probabilities', 'pred_error']
        """
        if text_column not in frame.columns:
            raise KeyError(
                f"no text column {text_column!r}; the columns are "
                f"{list(frame.columns)}. Name the right one with text_column=."
            )
        predictions = self.predict(frame[text_column], invalid=invalid)
        added = {f"{prefix}{name}": predictions[name].to_numpy() for name in predictions.columns}
        clash = sorted(set(added) & set(frame.columns))
        if clash:
            raise ValueError(
                f"the input already has column(s) {clash}; pass another prefix= so "
                f"the predictions do not overwrite them."
            )
        return frame.assign(**added)

    def predict_dataset(
        self,
        dataset,
        text_column: str = "text",
        prefix: str = "pred_",
        invalid: str = "raise",
        map_batch_size: int = 1000,
    ):
        """A ``datasets.Dataset`` with the prediction columns added (``prefix`` + column).

        Runs ``dataset.map`` in batches of ``map_batch_size`` rows, so memory stays bounded, and
        never reuses a cached result (a model may change behind the same folder name).
        """
        from datasets import Features

        if text_column not in dataset.column_names:
            raise KeyError(
                f"no text column {text_column!r}; the columns are "
                f"{dataset.column_names}. Name the right one with text_column=."
            )
        added = Features.from_arrow_schema(self.output_schema(prefix, with_error=invalid == "null"))
        clash = sorted(set(added) & set(dataset.column_names))
        if clash:
            raise ValueError(f"the dataset already has column(s) {clash}; pass another prefix=.")
        features = dataset.features.copy()
        features.update(added)

        def add_predictions(batch: dict[str, list]) -> dict[str, list]:
            predictions = self.predict(batch[text_column], invalid=invalid)
            return {
                f"{prefix}{name}": [None if _is_missing(v) else v for v in predictions[name]]
                for name in predictions.columns
            }

        if self.task != "token_classification":  # one check over the whole column, chunk by chunk
            lengths = [np.zeros(0, dtype=int)] + [
                count_tokens(self.tokenizer, [t for t in chunk[text_column] if text_problem(t) is None])
                for chunk in dataset.select_columns([text_column]).iter(batch_size=map_batch_size)
            ]
            warn_if_truncated(
                self.tokenizer, None, self.max_length, lengths=np.concatenate(lengths), where="Predictor"
            )
        self._report_truncation = False
        try:
            return dataset.map(
                add_predictions,
                batched=True,
                batch_size=map_batch_size,
                features=features,
                load_from_cache_file=False,
                new_fingerprint=uuid.uuid4().hex,
                desc="Predicting",
            )
        finally:
            self._report_truncation = True

    def output_schema(self, prefix: str = "", with_error: bool = False):
        """The pyarrow schema of the prediction columns (fixed, so every Parquet part agrees)."""
        import pyarrow as pa

        scores = pa.list_(pa.float32())
        fields = {
            "single_label": [("label", pa.string()), ("score", pa.float64()), ("probabilities", scores)],
            "multi_label": [("labels", pa.list_(pa.string())), ("probabilities", scores)],
            "token_classification": [
                (
                    "spans",
                    pa.list_(
                        pa.struct(
                            [
                                ("label", pa.string()),
                                ("start", pa.int64()),
                                ("end", pa.int64()),
                                ("text", pa.string()),
                                ("score", pa.float64()),
                            ]
                        )
                    ),
                )
            ],
        }[self.task]
        if with_error:
            fields.append(("error", pa.string()))
        return pa.schema([(prefix + name, kind) for name, kind in fields])

    # ----------------------------------------------------------------------------- timing
    def warm_up(self) -> None:
        """Run one small batch (one-off set-up costs), then forget its timing."""
        self.predict(["warm up", "a second, longer text to warm up with"])
        self.reset_stats()

    def reset_stats(self) -> None:
        """Forget every timing recorded so far."""
        self.call_latency.reset()
        self.batch_latency.reset()

    def stats(self) -> dict[str, dict]:
        """Latency p50/p95/p99 (ms) and texts per second, per ``predict`` call and per batch."""
        return {"per_call": self.call_latency.summary(), "per_batch": self.batch_latency.summary()}

    def __repr__(self) -> str:
        return (
            f"Predictor(task={self.task!r}, labels={len(self.label_names)}, "
            f"backend={self.backend!r}, device={self.device!r}, "
            f"batch_size={self.batch_size}, max_length={self.max_length})"
        )


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
