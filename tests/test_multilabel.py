import numpy as np
import pytest
from sklearn.metrics import accuracy_score, average_precision_score, f1_score, hamming_loss

from clflib import multilabel

RNG = np.random.default_rng(0)
TARGETS = (RNG.random((200, 6)) < [0.5, 0.3, 0.1, 0.05, 0.2, 0.02]).astype(int)
TARGETS[:5, 5] = 1  # the rare label has a few positives
SCORES = np.clip(TARGETS * 0.35 + RNG.random(TARGETS.shape) * 0.65, 0, 1)
PREDICTIONS = (SCORES >= 0.5).astype(int)


def test_multi_hot_round_trip_and_errors():
    rows = [[0, 3], [], [2], [1, 2, 3]]
    targets = multilabel.multi_hot(rows, 4)
    assert targets.dtype == np.float32 and targets.shape == (4, 4)
    assert multilabel.label_lists(targets) == rows
    with pytest.raises(ValueError, match="label id 4"):
        multilabel.multi_hot([[4]], 4)
    with pytest.raises(TypeError, match="list of ids"):
        multilabel.multi_hot([2, 1], 4)


def test_metrics_match_scikit_learn():
    m = multilabel.multilabel_metrics(TARGETS, PREDICTIONS, SCORES)
    for average in ("micro", "macro", "weighted", "samples"):
        assert m[f"{average}_f1"] == pytest.approx(
            f1_score(TARGETS, PREDICTIONS, average=average, zero_division=0)
        )
    assert m["hamming_loss"] == pytest.approx(hamming_loss(TARGETS, PREDICTIONS))
    assert m["subset_accuracy"] == pytest.approx(accuracy_score(TARGETS, PREDICTIONS))
    assert m["macro_ap"] == pytest.approx(average_precision_score(TARGETS, SCORES, average="macro"))
    assert m["no_label_share"] == pytest.approx((PREDICTIONS.sum(axis=1) == 0).mean())


def test_macro_ap_skips_labels_without_positives():
    targets = TARGETS.copy()
    targets[:, 2] = 0
    present = [0, 1, 3, 4, 5]
    expected = average_precision_score(targets[:, present], SCORES[:, present], average="macro")
    assert multilabel.macro_average_precision(targets, SCORES) == pytest.approx(expected)


def test_per_label_report():
    names = list("abcdef")
    table = multilabel.per_label_report(TARGETS, PREDICTIONS, names, SCORES, thresholds=0.5)
    assert list(table.index) == names
    assert table["support"].tolist() == TARGETS.sum(axis=0).tolist()
    assert table["f1"].mean() == pytest.approx(
        f1_score(TARGETS, PREDICTIONS, average="macro", zero_division=0)
    )
    assert (table["threshold"] == 0.5).all() and table["ap"].notna().all()
    with pytest.raises(ValueError, match="label names"):
        multilabel.per_label_report(TARGETS, PREDICTIONS, names[:3])


def test_shape_mismatch_is_explained():
    with pytest.raises(ValueError, match="same shape"):
        multilabel.multilabel_metrics(TARGETS, PREDICTIONS[:, :3])


def test_cooccurrence_and_cardinality():
    counts = multilabel.cooccurrence(TARGETS)
    assert (np.diag(counts) == TARGETS.sum(axis=0)).all() and (counts == counts.T).all()
    conditional = multilabel.cooccurrence(TARGETS, normalise=True)
    assert np.allclose(np.diag(conditional)[TARGETS.sum(axis=0) > 0], 1.0)
    card = multilabel.label_cardinality(TARGETS)
    assert card["no_label"] + card["one_label"] + card["two_or_more"] == pytest.approx(1.0)


def test_add_multi_hot_gives_float32_rows():
    import datasets

    ds = datasets.Dataset.from_dict({"text": ["a", "b"], "labels": [[0, 2], [1]]})
    encoded = multilabel.add_multi_hot(ds, 3)
    assert encoded.features["labels"].feature.dtype == "float32"
    assert encoded["labels"][:] == [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


def test_compute_metrics_for_the_trainer():
    from types import SimpleNamespace

    logits = np.log(SCORES / (1 - SCORES + 1e-9) + 1e-9)
    result = multilabel.make_compute_metrics()(SimpleNamespace(predictions=logits, label_ids=TARGETS))
    assert result["macro_f1"] == pytest.approx(
        f1_score(TARGETS, multilabel.sigmoid(logits) >= 0.5, average="macro", zero_division=0)
    )
    assert 0 < result["macro_ap"] <= 1
