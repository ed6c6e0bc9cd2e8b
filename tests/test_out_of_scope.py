import numpy as np
import pytest

from clflib import out_of_scope as oos

PROBS = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.55, 0.45], [0.5, 0.5]])
LABELS = np.array([0, 1, 1, 0, 0])
IS_OOS = np.array([False, False, False, True, True])


def test_sweep_by_hand():
    sweep = oos.rejection_sweep(PROBS, LABELS, IS_OOS, thresholds=[0.0, 0.58, 0.85]).set_index("threshold")
    # in scope: ex0 right (0.9), ex1 wrong (0.6), ex2 right (0.8); oos: 0.55 and 0.5
    assert sweep.loc[0.0, "in_scope_accuracy"] == pytest.approx(2 / 3) and sweep.loc[0.0, "oos_recall"] == 0
    assert sweep.loc[0.58, "in_scope_accuracy"] == pytest.approx(2 / 3) and sweep.loc[0.58, "oos_recall"] == 1
    assert sweep.loc[0.85, "in_scope_accuracy"] == pytest.approx(1 / 3)
    assert sweep.loc[0.85, "in_scope_rejected"] == pytest.approx(2 / 3)
    assert oos.choose_threshold(sweep.reset_index()) == 0.58


def test_choose_threshold_respects_a_floor():
    sweep = oos.rejection_sweep(PROBS, LABELS, IS_OOS)
    assert oos.choose_threshold(sweep, min_in_scope_accuracy=0.6) <= 0.6
    with pytest.raises(ValueError, match="No threshold"):
        oos.choose_threshold(sweep, min_in_scope_accuracy=0.99)


def test_sweep_needs_both_kinds():
    with pytest.raises(ValueError, match="both"):
        oos.rejection_sweep(PROBS, LABELS, np.zeros(5, dtype=bool))
