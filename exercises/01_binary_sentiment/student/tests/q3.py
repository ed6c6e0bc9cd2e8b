from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=None, hidden=False)
def test_q3_structure(q3_per_class, q3_macro_f1, q3_confusion):
    import numpy as np
    names = ['negative', 'neutral', 'positive']
    assert isinstance(q3_per_class, dict) and sorted(q3_per_class) == names, f'q3_per_class should have one entry per label name {names}'
    for name, support in zip(names, (70, 20, 10)):
        scores = q3_per_class[name]
        assert isinstance(scores, dict) and {'precision', 'recall', 'f1', 'support'} <= set(scores), f'q3_per_class[{name!r}] should hold precision, recall, f1 and support'
        assert int(scores['support']) == support, f'{name} has {support} true messages'
    assert 0 <= float(q3_macro_f1) <= 1, 'q3_macro_f1 should be a number between 0 and 1'
    mean_f1 = float(np.mean([float(q3_per_class[name]['f1']) for name in names]))
    assert abs(float(q3_macro_f1) - mean_f1) < 1e-06, f'macro-F1 is the plain mean of the three per-class F1 scores ({mean_f1:.4f} from your q3_per_class), not an average weighted by support'
    matrix = np.asarray(q3_confusion)
    assert matrix.shape == (3, 3), f'q3_confusion should be 3 x 3, got shape {matrix.shape}'
    assert matrix.sum(axis=1).tolist() == [70, 20, 10], "each row of q3_confusion should add up to that true label's support (rows = true labels)"

