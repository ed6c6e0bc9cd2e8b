"""Calibration: reliability bins, expected calibration error and temperature scaling."""

import numpy as np
import pytest

from clflib import calibration


def calibrated_logits(n=20_000, seed=0):
    """Two-class logits whose softmax is calibrated by construction: P(correct) = confidence."""
    rng = np.random.default_rng(seed)
    confidence = rng.uniform(0.5, 0.99, n)
    predicted = rng.integers(0, 2, n)
    correct = rng.random(n) < confidence
    labels = np.where(correct, predicted, 1 - predicted)
    margin = np.log(confidence / (1 - confidence))
    logits = np.zeros((n, 2))
    logits[np.arange(n), predicted] = margin
    return logits, labels


def test_a_calibrated_model_has_near_zero_ece_and_temperature_one():
    logits, labels = calibrated_logits()
    probabilities = calibration.softmax_with_temperature(logits)
    assert calibration.expected_calibration_error(probabilities, labels) < 0.02
    assert calibration.fit_temperature(logits, labels) == pytest.approx(1.0, abs=0.05)


def test_over_confidence_is_found_and_undone():
    logits, labels = calibrated_logits()
    over_confident = 3.0 * logits  # the same ranking, three times too sure
    before = calibration.expected_calibration_error(
        calibration.softmax_with_temperature(over_confident), labels
    )
    temperature = calibration.fit_temperature(over_confident, labels)
    after = calibration.expected_calibration_error(
        calibration.softmax_with_temperature(over_confident, temperature), labels
    )
    assert temperature == pytest.approx(3.0, rel=0.05)
    assert before > 0.1 and after < 0.02


def test_temperature_never_changes_the_predicted_label_or_accuracy():
    logits, labels = calibrated_logits(2000, seed=1)
    summary = calibration.calibration_summary(3 * logits, labels, temperature=2.5)
    assert summary["accuracy"].nunique() == 1
    assert summary["nll"].iloc[1] < summary["nll"].iloc[0]


def test_reliability_table_counts_every_text_once_and_reports_bin_accuracy():
    probabilities = np.array([[0.95, 0.05], [0.92, 0.08], [0.55, 0.45], [0.3, 0.7]])
    table = calibration.reliability_table(probabilities, [0, 1, 0, 1], bins=10)
    assert table["count"].sum() == 4
    top = table.iloc[-1]
    assert (top["lower"], top["count"], top["accuracy"]) == (0.9, 2, 0.5)
    assert top["confidence"] == pytest.approx(0.935)


@pytest.mark.parametrize(
    "probabilities, labels, message",
    [
        (np.array([[2.0, -1.0], [0.5, 0.1]]), [0, 1], "not logits"),
        (np.array([[0.6, 0.4]]), [0, 1], "one label per row"),
        (np.array([[0.6, 0.4]]), [2], "class indices"),
        (np.array([0.6, 0.4]), [0], "(texts, classes)"),
    ],
)
def test_bad_input_says_what_is_wrong(probabilities, labels, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        calibration.expected_calibration_error(probabilities, labels)


def test_temperature_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        calibration.softmax_with_temperature(np.zeros((1, 2)), 0.0)
