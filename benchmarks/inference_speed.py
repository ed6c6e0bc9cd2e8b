"""Inference speed: lesson 08's ways of serving one model, side by side in one run.

On 2,000 held-out rotten_tomatoes texts (the whole test split, then validation), each
configuration predicts every text (texts/second, accuracy) and then serves single texts one call
at a time (p50/p99 latency):

- ``pipeline default``: ``transformers.pipeline("text-classification")`` with its defaults;
- ``pipeline batch 32``: the same with ``batch_size=32``;
- ``Predictor fp32`` / ``int8`` / ``ONNX``: :class:`clflib.serving.predictor.Predictor` backends;
- on a GPU, also ``Predictor bf16`` (the pipelines and fp32 Predictor then run on the GPU too).

Speed-ups are over the pipeline default measured in the same run. The last columns say how much
of the machine each path uses: the forward FLOPs of the real (non-padding) tokens per second, as
a share of this machine's fp32 matmul GFLOP/s at the model's shapes (measured here too).

    python benchmarks/inference_speed.py                 # trains a model first if none is given (~3 min on CPU)
    python benchmarks/inference_speed.py --model-dir notebooks/outputs/01_binary_sentiment/model
    python benchmarks/inference_speed.py --texts 500 --latency-texts 50   # a quicker look

Writes ``runs/benchmarks/inference_speed.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
RUNS = ROOT / "runs" / "benchmarks"
TARGETS = {"Predictor fp32": 2.5, "fastest int8/ONNX": 3.5, "max_accuracy_loss_points": 1.0}


def train_model(folder: Path, seed: int) -> Path:
    """One epoch of clflib's cpu recipe on all of rotten_tomatoes' training split."""
    from clflib import data, metrics, models, profiles, training

    profile = profiles.get_profile("cpu", num_epochs=1, max_train_samples=None)
    raw = data.load_dataset("rotten_tomatoes")
    tokenizer = models.load_tokenizer()
    encoded = training.tokenize_dataset(raw, tokenizer, max_length=profile.max_length)
    trainer = training.fine_tune(
        models.DEFAULT_MODEL,
        data.label_names(raw["train"], "label"),
        tokenizer,
        encoded["train"],
        encoded["validation"],
        profile,
        folder / "checkpoints",
        seed=seed,
        compute_metrics=metrics.make_compute_metrics("binary"),
    )
    trainer.save_model(str(folder))
    return folder


def held_out_texts(count: int) -> tuple[list[str], list[str]]:
    """The first ``count`` texts of test + validation, and their gold label names."""
    from clflib import data

    raw = data.load_dataset("rotten_tomatoes")
    names = data.label_names(raw["test"], "label")
    texts, gold = [], []
    for split in ("test", "validation"):
        texts += list(raw[split]["text"])
        gold += [names[i] for i in raw[split]["label"]]
    if count > len(texts):
        raise SystemExit(f"--texts {count} is more than the {len(texts)} held-out texts.")
    return texts[:count], gold[:count]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model-dir",
        default=None,
        help="a saved rotten_tomatoes classifier (default: train one into "
        "runs/benchmarks/sentiment_model, once)",
    )
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument(
        "--latency-texts",
        type=int,
        default=500,
        help="single-text calls per configuration (p99 of 500 is the 5th slowest)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="throughput: rounds over every configuration in turn; the best counts",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", default=str(RUNS / "inference_speed.json"))
    args = parser.parse_args(argv)

    import torch
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    from clflib import models
    from clflib.serving import speed
    from clflib.serving.predictor import Predictor

    hf_logging.set_verbosity_error()
    if args.threads:
        torch.set_num_threads(args.threads)
    model_dir = Path(args.model_dir) if args.model_dir else RUNS / "sentiment_model"
    if not models.is_model_folder(model_dir):
        if args.model_dir:
            raise SystemExit(f"{model_dir} holds no saved model (no config.json).")
        print(f"training a model into {model_dir} (once) ...", flush=True)
        train_model(model_dir, args.seed)
    texts, gold = held_out_texts(args.texts)
    on_gpu = torch.cuda.is_available()
    device_name = torch.cuda.get_device_name() if on_gpu else f"CPU, {torch.get_num_threads()} threads"
    print(f"torch {torch.__version__}; {device_name}; {len(texts)} texts; model {model_dir}")

    pipe = pipeline("text-classification", model=str(model_dir), device=0 if on_gpu else -1)
    fp32 = Predictor.from_folder(model_dir)
    configurations = {
        "pipeline default": speed.pipeline_labels(pipe, max_length=128),
        "pipeline batch 32": speed.pipeline_labels(pipe, batch_size=32, max_length=128),
        "Predictor fp32": speed.predictor_labels(fp32),
        "Predictor int8": speed.predictor_labels(Predictor.from_folder(model_dir, backend="int8")),
        "Predictor ONNX": speed.predictor_labels(
            Predictor.from_folder(model_dir, backend="onnx", onnx_folder=Path(args.output).parent / "onnx")
        ),
    }
    if on_gpu:
        configurations["Predictor bf16"] = speed.predictor_labels(
            Predictor.from_folder(model_dir, precision="auto")
        )
    started = time.perf_counter()
    table = speed.compare(configurations, texts, gold, latency_texts=args.latency_texts, repeats=args.repeats)
    config = fp32.model.config
    lengths = speed.token_lengths(fp32.tokenizer, texts, fp32.max_length)
    peak = speed.matmul_gflops(config)
    # the peak is the CPU's: rows that ran on a GPU get no share of it
    cpu_rows = [name for name in table.index if not on_gpu or name in ("Predictor int8", "Predictor ONNX")]
    table = speed.add_hardware_share(table, config, lengths, peak, rows=cpu_rows)
    print(
        f"measured in {time.perf_counter() - started:.0f} s; CPU fp32 matmul at the model's shapes "
        f"{peak:.0f} GFLOP/s; {sum(lengths) / len(lengths):.1f} real tokens per text\n"
    )
    shown = table[
        [
            "texts_per_second",
            "speedup",
            "p50_ms",
            "p99_ms",
            "accuracy",
            "accuracy_change",
            "useful_gflops",
            "hardware_share",
        ]
    ]
    print(shown.to_string(float_format=lambda v: f"{v:.3f}"))

    quantised = table.loc[["Predictor int8", "Predictor ONNX"]]
    allowed = quantised[quantised["accuracy_change"] >= -TARGETS["max_accuracy_loss_points"]]
    fastest = allowed["speedup"].idxmax() if len(allowed) else None
    checks = {
        "Predictor fp32 >= 2.5x the pipeline default": table.loc["Predictor fp32", "speedup"]
        >= TARGETS["Predictor fp32"],
        "int8 or ONNX >= 3.5x with at most 1 point accuracy loss": fastest is not None
        and allowed.loc[fastest, "speedup"] >= TARGETS["fastest int8/ONNX"],
    }
    print()
    for name, met in checks.items():
        print(f"target {'met' if met else 'NOT met'}: {name}")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "device": device_name,
                "texts": len(texts),
                "peak_matmul_gflops": peak,
                "targets_met": {k: bool(v) for k, v in checks.items()},
                "configurations": table.reset_index().to_dict(orient="records"),
            },
            indent=2,
        )
    )
    print(f"\nwritten to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
