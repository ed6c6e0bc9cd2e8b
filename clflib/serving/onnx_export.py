"""Export a classifier to ONNX with ``torch.onnx.export`` and run it with ONNX Runtime.

Taught in lesson 08.

Why these two and not optimum: ``torch.onnx.export`` ships with torch (its exporter needs the
``onnx`` and ``onnxscript`` packages), so the export follows the installed torch and
transformers instead of waiting for a third library to support them; ONNX Runtime
(``onnxruntime``) is the standard engine that runs the file, on CPU here. The exported graph
takes the tokenizer's inputs (``input_ids``, ``attention_mask`` and, for BERT-like models,
``token_type_ids``) with a dynamic batch size and sequence length, and returns the logits, so
the predictor keeps its own tokenisation, sorting, padding and post-processing.

>>> path = export_onnx(model, tokenizer, "model_dir/onnx")  # doctest: +SKIP
>>> logits = OnnxLogits(path)(tokenizer(["hello"], return_tensors="np"))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["ONNX_FILE", "SOURCE_FILE", "weights_fingerprint", "input_names", "export_onnx", "OnnxLogits"]

ONNX_FILE = "model.onnx"
SOURCE_FILE = "source.json"


def weights_fingerprint(model) -> str:
    """A SHA-256 of the model's parameter names, shapes and values (which weights were exported).

    >>> import torch
    >>> a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    >>> weights_fingerprint(a) == weights_fingerprint(a), weights_fingerprint(a) == weights_fingerprint(b)
    (True, False)
    """
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
        digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _require(module: str, package: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"The ONNX backend needs the package {package!r}: pip install -e '.[inference]' "
            f"(or pip install {package})."
        ) from error


def input_names(tokenizer) -> list[str]:
    """The tokenizer outputs the graph takes, in the order the model's forward expects them.

    >>> class Tok: model_input_names = ["input_ids", "token_type_ids", "attention_mask"]
    >>> input_names(Tok())
    ['input_ids', 'attention_mask', 'token_type_ids']
    """
    known = ["input_ids", "attention_mask", "token_type_ids"]
    names = [name for name in known if name in tokenizer.model_input_names]
    if "input_ids" not in names:
        raise ValueError(
            f"this tokenizer gives {tokenizer.model_input_names}; an ONNX export needs at least input_ids."
        )
    return names


def export_onnx(model, tokenizer, folder: str | Path, opset_version: int = 18) -> Path:
    """Write ``folder/model.onnx`` (logits from the tokenizer's inputs); return its path.

    The export goes to a temporary folder that is renamed into place when complete, so a
    crash, or several processes exporting at once, never leave a half-written model behind.
    An existing export of the same weights is reused; one made from other weights (a model
    retrained into the same folder) is replaced, so the ONNX backend never serves a stale model.
    """
    import json

    import torch

    _require("onnx", "onnx")
    _require("onnxscript", "onnxscript")
    folder = Path(folder)
    fingerprint = weights_fingerprint(model)
    if (folder / ONNX_FILE).is_file():
        source = folder / SOURCE_FILE
        if source.is_file() and json.loads(source.read_text()).get("weights_sha256") == fingerprint:
            return folder / ONNX_FILE
        shutil.rmtree(folder)  # exported from other weights (or by an older clflib): redo it
    names = input_names(tokenizer)

    class LogitsOnly(torch.nn.Module):
        """The model with positional inputs and a plain tensor out, as an exporter wants."""

        def __init__(self, wrapped) -> None:
            super().__init__()
            self.wrapped = wrapped

        def forward(self, input_ids, attention_mask=None, token_type_ids=None):
            inputs = {
                "input_ids": input_ids,
                "attention_mask": attention_mask,
                "token_type_ids": token_type_ids,
            }
            return self.wrapped(**{name: inputs[name] for name in names}).logits

    sample = tokenizer(
        [
            "an example to trace the model with",
            "and a second, longer example so that the batch needs padding",
        ],
        padding=True,
        return_tensors="pt",
    )
    batch = torch.export.Dim("batch", min=1, max=4096)
    sequence = torch.export.Dim("sequence", min=2, max=8192)
    args = tuple(sample[name] for name in names)
    dynamic_shapes = tuple({0: batch, 1: sequence} for _ in names)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        wrapped = LogitsOnly(model.float()).eval()
        registration_log = logging.getLogger("torch.onnx._internal.exporter._registration")
        level = registration_log.level
        registration_log.setLevel(logging.ERROR)  # "torchvision is not installed": not needed here
        try:
            with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
                # every input shares the batch and sequence axes; the exporter notes it, harmlessly
                warnings.filterwarnings("ignore", message=".*shares the same shape constraints")
                torch.onnx.export(
                    wrapped,
                    args,
                    str(staging / ONNX_FILE),
                    input_names=names,
                    output_names=["logits"],
                    dynamic_shapes=dynamic_shapes,
                    opset_version=opset_version,
                    dynamo=True,
                    verbose=False,
                )
        finally:
            registration_log.setLevel(level)
        (staging / SOURCE_FILE).write_text(json.dumps({"weights_sha256": fingerprint}))
        try:
            os.replace(staging, folder)
        except OSError:  # another process finished first; its export is as good as ours
            if not (folder / ONNX_FILE).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder / ONNX_FILE


class OnnxLogits:
    """An ONNX Runtime session on CPU: tokenizer outputs (numpy) in, float32 logits out."""

    def __init__(self, path: str | Path, num_threads: int | None = None) -> None:
        ort = _require("onnxruntime", "onnxruntime")
        options = ort.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = int(num_threads)
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]

    def __call__(self, encoded: Mapping[str, np.ndarray]) -> np.ndarray:
        feed = {name: np.asarray(encoded[name], dtype=np.int64) for name in self.input_names}
        return np.asarray(self.session.run(["logits"], feed)[0], dtype=np.float32)
