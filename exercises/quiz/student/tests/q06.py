from otter.test_files import test_case

OK_FORMAT = False

name = "q06"
points = 1

@test_case(points=0, hidden=False)
def test_q06_is_a_number(q06):
    import numbers
    assert isinstance(q06, numbers.Real) and (not isinstance(q06, bool)), 'answer with a number, for example q06 = 0.25'

