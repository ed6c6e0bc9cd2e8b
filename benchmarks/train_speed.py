"""Training speed: the classic tutorial recipe against clflib's defaults, side by side in one run.

The classic recipe (still the first hit of most fine-tuning tutorials) pads every example to
``max_length=128`` when tokenizing, shuffles at random, and trains with batch size 32, learning
rate 2e-5, weight decay 0.01, 10% linear warmup, 3 epochs. clflib pads each batch only to its
longest text and groups texts of similar length into batches (``clflib.training``). Arms:

- ``classic``: the recipe above, with a plain ``transformers.Trainer``;
- ``clflib_same_lr``: the same examples, steps, seed and hyperparameters, clflib's batching only
  (what padding alone buys);
- ``clflib``: clflib's default recipe (the cpu profile: also learning rate 1e-4), same examples,
  steps and seed.

Each arm's test accuracy is measured at every quarter epoch; evaluation time is excluded from
training time. Reported per arm: seconds per epoch, tokens processed (padded and real), final
test accuracy, and the training seconds it took to first reach the classic recipe's final test
accuracy minus one point. Ratios are over the classic arm measured in this same run.

    python benchmarks/train_speed.py                         # rotten_tomatoes, all 8,528 texts (51 min on 2 cores)
    python benchmarks/train_speed.py --max-train-samples 2000  # a quicker look
    python benchmarks/train_speed.py --arms classic clflib

Needs ``CLFLIB_DATA_DIR`` (``make`` sets it) or the Hugging Face Hub. Writes
``runs/benchmarks/train_speed.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ARMS = ("classic", "clflib_same_lr", "clflib")
CLASSIC = dict(max_length=128, batch_size=32, learning_rate=2e-5, weight_decay=0.01, warmup=0.1, epochs=3)


class CountingCollator:
    """Wraps a data collator and counts the tokens it hands the model (padded and real)."""

    def __init__(self, collator) -> None:
        self.collator, self.padded_tokens, self.real_tokens = collator, 0, 0
        self.counting = True

    def __call__(self, features):
        batch = self.collator(features)
        if self.counting:
            self.padded_tokens += int(batch["input_ids"].numel())
            self.real_tokens += int(batch["attention_mask"].sum())
        return batch


def make_clock():
    """A TrainerCallback measuring training wall time without the evaluations in it."""
    from transformers import TrainerCallback

    class TrainingClock(TrainerCallback):
        def __init__(self) -> None:
            self.begin = self.last_step_end = 0.0
            self.eval_seconds = 0.0
            self.epoch_marks: list[float] = []
            self.accuracy_at: list[tuple[float, float, float]] = []  # (epoch, train s, accuracy)

        def training_seconds(self, now: float | None = None) -> float:
            return (now or time.perf_counter()) - self.begin - self.eval_seconds

        def on_train_begin(self, args, state, control, **kwargs):
            self.begin = self.last_step_end = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            self.last_step_end = time.perf_counter()

        def on_epoch_end(self, args, state, control, **kwargs):
            self.epoch_marks.append(self.training_seconds(self.last_step_end))

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            now = time.perf_counter()
            seconds = self.training_seconds(self.last_step_end)
            self.eval_seconds += now - self.last_step_end
            self.last_step_end = now
            self.accuracy_at.append((round(state.epoch, 3), seconds, metrics["eval_accuracy"]))

    return TrainingClock()


def accuracy_metric(prediction):
    logits, labels = prediction
    return {"accuracy": float((np.argmax(logits, axis=-1) == labels).mean())}


def run_arm(
    arm: str, train, test, seed: int, evals_per_epoch: int, workdir: Path, precision: str = "fp32"
) -> dict:
    """Train one arm from the same pretrained weights and seed; return its measurements."""
    import torch
    from transformers import PrinterCallback, Trainer, TrainingArguments, default_data_collator

    from clflib import environment, models, profiles, training

    environment.seed_everything(seed)
    tokenizer = models.load_tokenizer()
    model = models.load_sequence_classifier(label_names=["neg", "pos"])
    steps_per_epoch = math.ceil(len(train) / CLASSIC["batch_size"])
    eval_steps = max(1, steps_per_epoch // evals_per_epoch)
    common = dict(
        eval_strategy="steps",
        eval_steps=eval_steps,
        save_strategy="no",
        load_best_model_at_end=False,
        logging_strategy="no",
        disable_tqdm=True,
    )
    clock = make_clock()
    if arm == "classic":

        def encode(batch):
            return tokenizer(
                batch["text"], truncation=True, padding="max_length", max_length=CLASSIC["max_length"]
            )

        train_enc = train.map(encode, batched=True, remove_columns=["text"])
        test_enc = test.map(encode, batched=True, remove_columns=["text"])
        collator = CountingCollator(default_data_collator)
        args = TrainingArguments(
            output_dir=str(workdir / arm),
            num_train_epochs=CLASSIC["epochs"],
            per_device_train_batch_size=CLASSIC["batch_size"],
            per_device_eval_batch_size=64,
            learning_rate=CLASSIC["learning_rate"],
            weight_decay=CLASSIC["weight_decay"],
            warmup_steps=CLASSIC["warmup"],
            lr_scheduler_type="linear",
            seed=seed,
            data_seed=seed,
            report_to="none",
            use_cpu=not torch.cuda.is_available(),
            bf16=precision == "bf16",
            **common,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=train_enc,
            eval_dataset=test_enc,
            data_collator=collator,
            compute_metrics=accuracy_metric,
            callbacks=[clock],
        )
    else:
        learning_rate = CLASSIC["learning_rate"] if arm == "clflib_same_lr" else None
        profile = profiles.get_profile(
            "cpu",
            num_epochs=CLASSIC["epochs"],
            batch_size=CLASSIC["batch_size"],
            learning_rate=learning_rate,
            precision=precision,
        )
        train_enc = training.tokenize_dataset(train, tokenizer, max_length=profile.max_length)
        test_enc = training.tokenize_dataset(test, tokenizer, max_length=profile.max_length)
        trainer = training.make_trainer(
            model,
            tokenizer,
            train_enc,
            test_enc,
            profile,
            workdir / arm,
            compute_metrics=accuracy_metric,
            early_stopping=False,
            callbacks=[clock],
            seed=seed,
            metric_for_best_model="accuracy",
            **common,
        )
        collator = CountingCollator(trainer.data_collator)
        trainer.data_collator = collator

    trainer.remove_callback(PrinterCallback)  # the table at the end says it all
    original_evaluate = trainer.evaluate

    def evaluate_without_counting(*args, **kwargs):
        collator.counting = False
        try:
            return original_evaluate(*args, **kwargs)
        finally:
            collator.counting = True

    trainer.evaluate = evaluate_without_counting
    trainer.train()
    if not clock.accuracy_at or clock.accuracy_at[-1][0] < CLASSIC["epochs"] - 1e-6:
        trainer.evaluate()  # the final step was not an evaluation step
    epoch_seconds = np.diff([0.0, *clock.epoch_marks]).tolist()
    return {
        "arm": arm,
        "train_examples": len(train),
        "steps": trainer.state.global_step,
        "learning_rate": trainer.args.learning_rate,
        "training_seconds": clock.epoch_marks[-1],
        "seconds_per_epoch": epoch_seconds,
        "padded_tokens": collator.padded_tokens,
        "real_tokens": collator.real_tokens,
        "final_test_accuracy": clock.accuracy_at[-1][2],
        "accuracy_curve": clock.accuracy_at,
    }


def seconds_to_reach(curve: list, target: float) -> float | None:
    """Training seconds at the first evaluation whose accuracy is at least ``target``."""
    return next((seconds for _, seconds, accuracy in curve if accuracy >= target), None)


def summarise(results: list[dict], tolerance: float = 0.01) -> list[dict]:
    """Adds ratios over the classic arm (same run) to each arm's row."""
    classic = next(r for r in results if r["arm"] == "classic")
    target = classic["final_test_accuracy"] - tolerance
    rows = []
    for r in results:
        reached = seconds_to_reach(r["accuracy_curve"], target)
        rows.append(
            {
                **r,
                "target_accuracy": target,
                "seconds_to_target": reached,
                "same_steps_speedup": classic["training_seconds"] / r["training_seconds"],
                "time_to_accuracy_speedup": (classic["training_seconds"] / reached if reached else None),
                "padded_token_ratio": classic["padded_tokens"] / r["padded_tokens"],
            }
        )
    return rows


def print_table(rows: list[dict]) -> None:
    print(
        f"\nrotten_tomatoes, {rows[0]['train_examples']} training texts, {rows[0]['steps']} "
        f"steps each; target = classic final accuracy - 1 point = {rows[0]['target_accuracy']:.4f}"
    )
    header = (
        f"{'arm':<16}{'lr':>8}{'s/epoch':>10}{'padded tok':>12}{'real tok':>11}"
        f"{'final acc':>11}{'s to target':>13}{'same-steps x':>14}{'to-target x':>13}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        to_target = f"{r['seconds_to_target']:.0f}" if r["seconds_to_target"] else "never"
        speedup = f"{r['time_to_accuracy_speedup']:.2f}" if r["time_to_accuracy_speedup"] else "-"
        print(
            f"{r['arm']:<16}{r['learning_rate']:>8.0e}{np.mean(r['seconds_per_epoch']):>10.1f}"
            f"{r['padded_tokens']:>12,}{r['real_tokens']:>11,}{r['final_test_accuracy']:>11.4f}"
            f"{to_target:>13}{r['same_steps_speedup']:>14.2f}{speedup:>13}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS)
    parser.add_argument(
        "--max-train-samples",
        type=int,
        default=None,
        help="stratified subsample of the training split (default: all 8,528)",
    )
    parser.add_argument("--evals-per-epoch", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--output", default=str(ROOT / "runs" / "benchmarks" / "train_speed.json"))
    args = parser.parse_args(argv)
    if "classic" not in args.arms:
        parser.error("the classic arm is the reference every ratio is measured against; keep it")

    import torch
    from transformers.utils import logging as hf_logging

    from clflib import data, sampling

    hf_logging.set_verbosity_error()
    if args.threads:
        torch.set_num_threads(args.threads)
    # every arm in the same precision: fp32 on a CPU (no native bf16 here), bf16 on a GPU that has it
    precision = "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "fp32"
    raw = data.load_dataset("rotten_tomatoes")
    train = sampling.stratified_subsample(raw["train"], args.max_train_samples, "label", args.seed)
    test = raw["test"]
    workdir = Path(args.output).parent / "train_speed_checkpoints"
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}, {precision}; "
        f"train {len(train)}, test {len(test)}"
    )
    results = []
    for arm in args.arms:
        started = time.perf_counter()
        results.append(run_arm(arm, train, test, args.seed, args.evals_per_epoch, workdir, precision))
        print(
            f"  {arm}: {time.perf_counter() - started:.0f} s including evaluation, "
            f"final test accuracy {results[-1]['final_test_accuracy']:.4f}",
            flush=True,
        )
    rows = summarise(results)
    print_table(rows)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
                "precision": precision,
                "threads": torch.get_num_threads(),
                "arms": rows,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
