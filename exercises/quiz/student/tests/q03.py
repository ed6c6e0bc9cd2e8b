from otter.test_files import test_case

OK_FORMAT = False

name = "q03"
points = 1

@test_case(points=0, hidden=False)
def test_q03_is_a_number(q03):
    import numbers
    assert isinstance(q03, numbers.Real) and (not isinstance(q03, bool)), 'answer with a number, for example q03 = 0.25'

