"""Lesson 06, Few-shot classification with SetFit: its course code outside ``notebooks/06_setfit_few_shot.ipynb``.

- ``DEFAULTS``: this lesson's settings per profile, passed to ``profiles.get_profile`` by the
  notebook (the profile's own sizes are in :mod:`clflib.profiles`).
- ``LESSON``: its entry: the README table's row and what a run must prove (CI budget, floors,
  claims, own-data example; see :class:`clflib.course.lessons.lesson.Lesson`).
- ``RUN_DEFAULTS``: K, SetFit's pair iterations, the seeds and the curve's sizes.

>>> DEFAULTS["smoke"]
{'learning_rate': 0.001, 'batch_size': 16, 'max_length': 64}
"""

from __future__ import annotations

import re

from clflib.course.lessons.lesson import Claim, Lesson, Metrics, frozen
from clflib.course.own_data import OwnDataExample

__all__ = ["DEFAULTS", "RUN_DEFAULTS", "LESSON", "results_summary"]

# Few-shot runs are short, so the profile only sets the fine-tuning learning rate and lengths
# (banking77 questions are 11 words on average; 64 tokens keep all but a handful whole).
DEFAULTS = {
    "smoke": {"learning_rate": 1e-3, "batch_size": 16, "max_length": 64},
    "cpu": {"learning_rate": 1e-4, "batch_size": 16, "max_length": 64},
    "gpu": {"learning_rate": 1e-4, "batch_size": 16, "max_length": 64},
}

# cpu: the curve on the 18 transfer and top-up intents, 3 seeds (all 77 at K = 64 would be 4,928
# texts a model, 3 x 4 x 3 models: about an hour)
RUN_DEFAULTS = {
    "smoke": {
        "texts_per_class": 8,
        "pair_iterations": 1,
        "more_seeds": [0],
        "curve_ks": [2, 4],
        "curve_seeds": [0],
        "curve_classes": None,
    },
    "cpu": {
        "texts_per_class": 64,
        "pair_iterations": 2,
        "more_seeds": [0, 1],
        "curve_ks": [8, 16, 32, 64],
        "curve_seeds": [0, 1, 2],
        "curve_classes": ["transfer", "top_up"],
    },
    "gpu": {
        "texts_per_class": 64,
        "pair_iterations": 20,
        "more_seeds": [0, 1, 2, 3],
        "curve_ks": [8, 16, 32, 64],
        "curve_seeds": [0, 1, 2, 3, 4],
        "curve_classes": None,
    },
}


def _claims(m: Metrics, real: bool, claim: Claim) -> None:
    accuracies = ("setfit_accuracy", "finetune_accuracy", "frozen_accuracy", "zero_shot_embedding")
    claim(all(0.0 <= m[key] <= 1.0 for key in accuracies), "every accuracy must lie in [0, 1]")
    k, classes = m["k"], m["classes"]
    expected_pairs = classes * k * (k - 1) // 2 + k * k * classes * (classes - 1) // 2
    claim(m["pairs_formula_total"] == expected_pairs, "the pair count must follow C·K(K-1)/2 + K²·C(C-1)/2")
    claim(m["pairs_setfit_default"] >= m["pairs_formula_total"], "SetFit's default draw covers every pair")
    claim(m["reload_max_difference"] < 1e-6, "the reloaded SetFit model must give the same probabilities")
    claim(
        abs(m["main_setfit_accuracy_mean"] - m["setfit_accuracy"]) < 1e-9
        if m["main_samples"] == 1
        else m["main_setfit_accuracy_sd"] > 0.0,
        "the main comparison's mean must be its one sample, or several samples must differ",
    )
    if real:
        claim(
            m["setfit_accuracy"] > m["frozen_accuracy"],
            "stage one must beat the same head on frozen embeddings",
        )
        claim(
            m["zero_shot_embedding"] < m["frozen_accuracy"],
            "K labelled examples must beat the label names alone",
        )
    if real and m["classes"] == 77 and m["k"] == 8:  # the published setting (cpu, gpu)
        claim(
            m["setfit_k8_all_intents_accuracy"] >= 0.80, "SetFit at K = 8 on all 77 intents must reach 0.80"
        )
        claim(
            m["main_samples"] >= 3,
            "the headline at K = 8 on all intents must be a mean over at least 3 samples",
        )
        for key in ("setfit", "finetune", "frozen"):
            for k_curve in (8, 16, 32, 64):
                claim(f"{key}_k{k_curve}_mean" in m, f"the learning curve must have {key} at K = {k_curve}")


def _mean_sd(m: Metrics, prefix: str) -> str:
    sd = m.get(f"{prefix}_sd")
    return f"{m[f'{prefix}_mean']:.3f}" + (f" ± {sd:.3f}" if sd else "")


def _curve(m: Metrics) -> str:
    ks = sorted(
        {int(key[len("setfit_k") :].split("_")[0]) for key in m if re.fullmatch(r"setfit_k\d+_mean", key)}
    )
    rows = []
    for method, name in (("setfit", "SetFit"), ("finetune", "fine-tuning"), ("frozen", "frozen")):
        if all(f"{method}_k{k}_mean" in m for k in ks):
            rows.append(name + " " + " / ".join(format(m[f"{method}_k{k}_mean"], ".3f") for k in ks))
    return (
        f"; curve on {m['curve_classes']} intents, K = {' / '.join(map(str, ks))}: {', '.join(rows)}"
        if ks
        else ""
    )


def results_summary(m: Metrics) -> str:
    """The README's results cell, from a run's metrics (the reference run's)."""
    samples = int(m["main_samples"])
    spread = f"mean ± sd over {samples} samples" if samples > 1 else "one sample"
    return (
        f"{m['classes']} intents, K = {m['k']}, accuracy ({spread}): SetFit {_mean_sd(m, 'main_setfit_accuracy')}, "
        f"fine-tuning {_mean_sd(m, 'main_finetune_accuracy')}, frozen embeddings + the same logistic "
        f"regression {_mean_sd(m, 'main_frozen_accuracy')}; label names alone {m['zero_shot_embedding']:.3f}"
        + _curve(m)
    )


LESSON = Lesson(
    slug="06_setfit_few_shot",
    title="Few-shot classification with SetFit",
    dataset="banking77",
    real_dataset="banking77",
    teaches="SetFit's two stages, K per class (setfit.sample_dataset against the course's sampler), "
    "contrastive pair counts (formula against SetFit's own draw), stage one by hand (pair loss, "
    "batch-all triplet loss with SetFit's cosine distance and margin, checked against "
    "sentence-transformers), SetFit 1.2's Trainer offline with the triplet loss and its default "
    "pair route (CosineSimilarityLoss), the embedding space before and after, baselines on the "
    "same K examples (frozen + logistic regression, fine-tuning, label names), a learning curve "
    "over K and seeds",
    key_metrics=(
        "setfit_accuracy",
        "finetune_accuracy",
        "frozen_accuracy",
        "zero_shot_embedding",
    ),
    results=results_summary,
    ci_budget=frozen(
        {"CLASSES": ["transfer", "top_up"], "MORE_SEEDS": [], "PAIR_ITERATIONS": 0, "CURVE_KS": []}
    ),
    # CI budget measured (18 transfer and top-up intents, K = 8, 97 s in one thread): SetFit 0.876,
    # frozen + LR 0.849, fine-tuning 0.807, label names 0.736 (720 test texts). The cpu profile's
    # 77 intents are harder (SetFit 0.825, frozen 0.804, fine-tuning 0.812, names 0.622): the
    # floors hold for both.
    floors=frozen(
        {
            "setfit_accuracy": 0.8,
            "frozen_accuracy": 0.78,
            "finetune_accuracy": 0.7,
            "zero_shot_embedding": 0.55,
        }
    ),
    # smoke measured (inbox, minilm-l2, 38 s in one thread): SetFit 0.66, frozen 0.24, label names 0.37
    smoke_floors=frozen({"setfit_accuracy": 0.5}),
    smoke_own_data=OwnDataExample(
        "intent", "train and test", "jsonl", {"TEXT_COLUMN": "message", "LABEL_COLUMN": "intent"}
    ),
    smoke_proves="SetFit's pair-loss route (one pair iteration in smoke), the main comparison repeated on "
    "a second sample and the learning curve over K and seeds, which the CI budget leaves out",
    claims=_claims,
)
