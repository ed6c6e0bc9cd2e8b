from otter.test_files import test_case

OK_FORMAT = False

name = "q08"
points = 1

@test_case(points=0, hidden=False)
def test_q08_is_a_number(q08):
    import numbers
    assert isinstance(q08, numbers.Real) and (not isinstance(q08, bool)), 'answer with a number, for example q08 = 2'

