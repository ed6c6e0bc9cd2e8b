import json

import numpy as np
import pytest
from sklearn.metrics import f1_score

from clflib import thresholds

RNG = np.random.default_rng(1)
TARGETS = (RNG.random((300, 5)) < [0.4, 0.2, 0.1, 0.05, 0.01]).astype(int)
SCORES = np.round(np.clip(TARGETS * 0.3 + RNG.random(TARGETS.shape) * 0.7, 0, 1), 2)  # ties


def brute_force_best_f1(y, s):
    """Every distinct score as a >= cut, scored with scikit-learn: the F1-optimal value."""
    return max(f1_score(y, s >= cut, zero_division=0) for cut in np.unique(s))


def test_label_thresholds_are_f1_optimal_on_a_toy_problem():
    found = thresholds.best_label_thresholds(TARGETS, SCORES, min_support=1)
    for j in range(TARGETS.shape[1]):
        if TARGETS[:, j].sum() == 0:
            continue
        best = brute_force_best_f1(TARGETS[:, j], SCORES[:, j])
        at_threshold = f1_score(TARGETS[:, j], SCORES[:, j] >= found.thresholds[j])
        assert found.validation_f1[j] == pytest.approx(best)
        assert at_threshold == pytest.approx(best), f"label {j}"


def test_threshold_sits_between_scores_and_ties_stay_together():
    # Splitting the tie at 0.6 (keeping the positive, dropping the negative) would give F1 1.0,
    # but no threshold can do that: the best real cut keeps both, F1 0.8, midway to 0.2.
    targets = np.array([[1], [1], [0], [0]])
    scores = np.array([[0.8], [0.6], [0.6], [0.2]])
    found = thresholds.best_label_thresholds(targets, scores, min_support=1)
    assert found.thresholds[0] == pytest.approx(0.4)
    assert found.validation_f1[0] == pytest.approx(0.8)
    assert f1_score(targets[:, 0], scores[:, 0] >= found.thresholds[0]) == pytest.approx(0.8)


def test_min_support_guard_keeps_the_fallback():
    found = thresholds.best_label_thresholds(TARGETS, SCORES, min_support=10, fallback_threshold=0.42)
    rare = TARGETS.sum(axis=0) < 10
    assert rare.any() and (found.thresholds[rare] == 0.42).all() and not found.tuned[rare].any()
    expected = [f1_score(TARGETS[:, j], SCORES[:, j] >= 0.42, zero_division=0) for j in np.flatnonzero(rare)]
    assert np.allclose(found.validation_f1[rare], expected)


def test_global_threshold_matches_a_loop_over_the_grid():
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
    threshold, f1 = thresholds.best_global_threshold(TARGETS, SCORES, grid=grid)
    by_loop = [f1_score(TARGETS, t <= SCORES, average="macro", zero_division=0) for t in grid]
    assert f1 == pytest.approx(max(by_loop)) and threshold == grid[int(np.argmax(by_loop))]
    threshold, f1 = thresholds.best_global_threshold(TARGETS, SCORES, average="micro", grid=grid)
    assert f1 == pytest.approx(max(f1_score(TARGETS, t <= SCORES, average="micro") for t in grid))


def test_tuned_thresholds_beat_one_half_on_the_data_they_were_tuned_on():
    found = thresholds.best_label_thresholds(TARGETS, SCORES, min_support=1)
    tuned = f1_score(TARGETS, thresholds.apply_thresholds(SCORES, found.thresholds), average="macro")
    assert tuned > f1_score(TARGETS, SCORES >= 0.5, average="macro")


def test_apply_thresholds_fallbacks():
    scores = np.array([[0.2, 0.1, 0.3], [0.9, 0.1, 0.1]])
    limits = [0.5, 0.05, 0.8]
    assert thresholds.apply_thresholds(scores, limits).tolist() == [[0, 1, 0], [1, 1, 0]]
    assert thresholds.apply_thresholds(scores, 0.5).tolist() == [[0, 0, 0], [1, 0, 0]]
    assert thresholds.apply_thresholds(scores, 0.5, fallback="top").tolist() == [[0, 0, 1], [1, 0, 0]]
    assert thresholds.apply_thresholds(scores, 0.5, fallback=1).tolist() == [[0, 1, 0], [1, 0, 0]]
    with pytest.raises(ValueError, match="2 thresholds for 3 labels"):
        thresholds.apply_thresholds(scores, [0.5, 0.5])
    with pytest.raises(ValueError, match="fallback"):
        thresholds.apply_thresholds(scores, 0.5, fallback="neutral")


def test_save_and_load_round_trip(tmp_path):
    names = ["joy", "anger", "neutral"]
    thresholds.save_thresholds(tmp_path, [0.31, 0.7, 0.45], names, fallback="neutral", note="val")
    loaded = thresholds.load_thresholds(tmp_path, names)
    assert loaded.thresholds.tolist() == [0.31, 0.7, 0.45]
    assert loaded.fallback == 2 and loaded.label_names == names and loaded.note == "val"
    assert json.loads((tmp_path / "thresholds.json").read_text())["fallback"] == 2
    with pytest.raises(ValueError, match="re-tune"):
        thresholds.load_thresholds(tmp_path, ["joy", "neutral", "anger"])
    assert thresholds.load_thresholds(tmp_path / "elsewhere") is None
    with pytest.raises(ValueError, match="2 thresholds for 3 labels"):
        thresholds.save_thresholds(tmp_path, [0.5, 0.5], names)
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        thresholds.save_thresholds(tmp_path, [0.5, 1.5, 0.2], names)


def test_bad_targets_are_explained():
    with pytest.raises(ValueError, match="multi-hot"):
        thresholds.best_label_thresholds(TARGETS * 2, SCORES)
    with pytest.raises(ValueError, match="same shape"):
        thresholds.best_label_thresholds(TARGETS, SCORES[:, :2])


@pytest.mark.parametrize(
    "payload, problem",
    [
        ({"label_names": ["a", "b"], "thresholds": [0.3, 1.5]}, "thresholds[1] is 1.5"),
        ({"label_names": ["a", "b"], "thresholds": [0.3, None]}, "thresholds[1] is None"),
        ({"label_names": ["a", "b"], "thresholds": [0.3, "0.4"]}, "thresholds[1] is '0.4'"),
        ({"label_names": ["a", "b"], "thresholds": [0.3]}, "1 thresholds for 2 label_names"),
        ({"label_names": ["a", "b"], "thresholds": [0.3, 0.4], "fallback": "b"}, "fallback is 'b'"),
        ({"label_names": ["a", "b"], "thresholds": [0.3, 0.4], "fallback": 7}, "fallback is 7"),
        (["not", "an", "object"], "expected a JSON object"),
    ],
)
def test_a_broken_thresholds_file_is_refused_naming_the_file(tmp_path, payload, problem):
    path = tmp_path / thresholds.THRESHOLDS_FILE
    path.write_text(json.dumps(payload))
    with pytest.raises(ValueError) as error:
        thresholds.load_thresholds(tmp_path)
    assert str(path) in str(error.value) and problem in str(error.value)
    assert "save_thresholds" in str(error.value)


def test_a_thresholds_file_that_is_not_json_is_refused(tmp_path):
    (tmp_path / thresholds.THRESHOLDS_FILE).write_text("{thresholds: [0.5")
    with pytest.raises(ValueError, match="is not valid JSON"):
        thresholds.load_thresholds(tmp_path)
