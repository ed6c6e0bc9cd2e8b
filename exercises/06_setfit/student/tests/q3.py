from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = [0.25, 0.25]

@test_case(points=None, hidden=False)
def test_q3_returns_a_method(q3_recommend, curve):
    assert callable(q3_recommend), 'q3_recommend should be a function'
    got = q3_recommend(curve, 10)
    assert got in set(curve['method']), f"q3_recommend should return one of {sorted(set(curve['method']))}, got {got!r}"

@test_case(points=None, hidden=False)
def test_q3_uses_the_largest_k_you_have(q3_recommend):
    import pandas as pd
    table = pd.DataFrame([('a', 4, 0.6, 0.02, 10.0), ('b', 4, 0.7, 0.02, 20.0), ('a', 8, 0.9, 0.01, 10.0), ('b', 8, 0.75, 0.01, 20.0), ('a', 16, 0.91, 0.01, 10.0), ('b', 16, 0.99, 0.01, 20.0)], columns=['method', 'k', 'accuracy_mean', 'accuracy_sd', 'seconds_mean'])
    for labels, expected in ((5, 'b'), (12, 'a'), (16, 'b')):
        got = q3_recommend(table, labels)
        assert got == expected, f'{labels} labels per class: expected {expected!r}, got {got!r}'

