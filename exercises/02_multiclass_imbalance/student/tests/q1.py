from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=None, hidden=False)
def test_q1_balanced_counts_give_ones(q1_class_weights):
    import numpy as np
    assert callable(q1_class_weights), 'q1_class_weights should be a function'
    for strategy in ('inverse', 'sqrt_inverse', 'effective_number'):
        weights = q1_class_weights([20, 20, 20, 20], strategy)
        assert weights is not None, f'q1_class_weights(..., {strategy!r}) returned None'
        weights = np.asarray(weights, dtype=float)
        assert weights.shape == (4,), f'one weight per class expected, got shape {weights.shape}'
        assert np.allclose(weights, 1.0), f'{strategy}: equal counts should give weight 1 to every class, got {weights.round(4)}'

@test_case(points=None, hidden=False)
def test_q1_two_classes_match_the_course(q1_class_weights):
    import numpy as np
    from clflib.losses import class_weights
    weights = np.asarray(q1_class_weights([90, 10], 'inverse'), dtype=float)
    assert np.allclose(weights, [0.2, 1.8]), f'inverse weights of counts [90, 10] should be [0.2, 1.8] (1/90 and 1/10, divided by their mean), got {weights.round(4)}'
    for strategy in ('sqrt_inverse', 'effective_number'):
        got = np.asarray(q1_class_weights([90, 10], strategy), dtype=float)
        expected = class_weights([90, 10], strategy)
        assert np.allclose(got, expected), f'{strategy} weights of counts [90, 10] should be {expected.round(4)}, got {got.round(4)}'

