from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = [0.25, 0.25]

@test_case(points=None, hidden=False)
def test_q1_returns_ints(q1_nli_passes, q1_embedding_passes, q1_nli_batches):
    for name, function, args in (('q1_nli_passes', q1_nli_passes, (3, 4)), ('q1_embedding_passes', q1_embedding_passes, (3, 4)), ('q1_nli_batches', q1_nli_batches, (3, 4, 5))):
        assert callable(function), f'{name} should be a function'
        got = function(*args)
        assert isinstance(got, int) and (not isinstance(got, bool)), f'{name}{args} should return an int, got {got!r}'

@test_case(points=None, hidden=False)
def test_q1_counts_what_the_pipeline_runs(q1_nli_passes, rows, texts, labels):
    got = q1_nli_passes(len(texts), len(labels))
    assert got == rows, f'{len(texts)} texts, {len(labels)} labels: the pipeline ran {rows} pairs, q1_nli_passes says {got}'

