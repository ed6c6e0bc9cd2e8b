"""Zero-shot speed: NLI through the pipeline text by text against clflib's batched NLI route, and
embedding similarity, side by side in one run, at 2, 10 and 77 candidate labels.

NLI zero-shot runs the model once per text *and* label; transformers'
``pipeline("zero-shot-classification")`` called one text at a time runs each text's pairs as
batches of one. :class:`clflib.zeroshot.NliZeroShot` puts every text-label pair of a call into
length-sorted batches. Both must give the same scores (the largest difference is reported).
Embedding similarity runs once per text, whatever the number of labels.

Texts are banking77 test questions; labels are banking77 intent names as words (the first 2, 10
or 77). Ratios are over the pipeline measured in the same run.

    python benchmarks/zero_shot_speed.py                       # the course's NLI model (trained once if missing)
    python benchmarks/zero_shot_speed.py --model-dir runs/cpu/05_nli_sentence_pairs/model --texts 50

Writes ``runs/benchmarks/zero_shot_speed.json``.
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
TARGET_SPEEDUP = 3.0  # the batched NLI route over the pipeline text by text (issue: lesson 07)


def texts_and_labels(count: int, data_name: str = "banking77") -> tuple[list[str], list[str]]:
    """The first ``count`` test texts and every label name as words."""
    from clflib import data, fewshot

    raw = data.load_dataset(data_name)
    texts = list(raw["test"]["text"])
    if count > len(texts):
        raise SystemExit(f"--texts {count} is more than the {len(texts)} test texts.")
    names = [fewshot.readable_label(name) for name in data.label_names(raw["test"], "label")]
    return texts[:count], names


def timed(repeats: int, function, *args):
    """The result of the fastest of ``repeats`` calls of ``function(*args)``, and its seconds."""
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - started)
    return result, best


def pipeline_scores(pipe, texts: list[str], labels: list[str]):
    """The zero-shot pipeline called one text at a time; scores in the order of ``labels``."""
    import numpy as np

    scores = np.zeros((len(texts), len(labels)))
    for row, text in enumerate(texts):
        result = pipe(text, candidate_labels=labels)
        position = {label: i for i, label in enumerate(result["labels"])}
        scores[row] = [result["scores"][position[label]] for label in labels]
    return scores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model-dir", default=None, help="an NLI model folder (default: the course's cpu recipe)"
    )
    parser.add_argument("--texts", type=int, default=100)
    parser.add_argument("--labels", type=int, nargs="+", default=[2, 10, 77])
    parser.add_argument("--embedding-model", default="minilm")
    parser.add_argument("--repeats", type=int, default=2, help="the fastest of this many rounds counts")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--output", default=str(RUNS / "zero_shot_speed.json"))
    args = parser.parse_args(argv)

    import numpy as np
    import torch
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    from clflib import nli, zeroshot

    hf_logging.set_verbosity_error()
    if args.threads:
        torch.set_num_threads(args.threads)
    model_dir = args.model_dir or str(nli.course_nli_model("cpu"))
    texts, all_labels = texts_and_labels(args.texts)
    if max(args.labels) > len(all_labels):
        raise SystemExit(f"--labels {max(args.labels)} is more than banking77's {len(all_labels)} intents.")
    print(
        f"torch {torch.__version__}; CPU, {torch.get_num_threads()} threads; {len(texts)} texts; model {model_dir}"
    )

    pipe = pipeline("zero-shot-classification", model=model_dir, device=-1)
    batched = zeroshot.NliZeroShot.from_pretrained(model_dir, show_progress=False)
    embedding = zeroshot.EmbeddingZeroShot(args.embedding_model, show_progress=False)
    rows = []
    for count in args.labels:
        labels = all_labels[:count]

        reference, pipeline_seconds = timed(args.repeats, pipeline_scores, pipe, texts, labels)
        ours, batched_seconds = timed(args.repeats, batched.predict_proba, texts, labels)
        _, embedding_seconds = timed(args.repeats, embedding.predict_proba, texts, labels)
        for route, seconds in (
            ("NLI pipeline, text by text", pipeline_seconds),
            ("NLI clflib, batched pairs", batched_seconds),
            ("embedding similarity", embedding_seconds),
        ):
            rows.append(
                {
                    "labels": count,
                    "route": route,
                    "forward_passes": zeroshot.nli_forward_passes(len(texts), count)
                    if route.startswith("NLI")
                    else len(texts) + count,
                    "seconds": seconds,
                    "texts_per_second": len(texts) / seconds,
                    "speedup": pipeline_seconds / seconds,
                    "max_score_difference": float(np.abs(ours - reference).max())
                    if "clflib" in route
                    else None,
                }
            )
    batched_rows = [r for r in rows if r["route"].startswith("NLI clflib")]
    result = {
        "model_dir": str(model_dir),
        "texts": len(texts),
        "threads": torch.get_num_threads(),
        "rows": rows,
        "targets_met": {
            f"batched NLI >= {TARGET_SPEEDUP}x the pipeline at {r['labels']} labels": r["speedup"]
            >= TARGET_SPEEDUP
            for r in batched_rows
        },
        "same_scores": all(r["max_score_difference"] < 1e-4 for r in batched_rows),
    }
    print(f"{'labels':>6}  {'route':<28} {'passes':>7} {'texts/s':>8} {'speedup':>8}")
    for r in rows:
        print(
            f"{r['labels']:>6}  {r['route']:<28} {r['forward_passes']:>7} {r['texts_per_second']:>8.1f} "
            f"{r['speedup']:>7.2f}x"
        )
    for name, met in result["targets_met"].items():
        print(f"target {name}: {'met' if met else 'MISSED'}")
    print(f"same scores as the pipeline: {result['same_scores']}")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2))
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
