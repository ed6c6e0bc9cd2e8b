from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = [0.25, 0.25]

@test_case(points=None, hidden=False)
def test_q2_worked_example(q2_pair_counts):
    assert callable(q2_pair_counts), 'q2_pair_counts should be a function'
    got = q2_pair_counts(2, 3)
    assert got == {'positive': 3, 'negative': 12, 'total': 15}, f'q2_pair_counts(2, 3): got {got}'

@test_case(points=None, hidden=False)
def test_q2_setfit_draw(q2_setfit_pairs):
    from setfit.sampler import ContrastiveDataset
    assert callable(q2_setfit_pairs), 'q2_setfit_pairs should be a function'
    texts = [f'text {i}' for i in range(12)]
    labels = [i % 3 for i in range(12)]
    generator = ContrastiveDataset(texts, labels, multilabel=False, num_iterations=5)
    expected = generator.len_pos_pairs + generator.len_neg_pairs
    got = q2_setfit_pairs(12, 5)
    assert got == expected, f"12 texts, num_iterations=5: SetFit's ContrastiveDataset draws {expected} pairs, got {got}"

