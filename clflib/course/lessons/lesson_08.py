"""Lesson 08, Production inference and calibration: its course code outside ``notebooks/08_production_inference.ipynb``.

- ``DEFAULTS``: this lesson's settings per profile, passed to ``profiles.get_profile`` by the
  notebook (the profile's own sizes are in :mod:`clflib.profiles`).
- ``LESSON``: its entry: the README table's row and what a run must prove (CI budget, floors,
  claims, own-data example; see :class:`clflib.course.lessons.lesson.Lesson`).
- ``RUN_DEFAULTS``: the sizes of the timed sections; ``CONFIGURATIONS``: the serving routes compared.
- findings: ``calibration_findings`` (what the reliability numbers say).

>>> DEFAULTS["smoke"]
{'num_epochs': 3, 'learning_rate': 0.0005}
"""

from __future__ import annotations

from clflib.course.lessons import lesson_01
from clflib.course.lessons.lesson import Claim, Lesson, Metrics, frozen

__all__ = ["DEFAULTS", "RUN_DEFAULTS", "LESSON", "results_summary", "CONFIGURATIONS", "calibration_findings"]

# without MODEL_DIR the lesson trains its own model: one epoch (smoke: lesson 01's smoke settings)
DEFAULTS = {
    "smoke": {"num_epochs": 3, "learning_rate": 5e-4},
    "cpu": {"num_epochs": 1},
    "gpu": {"num_epochs": 1},
}

# sizes of the timed sections: texts timed one at a time (latency), texts in the ablation and the
# batch-size sweep, repeats of each timing, and the batch sizes swept
RUN_DEFAULTS = {
    "smoke": {"latency_texts": 20, "timing_texts": 64, "repeats": 1, "batch_sizes": [1, 8, 32]},
    "cpu": {"latency_texts": 300, "timing_texts": 512, "repeats": 2, "batch_sizes": [1, 4, 16, 64, 256]},
    "gpu": {"latency_texts": 1000, "timing_texts": 1024, "repeats": 3, "batch_sizes": [1, 8, 32, 128, 512]},
}

CONFIGURATIONS = (
    "pipeline_default",
    "pipeline_batched",
    "predictor_fp32",
    "predictor_int8",
    "predictor_onnx",
)


def _claims(m: Metrics, real: bool, claim: Claim) -> None:
    claim(m["plain_loop_max_abs_diff"] < 1e-4, "the plain loop and the Predictor must agree")
    for name in CONFIGURATIONS:
        claim(
            0.0 <= m[f"{name}_accuracy"] <= 1.0 and m[f"{name}_texts_per_second"] > 0,
            f"{name} must report an accuracy and a throughput",
        )
        claim(0 < m[f"{name}_p50_ms"] <= m[f"{name}_p99_ms"], f"{name}: p50 must not exceed p99")
    # the same fp32 model served three ways: the same labels (padding changes only rounding)
    for name in ("pipeline_batched", "predictor_fp32"):
        claim(
            abs(m[f"{name}_accuracy"] - m["pipeline_default_accuracy"]) <= 0.003,
            f"{name} must decide as the default pipeline",
        )
    claim(m["streamed_rows"] == m["test_examples"], "the streaming command must write every row")
    claim(m["temperature"] > 0 and 0 <= m["test_ece_after"] <= 1, "temperature and ECE must be sane")
    if real:
        # ONNX Runtime runs the same fp32 weights: within 1 point. Dynamic int8 quantisation's
        # cost depends on the model: -0.5 points on this lesson's own cpu-profile model, +0.05 in
        # benchmarks/inference_speed.py, -2.4 points on lesson 01's CI-budget model (500 test
        # texts): at most 3 points
        claim(
            m["predictor_onnx_accuracy"] >= m["predictor_fp32_accuracy"] - 0.01,
            "ONNX Runtime must stay within 1 point of fp32 accuracy",
        )
        claim(
            m["predictor_int8_accuracy"] >= m["predictor_fp32_accuracy"] - 0.03,
            "int8 must stay within 3 points of fp32 accuracy",
        )
        # a fine-tuned model in-domain is near calibrated (cpu profile: ECE 0.018; T = 1.16):
        # the fitted temperature must stay sane, not a miracle
        claim(
            m["test_ece_before"] < 0.1 and 0.5 < m["temperature"] < 3,
            "ECE below 0.1 and a temperature in (0.5, 3)",
        )
        claim(
            m["test_ece_after"] <= m["test_ece_before"] + 0.03,
            "temperature scaling must not worsen ECE by more than 0.03",
        )


def results_summary(m: Metrics) -> str:
    """The README's results cell, from a run's metrics (the reference run's)."""
    return (
        f"{m['test_examples']:,} test texts: pipeline default {m['pipeline_default_texts_per_second']:.0f} "
        f"texts/s; pipeline batch {m['best_batch_size']} {m['pipeline_batched_speedup']:.1f}x; Predictor fp32 "
        f"{m['predictor_fp32_speedup']:.1f}x (accuracy {m['predictor_fp32_accuracy']:.3f}), int8 "
        f"{m['predictor_int8_speedup']:.1f}x ({m['predictor_int8_accuracy']:.3f}), ONNX "
        f"{m['predictor_onnx_speedup']:.1f}x (p50 latency {m['predictor_onnx_p50_ms']:.1f} ms vs "
        f"{m['pipeline_default_p50_ms']:.1f} ms); ECE {m['test_ece_before']:.3f} → {m['test_ece_after']:.3f} "
        f"with temperature {m['temperature']:.2f} from validation"
    )


LESSON = Lesson(
    slug="08_production_inference",
    title="Production inference and calibration",
    dataset="rotten_tomatoes",
    real_dataset="rotten_tomatoes",
    teaches="sorted, batched, per-batch-padded inference in plain torch, then the Predictor; "
    "pipeline default vs batched vs Predictor fp32 / int8 / ONNX Runtime: throughput, "
    "p50/p99 latency, accuracy and share of the hardware limit; throughput against "
    "batch size; reliability diagram, ECE and temperature scaling; streaming batch "
    "predictions with resume; Ray Data",
    key_metrics=(
        "predictor_fp32_speedup",
        "predictor_int8_speedup",
        "predictor_onnx_speedup",
        "predictor_fp32_accuracy",
        "predictor_int8_accuracy",
        "test_ece_before",
        "test_ece_after",
    ),
    results=results_summary,
    # serves lesson 01's CI-budget model; every cell runs, the timings on a handful of texts (speed
    # is not asserted: benchmarks/ and the cpu profile measure it), the five configurations'
    # accuracies on all 500 test texts. Measured: fp32 and ONNX 0.788, int8 0.764, ECE 0.027 ->
    # 0.017 (T = 1.07); 67 s (165 s with the timings at the cpu profile's sizes)
    ci_budget=frozen(
        {
            "MAX_TEST_SAMPLES": 500,
            "LATENCY_TEXTS": 20,
            "TIMING_TEXTS": 64,
            "REPEATS": 1,
            "BATCH_SIZES": [1, 32],
        }
    ),
    floors=frozen({"predictor_fp32_accuracy": 0.76}),
    # lesson 01's smoke model (accuracy 0.923): a constant classifier (0.662) must fail here.
    # Run alone, the lesson trains its own: lesson 01's smoke settings, so that one learns too
    smoke_floors=frozen({"predictor_fp32_accuracy": 0.75}),
    smoke_own_data=lesson_01.OWN_DATA,  # lesson 08 serves lesson 01's model: the same files
    claims=_claims,
    ci_uses=frozen({"MODEL_DIR": ("01_binary_sentiment", "model")}),
)


# --- the sentences the notebook writes about its numbers ------------------------------


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
