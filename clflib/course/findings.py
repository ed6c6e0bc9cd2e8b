"""The sentences a lesson writes about its own numbers, one function per verdict.

A lesson quotes the numbers the learner just produced, and some of its sentences depend on them
("the last epoch was the best", "focal loss hurt here"). That branching lives here, with tests
that feed it degenerate numbers too (a model that learned nothing, a single option, thresholds
that all came out the same), so no profile's run prints a sentence its numbers contradict. Each
function returns a list of sentences (Markdown); the lesson joins and displays them.

>>> import pandas as pd
>>> log = pd.DataFrame({"epoch": [1.0, 2.0], "eval_f1": [0.70, 0.74], "eval_accuracy": [0.7, 0.74]})
>>> " ".join(training_findings(log, train_seconds=61.2, steps=500, planned_epochs=2, patience=2))[:60]
'Training took **61 s** for 500 steps. Validation F1 peaked a'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "NOISE_POINTS",
    "change_verdict",
    "training_findings",
    "imbalance_findings",
    "threshold_findings",
    "per_label_threshold_findings",
    "calibration_findings",
    "frozen_baseline_findings",
    "rare_class_findings",
    "decision_rule_findings",
    "noise_cost_findings",
    "fine_tuned_noise_findings",
    "cleaning_findings",
    "disagreement_findings",
    "label_quality_takeaways",
    "recovered_share",
    "decision_guide",
    "two_head_findings",
    "choosing_takeaways",
]

NOISE_POINTS = 1.5
"""Macro-F1 points within which two single-seed runs of the lessons' sizes are not told apart."""


def change_verdict(delta_points: float, noise_points: float = NOISE_POINTS) -> str:
    """'helped', 'hurt' or a no-difference phrase for a change of ``delta_points`` points.

    >>> change_verdict(2.0), change_verdict(-0.4)
    ('helped', "moved the score by less than one seed's noise")
    """
    if delta_points > noise_points:
        return "helped"
    if delta_points < -noise_points:
        return "hurt"
    return "moved the score by less than one seed's noise"


def training_findings(
    eval_log: pd.DataFrame,
    *,
    train_seconds: float,
    steps: int,
    planned_epochs: float,
    patience: int,
    metric: str = "eval_f1",
) -> list[str]:
    """What one training run's validation history says (lesson 01).

    ``eval_log`` has one row per evaluation with ``epoch``, ``metric`` and ``eval_accuracy``
    (see :func:`clflib.training.training_history`); the best checkpoint is the row with the
    highest ``metric``, which is the one the Trainer loads back.
    """
    if eval_log.empty:
        return [f"Training took **{train_seconds:.0f} s** for {steps} steps and never evaluated."]
    name = metric.removeprefix("eval_").replace("_", "-").replace("f1", "F1")
    best_row = eval_log.loc[eval_log[metric].idxmax()]
    best, best_epoch = float(best_row[metric]), float(best_row["epoch"])
    last_epoch = float(eval_log["epoch"].iloc[-1])
    first = eval_log.iloc[0]
    notes = [f"Training took **{train_seconds:.0f} s** for {steps} steps."]
    if best <= 0:
        notes.append(
            f"Validation {name} never rose above 0: the model predicted one label for every text, "
            "so it has learned nothing yet. Train longer, on more examples, or with another "
            "learning rate before reading anything else below."
        )
        return notes
    notes.append(f"Validation {name} peaked at **{best:.4f}** after epoch {best_epoch:g} of {last_epoch:g}.")
    if best_epoch < last_epoch:
        notes.append(
            f"Later epochs did not beat it, so the Trainer loaded the epoch-{best_epoch:g} "
            "checkpoint back: the model we evaluate is the best one, not the last one."
        )
    else:
        notes.append("The last epoch was the best, so the best checkpoint is also the last one here.")
    stopped_early = last_epoch < planned_epochs
    notes.append(
        f"Early stopping {'ended training early' if stopped_early else 'did not trigger'} (patience {patience})."
    )
    if len(eval_log) > 1 and float(first[metric]) < 0.5 * best and "eval_accuracy" in eval_log:
        notes.append(
            f"After the first evaluation {name} was only {float(first[metric]):.3f} while accuracy was "
            f"{float(first['eval_accuracy']):.3f}: the model still predicted mostly one label. Accuracy "
            f"alone would have looked passable; {name} did not. That is why checkpoints are chosen by {name}."
        )
    notes.append(
        "If validation loss rises while training loss keeps falling, the model has started to memorise "
        "the training set."
    )
    return notes


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
    baseline = f"The majority baseline scores {majority['accuracy']:.4f} accuracy and {majority['macro_f1']:.4f} macro-F1."
    if best == "cross_entropy":
        others = "none of the other options" if len(options) > 1 else "no other option was trained"
        lines = [
            f"Best macro-F1: plain **cross_entropy** ({ce['macro_f1']:.4f}): {others} beat it. {baseline}"
        ]
    else:
        lines = [
            f"Best macro-F1: **{best}** ({table.loc[best, 'macro_f1']:.4f}, "
            f"{100 * (table.loc[best, 'macro_f1'] - ce['macro_f1']):+.1f} points over plain cross-entropy's "
            f"{ce['macro_f1']:.4f}). {baseline}"
        ]
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
        macro_gain = 100 * (table.loc[best, "macro_f1"] - ce["macro_f1"])
        traffic_gain = 100 * (table.loc[best, "traffic_accuracy"] - ce["traffic_accuracy"])
        if traffic_gain < 0:
            lines.append(
                f"From cross-entropy to {best}, macro-F1 rose {macro_gain:+.1f} points but traffic accuracy "
                f"changed {traffic_gain:+.1f}: rebalancing moves predictions away from frequent intents, so on "
                "production-like traffic plain cross-entropy stays ahead. Which to ship depends on what a "
                "missed rare intent costs: that is the real trade-off."
            )
        else:
            lines.append(
                f"From cross-entropy to {best}, macro-F1 moved {macro_gain:+.1f} points and traffic accuracy "
                f"{traffic_gain:+.1f}: here the rare intents were won without losing the frequent ones."
            )
    return lines


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
    ``macro_ap``; ``best_loss`` is the loss kept (chosen on validation); ``tuned`` and
    ``support`` say, per label, whether it got its own threshold and how many positive
    validation texts it had.
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


def calibration_findings(
    *,
    temperature: float,
    ece_before: float,
    ece_after: float,
    accuracy: float,
    test_size: int,
    majority_share: float | None = None,
) -> list[str]:
    """What temperature scaling did to a classifier's calibration (lesson 08).

    ``majority_share`` (the most frequent test label's share), when given, flags a model whose
    accuracy is no better than always answering that label: calibrating it is meaningless.
    """
    if temperature > 1.05:
        direction = "over-confident, so T > 1 softens its probabilities"
    elif temperature < 0.95:
        direction = "under-confident, so T < 1 sharpens its probabilities"
    else:
        direction = "close to calibrated already (T near 1)"
    if ece_after < ece_before - 0.005:
        verdict = "improved"
    elif ece_after > ece_before + 0.005:
        verdict = "got worse"
    else:
        verdict = "barely moved"
    lines = [
        f"On validation the model was {direction} (T = **{temperature:.2f}**). On test, ECE {verdict}: "
        f"**{ece_before:.3f}** → **{ece_after:.3f}**, accuracy unchanged at {accuracy:.4f}. In the table above, "
        "a calibrated model's accuracy among auto-accepted texts matches their *mean confidence*; that is what "
        "makes a threshold mean what it says."
    ]
    if majority_share is not None and accuracy <= majority_share + 1e-9:
        lines.append(
            f"Careful: accuracy {accuracy:.4f} is no better than always answering the most frequent label "
            f"({majority_share:.4f}), so this model has not learned, and its calibration says little."
        )
    if test_size < 500:
        lines.append(
            f"With only {test_size} test texts these numbers are noisy; trust the direction, not the digits."
        )
    if verdict != "improved":
        lines.append(
            "When a model is already close to calibrated, the temperature fitted on validation mostly fits that "
            "split's noise and need not help on test: check the test (or a second held-out split) before "
            "shipping T, and keep T = 1 if it does not help."
        )
    return lines


def frozen_baseline_findings(
    fine_tuned: Mapping[str, float],
    frozen: Mapping[str, float],
    *,
    fine_tune_seconds: float,
    frozen_seconds: float,
) -> list[str]:
    """Fine-tuning against frozen embeddings + logistic regression (lesson 01).

    ``fine_tuned`` and ``frozen`` hold each model's test ``accuracy`` (and ``f1``).
    """
    gap = 100 * (fine_tuned["accuracy"] - frozen["accuracy"])
    ratio = fine_tune_seconds / max(frozen_seconds, 1e-9)
    cost = f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"
    numbers = (
        f"{fine_tuned['accuracy']:.3f} fine-tuned against {frozen['accuracy']:.3f} frozen, for {cost} the "
        f"training time: {fine_tune_seconds:.0f} s against {frozen_seconds:.0f} s, embedding included"
    )
    if gap > NOISE_POINTS:
        return [
            f"Fine-tuning beats the frozen baseline by **{gap:.1f} points** of accuracy ({numbers}). That gap is what "
            "adapting the encoder itself to the task buys; a frozen encoder can only be read, not taught "
            "which words matter for this task."
        ]
    if gap < -NOISE_POINTS:
        return [
            f"Here the frozen baseline wins by {-gap:.1f} points of accuracy ({numbers}): the fine-tuned model has not "
            "learned enough yet (too few steps or examples for its 22 million weights), while a linear "
            "model on good sentence vectors needs little data. Train longer before trusting the "
            "fine-tuned numbers."
        ]
    return [
        f"Fine-tuning and the frozen baseline are within {NOISE_POINTS:g} points of accuracy ({numbers}): "
        "at this size, the cheaper model does as well, and is the one to ship unless more data or "
        "training widens the gap."
    ]


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


# --- lesson 09: labels ----------------------------------------------------------------------


def decision_rule_findings(
    crossed: pd.DataFrame,
    both: pd.DataFrame,
    pair: Sequence[str],
    tags: Sequence[str] = ("refund", "billing"),
) -> list[str]:
    """What the guide's rule and an out-of-fold model make of two fuzzy labels (lesson 09).

    ``both`` holds the messages carrying both ``tags`` (columns ``id``, ``intent``);
    ``crossed`` the messages of one label of ``pair`` predicted as the other (``id``,
    ``intent``, ``predicted``).
    """
    a, b = pair
    counts = both["intent"].value_counts()
    lines = [
        f"Of the {len(both)} messages tagged both {tags[0]} and {tags[1]}, the guide's rules put "
        f"{int(counts.get(a, 0))} under {a} and {int(counts.get(b, 0))} under {b}"
        + (
            f" (the other {len(both) - int(counts.get(a, 0)) - int(counts.get(b, 0))} under other intents)."
            if len(both) > int(counts.get(a, 0)) + int(counts.get(b, 0))
            else "."
        )
    ]
    if crossed.empty:
        lines.append(f"The out-of-fold model never put a {a} message under {b} or the other way round here.")
        return lines
    a_to_b = int((crossed["intent"] == a).sum())
    b_to_a = int((crossed["intent"] == b).sum())
    on_boundary = int(crossed["id"].isin(both["id"]).sum())
    lines.append(
        f"The out-of-fold model put {a_to_b} {a} message{'s' if a_to_b != 1 else ''} under {b} and {b_to_a} "
        f"{b} message{'s' if b_to_a != 1 else ''} under {a}; {on_boundary} of these {len(crossed)} carry both "
        'tags, the messages the rule exists for. Where its answer follows the word "refund" rather than what '
        "went wrong, it learned the surface of the texts, not the rule."
    )
    return lines


def _kind_curve(curve: pd.DataFrame, kind: str) -> pd.DataFrame:
    return curve[curve["kind"] == kind].sort_values("rate")


def noise_cost_findings(curve: pd.DataFrame, *, seeds: int, tolerance: float = NOISE_POINTS) -> list[str]:
    """What random and pairwise label noise cost (lesson 09).

    ``curve`` has columns ``kind`` ("clean", "random", "pairwise"), ``rate``, ``macro_f1_mean``
    and ``macro_f1_sd`` (over ``seeds`` noise draws); the clean row is the reference.
    """
    clean = float(_kind_curve(curve, "clean")["macro_f1_mean"].iloc[0])
    lines, drops = [], {}
    for kind in ("random", "pairwise"):
        rows = _kind_curve(curve, kind)
        if rows.empty:
            continue
        drop = 100 * (clean - rows["macro_f1_mean"].to_numpy())
        drops[kind] = dict(zip(rows["rate"], drop))
        points = ", ".join(f"{m:.3f} at {r:.0%}" for r, m in zip(rows["rate"], rows["macro_f1_mean"]))
        spread = rows["macro_f1_sd"].max()
        spread_text = (
            f"; sd over {seeds} draws at most {spread:.3f}" if seeds > 1 and np.isfinite(spread) else ""
        )
        sentence = f"With {kind} noise, test macro-F1 goes from {clean:.3f} (clean) to {points}{spread_text}."
        tolerated = [r for r, d in zip(rows["rate"], drop) if d <= tolerance]
        if len(tolerated) == len(rows):
            sentence += f" Even {rows['rate'].max():.0%} {kind} noise cost at most {tolerance:g} points here."
        elif tolerated and tolerated == list(rows["rate"])[: len(tolerated)]:
            sentence += f" Up to {max(tolerated):.0%} flipped labels cost at most {tolerance:g} points."
        else:
            sentence += f" Already {rows['rate'].min():.0%} flipped labels cost {drop[0]:.1f} points."
        lines.append(sentence)
    if len(drops) == 2:
        common = sorted(set(drops["random"]) & set(drops["pairwise"]))
        if common:
            top = common[-1]
            random_drop, pairwise_drop = drops["random"][top], drops["pairwise"][top]
            if pairwise_drop > random_drop + tolerance:
                lines.append(
                    f"Systematic noise costs more: at {top:.0%}, pairwise flips cost {pairwise_drop:.1f} points "
                    f"against {random_drop:.1f} for random ones. Random flips scatter over all the other classes, "
                    "so each class's majority stays right and the errors partly cancel; pairwise flips push one "
                    "boundary the same way every time, so the model learns the wrong rule."
                )
            elif random_drop > pairwise_drop + tolerance:
                lines.append(
                    f"Here random noise cost more than pairwise at {top:.0%} ({random_drop:.1f} against "
                    f"{pairwise_drop:.1f} points): the partner classes are close already, so moving labels "
                    "between them changes less than scattering them."
                )
            else:
                lines.append(
                    f"At {top:.0%} the two kinds cost about the same ({random_drop:.1f} and {pairwise_drop:.1f} "
                    "points)."
                )
    return lines


def fine_tuned_noise_findings(confirm: pd.DataFrame, tolerance: float = NOISE_POINTS) -> list[str]:
    """The fine-tuned model at two noise rates next to the frozen one (lesson 09).

    ``confirm`` is indexed by noise rate (0 first) with ``fine-tuned macro-F1`` and
    ``frozen + LR macro-F1``.
    """
    if len(confirm) < 2 or confirm.index[0] != 0:
        return ["The fine-tuned check needs the clean point (rate 0) and one noisy point to compare."]
    rate = confirm.index[-1]
    ft_clean, ft_noisy = confirm["fine-tuned macro-F1"].iloc[[0, -1]]
    lr_clean, lr_noisy = confirm["frozen + LR macro-F1"].iloc[[0, -1]]
    ft_drop, lr_drop = 100 * (ft_clean - ft_noisy), 100 * (lr_clean - lr_noisy)

    def moved(drop: float) -> str:
        return f"{drop:.1f} points lost" if drop >= 0 else f"{-drop:.1f} points gained"

    lines = [
        f"Fine-tuned, the model scores {ft_clean:.3f} on clean labels and {ft_noisy:.3f} with {rate:.0%} random "
        f"noise ({moved(ft_drop)}); the frozen model goes from {lr_clean:.3f} to {lr_noisy:.3f} at the same "
        f"noise ({moved(lr_drop)})."
    ]
    if ft_clean < lr_clean:
        lines.append(
            "In this run the fine-tuned model is weaker than the frozen one even on clean labels (on this "
            "budget), so read its drop with care."
        )
    if max(ft_drop, lr_drop) <= 0:
        lines.append(
            "Neither model lost anything to this noise in this run, so their tolerance cannot be compared here "
            "(too small a test split, or a model that learned too little)."
        )
    elif abs(ft_drop - lr_drop) <= tolerance:
        lines.append("The cheap model's curve is a fair guide to the fine-tuned one here.")
    elif ft_drop > lr_drop and ft_clean < lr_clean:
        lines.append(
            "Fine-tuning lost more here, but it is the weaker model even on clean labels, so this run does not "
            "show why: fitting the wrong labels is one explanation, a training too short to learn the classes "
            "from fewer correct examples another. Counting how many flipped training rows it predicts with "
            "their wrong label would tell them apart."
        )
    elif ft_drop > lr_drop:
        lines.append(
            "Fine-tuning suffers more: a model with millions of free weights can fit the wrong labels, while a "
            "linear model on frozen vectors has too few to memorise them and averages them out (the likely "
            "reason; this run measures the drop, not the memorising)."
        )
    else:
        lines.append(
            "Fine-tuning suffered less here: the pretrained encoder's sense of the texts resists a minority of "
            "wrong labels better than a linear model does."
        )
    return lines


def recovered_share(clean: float, noisy: float, cleaned: float) -> float | None:
    """The share of the macro-F1 lost to noise that cleaning won back (None when nothing was lost).

    >>> round(recovered_share(0.90, 0.80, 0.85), 6), recovered_share(0.80, 0.81, 0.82)
    (0.5, None)
    """
    lost = clean - noisy
    return None if lost <= 0 else (cleaned - noisy) / lost


def cleaning_findings(detection: pd.DataFrame, clean_macro_f1: float, *, rate: float) -> list[str]:
    """How well cleanlab found the flips and what cleaning won back (lesson 09).

    ``detection`` has one row per (kind, seed) with ``flagged``, ``precision``, ``recall``,
    ``noisy_macro_f1``, ``removed_macro_f1`` and ``relabelled_macro_f1``.
    """
    lines = []
    means = detection.groupby("kind", sort=False).mean(numeric_only=True)
    for kind, m in means.iterrows():
        head = (
            f"At {rate:.0%} {kind} noise cleanlab flags {m['flagged']:.0f} rows on average: precision "
            f"{m['precision']:.2f} (that share of the flags were real flips), recall {m['recall']:.2f} (that "
            "share of the flips was found)."
        )
        best_way = "removing" if m["removed_macro_f1"] >= m["relabelled_macro_f1"] else "relabelling"
        best = max(m["removed_macro_f1"], m["relabelled_macro_f1"])
        recovered = recovered_share(clean_macro_f1, m["noisy_macro_f1"], best)
        head += (
            f" Test macro-F1 was {m['noisy_macro_f1']:.3f} with the noise; removing the flagged rows gives "
            f"{m['removed_macro_f1']:.3f}, relabelling them {m['relabelled_macro_f1']:.3f} (clean: {clean_macro_f1:.3f})."
        )
        if recovered is None:
            head += " The noise cost nothing measurable here, so there was nothing to win back."
            if best < m["noisy_macro_f1"] - NOISE_POINTS / 100:
                head += (
                    f" Cleaning even hurt: with {m['flagged']:.0f} flags, good examples went out with the bad "
                    "ones."
                )
        elif recovered <= 0:
            head += (
                f" {best_way.capitalize()} won nothing back: macro-F1 stayed at or below the noisy model's, because "
                f"{1 - m['recall']:.0%} of the flips were not flagged and {m['flagged'] * (1 - m['precision']):.0f} "
                "clean rows were flagged with them."
            )
        elif recovered >= 0.5:
            head += f" {best_way.capitalize()} won back {recovered:.0%} of what the noise cost."
        else:
            missed = 1 - m["recall"]
            wrong = m["flagged"] * (1 - m["precision"])
            head += (
                f" {best_way.capitalize()} won back only {max(recovered, 0):.0%} of what the noise cost. What limits it: "
                f"{missed:.0%} of the flips were not flagged and stay in training, and {wrong:.0f} clean rows were "
                f"flagged with them; removing {m['flagged']:.0f} rows also shrinks the training set, and the clean "
                "ones flagged are the hard examples near a boundary, the ones a model learns most from."
            )
        lines.append(head)
    if {"random", "pairwise"} <= set(means.index) and means.loc["pairwise", "recall"] < means.loc[
        "random", "recall"
    ] - 0.05:
        lines.append(
            "Systematic flips are harder to find: a model trained on them learns the flipped boundary too, and "
            "confident learning relies on the model disagreeing with the labels."
        )
    return lines


def disagreement_findings(clusters: pd.DataFrame, total_flags: int) -> list[str]:
    """The largest (given, suggested) groups of flags, read as a recommendation (lesson 09)."""
    if clusters.empty or total_flags == 0:
        return ["cleanlab flags no training label here, so there is no pattern to read."]
    top = clusters.iloc[0]
    share = clusters["rows"].sum() / total_flags
    return [
        f"The largest group: {int(top['rows'])} flags labelled **{top['given']}** that the model reads as "
        f"**{top['suggested']}**. The {len(clusters)} largest groups hold {share:.0%} of all {total_flags} flags.",
        "A pair that comes back again and again is a rule to write down (what decides between the two?), a "
        "relabelling pass over that pair only, or, when the texts cannot tell the two apart, a reason to "
        "merge them.",
    ]


def label_quality_takeaways(
    curve: pd.DataFrame,
    detection: pd.DataFrame,
    clean_macro_f1: float,
    *,
    rate: float,
    original_flagged: int,
    train_size: int,
) -> list[str]:
    """Lesson 09's takeaways, quoting this run's numbers."""
    lines = []
    for kind in ("random", "pairwise"):
        rows = _kind_curve(curve, kind)
        if not rows.empty:
            worst = rows.iloc[-1]
            lines.append(
                f"{worst['rate']:.0%} {kind} label noise cost {100 * (clean_macro_f1 - worst['macro_f1_mean']):.1f} "
                f"macro-F1 points (clean {clean_macro_f1:.3f})."
            )
    random_rows = detection[detection["kind"] == "random"]
    if not random_rows.empty:
        m = random_rows.mean(numeric_only=True)
        recovered = recovered_share(
            clean_macro_f1, m["noisy_macro_f1"], max(m["removed_macro_f1"], m["relabelled_macro_f1"])
        )
        won = (
            f"cleaning won back {recovered:.0%} of the loss"
            if recovered is not None
            else "there was no loss to win back"
        )
        lines.append(
            f"At {rate:.0%} random noise cleanlab's flags had precision {m['precision']:.2f} and recall "
            f"{m['recall']:.2f}; {won}."
        )
    lines.append(
        f"On the original labels it flags {original_flagged} of {train_size} ({original_flagged / max(train_size, 1):.1%}): "
        "a reading list for a person, not a verdict."
    )
    return lines


def _row(table: pd.DataFrame, method: str) -> pd.Series | None:
    # the method's name in any case: a notebook may show "TF-IDF + LR" for "tf-idf + LR"
    rows = table[table["method"].str.lower() == method.lower()]
    return rows.iloc[0] if len(rows) else None


def _score(row: pd.Series) -> str:
    spread = f" ± {row['macro_f1_sd']:.3f}" if row.get("seeds", 1) > 1 else ""
    return f"{row['macro_f1']:.3f}{spread}"


def decision_guide(
    table: pd.DataFrame, winners: Mapping[str, str], *, k: int, tolerance: float = NOISE_POINTS
) -> list[str]:
    """Which approach wins with no labels, with ``k`` per class and with all of them, what the last
    points cost, and whether the run agrees with "under 32 examples per class, SetFit first"
    (lesson 10). ``table`` comes from :func:`clflib.comparison.approach_table`, ``winners`` from
    :func:`clflib.comparison.decision_rows` with the same tolerance (``tolerance / 100``: it
    counts in macro-F1, this in points), so that the tie named here is the one that chose."""
    if not winners:
        return ["No approach that learns from labels or label names ran, so there is no decision to derive."]
    phrases = {
        "zero-shot": "With no labelled examples",
        "8 per class": f"With {k} labelled examples per class",
        "all labels": "With every label",
    }
    from clflib.comparison import decision_ties

    ties = decision_ties(table, tolerance=tolerance / 100)
    lines = []
    for regime, method in winners.items():
        row = _row(table, method)
        tied = ties.get(regime, [method])
        if len(tied) < 2 or method not in tied:
            lines.append(
                f"{phrases.get(regime, regime)}, **{method}** scores best here (macro-F1 {_score(row)}, "
                f"{row['labels_used']:,} labels)."
            )
            continue
        scores = ", ".join(f"{m} {_score(_row(table, m))}" for m in tied)
        lines.append(
            f"{phrases.get(regime, regime)}, {scores} are within {tolerance:.1f} points of macro-F1 of the best "
            f"(or of its seeds' spread): a tie, which one run per method cannot break. Of those, **{method}** "
            f"costs least to run ({row['labels_used']:,} labels)."
        )
    every = table[table["regime"] == "all labels"].dropna(subset=["cost_per_million"])
    if len(every) >= 2:
        best = every.loc[every["macro_f1"].idxmax()]
        cheapest = every.loc[every["cost_per_million"].idxmin()]
        gap = 100 * (best["macro_f1"] - cheapest["macro_f1"])
        if best["method"] != cheapest["method"] and gap > 0 and cheapest["cost_per_million"] > 0:
            ratio = best["cost_per_million"] / cheapest["cost_per_million"]
            lines.append(
                f"The last {gap:.1f} points of macro-F1 with all labels (from {cheapest['method']} to {best['method']}) "
                f"cost {ratio:,.0f}x as much per prediction (${cheapest['cost_per_million']:.4f} against "
                f"${best['cost_per_million']:.4f} per million on this CPU) and {best['train_seconds']:,.0f} s of "
                f"training against {cheapest['train_seconds']:,.0f} s."
            )
        elif best["method"] == cheapest["method"]:
            lines.append(f"With all labels, {best['method']} is both the best and the cheapest to run here.")
    setfit = table[(table["regime"] == "8 per class") & table["method"].str.contains("SetFit")]
    rivals = table[(table["regime"] == "8 per class") & ~table["method"].str.contains("SetFit")]
    if len(setfit) and len(rivals):
        s, r = setfit.iloc[0], rivals.loc[rivals["macro_f1"].idxmax()]
        margin = 100 * (s["macro_f1"] - r["macro_f1"])
        spread = 100 * max(s["macro_f1_sd"], r["macro_f1_sd"], tolerance / 100)
        if margin > spread:
            verdict = (
                f"this run agrees: at {k} per class SetFit beats {r['method']} by {margin:.1f} points, more "
                "than the seeds' spread."
            )
        elif margin < -spread:
            verdict = (
                f"this run disagrees: at {k} per class {r['method']} beats SetFit by {-margin:.1f} points, "
                "more than the seeds' spread."
            )
        else:
            verdict = (
                f"this run does not settle it: at {k} per class SetFit and {r['method']} are {abs(margin):.1f} "
                "points apart, within the seeds' spread; the cheaper one is the better first try."
            )
        lines.append(f'The rule of thumb "under 32 examples per class, SetFit first": {verdict}')
    return lines


def two_head_findings(two_heads: pd.DataFrame, tolerance: float = NOISE_POINTS) -> list[str]:
    """One encoder with two heads against two models: quality of each task and serving time
    (lesson 10). ``two_heads`` has rows "one encoder, two heads" and "two models" and columns
    "intent macro-F1", "sentiment macro-F1", "ms per 1,000 messages"."""
    shared, separate = two_heads.iloc[0], two_heads.iloc[1]
    lines = []
    for task in ("intent", "sentiment"):
        column = f"{task} macro-F1"
        delta = 100 * (shared[column] - separate[column])
        verdict = change_verdict(delta, tolerance)
        lines.append(
            f"For {task}, sharing the encoder {verdict} ({shared[column]:.3f} against {separate[column]:.3f} "
            f"with a model of its own)."
        )
    ratio = separate["ms per 1,000 messages"] / shared["ms per 1,000 messages"]
    lines.append(
        f"Serving both tasks took {shared['ms per 1,000 messages']:,.0f} ms per 1,000 messages with one "
        f"encoder and {separate['ms per 1,000 messages']:,.0f} ms with two ({ratio:.1f}x)."
    )
    return lines


def choosing_takeaways(table: pd.DataFrame, winners: Mapping[str, str]) -> list[str]:
    """Lesson 10's takeaways, quoting its table."""
    lines = []
    tfidf = _row(table, "tf-idf + LR")
    if tfidf is not None:
        lines.append(
            f"Run TF-IDF + logistic regression first: macro-F1 {tfidf['macro_f1']:.3f} after "
            f"{tfidf['train_seconds']:.0f} s of training, at ${tfidf['cost_per_million']:.4f} per million "
            "predictions. Anything slower must beat it."
        )
    if "all labels" in winners:
        best = _row(table, winners["all labels"])
        lines.append(
            f"With all labels, {best['method']} reached {best['macro_f1']:.3f} "
            f"({best['trainable_params']:,} trainable parameters, {best['train_seconds']:,.0f} s)."
        )
    full, int8 = _row(table, "full fine-tune"), _row(table, "full fine-tune, int8")
    if full is not None and int8 is not None:
        change = 100 * (int8["macro_f1"] - full["macro_f1"])
        lines.append(
            f"int8 served the same model at {int8['ms_per_1k']:,.0f} ms per 1,000 instead of "
            f"{full['ms_per_1k']:,.0f} ({change:+.1f} points of macro-F1)."
        )
    lines.append(
        "Pick from the frontier among the rows your labels allow: a method off it is beaten on quality "
        "and cost at once by another row."
    )
    return lines
