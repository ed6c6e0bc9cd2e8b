from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=None, hidden=False)
def test_q1_worked_examples(q1_best_thresholds):
    import numpy as np
    assert callable(q1_best_thresholds), 'q1_best_thresholds should be a function'
    cases = [([1, 1, 0, 0], [0.9, 0.4, 0.3, 0.1], 0.35, 'the midpoint between the last score kept (0.4) and the next lower one (0.3)'), ([1, 0, 1, 0, 0], [0.8, 0.8, 0.6, 0.6, 0.2], 0.4, 'tied scores stay together: the best cut keeps both 0.8s and both 0.6s, F1 2/3'), ([1, 1, 0, 1], [0.9, 0.8, 0.7, 0.6], 0.6, 'the best cut keeps every text, so the threshold is the lowest score itself'), ([1, 0, 0, 1], [0.9, 0.7, 0.5, 0.3], 0.8, 'the cuts after 0.9 and after 0.3 share the best F1 (2/3): take the first, the higher')]
    for targets, scores, expected, why in cases:
        got = q1_best_thresholds(np.array(targets)[:, None], np.array(scores)[:, None], min_support=1)
        assert got is not None, 'q1_best_thresholds returned None'
        got = np.asarray(got, dtype=float)
        assert got.shape == (1,), f'one threshold per label expected, got shape {got.shape}'
        assert np.isclose(got[0], expected), f'targets {targets}, scores {scores}: expected {expected} ({why}), got {got[0]:.4f}'

@test_case(points=None, hidden=False)
def test_q1_reaches_the_best_f1_and_keeps_the_guard(q1_best_thresholds):
    import numpy as np
    rng = np.random.default_rng(3)
    targets = (rng.random((60, 5)) < [0.5, 0.35, 0.25, 0.15, 0.0]).astype(int)
    targets[[2, 17, 40], 4] = 1
    scores = np.round(0.3 * targets + 0.7 * rng.random((60, 5)), 2)

    def f1(column, threshold):
        predicted = scores[:, column] >= threshold
        return 2 * (predicted & (targets[:, column] == 1)).sum() / (predicted.sum() + targets[:, column].sum())
    for min_support, fallback in ((5, 0.5), (2, 0.3)):
        got = q1_best_thresholds(targets, scores, min_support=min_support, fallback=fallback)
        got = np.asarray(got, dtype=float)
        assert got.shape == (5,), f'one threshold per label expected (5), got shape {got.shape}'
        for column in range(5):
            positives = int(targets[:, column].sum())
            if positives < min_support:
                assert got[column] == fallback, f'label {column} has {positives} positives, fewer than min_support={min_support}: it should keep the fallback {fallback}, got {got[column]:.4f}'
                continue
            best = max((f1(column, s) for s in np.unique(scores[:, column])))
            assert np.isclose(f1(column, got[column]), best), f'label {column} ({positives} positives): the best cut reaches F1 {best:.4f}, your threshold {got[column]:.4f} gives {f1(column, got[column]):.4f}'

