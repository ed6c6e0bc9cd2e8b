from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = [0.5]

@test_case(points=None, hidden=False)
def test_q1_the_full_fine_tune_costs_what_the_arithmetic_says(q1_costs, TABLE, CORES):
    assert set(q1_costs) == set(TABLE.index), 'q1_costs should have one entry per method of TABLE'
    ms = TABLE.loc['full fine-tune', 'ms_per_1k']
    expected = 5 * ms * CORES / 3600 * 0.05
    assert abs(q1_costs['full fine-tune'] - expected) < 1e-09, f"full fine-tune: 5 million predictions x {ms} ms per 1,000 on {CORES} cores at $0.05 per core-hour should cost ${expected:.4f} a day, not ${q1_costs['full fine-tune']:.4f}"

