"""The lessons' verdict sentences on ordinary and degenerate numbers (clflib.course.lessons: each lesson's file)."""

import numpy as np
import pandas as pd
import pytest

from clflib.course.lessons import lesson_01, lesson_02, lesson_03, lesson_08, lesson_09, lesson_10, verdicts


def text(lines):
    return " ".join(lines)


# --- lesson 01: a training run ------------------------------------------------------------


def log(f1, accuracy=None):
    return pd.DataFrame(
        {"epoch": np.arange(1.0, len(f1) + 1), "eval_f1": f1, "eval_accuracy": accuracy or [0.5] * len(f1)}
    )


def test_training_findings_name_the_best_epoch_and_the_reload():
    said = text(
        lesson_01.training_findings(
            log([0.2, 0.8, 0.7]), train_seconds=30, steps=90, planned_epochs=3, patience=2
        )
    )
    assert "peaked at **0.8000** after epoch 2 of 3" in said
    assert "loaded the epoch-2 checkpoint back" in said
    assert "did not trigger" in said
    assert "only 0.200" in said  # the first evaluation was far below the best


def test_training_findings_when_the_last_epoch_is_best_and_training_stopped_early():
    said = text(
        lesson_01.training_findings(log([0.7, 0.8]), train_seconds=30, steps=60, planned_epochs=4, patience=1)
    )
    assert "the best checkpoint is also the last one" in said
    assert "ended training early" in said
    assert "loaded the epoch" not in said and "only 0.7" not in said


def test_a_model_that_learned_nothing_is_not_described_as_a_peak():
    said = text(
        lesson_01.training_findings(log([0.0, 0.0]), train_seconds=5, steps=10, planned_epochs=2, patience=2)
    )
    assert "never rose above 0" in said and "learned nothing" in said
    assert "peaked" not in said and "checkpoint back" not in said


def test_training_findings_without_any_evaluation():
    said = text(
        lesson_01.training_findings(
            pd.DataFrame(columns=["epoch", "eval_f1"]),
            train_seconds=5,
            steps=10,
            planned_epochs=1,
            patience=2,
        )
    )
    assert "never evaluated" in said


# --- lesson 02: options on imbalanced classes --------------------------------------------


def options_table(**macro):
    rows = {
        name: {"macro_f1": f1, "weighted_f1": f1, "rare_class_f1": f1 - 0.2, "traffic_accuracy": 0.9}
        for name, f1 in macro.items()
    }
    return pd.DataFrame(rows).T


MAJORITY = {"accuracy": 0.1, "macro_f1": 0.01}


def test_imbalance_findings_name_the_best_option_and_the_trade_off():
    table = options_table(cross_entropy=0.70, focal=0.66, oversampling=0.75)
    table.loc["oversampling", "traffic_accuracy"] = 0.85
    said = text(
        lesson_02.imbalance_findings(
            table, options=list(table.index), majority=MAJORITY, still_improving={}, focal_gamma=2.0
        )
    )
    assert "Best macro-F1: **oversampling** (0.7500, +5.0 points" in said
    assert "Focal loss (gamma 2) hurt here: -4.0" in said
    assert "runner-up (cross_entropy) is 5.0 points behind" in said
    assert "traffic accuracy changed -5.0" in said


def test_when_cross_entropy_wins_no_sentence_compares_it_with_itself():
    table = options_table(cross_entropy=0.70, focal=0.695)
    said = text(
        lesson_02.imbalance_findings(
            table,
            options=["cross_entropy", "focal"],
            majority=MAJORITY,
            still_improving={"cross_entropy": True, "focal": True},
        )
    )
    assert "plain **cross_entropy** (0.7000): none of the other options beat it" in said
    assert "From cross-entropy to cross_entropy" not in said and "+0.0 points over" not in said
    assert "less than one seed" in said  # focal's -0.5 points are noise
    assert "still improving" in said


def test_a_single_option_is_reported_without_comparisons():
    table = options_table(cross_entropy=0.5)
    said = text(
        lesson_02.imbalance_findings(table, options=["cross_entropy"], majority=MAJORITY, still_improving={})
    )
    assert "no other option was trained" in said
    assert "runner-up" not in said and "Focal" not in said and "From cross-entropy" not in said


def test_the_accuracy_misleads_sentence_needs_a_gap():
    table = options_table(cross_entropy=0.9)
    table.loc["cross_entropy", "rare_class_f1"] = 0.88
    said = text(
        lesson_02.imbalance_findings(table, options=["cross_entropy"], majority=MAJORITY, still_improving={})
    )
    assert "accuracy misleads" not in said


def test_imbalance_findings_need_the_reference_option():
    with pytest.raises(ValueError, match="cross_entropy"):
        lesson_02.imbalance_findings(
            options_table(focal=0.5), options=["focal"], majority=MAJORITY, still_improving={}
        )


# --- lesson 03: thresholds ---------------------------------------------------------------


def comparison(per_label_macro=0.45, losses=("bce",), focal_shift=0.0):
    rows = []
    for loss in losses:
        shift = focal_shift if loss != "bce" else 0.0
        for strategy, macro in (("0.5", 0.40), ("global", 0.44), ("per-label", per_label_macro)):
            rows.append(
                {
                    "loss": loss,
                    "thresholds": strategy,
                    "micro_f1": 0.5,
                    "macro_f1": macro + shift,
                    "samples_f1": 0.5,
                    "subset_accuracy": 0.3,
                    "macro_ap": 0.5 + shift,
                }
            )
    return pd.DataFrame(rows).set_index(["loss", "thresholds"])


def test_threshold_findings_when_tuning_helped():
    said = text(
        lesson_03.threshold_findings(
            comparison(),
            best_loss="bce",
            global_threshold=0.3,
            tuned=[True, True, False],
            support=[12, 9, 2],
            min_support=5,
            validation_size=400,
        )
    )
    assert "**0.400** at 0.5" in said and "+5.0 points against 0.5" in said
    assert "2 labels had at least 5 positive" in said and "1 kept the global one" in said
    assert "did not pay" not in said


def test_threshold_findings_when_no_label_was_tuned_and_tuning_hurt():
    said = text(
        lesson_03.threshold_findings(
            comparison(per_label_macro=0.35),
            best_loss="bce",
            global_threshold=0.3,
            tuned=[False, False],
            support=[1, 2],
            min_support=5,
            validation_size=60,
        )
    )
    assert "No label had 5 positive validation texts" in said
    assert "no label reached 5 positives" in said and "as few as" not in said
    assert "not better at everything" not in said  # no per-label thresholds to compare


def test_threshold_findings_compare_focal_with_bce_after_tuning():
    said = text(
        lesson_03.threshold_findings(
            comparison(losses=("bce", "focal_bce"), focal_shift=0.05),
            best_loss="focal_bce",
            global_threshold=0.3,
            tuned=[True],
            support=[10],
            min_support=5,
            validation_size=400,
        )
    )
    assert "Focal BCE helped once thresholds are tuned (+5.0" in said
    assert "ranks better (macro AP +5.0" in said


def per_label_table(thresholds, f1, f1_half, predicted=(5, 5, 5)):
    return pd.DataFrame(
        {
            "threshold": thresholds,
            "f1": f1,
            "f1_at_0.5": f1_half,
            "support": [5, 5, 5],
            "predicted": list(predicted),
            "ap": [0.5, 0.4, 0.3],
        },
        index=["a", "b", "c"],
    )


def test_per_label_findings_with_constant_thresholds_print_no_correlation():
    table = per_label_table([0.3, 0.3, 0.3], [0.5, 0.5, 0.5], [0.4, 0.5, 0.6])
    with np.errstate(all="raise"):
        lines, warnings = lesson_03.per_label_threshold_findings(
            table, pd.Series([10, 20, 30], index=table.index)
        )
    said = text(lines)
    assert (
        "The one tuned threshold raises test F1 for 1 labels and lowers it for 1 (largest gains: a +0.10; largest losses: c -0.10)"
        in said
    )
    assert "same threshold (0.30)" in said and "nan" not in said and "correlation" not in said
    assert warnings == []


def test_per_label_findings_rank_thresholds_and_warn_of_flooded_labels():
    table = per_label_table([0.1, 0.3, 0.5], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], predicted=(40, 5, 5))
    lines, warnings = lesson_03.per_label_threshold_findings(
        table, pd.Series([10, 20, 30], index=table.index)
    )
    said = text(lines)
    assert "raise test F1 for 0 labels and lower it for 0." in said
    assert "rank correlation" in said and "+1.00" in said
    assert len(warnings) == 1 and warnings[0].startswith("a predicts 40 test texts for 5 true ones")


# --- lesson 08: calibration --------------------------------------------------------------


def test_calibration_findings_for_an_over_confident_model():
    said = text(
        lesson_08.calibration_findings(
            temperature=1.6,
            ece_before=0.08,
            ece_after=0.02,
            accuracy=0.85,
            test_size=1066,
            majority_share=0.5,
        )
    )
    assert "over-confident, so T > 1 softens" in said and "ECE improved" in said
    assert "noisy" not in said and "not learned" not in said and "keep T = 1" not in said


def test_calibration_findings_for_a_small_test_split_and_a_constant_model():
    said = text(
        lesson_08.calibration_findings(
            temperature=1.0, ece_before=0.05, ece_after=0.052, accuracy=0.6, test_size=40, majority_share=0.6
        )
    )
    assert "close to calibrated already" in said and "ECE barely moved" in said
    assert "only 40 test texts" in said and "keep T = 1" in said
    assert "has not learned" in said


def test_change_verdict_thresholds():
    assert [verdicts.change_verdict(d) for d in (1.6, -1.6)] == ["helped", "hurt"]
    assert "noise" in verdicts.change_verdict(1.4)


# --- lesson 01: the frozen baseline; lesson 02: rare intents ------------------------------


def test_frozen_baseline_findings_in_each_direction():
    won = text(
        lesson_01.frozen_baseline_findings(
            {"accuracy": 0.85}, {"accuracy": 0.78}, fine_tune_seconds=300, frozen_seconds=20
        )
    )
    assert "beats the frozen baseline by **7.0 points**" in won and "15x the training time" in won
    lost = text(
        lesson_01.frozen_baseline_findings(
            {"accuracy": 0.60}, {"accuracy": 0.75}, fine_tune_seconds=30, frozen_seconds=20
        )
    )
    assert "the frozen baseline wins by 15.0 points" in lost and "1.5x" in lost
    tie = text(
        lesson_01.frozen_baseline_findings(
            {"accuracy": 0.80}, {"accuracy": 0.795}, fine_tune_seconds=30, frozen_seconds=40
        )
    )
    assert "within 1.5 points" in tie and "0.8x" in tie


def test_rare_class_findings_name_losses_and_zeros():
    rare = pd.DataFrame(
        {"cross_entropy F1": [0.5, 0.4, 0.0], "focal F1": [0.6, 0.3, 0.0]}, index=["a", "b", "c"]
    )
    said = text(lesson_02.rare_class_findings(rare, "focal"))
    assert said.startswith("focal improves 1 of these 3 intents; it is worse on b; c still scores F1 0")


# --- lesson 09: labels -------------------------------------------------------------------


def noise_curve(random=(0.79, 0.75, 0.70), pairwise=(0.74, 0.66, 0.55), clean=0.80, sd=0.01):
    rows = [{"kind": "clean", "rate": 0.0, "macro_f1_mean": clean, "macro_f1_sd": 0.0}]
    for kind, values in (("random", random), ("pairwise", pairwise)):
        rows += [
            {"kind": kind, "rate": r, "macro_f1_mean": v, "macro_f1_sd": sd}
            for r, v in zip((0.1, 0.2, 0.3), values)
        ]
    return pd.DataFrame(rows)


def test_noise_cost_findings_compare_the_two_kinds():
    said = text(lesson_09.noise_cost_findings(noise_curve(), seeds=3))
    assert (
        "With random noise, test macro-F1 goes from 0.800 (clean) to 0.790 at 10%, 0.750 at 20%, 0.700 at 30%"
        in said
    )
    assert "Up to 10% flipped labels cost at most 1.5 points" in said
    assert "Already 10% flipped labels cost 6.0 points" in said  # pairwise
    assert "Systematic noise costs more: at 30%, pairwise flips cost 25.0 points against 10.0" in said


def test_noise_cost_findings_when_noise_costs_nothing_or_random_costs_more():
    said = text(
        lesson_09.noise_cost_findings(
            noise_curve(random=(0.8, 0.8, 0.795), pairwise=(0.8, 0.8, 0.8)), seeds=1
        )
    )
    assert "Even 30% random noise cost at most 1.5 points" in said and "sd over" not in said
    assert "the two kinds cost about the same" in said
    said = text(
        lesson_09.noise_cost_findings(
            noise_curve(random=(0.7, 0.6, 0.5), pairwise=(0.79, 0.78, 0.75)), seeds=3
        )
    )
    assert "random noise cost more than pairwise at 30%" in said


def test_fine_tuned_noise_findings():
    confirm = pd.DataFrame(
        {"fine-tuned macro-F1": [0.85, 0.75], "frozen + LR macro-F1": [0.80, 0.77]}, index=[0.0, 0.2]
    )
    said = text(lesson_09.fine_tuned_noise_findings(confirm))
    assert "0.850 on clean labels and 0.750 with 20% random noise (10.0 points lost)" in said
    assert "the frozen model goes from 0.800 to 0.770 at the same noise (3.0 points lost)" in said
    assert "Fine-tuning suffers more" in said and "weaker" not in said
    weak = confirm.assign(**{"fine-tuned macro-F1": [0.6, 0.59], "frozen + LR macro-F1": [0.8, 0.79]})
    said = text(lesson_09.fine_tuned_noise_findings(weak))
    assert "weaker than the frozen one" in said and "fair guide" in said
    # weaker on clean labels and losing more: the run cannot say it memorised the wrong labels
    weaker_and_worse = confirm.assign(
        **{"fine-tuned macro-F1": [0.759, 0.60], "frozen + LR macro-F1": [0.891, 0.86]}
    )
    said = text(lesson_09.fine_tuned_noise_findings(weaker_and_worse))
    assert "does not show why" in said and "Fine-tuning suffers more" not in said
    gained = confirm.assign(**{"frozen + LR macro-F1": [0.80, 0.81]})
    assert "(1.0 points gained)" in text(lesson_09.fine_tuned_noise_findings(gained))
    assert "needs the clean point" in text(lesson_09.fine_tuned_noise_findings(confirm.iloc[1:]))
    # a fine-tuned model that learned nothing loses nothing: no "suffers more" (the smoke run)
    flat = confirm.assign(**{"fine-tuned macro-F1": [0.033, 0.033], "frozen + LR macro-F1": [0.438, 0.485]})
    said = text(lesson_09.fine_tuned_noise_findings(flat))
    assert (
        "Neither model lost anything" in said and "suffers more" not in said and "suffered less" not in said
    )


def detection_table(noisy=0.70, removed=0.76, relabelled=0.74, precision=0.8, recall=0.7):
    return pd.DataFrame(
        [
            {
                "kind": kind,
                "seed": s,
                "flagged": 100,
                "flipped": 110,
                "precision": precision,
                "recall": recall,
                "noisy_macro_f1": noisy,
                "removed_macro_f1": removed,
                "relabelled_macro_f1": relabelled,
            }
            for kind in ("random", "pairwise")
            for s in (0, 1)
        ]
    )


def test_cleaning_findings_report_what_was_won_back_or_what_limited_it():
    said = text(lesson_09.cleaning_findings(detection_table(), 0.80, rate=0.2))
    assert "At 20% random noise cleanlab flags 100 rows on average: precision 0.80" in said
    assert "Removing won back 60% of what the noise cost" in said
    said = text(
        lesson_09.cleaning_findings(
            detection_table(removed=0.71, relabelled=0.69, recall=0.3), 0.80, rate=0.2
        )
    )
    assert "won back only 10%" in said and "70% of the flips were not flagged" in said
    assert "20 clean rows were flagged" in said
    said = text(lesson_09.cleaning_findings(detection_table(noisy=0.81), 0.80, rate=0.2))
    assert "nothing to win back" in said


def test_disagreement_findings_and_takeaways():
    clusters = pd.DataFrame({"given": ["a", "b"], "suggested": ["b", "a"], "rows": [12, 3]})
    said = text(lesson_09.disagreement_findings(clusters, 30))
    assert "12 flags labelled **a** that the model reads as **b**" in said and "hold 50% of all 30" in said
    assert "no pattern" in text(lesson_09.disagreement_findings(clusters.iloc[:0], 0))
    lines = lesson_09.label_quality_takeaways(
        noise_curve(), detection_table(), 0.80, rate=0.2, original_flagged=50, train_size=1000
    )
    assert lines[0] == "30% random label noise cost 10.0 macro-F1 points (clean 0.800)."
    assert "cleaning won back 60% of the loss" in lines[2] and "50 of 1000 (5.0%)" in lines[3]


def test_decision_rule_findings():
    both = pd.DataFrame(
        {"id": ["1", "2", "3", "4"], "intent": ["billing", "billing", "refund_return", "other"]}
    )
    crossed = pd.DataFrame(
        {"id": ["2", "9"], "intent": ["billing", "refund_return"], "predicted": ["refund_return", "billing"]}
    )
    said = text(lesson_09.decision_rule_findings(crossed, both, ("billing", "refund_return")))
    assert "put 2 under billing and 1 under refund_return (the other 1 under other intents)" in said
    assert (
        "1 billing message under refund_return and 1 refund_return message under billing; 1 of these 2"
        in said
    )
    assert "never put" in text(
        lesson_09.decision_rule_findings(crossed.iloc[:0], both, ("billing", "refund_return"))
    )


def test_cleaning_findings_when_cleaning_hurts():
    said = text(
        lesson_09.cleaning_findings(detection_table(noisy=0.70, removed=0.65, relabelled=0.6), 0.80, rate=0.2)
    )
    assert "won nothing back" in said and "30% of the flips were not flagged" in said
    said = text(
        lesson_09.cleaning_findings(detection_table(noisy=0.81, removed=0.70, relabelled=0.6), 0.80, rate=0.2)
    )
    assert "nothing to win back" in said and "Cleaning even hurt" in said


def approach_table(setfit=0.80, frozen8=0.78, sd=0.005):
    from clflib.comparison import MethodRun, approach_table

    runs = [
        MethodRun("majority", "none", 0, 0, accuracy=0.02, macro_f1=0.001, ms_per_1k=0.0),
        MethodRun(
            "zero-shot: embedding similarity", "zero-shot", 0, 0, accuracy=0.5, macro_f1=0.45, ms_per_1k=300.0
        ),
        *[
            MethodRun(
                name,
                "8 per class",
                616,
                s,
                accuracy=0.8,
                macro_f1=f1 + d,
                ms_per_1k=300.0,
                train_seconds=100.0,
            )
            for name, f1 in (("8/class: SetFit", setfit), ("8/class: frozen + LR", frozen8))
            for s, d in enumerate((-sd, 0.0, sd))
        ],
        MethodRun(
            "tf-idf + LR",
            "all labels",
            9500,
            0,
            accuracy=0.86,
            macro_f1=0.86,
            ms_per_1k=15.0,
            train_seconds=4.0,
        ),
        MethodRun(
            "full fine-tune",
            "all labels",
            9500,
            0,
            accuracy=0.92,
            macro_f1=0.92,
            ms_per_1k=600.0,
            train_seconds=900.0,
            trainable_params=22_000_000,
        ),
        MethodRun(
            "full fine-tune, int8", "all labels", 9500, 0, accuracy=0.91, macro_f1=0.915, ms_per_1k=300.0
        ),
    ]
    return approach_table(runs, cores=2, price_per_core_hour=0.05)


def test_decision_guide_names_the_winners_the_price_of_the_last_points_and_the_rule():
    from clflib.comparison import decision_rows

    table = approach_table()
    said = text(lesson_10.decision_guide(table, decision_rows(table), k=8))
    assert "With no labelled examples, **zero-shot: embedding similarity** scores best" in said
    assert (
        "With 8 labelled examples per class, **8/class: SetFit** scores best here (macro-F1 0.800 ± 0.005"
        in said
    )
    assert (
        "The last 6.0 points of macro-F1 with all labels (from tf-idf + LR to full fine-tune) cost 40x"
        in said
    )
    assert "this run agrees: at 8 per class SetFit beats 8/class: frozen + LR by 2.0 points" in said
    # rows within the tolerance of the best are a tie: the cheapest of them is the one to pick
    close = approach_table()
    close.loc[close["method"] == "tf-idf + LR", "macro_f1"] = 0.91
    said = text(lesson_10.decision_guide(close, decision_rows(close, tolerance=0.015), k=8))
    assert "a tie, which one run per method cannot break" in said and "**tf-idf + LR** costs least" in said
    tie = approach_table(setfit=0.785, frozen8=0.78)
    assert "does not settle it" in text(lesson_10.decision_guide(tie, decision_rows(tie), k=8))
    worse = approach_table(setfit=0.70, frozen8=0.78)
    assert "this run disagrees" in text(lesson_10.decision_guide(worse, decision_rows(worse), k=8))
    assert "no decision to derive" in text(lesson_10.decision_guide(table.iloc[:1], {}, k=8))
    # one all-labels method only, no SetFit: no cost sentence, no rule sentence, no crash
    alone = table[table["method"].isin(["majority", "tf-idf + LR"])]
    said = text(lesson_10.decision_guide(alone, decision_rows(alone), k=8))
    assert "tf-idf + LR" in said and "last" not in said and "rule of thumb" not in said


def test_two_head_findings_compare_each_task_and_the_serving_time():
    two_heads = pd.DataFrame(
        {
            "intent macro-F1": [0.80, 0.81],
            "sentiment macro-F1": [0.70, 0.60],
            "ms per 1,000 messages": [500.0, 1000.0],
        },
        index=["one encoder, two heads", "two models"],
    )
    said = text(lesson_10.two_head_findings(two_heads))
    assert "For intent, sharing the encoder moved the score by less than one seed's noise" in said
    assert "For sentiment, sharing the encoder helped (0.700 against 0.600 with a model of its own)" in said
    assert "(2.0x)" in said


def test_choosing_takeaways_quote_the_table():
    from clflib.comparison import decision_rows

    table = approach_table()
    said = text(lesson_10.choosing_takeaways(table, decision_rows(table)))
    assert "macro-F1 0.860 after 4 s of training" in said
    # the notebook may spell a row's name in another case
    shown = table.assign(method=table["method"].replace({"tf-idf + LR": "TF-IDF + LR"}))
    assert "macro-F1 0.860 after 4 s of training" in text(lesson_10.choosing_takeaways(shown, {}))
    assert "int8 served the same model at 300 ms per 1,000 instead of 600 (-0.5 points of macro-F1)" in said
    assert "int8" not in text(
        lesson_10.choosing_takeaways(table[table["method"] != "full fine-tune, int8"], {})
    )
