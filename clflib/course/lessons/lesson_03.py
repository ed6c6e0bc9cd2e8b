"""Lesson 03, Multi-label with per-label thresholds: its course code outside ``notebooks/03_multilabel_thresholds.ipynb``.

- ``DEFAULTS``: this lesson's settings per profile, passed to ``profiles.get_profile`` by the
  notebook (the profile's own sizes are in :mod:`clflib.profiles`).
- ``LESSON``: its entry: the README table's row and what a run must prove (CI budget, floors,
  claims, own-data example; see :class:`clflib.course.lessons.lesson.Lesson`).
- findings: ``threshold_findings`` (0.5 against tuned thresholds, focal BCE against BCE),
  ``per_label_threshold_findings`` (which labels got which threshold).

>>> DEFAULTS["smoke"]
{'num_epochs': 4, 'learning_rate': 0.001, 'max_length': 64}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clflib.course.lessons.lesson import Claim, Lesson, Metrics, frozen
from clflib.course.lessons.verdicts import change_verdict
from clflib.course.own_data import OwnDataExample

__all__ = ["DEFAULTS", "LESSON", "results_summary", "threshold_findings", "per_label_threshold_findings"]

# Short comments and 28 labels: this lesson's defaults per profile (two models train).
DEFAULTS = {
    "smoke": {"num_epochs": 4, "learning_rate": 1e-3, "max_length": 64},
    "cpu": {"max_train_samples": 6000, "num_epochs": 2, "learning_rate": 1e-4, "max_length": 64},
    "gpu": {"num_epochs": 5, "learning_rate": 5e-5, "max_length": 64},
}


def _claims(m: Metrics, real: bool, claim: Claim) -> None:
    claim(m["num_labels"] == (28 if real else 6), "go_emotions has 28 labels, the inbox 6")
    claim(m["reload_agreement"] >= 0.99, "the reloaded model and thresholds must decide as trained")
    trained = [loss for loss in ("bce", "focal_bce") if f"{loss}_0.5_macro_f1" in m]
    claim(m["best_loss"] in trained, f"the kept loss must be one of those trained ({trained})")
    for loss in trained:
        for strategy in ("0.5", "global", "per_label"):
            for average in ("macro", "micro"):
                key = f"{loss}_{strategy}_{average}_f1"
                claim(0.0 <= m[key] <= 1.0, f"{key} must be a score in [0, 1]")
    # smoke: a 2-layer model after 3 short epochs, whose hamming loss moves with the order of
    # the labels (0.29 on the inbox, 0.38 on the same rows as files, labels sorted by name);
    # predicting every label would score about 0.8 there
    bound = 0.3 if real else 0.4
    claim(0.0 <= m["test_hamming_loss"] < bound, f"hamming loss must stay below {bound}")
    claim(0.0 <= m["test_subset_accuracy"] <= 1.0, "subset accuracy must be in [0, 1]")
    claim(m["test_macro_ap"] > 0.1, "macro average precision must exceed 0.1")
    if real:
        # tuned thresholds must beat 0.5 on test macro-F1 (the lesson's point), by a margin
        claim(
            m["test_macro_f1"] >= m["test_macro_f1_at_0.5"] + 0.08,
            "tuned thresholds must beat 0.5 by 8 points of test macro-F1",
        )
        claim(m["labels_with_own_threshold"] >= 8, "at least 8 labels must get their own threshold")


def results_summary(m: Metrics) -> str:
    """The README's results cell, from a run's metrics (the reference run's)."""
    names = {"bce": "plain BCE", "focal_bce": "focal BCE"}
    best = m["best_loss"]
    text = (
        f"test macro-F1 ({names[best]}, kept on validation): {m['test_macro_f1_at_0.5']:.3f} at "
        f"0.5, {m['test_macro_f1_global_threshold']:.3f} with one tuned threshold, {m['test_macro_f1']:.3f} "
        f"per label; micro-F1 {m['test_micro_f1']:.3f}; macro average precision {m['test_macro_ap']:.3f}"
    )
    others = [loss for loss in ("bce", "focal_bce") if loss != best and f"{loss}_0.5_macro_f1" in m]
    for loss in others:
        text += f"; {names[loss]} {m[f'{loss}_0.5_macro_f1']:.3f} → {m[f'{loss}_per_label_macro_f1']:.3f}"
    return text


LESSON = Lesson(
    slug="03_multilabel_thresholds",
    title="Multi-label with per-label thresholds",
    dataset="go_emotions (simplified)",
    real_dataset="go_emotions",
    teaches="multi-hot targets, co-occurrence, sigmoid vs softmax, BCE vs focal BCE, micro / "
    "macro / samples F1, hamming loss, subset accuracy, average precision, global and "
    "per-label thresholds tuned on validation, PR curves, a threshold explorer, the "
    "no-label fallback, thresholds saved with the model",
    key_metrics=(
        "test_macro_f1",
        "test_macro_f1_at_0.5",
        "test_macro_f1_global_threshold",
        "test_micro_f1",
        "test_macro_ap",
        "best_loss",
    ),
    results=results_summary,
    # CI budget measured (focal BCE only; 155 s in a 1-thread xdist worker, 166 s before with
    # BCE too): a barely trained model (63 steps an epoch), where thresholds matter
    # most: focal BCE macro-F1 0.019 at 0.5, 0.120 global, 0.175 per label; micro-F1 0.240;
    # macro AP 0.151; 22 labels with their own threshold
    # measured with these smoke settings: micro-F1 0.442, macro-F1 0.232 at 0.5 -> 0.443 tuned
    ci_budget=frozen(
        {
            "MAX_TRAIN_SAMPLES": 2000,
            "MAX_EVAL_SAMPLES": 2000,
            "MAX_TEST_SAMPLES": 2000,
            "NUM_EPOCHS": 2,
            "LOSSES": ["focal_bce"],
        }
    ),
    floors=frozen({"test_macro_f1": 0.12, "test_micro_f1": 0.15}),
    smoke_floors=frozen({"test_micro_f1": 0.35}),
    smoke_own_data=OwnDataExample(
        "tags", "three splits", "jsonl", {"TEXT_COLUMN": "message", "LABELS_COLUMN": "topics"}
    ),
    smoke_proves="plain BCE (the model's own multi-label loss; the CI budget trains focal BCE only) "
    "and the choice between two losses on validation",
    claims=_claims,
)


# --- the sentences the notebook writes about its numbers ------------------------------


def threshold_findings(
    comparison: pd.DataFrame,
    *,
    best_loss: str,
    global_threshold: float,
    tuned: np.ndarray,
    support: np.ndarray,
    min_support: int,
    validation_size: int,
) -> list[str]:
    """What tuning thresholds (and the loss) did for a multi-label model (lesson 03).

    ``comparison`` is indexed by (loss, strategy) with strategies ``"0.5"``, ``"global"`` and
    ``"per-label"`` and columns ``micro_f1``, ``macro_f1``, ``samples_f1``, ``subset_accuracy``,
    ``macro_ap``; ``best_loss`` is the loss kept (chosen on validation); ``global_threshold`` the
    one threshold tuned for all labels; ``tuned`` and ``support`` say, per label, whether it got
    its own threshold and how many positive validation texts it had; ``min_support`` is the
    fewest positives a label needed for its own threshold; ``validation_size`` the number of
    validation texts.
    """
    tuned, support = np.asarray(tuned, dtype=bool), np.asarray(support)
    c = comparison.loc[best_loss]
    gain = 100 * (c.loc["per-label", "macro_f1"] - c.loc["0.5", "macro_f1"])
    lines = [
        f"With `{best_loss}`, test macro-F1 goes from **{c.loc['0.5', 'macro_f1']:.3f}** at 0.5 to "
        f"**{c.loc['global', 'macro_f1']:.3f}** with one global threshold ({global_threshold:.2f}, tuned on "
        f"validation) and **{c.loc['per-label', 'macro_f1']:.3f}** with per-label thresholds: {gain:+.1f} points "
        f"against 0.5. Micro-F1 moves from {c.loc['0.5', 'micro_f1']:.3f} to {c.loc['per-label', 'micro_f1']:.3f}.",
    ]
    if tuned.any():
        lines.append(
            f"{int(tuned.sum())} labels had at least {min_support} positive validation texts and got their own "
            f"threshold; {int((~tuned).sum())} kept the global one."
        )
    else:
        lines.append(
            f"No label had {min_support} positive validation texts, so every label kept the global threshold "
            "and the per-label row equals the global one."
        )
    global_wins = [
        m for m in ("micro_f1", "samples_f1", "subset_accuracy") if c.loc["global", m] > c.loc["per-label", m]
    ]
    if global_wins and tuned.any():
        lines.append(
            "Per-label thresholds are not better at everything: the single global threshold scores higher on "
            + ", ".join(
                f"{m.replace('_', '-')} ({c.loc['global', m]:.3f} vs {c.loc['per-label', m]:.3f})"
                for m in global_wins
            )
            + ". Per-label thresholds optimise each label's F1, which is what macro-F1 averages; choose the "
            "strategy for the metric you report."
        )
    if c.loc["per-label", "macro_f1"] < c.loc["0.5", "macro_f1"]:
        fewest = (
            f"as few as {int(support[tuned].min())} positives for a tuned label"
            if tuned.any()
            else f"no label reached {min_support} positives"
        )
        lines.append(
            f"Here tuning did not pay: with {validation_size} validation texts ({fewest}), the best validation "
            "cut is partly noise and does not carry over to test. Thresholds need a validation split large "
            "enough to estimate them; with a small one, keep fewer of them (a higher `MIN_SUPPORT`, or just "
            "the global one)."
        )
    lines += _loss_findings(comparison)
    return lines


def _loss_findings(comparison: pd.DataFrame) -> list[str]:
    """Focal BCE against plain BCE, at 0.5 and after tuning, and in ranking (macro AP)."""
    lines = []
    losses = list(dict.fromkeys(comparison.index.get_level_values(0)))
    for name in (n for n in losses if n != "bce" and "bce" in losses):
        delta = 100 * (
            comparison.loc[(name, "per-label"), "macro_f1"] - comparison.loc[("bce", "per-label"), "macro_f1"]
        )
        delta_half = 100 * (
            comparison.loc[(name, "0.5"), "macro_f1"] - comparison.loc[("bce", "0.5"), "macro_f1"]
        )
        lines.append(
            f"Focal BCE {change_verdict(delta, 1.0)} once thresholds are tuned ({delta:+.1f} macro-F1 points vs "
            f"BCE); at 0.5 the gap is {delta_half:+.1f}. Focal loss tends to give less extreme scores, which moves "
            "where 0.5 falls; tuned thresholds absorb that shift, so compare losses after tuning, not at 0.5."
        )
        ap_gap = 100 * (
            comparison.loc[(name, "0.5"), "macro_ap"] - comparison.loc[("bce", "0.5"), "macro_ap"]
        )
        if ap_gap > 3:
            lines.append(
                f"The gap is not only about thresholds: focal BCE also ranks better (macro AP {ap_gap:+.1f} "
                "points), so its model learned more in the same steps. With one or two positives among many "
                "labels, most of BCE's terms are easy negatives, and in a short run they dominate its gradient; "
                "focal loss fades them. Whether the gap survives longer training (the gpu profile) is worth "
                "measuring, not assuming."
            )
    return lines


def per_label_threshold_findings(
    per_label: pd.DataFrame, train_support: pd.Series
) -> tuple[list[str], list[str]]:
    """What the per-label thresholds did to each label, and a warning list (lesson 03).

    ``per_label`` is indexed by label name with ``f1``, ``f1_at_0.5``, ``threshold``,
    ``support`` (test positives), ``predicted`` and ``ap``; ``train_support`` the training
    positives per label. Returns ``(sentences, warnings)``; ``warnings`` is empty when no
    label's threshold floods it with predictions.
    """
    gains = (per_label["f1"] - per_label["f1_at_0.5"]).sort_values()
    improved, worsened = gains[gains > 0.005], gains[gains < -0.005]
    varied = per_label["threshold"].nunique() > 1
    subject = "Per-label thresholds raise" if varied else "The one tuned threshold raises"
    text = f"{subject} test F1 for {len(improved)} labels and lower{'' if varied else 's'} it for {len(worsened)}"
    extremes = []
    if len(improved):
        extremes.append(
            "largest gains: " + ", ".join(f"{n} {v:+.2f}" for n, v in improved[::-1].head(3).items())
        )
    if len(worsened):
        extremes.append("largest losses: " + ", ".join(f"{n} {v:+.2f}" for n, v in worsened.head(3).items()))
    if extremes:
        text += " (" + "; ".join(extremes) + ")"
    lines = [text + "."]
    if varied:
        low = per_label["threshold"].sort_values().head(3)
        correlation = per_label["threshold"].corr(train_support.reindex(per_label.index), method="spearman")
        lines.append("The lowest thresholds: " + ", ".join(f"{n} {t:.2f}" for n, t in low.items()) + ".")
        if np.isfinite(correlation):
            lines.append(
                "Across labels, the rank correlation between a label's training support and its threshold "
                f"is {correlation:+.2f}."
            )
        lines.append(
            "A low threshold can mean two things: the model scores the label low even where it applies (a "
            "good ranking, shifted down: a high `ap`), or it barely ranks the label at all (a low `ap`), and "
            "then the F1-best cut on validation is simply a low one that tags many texts."
        )
    else:
        lines.append(
            f"Every label has the same threshold ({float(per_label['threshold'].iloc[0]):.2f}), so there is no "
            "ranking of thresholds to compare with support."
        )
    flooded = per_label[(per_label["support"] > 0) & (per_label["predicted"] > 3 * per_label["support"])]
    warnings = []
    if len(flooded):
        warnings.append(
            ", ".join(
                f"{n} predicts {int(r['predicted'])} test texts for {int(r['support'])} true ones (threshold "
                f"{r['threshold']:.2f}, AP {r['ap']:.2f})"
                for n, r in flooded.iterrows()
            )
            + ". A threshold that floods a label like this fits noise in validation; raise `MIN_SUPPORT` or "
            "fall back to the global threshold for labels whose average precision is low."
        )
    return lines, warnings
