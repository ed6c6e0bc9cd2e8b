import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score
from transformers import EvalPrediction

from clflib import metrics


def test_binary_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    m = metrics.classification_metrics(y, p)
    assert m["f1"] == pytest.approx(f1_score(y, p))
    assert m["precision"] == pytest.approx(precision_score(y, p))
    assert m["recall"] == pytest.approx(recall_score(y, p))
    assert m["accuracy"] == pytest.approx((y == p).mean())


def test_macro_metrics_match_scikit_learn():
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    assert metrics.classification_metrics(y, p, "macro")["f1"] == pytest.approx(
        f1_score(y, p, average="macro")
    )


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="shape"):
        metrics.classification_metrics([0, 1], [0])
    with pytest.raises(ValueError, match="zero examples"):
        metrics.classification_metrics([], [])


def test_compute_metrics_takes_logits():
    fn = metrics.make_compute_metrics("binary")
    logits = np.array([[2.0, -1.0], [0.0, 3.0], [1.0, 0.0]])
    out = fn(EvalPrediction(predictions=logits, label_ids=np.array([0, 1, 1])))
    assert out["accuracy"] == pytest.approx(2 / 3) and out["recall"] == pytest.approx(0.5)


def test_majority_baseline_and_softmax_and_confusion():
    base = metrics.majority_baseline([0, 0, 1], [0, 1, 1, 1])
    assert base["accuracy"] == 0.25 and base["f1"] == 0.0
    probs = metrics.softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    assert np.allclose(probs, [[0.5, 0.5], [0.25, 0.75]])
    assert metrics.confusion([0, 1, 1], [1, 1, 1], num_labels=3).tolist() == [[0, 1, 0], [0, 2, 0], [0, 0, 0]]


def test_most_confident_mistakes_sorted_and_limited():
    probs = np.array([[0.6, 0.4], [0.1, 0.9], [0.97, 0.03], [0.2, 0.8]])
    table = metrics.most_confident_mistakes(list("abcd"), [1, 0, 1, 1], probs, {0: "n", 1: "p"}, k=2)
    assert table["text"].tolist() == ["c", "b"]
    assert table["confidence"].tolist() == [0.97, 0.9]
    with pytest.raises(ValueError, match="same length"):
        metrics.most_confident_mistakes(["a"], [0, 1], probs[:2], {0: "n", 1: "p"})


def test_per_class_report_rarest_and_confused_pairs():
    from sklearn.metrics import f1_score as sk_f1

    y = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    p = np.array([0, 1, 0, 1, 0, 2, 2, 1, 2])
    report = metrics.per_class_report(y, p, ["a", "b", "c"])
    assert np.allclose(report["f1"], sk_f1(y, p, average=None))
    assert report.loc["c", "support"] == 4 and report.loc["b", "recall"] == pytest.approx(0.5)
    assert metrics.rarest_classes([30, 2, 9, 1], fraction=0.5, exclude=[3]).tolist() == [1, 2]
    pairs = metrics.most_confused_pairs(y, p, ["a", "b", "c"], k=2)
    assert pairs.values.tolist()[0] == ["a", "b", 1] and len(pairs) == 2


def test_prevalence_weighted_accuracy_by_hand():
    y = np.array([0, 0, 1, 1, 2, 2])
    p = np.array([0, 0, 1, 0, 0, 0])  # recalls 1, 0.5, 0
    assert metrics.prevalence_weighted_accuracy(y, p, [0.5, 0.3, 0.2]) == pytest.approx(0.65)
    assert metrics.prevalence_weighted_accuracy(y, p, [1, 1, 1]) == pytest.approx(0.5)


def test_prevalence_weighted_f1_by_hand():
    y, p = np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1])  # F1: class 0 0.8, class 1 2/3
    assert metrics.prevalence_weighted_f1(y, p, [0.5, 0.5]) == pytest.approx((0.8 + 2 / 3) / 2)
    assert metrics.prevalence_weighted_f1(y, p, [0.9, 0.1, 5.0]) == pytest.approx(0.9 * 0.8 + 0.1 * 2 / 3)
