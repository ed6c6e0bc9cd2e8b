"""Lesson 10, Choosing an approach: its course code outside ``notebooks/10_choosing_an_approach.ipynb``.

- ``DEFAULTS``: this lesson's settings per profile, passed to ``profiles.get_profile`` by the
  notebook (the profile's own sizes are in :mod:`clflib.profiles`).
- ``LESSON``: its entry: the README table's row and what a run must prove (CI budget, floors,
  claims, own-data example; see :class:`clflib.course.lessons.lesson.Lesson`).
- ``RUN_DEFAULTS``: seeds and the sizes of the timed and NLI rows.
- findings: ``decision_guide`` (ties within ``NOISE_POINTS`` or a row's spread),
  ``two_head_findings``, ``choosing_takeaways``.

>>> DEFAULTS["smoke"]
{'num_epochs': 1, 'learning_rate': 0.0005}
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from clflib.comparison import decision_ties
from clflib.course.lessons.lesson import Claim, Lesson, Metrics, frozen
from clflib.course.lessons.verdicts import NOISE_POINTS, change_verdict
from clflib.course.own_data import OwnDataExample

__all__ = [
    "NOISE_POINTS",
    "DEFAULTS",
    "RUN_DEFAULTS",
    "LESSON",
    "results_summary",
    "decision_guide",
    "two_head_findings",
    "choosing_takeaways",
]

DEFAULTS = {
    "smoke": {"num_epochs": 1, "learning_rate": 5e-4},
    "cpu": {"max_train_samples": None, "num_epochs": 2, "learning_rate": 1e-4},
    "gpu": {"num_epochs": 3, "learning_rate": 1e-4},
}

# smoke: one seed, 50 timed texts, 20 NLI texts, 120 inbox messages for the two heads
RUN_DEFAULTS = {
    "smoke": {"seeds": [0], "timing_texts": 50, "nli_test_samples": 20, "two_head_samples": 120},
    "cpu": {"seeds": [0, 1, 2], "timing_texts": 500, "nli_test_samples": 154, "two_head_samples": None},
    "gpu": {"seeds": [0, 1, 2], "timing_texts": 500, "nli_test_samples": 154, "two_head_samples": None},
}


def _claims(m: Metrics, real: bool, claim: Claim) -> None:
    claim(
        m["tfidf_lr_macro_f1"] > m["majority_macro_f1"] + 0.2,
        "TF-IDF + logistic regression must beat the majority class by 20 points",
    )
    claim(
        m["frozen_lr_macro_f1"] > m[f"frozen_lr_k{m['k']}_macro_f1"],
        "all labels must beat K per class with the same frozen encoder",
    )
    claim(
        m["full_ft_trainable_params"]
        > m.get("lora_trainable_params", 0)
        > m.get("head_only_trainable_params", -1),
        "LoRA must train more than the head alone and fewer weights than full fine-tuning",
    )
    claim(bool(m["decision_rows"]) and "all labels: " in m["decision_rows"], "the winners must be named")
    claim(
        m["two_head_ms_per_1k"] > 0 and 0 <= m["two_head_intent_macro_f1"] <= 1,
        "the two-head comparison must report its scores and time",
    )
    if real:
        claim(
            m["full_ft_macro_f1"] > m["zeroshot_embedding_macro_f1"],
            "fine-tuning on the labels must beat zero-shot",
        )
        claim(
            m["full_ft_int8_accuracy"] >= m["full_ft_accuracy"] - 0.03,
            "int8 must stay within 3 points of the fp32 fine-tune",
        )
        if m["train_examples"] >= 10003:  # the cpu and gpu profiles: all of banking77's training set
            claim(
                m["full_ft_accuracy"] >= 0.90,
                "full fine-tuning on all 10,003 queries must reach 0.90 accuracy",
            )


_ROWS = {  # the metrics' key of each row, and its name in the results cell
    "majority": "majority",
    "zeroshot_embedding": "zero-shot embedding",
    "zeroshot_nli": "zero-shot NLI",
    "frozen_lr_k{k}": "{k} per class: frozen + LR",
    "setfit_k{k}": "SetFit",
    "tfidf_lr": "all labels: TF-IDF + LR",
    "head_only": "head only",
    "lora": "LoRA",
    "top_layers": "top layers",
    "full_ft": "full fine-tune",
    "full_ft_int8": "int8",
    "frozen_lr": "frozen + LR",
}


def results_summary(m: Metrics) -> str:
    """The README's results cell, from a run's metrics (the reference run's)."""
    k = m["k"]
    rows = []
    for key, name in _ROWS.items():
        key, name = key.format(k=k), name.format(k=k)
        if f"{key}_macro_f1" in m:
            sd = m.get(f"{key}_macro_f1_sd") if m.get("seeds", 1) > 1 else None
            rows.append(
                f"{name} {m.get(f'{key}_macro_f1_mean', m[f'{key}_macro_f1']):.3f}"
                + (f" ± {sd:.3f}" if sd else "")
            )
    speed = m["separate_ms_per_1k"] / m["two_head_ms_per_1k"]
    spread = f"mean ± sd over {m['seeds']} seeds where a row samples" if m["seeds"] > 1 else "one seed"
    return (
        f"{m['dataset']}, {m['train_examples']:,} training and {m['test_examples']:,} test texts, test "
        f"macro-F1 ({spread}): {', '.join(rows)}; one encoder with two heads "
        f"served {speed:.1f}x faster than two models"
    )


LESSON = Lesson(
    slug="10_choosing_an_approach",
    title="Choosing an approach",
    dataset="banking77 (the support inbox for one model with two heads)",
    real_dataset="banking77",
    teaches="which weights learn (freezing by hand; LoRA with LoraConfig and get_peft_model, its "
    "adapters and head counted apart, one layer by hand); one table of "
    "every approach on one test split: majority class, TF-IDF + LR, zero-shot (embedding "
    "similarity, NLI), 8 per class (frozen + LR, SetFit) over 3 seeds, all labels (frozen + LR, "
    "head only, top layers, LoRA, full fine-tune, int8 with quantize_dynamic in plain torch) with "
    "accuracy, macro-F1, labels, "
    "trainable parameters, training time, ms per 1,000 predictions, size and cost per million; "
    "the quality/cost frontier and the decision guide derived from it (rows within 1.5 points or a "
    "seed spread are ties, the cheapest of them picked); the LLM prompting route "
    "(Hub only); one encoder with two heads against two models",
    key_metrics=(
        "tfidf_lr_macro_f1",
        "setfit_k8_macro_f1_mean",
        "frozen_lr_macro_f1",
        "lora_macro_f1",
        "full_ft_accuracy",
        "full_ft_ms_per_1k",
    ),
    results=results_summary,
    # smoke: every row and section on the inbox, one epoch (the fine-tunes learn little: the
    # run proves their code path; the floors are on the rows that learn from 466 messages)
    # the CI budget: 30 queries per class, 10 per class for testing, the rows that need no
    # contrastive training or 77 NLI passes per text (the smoke run covers those)
    ci_budget=frozen(
        {
            "MAX_TRAIN_SAMPLES": 2310,
            "MAX_TEST_SAMPLES": 770,
            "SEEDS": [0],
            "TIMING_TEXTS": 50,
            "TWO_HEAD_SAMPLES": 60,
            "TWO_HEAD_EPOCHS": 1,
            "METHODS": [
                "majority",
                "tfidf_lr",
                "zeroshot_embedding",
                "frozen_lr_k8",
                "frozen_lr",
                "full_ft",
                "full_ft_int8",
            ],
        }
    ),
    # CI budget measured (2,310 training and 770 test queries, 214 s in pytest beside nothing
    # else; the notebook's fine-tune cell 99 s): frozen + LR 0.900, full fine-tune accuracy 0.834
    # (int8 0.823), TF-IDF + LR 0.788, embedding zero-shot 0.620, frozen + LR 8 per class 0.807
    floors=frozen(
        {
            "frozen_lr_macro_f1": 0.85,
            "full_ft_accuracy": 0.76,
            "tfidf_lr_macro_f1": 0.72,
            "zeroshot_embedding_macro_f1": 0.55,
        }
    ),
    # smoke measured (inbox, minilm-l2, 82 s): frozen + LR 0.607, SetFit 0.541, TF-IDF 0.397
    smoke_floors=frozen({"frozen_lr_macro_f1": 0.45, "setfit_k8_macro_f1": 0.35, "tfidf_lr_macro_f1": 0.3}),
    smoke_own_data=OwnDataExample(
        "intent", "one file", "parquet", {"TEXT_COLUMN": "message", "LABEL_COLUMN": "intent_name"}
    ),
    smoke_proves="the SetFit, NLI zero-shot, head-only, top-layers and LoRA rows, which the CI budget "
    "leaves out",
    claims=_claims,
    smoke_uses=frozen({"NLI_MODEL_DIR": ("05_nli_sentence_pairs", "model")}),
)


# --- the sentences the notebook writes about its numbers ------------------------------


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
    lines += _cost_of_the_last_points(table)
    lines += _setfit_rule_of_thumb(table, k, tolerance)
    return lines


def _cost_of_the_last_points(table: pd.DataFrame) -> list[str]:
    """With all labels: what the best row's last points of macro-F1 cost over the cheapest row."""
    lines = []
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
    return lines


def _setfit_rule_of_thumb(table: pd.DataFrame, k: int, tolerance: float) -> list[str]:
    """Whether the run agrees with "under 32 examples per class, SetFit first" at ``k`` per class."""
    lines = []
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
