"""Lesson 02, Multi-class with class imbalance: its course code outside ``notebooks/02_multiclass_imbalance.ipynb``.

- ``DEFAULTS``: this lesson's settings per profile, passed to ``profiles.get_profile`` by the
  notebook (the profile's own sizes are in :mod:`clflib.profiles`).
- ``LESSON``: its entry: the README table's row and what a run must prove (CI budget, floors,
  claims, own-data example; see :class:`clflib.course.lessons.lesson.Lesson`).
- ``OPTIONS`` / ``SMOKE_OPTIONS``: the loss and sampling options compared.
- findings: ``imbalance_findings`` (the options' table), ``rare_class_findings`` (the rarest intents).

>>> DEFAULTS["smoke"]
{'num_epochs': 6, 'learning_rate': 0.001, 'max_length': 64}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from clflib.course.lessons.lesson import Claim, Lesson, Metrics, frozen
from clflib.course.lessons.verdicts import change_verdict
from clflib.course.own_data import OwnDataExample

__all__ = [
    "DEFAULTS",
    "LESSON",
    "results_summary",
    "OPTIONS",
    "SMOKE_OPTIONS",
    "OPTION_NAMES",
    "imbalance_findings",
    "rare_class_findings",
]

# Seven models train in this lesson. Short texts and many classes need more epochs and a
# higher learning rate than lesson 01; these are this lesson's defaults per profile.
DEFAULTS = {
    "smoke": {"num_epochs": 6, "learning_rate": 1e-3, "max_length": 64},
    "cpu": {
        "max_train_samples": 2300,
        "max_eval_samples": 1500,
        "num_epochs": 3,
        "learning_rate": 2e-4,
        "early_stopping_patience": 1,
    },
    "gpu": {"num_epochs": 10, "learning_rate": 1e-4, "early_stopping_patience": 3},
}

OPTIONS = ("cross_entropy", "inverse", "sqrt_inverse", "effective_number", "focal", "oversampling")
"""Every option the lesson can compare (the cpu and gpu profiles run all of them)."""

OPTION_NAMES = {
    "cross_entropy": "cross-entropy",
    "inverse": "class weights 1/n",
    "sqrt_inverse": "class weights 1/√n",
    "effective_number": "class weights by effective number",
    "focal": "focal loss",
    "oversampling": "oversampling",
}
"""Each option's name in the README's results cell."""
SMOKE_OPTIONS = ("cross_entropy", "inverse", "focal", "oversampling")
"""The smoke run's options: one of each kind (plain, weighted, focal, sampled)."""


def _claims(m: Metrics, real: bool, claim: Claim) -> None:
    options = [option for option in OPTIONS if f"macro_f1_{option}" in m]
    # the key claim needs plain cross-entropy and oversampling: the cpu profile compares all six
    # options, the CI budget those two, the smoke run one of each kind (plain, weighted, focal,
    # sampled)
    claim(
        {"cross_entropy", "oversampling"} <= set(options),
        f"cross-entropy and oversampling must be compared, got {options}",
    )
    if not real:
        claim(len(options) >= 4, f"the smoke run must compare at least 4 options, got {options}")
    for option in options:
        for prefix in ("macro_f1_", "weighted_f1_", "rare_class_f1_"):
            claim(0.0 <= m[prefix + option] <= 1.0, f"{prefix}{option} must be a score in [0, 1]")
    claim(
        m["test_macro_f1"] == max(m["macro_f1_" + o] for o in options),
        "test_macro_f1 must be the best option's",
    )
    claim(m["imbalance_ratio"] >= 20, "the long tail must be at least 20:1")
    claim(
        m["in_scope_accuracy"] <= m["flat_intent_accuracy"] + 1e-9,
        "rejecting queries can never add correct answers",
    )
    claim(0.0 < m["oos_recall"] <= 1.0, "out-of-scope recall must be in (0, 1]")
    claim(
        0.0 <= m["flat_intent_accuracy"] <= m["flat_domain_accuracy"],
        "a right intent implies a right domain (flat)",
    )
    claim(
        0.0 <= m["topdown_intent_accuracy"] <= m["topdown_domain_accuracy"],
        "a right intent implies a right domain (top-down)",
    )
    if real:
        claim(m["majority_macro_f1"] < 0.01, "the majority baseline scores ~0 macro-F1 on 150 intents")
        # the lesson's finding: oversampling lifts the rarest intents well above cross-entropy
        claim(
            m["rare_class_f1_oversampling"] >= m["rare_class_f1_cross_entropy"] + 0.1,
            "oversampling must lift the rarest tenth of intents by 10 points",
        )
    else:
        # measured on the inbox with the smoke settings: best option (oversampling) 0.355,
        # cross-entropy 0.219, majority 0.039
        claim(
            m["test_macro_f1"] >= m["majority_macro_f1"] + 0.2,
            "the best option must beat the majority baseline by 20 points of macro-F1",
        )


def results_summary(m: Metrics) -> str:
    """The README's results cell, from a run's metrics (the reference run's)."""
    options = [option for option in OPTIONS if f"macro_f1_{option}" in m]
    scores = ", ".join(f"{OPTION_NAMES[option]} {m[f'macro_f1_{option}']:.3f}" for option in options)
    best = m["best_option"]
    return (
        f"macro-F1: {scores} (rare intents: {m['rare_class_f1_cross_entropy']:.3f} → "
        f"{m[f'rare_class_f1_{best}']:.3f} with {OPTION_NAMES[best]}); flat / top-down intent accuracy "
        f"{m['flat_intent_accuracy']:.3f} / {m['topdown_intent_accuracy']:.3f}; out-of-scope recall "
        f"{m['oos_recall']:.3f} at in-scope accuracy {m['in_scope_accuracy']:.3f}"
    )


LESSON = Lesson(
    slug="02_multiclass_imbalance",
    title="Multi-class with class imbalance",
    dataset="clinc150 (imbalanced)",
    real_dataset="clinc150",
    teaches="a long tail made on purpose, why accuracy misleads, macro vs weighted F1, class "
    "weights (inverse, square root, effective number), focal loss and oversampling "
    "compared, flat vs top-down intents, rejecting out-of-scope queries",
    key_metrics=(
        "test_macro_f1",
        "best_option",
        "macro_f1_cross_entropy",
        "flat_intent_accuracy",
        "topdown_intent_accuracy",
        "in_scope_accuracy",
        "oos_recall",
    ),
    results=results_summary,
    # CI budget measured (cross-entropy and oversampling only; 126 s in a 1-thread xdist worker,
    # 155 s before for all six options): best macro-F1 0.402 (oversampling), cross-entropy 0.233, rare-tenth F1
    # 0.417 vs 0.000, out-of-scope recall 0.974 at threshold 0.31
    smoke_own_data=OwnDataExample(
        "intent",
        "one file",
        "jsonl",
        {"TEXT_COLUMN": "message", "LABEL_COLUMN": "intent", "DOMAIN_COLUMN": "team"},
        {"OUT_OF_SCOPE_LABEL": "feedback"},
    ),
    ci_budget=frozen(
        {
            "MAX_TRAIN_SAMPLES": 1000,
            "MAX_EVAL_SAMPLES": 500,
            "MAX_TEST_SAMPLES": 1500,
            "NUM_EPOCHS": 2,
            "OPTIONS": ["cross_entropy", "oversampling"],
        }
    ),
    floors=frozen({"test_macro_f1": 0.30, "oos_recall": 0.5}),
    # no smoke run in make test (make test-full runs it): the options the CI budget leaves out
    # (class weights, focal loss) differ from its two only in the loss handed to the same
    # training call, and tests/test_training.py checks the Trainer's loss with a class-weighted
    # focal loss against the loss computed by hand
    claims=_claims,
)


# --- the sentences the notebook writes about its numbers ------------------------------


def imbalance_findings(
    table: pd.DataFrame,
    *,
    options: Sequence[str],
    majority: Mapping[str, float],
    still_improving: Mapping[str, bool],
    focal_gamma: float | None = None,
) -> list[str]:
    """What the loss and sampling options did on imbalanced classes (lesson 02).

    ``table`` has one row per option (and may hold others, e.g. the majority baseline) with
    ``macro_f1``, ``weighted_f1``, ``rare_class_f1`` and ``traffic_accuracy``; ``options``
    names the rows to compare, ``"cross_entropy"`` among them; ``majority`` is the majority
    baseline's ``accuracy`` and ``macro_f1``.
    """
    options = list(options)
    if "cross_entropy" not in options:
        raise ValueError(f"options must include 'cross_entropy' (the reference), got {options}.")
    ce = table.loc["cross_entropy"]
    ranked = table.loc[options, "macro_f1"].sort_values(ascending=False, kind="stable")
    best = str(ranked.index[0])
    lines = [_best_line(table, best, len(options), majority)]
    others = [n for n in options if n != "cross_entropy"]
    rare = f"On the rarest tenth of intents, plain cross-entropy reaches F1 {ce['rare_class_f1']:.3f}"
    if others:
        rare += "; " + ", ".join(f"{n} {table.loc[n, 'rare_class_f1']:.3f}" for n in others)
    lines.append(rare + ".")
    if len(ranked) > 2:
        lines.append(
            f"A single seed cannot separate options closer than a point or two: the runner-up "
            f"({ranked.index[1]}) is {100 * (ranked.iloc[0] - ranked.iloc[1]):.1f} points behind the best, "
            "so rerun with other seeds (`SEED`) before you trust small gaps."
        )
    if "focal" in options:
        delta = 100 * (table.loc["focal", "macro_f1"] - ce["macro_f1"])
        gamma = f" (gamma {focal_gamma:g})" if focal_gamma is not None else ""
        lines.append(
            f"Focal loss{gamma} {change_verdict(delta)} here: {delta:+.1f} macro-F1 points. Treat it as "
            "something to try and measure, not a default."
        )
    if options and all(still_improving.get(n, False) for n in options):
        lines.append(
            "Every option was still improving on validation when training stopped: these are short runs, "
            "and an option that converges faster (as oversampling tends to) is rewarded for speed as well "
            "as for where it ends; with more epochs (the gpu profile) the ranking may change."
        )
    if abs(ce["weighted_f1"] - ce["macro_f1"]) < 0.005:
        lines.append(
            "Weighted-F1 and macro-F1 coincide here because every intent has the same number of test "
            "queries; on skewed test data the weighted one follows the frequent intents."
        )
    if ce["rare_class_f1"] < ce["traffic_accuracy"] - 0.1:
        lines.append(
            f"Plain cross-entropy reaches a traffic accuracy of {ce['traffic_accuracy']:.3f} while its "
            f"rarest tenth of intents sits at F1 {ce['rare_class_f1']:.3f}: on production-like traffic the "
            "failure on rare intents is almost invisible. That is how accuracy misleads."
        )
    if best != "cross_entropy":
        lines.append(_trade_off(table, best))
    return lines


def _best_line(table: pd.DataFrame, best: str, compared: int, majority: Mapping[str, float]) -> str:
    """Which of the ``compared`` options scores best, against plain cross-entropy and the majority."""
    ce = table.loc["cross_entropy"]
    baseline = f"The majority baseline scores {majority['accuracy']:.4f} accuracy and {majority['macro_f1']:.4f} macro-F1."
    if best == "cross_entropy":
        others = "none of the other options" if compared > 1 else "no other option was trained"
        return f"Best macro-F1: plain **cross_entropy** ({ce['macro_f1']:.4f}): {others} beat it. {baseline}"
    return (
        f"Best macro-F1: **{best}** ({table.loc[best, 'macro_f1']:.4f}, "
        f"{100 * (table.loc[best, 'macro_f1'] - ce['macro_f1']):+.1f} points over plain cross-entropy's "
        f"{ce['macro_f1']:.4f}). {baseline}"
    )


def _trade_off(table: pd.DataFrame, best: str) -> str:
    """What ``best`` gained over plain cross-entropy on macro-F1, and what it did to traffic accuracy."""
    ce = table.loc["cross_entropy"]
    macro_gain = 100 * (table.loc[best, "macro_f1"] - ce["macro_f1"])
    traffic_gain = 100 * (table.loc[best, "traffic_accuracy"] - ce["traffic_accuracy"])
    if traffic_gain < 0:
        return (
            f"From cross-entropy to {best}, macro-F1 rose {macro_gain:+.1f} points but traffic accuracy "
            f"changed {traffic_gain:+.1f}: rebalancing moves predictions away from frequent intents, so on "
            "production-like traffic plain cross-entropy stays ahead. Which to ship depends on what a "
            "missed rare intent costs: that is the real trade-off."
        )
    return (
        f"From cross-entropy to {best}, macro-F1 moved {macro_gain:+.1f} points and traffic accuracy "
        f"{traffic_gain:+.1f}: here the rare intents were won without losing the frequent ones."
    )


def rare_class_findings(rare_table: pd.DataFrame, option: str) -> list[str]:
    """How ``option`` did against plain cross-entropy on the rarest intents (lesson 02).

    ``rare_table`` is indexed by intent with the columns ``"cross_entropy F1"`` and
    ``f"{option} F1"``.
    """
    mine, reference = rare_table[f"{option} F1"], rare_table["cross_entropy F1"]
    n = len(rare_table)
    text = f"{option} improves {int((mine > reference).sum())} of {'these' if n > 1 else 'this'} {n} intent{'s' if n > 1 else ''}"
    worse = rare_table.index[mine < reference].tolist()
    zero = rare_table.index[mine == 0].tolist()
    if worse:
        text += f"; it is worse on {', '.join(map(str, worse))}"
    if zero:
        text += (
            f"; {', '.join(map(str, zero))} still score{'s' if len(zero) == 1 else ''} F1 0 (one or two training "
            "examples are not enough to "
            "learn an intent, whatever the loss)"
        )
    return [text + "."]
