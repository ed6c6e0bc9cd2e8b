"""Lesson 09, Labels are the model: its course code outside ``notebooks/09_label_quality.ipynb``.

- ``DEFAULTS``: this lesson's settings per profile, passed to ``profiles.get_profile`` by the
  notebook (the profile's own sizes are in :mod:`clflib.profiles`).
- ``LESSON``: its entry: the README table's row and what a run must prove (CI budget, floors,
  claims, own-data example; see :class:`clflib.course.lessons.lesson.Lesson`).
- ``RUN_DEFAULTS``: noise seeds, folds and the fine-tuned check's size.
- findings: decision rules, the cost of noise (frozen and fine-tuned), cleaning, disagreement
  and the takeaways.

>>> DEFAULTS["smoke"]
{'num_epochs': 2, 'learning_rate': 0.0005}
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from clflib.course.lessons.lesson import Claim, Lesson, Metrics, frozen
from clflib.course.lessons.verdicts import NOISE_POINTS
from clflib.course.own_data import OwnDataExample

__all__ = [
    "DEFAULTS",
    "RUN_DEFAULTS",
    "LESSON",
    "results_summary",
    "decision_rule_findings",
    "noise_cost_findings",
    "fine_tuned_noise_findings",
    "recovered_share",
    "cleaning_findings",
    "disagreement_findings",
    "label_quality_takeaways",
]

# The fine-tuned check trains 77 classes from short texts: more epochs than lesson 01 needs.
DEFAULTS = {
    "smoke": {"num_epochs": 2, "learning_rate": 5e-4},
    "cpu": {"max_train_samples": 8000, "num_epochs": 2, "learning_rate": 1e-4},
    "gpu": {"num_epochs": 6, "learning_rate": 5e-5},
}

# smoke: two noise seeds, 3 folds, the fine-tuned check on 200 messages
RUN_DEFAULTS = {
    "smoke": {"noise_seeds": [0, 1], "folds": 3, "fine_tune_samples": 200},
    "cpu": {"noise_seeds": [0, 1, 2], "folds": 5, "fine_tune_samples": 2000},
    "gpu": {"noise_seeds": [0, 1, 2], "folds": 5, "fine_tune_samples": 2000},
}


def _claims(m: Metrics, real: bool, claim: Claim) -> None:
    rates = sorted(
        {float(key.split("_")[2]) for key in m if key.startswith("noise_random_") and key.endswith("_f1")}
    )
    claim(bool(rates), "the noise sweep must report its rates")
    for kind in ("random", "pairwise"):
        curve = [m[f"noise_{kind}_{rate:g}_macro_f1"] for rate in rates]
        claim(
            curve[-1] < m["clean_macro_f1"],
            f"{kind}: the highest noise rate must cost macro-F1 (labels are the model)",
        )
    claim(
        0 <= m["cleanlab_precision"] <= 1 and 0 <= m["cleanlab_recall"] <= 1,
        "precision and recall are shares",
    )
    claim(m["original_flagged"] < m["train_examples"] / 2, "most original labels must survive the search")
    if real:
        claim(
            m["cleanlab_precision"] >= 0.6,
            "at 20% random noise, at least 60% of cleanlab's flags must be real flips",
        )
        claim(
            m["cleaned_macro_f1"] > m["noisy_macro_f1"],
            "removing the flagged rows must win back some of the macro-F1 lost to noise",
        )
        top = rates[-1]
        claim(
            m[f"noise_pairwise_{top:g}_macro_f1"] < m[f"noise_random_{top:g}_macro_f1"],
            "pairwise noise must cost more than the same share of random noise",
        )


def results_summary(m: Metrics) -> str:
    """The README's results cell, from a run's metrics (the reference run's)."""
    rates = sorted(
        {float(key.split("_")[2]) for key in m if re.fullmatch(r"noise_random_[\d.]+_macro_f1", key)}
    )
    noise = "; ".join(
        f"{rate:.0%} flipped: random {m[f'noise_random_{rate:g}_macro_f1']:.3f}"
        + (
            f", pairwise {m[f'noise_pairwise_{rate:g}_macro_f1']:.3f}"
            if f"noise_pairwise_{rate:g}_macro_f1" in m
            else ""
        )
        for rate in rates
    )
    return (
        f"{m['train_examples']:,} training queries, frozen embeddings + logistic regression, "
        f"{m['noise_seeds']} noise seeds: test macro-F1 {m['clean_macro_f1']:.3f} clean; {noise}; cleanlab "
        f"at {m['detect_rate']:.0%} random noise: precision {m['cleanlab_precision']:.2f}, recall "
        f"{m['cleanlab_recall']:.2f}, removing the flags {m['cleaned_macro_f1']:.3f} ({m['recovered_share']:.0%} "
        f"of the loss won back); {m['original_flagged']} original labels flagged"
    )


LESSON = Lesson(
    slug="09_label_quality",
    title="Labels are the model",
    dataset="banking77 (and the support inbox's labelling guide)",
    real_dataset="banking77",
    teaches="a labelling guide's decision rule for two fuzzy labels and an out-of-fold model's "
    "confusions between them; random and pairwise (systematic) label noise at 10-30% against "
    "test macro-F1, over noise seeds, with frozen embeddings + logistic regression and two "
    "fine-tuned points; out-of-fold probabilities (cross_val_predict) and confident learning "
    "(cleanlab's find_label_issues, prune_by_noise_rate): precision and recall against known flips, "
    "macro-F1 after removing or relabelling; what CleanLearning, Datalab and label quality scores "
    "add; suspicious original labels and their (given, suggested) clusters",
    key_metrics=(
        "clean_macro_f1",
        "noise_random_0.2_macro_f1",
        "noise_pairwise_0.2_macro_f1",
        "cleanlab_precision",
        "cleanlab_recall",
        "cleaned_macro_f1",
    ),
    results=results_summary,
    # smoke: the fine-tuned check on 200 messages for 2 epochs proves its code path
    ci_budget=frozen(
        {
            "MAX_TRAIN_SAMPLES": 2000,
            "MAX_TEST_SAMPLES": 1540,
            "NOISE_SEEDS": [0, 1],
            "DETECT_KINDS": ["random"],
            "FINE_TUNE_RATES": [],
        }
    ),
    # CI budget measured (2,000 training rows, 1,540 test, 2 noise seeds, seed 42; 93 s alone, the
    # smoke run 70 s): clean 0.905 (C = 10 chosen on validation); 20% random noise 0.849, flags
    # precision 0.766, recall 0.786, removing them 0.872 (41% of the loss won back); 30%: random
    # 0.823, pairwise 0.718. Smoke (minilm-l2, the inbox): clean 0.607
    floors=frozen({"clean_macro_f1": 0.87, "cleanlab_precision": 0.65}),
    smoke_floors=frozen({"clean_macro_f1": 0.45}),
    smoke_own_data=OwnDataExample(
        "sentiment_binary", "one file", "csv", {"TEXT_COLUMN": "review", "LABEL_COLUMN": "verdict"}
    ),
    smoke_proves="the fine-tuned model under label noise (FINE_TUNE_RATES) and cleanlab on pairwise "
    "noise, which the CI budget leaves out",
    claims=_claims,
)


# --- the sentences the notebook writes about its numbers ------------------------------


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
