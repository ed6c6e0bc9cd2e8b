from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = [0.25, 0.25]

@test_case(points=None, hidden=False)
def test_q1_k_of_every_class(q1_sample_per_class, train):
    import collections
    assert callable(q1_sample_per_class), 'q1_sample_per_class should be a function'
    sample = q1_sample_per_class(train, 4, seed=0)
    assert sample is not None, 'q1_sample_per_class returned None'
    assert hasattr(sample, 'column_names'), f'return dataset.select(rows), got {type(sample).__name__}'
    counts = collections.Counter(sample['intent'])
    assert len(counts) == 10 and set(counts.values()) == {4}, f'4 rows of each of the 10 intents expected, got {dict(counts)}'

@test_case(points=None, hidden=False)
def test_q1_same_seed_same_rows(q1_sample_per_class, train):
    first = q1_sample_per_class(train, 3, seed=7)['text']
    again = q1_sample_per_class(train, 3, seed=7)['text']
    assert list(first) == list(again), 'the same seed should give the same rows'

