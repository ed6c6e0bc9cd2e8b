from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=None, hidden=False)
def test_q2_worked_example(q2_entity_scores):
    import math
    assert callable(q2_entity_scores), 'q2_entity_scores should be a function'
    got = q2_entity_scores([['B-PER', 'I-PER', 'O', 'B-LOC']], [['B-PER', 'O', 'O', 'B-LOC']])
    assert got is not None and len(got) == 3, f'expected (precision, recall, f1), got {got!r}'
    assert all((math.isclose(v, 0.5) for v in got)), f"the person's span is cut short, the place is right: one correct entity of 2 predicted and 2 true, so (0.5, 0.5, 0.5); got {got}"

@test_case(points=None, hidden=False)
def test_q2_the_tagger(q2_precision, q2_recall, q2_f1):
    for name, value in (('q2_precision', q2_precision), ('q2_recall', q2_recall), ('q2_f1', q2_f1)):
        assert isinstance(value, float) and 0.0 <= value <= 1.0, f'{name} should be a float in [0, 1], got {value!r}'
    assert q2_f1 <= max(q2_precision, q2_recall) + 1e-12, 'F1 lies between precision and recall'

