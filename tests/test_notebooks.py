"""Execute every lesson with papermill and check the numbers it reports.

Smoke runs use the embedded support inbox (seconds to a minute each). Real-data runs use a CI
budget (parameters overriding the cpu profile, about 3 minutes per lesson) and floors measured
on this course's 2-core CPU machine; they skip when CLFLIB_DATA_DIR is not set.
Executed copies are kept in runs/tests/ so a failing cell can be read.
"""

import pytest

from clflib.course import LESSONS, RUNS_DIR, run_lesson

BY_SLUG = {lesson.slug: lesson for lesson in LESSONS}


def check_lesson_01(m, real):
    assert m["dataset"] == ("rotten_tomatoes" if real else "support_inbox")
    assert m["reload_max_abs_diff"] < 1e-5
    assert m["padding_share_grouped"] < m["padding_share_max_length"]
    assert m["test_accuracy"] > m["majority_accuracy"] + 0.1
    if real:
        # measured 0.818 with 2000 examples, 2 epochs, seed 42 (README); floor leaves 4 points
        assert m["test_accuracy"] >= 0.78 and m["test_f1"] >= 0.76
        assert m["test_examples"] == 1068
    else:
        assert m["test_accuracy"] >= 0.75


def check_lesson_02(m, real):
    options = ("cross_entropy", "inverse", "sqrt_inverse", "effective_number", "focal", "oversampling")
    assert m["dataset"] == ("clinc150" if real else "support_inbox")
    for option in options:
        for prefix in ("macro_f1_", "weighted_f1_", "rare_class_f1_"):
            assert 0.0 <= m[prefix + option] <= 1.0
    assert m["test_macro_f1"] == max(m["macro_f1_" + o] for o in options)
    assert m["imbalance_ratio"] >= 20
    assert m["in_scope_accuracy"] <= m["flat_intent_accuracy"] + 1e-9  # rejecting never adds hits
    assert 0.0 < m["oos_recall"] <= 1.0
    assert 0.0 <= m["flat_intent_accuracy"] <= m["flat_domain_accuracy"]
    assert 0.0 <= m["topdown_intent_accuracy"] <= m["topdown_domain_accuracy"]
    if real:
        assert m["majority_macro_f1"] < 0.01
        assert m["test_macro_f1"] >= REAL_DATA_FLOORS["02_macro_f1"]
        assert m["oos_recall"] >= REAL_DATA_FLOORS["02_oos_recall"]
        # the lesson's finding: oversampling lifts the rarest intents well above plain cross-entropy
        assert m["rare_class_f1_oversampling"] >= m["rare_class_f1_cross_entropy"] + 0.1
    else:
        # measured on the inbox: cross-entropy 0.20, best option 0.55, majority 0.04
        assert m["test_macro_f1"] >= m["majority_macro_f1"] + 0.2


def check_lesson_03(m, real):
    assert m["dataset"] == ("go_emotions" if real else "support_inbox")
    assert m["num_labels"] == (28 if real else 6)
    assert m["reload_agreement"] >= 0.99, "the reloaded model and thresholds must decide as trained"
    for loss in ("bce", "focal_bce"):
        for strategy in ("0.5", "global", "per_label"):
            assert 0.0 <= m[f"{loss}_{strategy}_macro_f1"] <= 1.0 and 0.0 <= m[f"{loss}_{strategy}_micro_f1"] <= 1.0
    assert 0.0 <= m["test_hamming_loss"] < 0.3 and 0.0 <= m["test_subset_accuracy"] <= 1.0
    assert m["test_macro_ap"] > 0.1
    if real:
        # tuned thresholds must beat 0.5 on test macro-F1 (the lesson's point), by a measured margin
        assert m["test_macro_f1"] >= m["test_macro_f1_at_0.5"] + REAL_DATA_FLOORS["03_threshold_gain"]
        assert m["test_macro_f1"] >= REAL_DATA_FLOORS["03_macro_f1"]
        assert m["test_micro_f1"] >= REAL_DATA_FLOORS["03_micro_f1"]
        assert m["labels_with_own_threshold"] >= 8
        assert m["test_examples"] == 2000
    else:
        assert m["test_micro_f1"] >= 0.5


def check_lesson_08(m, real):
    configurations = ("pipeline_default", "pipeline_batched", "predictor_fp32", "predictor_int8",
                      "predictor_onnx")
    assert m["dataset"] == ("rotten_tomatoes" if real else "support_inbox")
    assert m["plain_loop_max_abs_diff"] < 1e-4, "the plain loop and the Predictor must agree"
    for name in configurations:
        assert 0.0 <= m[f"{name}_accuracy"] <= 1.0 and m[f"{name}_texts_per_second"] > 0
        assert 0 < m[f"{name}_p50_ms"] <= m[f"{name}_p99_ms"]
    # the same fp32 model served three ways: the same labels (padding changes only rounding)
    for name in ("pipeline_batched", "predictor_fp32"):
        assert abs(m[f"{name}_accuracy"] - m["pipeline_default_accuracy"]) <= 0.003
    assert m["streamed_rows"] == m["test_examples"]
    assert m["temperature"] > 0 and 0 <= m["test_ece_after"] <= 1
    if real:
        # quantisation's accuracy cost is part of the lesson: at most 1 point (issue 6)
        for name in ("predictor_int8", "predictor_onnx"):
            assert m[f"{name}_accuracy"] >= m["predictor_fp32_accuracy"] - 0.01
        assert m["predictor_fp32_accuracy"] >= REAL_DATA_FLOORS["08_accuracy"]
        # a fine-tuned model in-domain is near calibrated (cpu profile: ECE 0.018; T = 1.16 from
        # validation moved test ECE to 0.025): the fitted temperature must stay sane, not a miracle
        assert m["test_ece_before"] < 0.1 and 0.5 < m["temperature"] < 3
        assert m["test_ece_after"] <= m["test_ece_before"] + 0.03
        assert m["test_examples"] == 500
    else:
        assert m["predictor_fp32_accuracy"] >= 0.6


# Lesson 08's CI budget (232 s): 2,000 training texts, one epoch, 500 test texts: accuracy 0.758
# for every path (int8 too); speed-ups 1.7x (pipeline batch 32), 2.4x (Predictor fp32), 5.4x
# (int8), 2.2x (ONNX); ECE 0.039 -> 0.026 with T = 0.85. Speed is not asserted (benchmarks/).
# Lesson 02's CI budget (167 s on the course machine) measured: best macro-F1 0.402
# (oversampling), cross-entropy 0.233, rare-tenth F1 0.417 vs 0.000, out-of-scope recall 0.974
# at threshold 0.31 (in-scope accuracy 0.175: a 989-query model is unsure of everything).
# Lesson 03's CI budget (200 s) measured: two barely trained models (63 steps an epoch), which is
# where thresholds matter most: focal BCE (kept on validation macro AP) macro-F1 0.019 at 0.5,
# 0.120 with a global threshold, 0.175 per label; micro-F1 0.240; macro AP 0.151; 22 labels with
# their own threshold (minimum support 30).
REAL_DATA_BUDGET_02 = {"MAX_TRAIN_SAMPLES": 1000, "MAX_EVAL_SAMPLES": 500, "MAX_TEST_SAMPLES": 1500,
                       "NUM_EPOCHS": 2}
REAL_DATA_FLOORS = {"02_macro_f1": 0.30, "02_oos_recall": 0.5,
                    "03_threshold_gain": 0.08, "03_macro_f1": 0.12, "03_micro_f1": 0.15,
                    "08_accuracy": 0.74}

CHECKS = {"01_binary_sentiment": check_lesson_01, "02_multiclass_imbalance": check_lesson_02,
          "03_multilabel_thresholds": check_lesson_03, "08_production_inference": check_lesson_08}
REAL_DATA_BUDGET = {
    "01_binary_sentiment": {"MAX_TRAIN_SAMPLES": 2000, "NUM_EPOCHS": 2},
    "02_multiclass_imbalance": REAL_DATA_BUDGET_02,
    "03_multilabel_thresholds": {"MAX_TRAIN_SAMPLES": 2000, "MAX_EVAL_SAMPLES": 2000,
                                 "MAX_TEST_SAMPLES": 2000, "NUM_EPOCHS": 2},
    "08_production_inference": {"MAX_TRAIN_SAMPLES": 2000, "MAX_TEST_SAMPLES": 500, "LATENCY_TEXTS": 50},
}


def run(slug, profile, extra=None):
    result = run_lesson(BY_SLUG[slug].notebook, RUNS_DIR / "tests" / profile,
                        {"PROFILE": profile, **(extra or {})}, timeout=900)
    assert result.ok, result.error
    return result.metrics


def test_every_lesson_has_checks():
    assert set(CHECKS) == set(BY_SLUG) == set(REAL_DATA_BUDGET)


@pytest.mark.notebook
@pytest.mark.parametrize("slug", list(BY_SLUG))
def test_lesson_smoke(slug):
    CHECKS[slug](run(slug, "smoke"), real=False)


@pytest.mark.notebook
@pytest.mark.real_data
@pytest.mark.parametrize("slug", list(BY_SLUG))
def test_lesson_real_data_ci_budget(slug, real_data_dir):
    CHECKS[slug](run(slug, "cpu", REAL_DATA_BUDGET[slug]), real=True)
