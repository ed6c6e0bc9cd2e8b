from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2

@test_case(points=None, hidden=False)
def test_q2_worked_example(q2_hamming_loss, q2_subset_accuracy):
    import numpy as np
    assert callable(q2_hamming_loss), 'q2_hamming_loss should be a function'
    assert callable(q2_subset_accuracy), 'q2_subset_accuracy should be a function'
    targets = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0], [1, 1, 0]])
    predictions = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 0], [0, 0, 0]])
    loss = q2_hamming_loss(targets, predictions)
    accuracy = q2_subset_accuracy(targets, predictions)
    for name, value in (('q2_hamming_loss', loss), ('q2_subset_accuracy', accuracy)):
        assert isinstance(value, (float, np.floating)), f'{name} should return a float, got {value!r}'
    assert np.isclose(loss, 0.25), f'3 of the 12 (text, label) decisions are wrong, so the hamming loss is 0.25; got {loss}'
    assert np.isclose(accuracy, 0.5), f'rows 0 and 2 are exactly right (row 2: no label, none predicted), so the subset accuracy is 0.5; got {accuracy}'

@test_case(points=None, hidden=False)
def test_q2_matches_the_course_and_sklearn(q2_hamming_loss, q2_subset_accuracy):
    import numpy as np
    from sklearn.metrics import accuracy_score, hamming_loss
    from clflib.multilabel import multilabel_metrics
    rng = np.random.default_rng(5)
    targets = (rng.random((40, 6)) < 0.25).astype(int)
    predictions = np.where(rng.random((40, 6)) < 0.85, targets, 1 - targets)
    course = multilabel_metrics(targets, predictions)
    for name, function, expected, sklearn_value in (('q2_hamming_loss', q2_hamming_loss, course['hamming_loss'], hamming_loss(targets, predictions)), ('q2_subset_accuracy', q2_subset_accuracy, course['subset_accuracy'], accuracy_score(targets, predictions))):
        got = function(targets, predictions)
        assert np.isclose(expected, sklearn_value)
        assert isinstance(got, (float, np.floating)) and np.isclose(got, expected), f'{name} on 40 texts x 6 labels should be {expected:.4f} (clflib and sklearn agree), got {got!r}'

