from otter.test_files import test_case

OK_FORMAT = False

name = "q05"
points = 1

@test_case(points=0, hidden=False)
def test_q05_is_a_number(q05):
    import numbers
    assert isinstance(q05, numbers.Real) and (not isinstance(q05, bool)), 'answer with a number, for example q05 = 0.5'

