from otter.test_files import test_case

OK_FORMAT = False

name = "q02"
points = 1

@test_case(points=0, hidden=False)
def test_q02_is_a_number(q02):
    import numbers
    assert isinstance(q02, numbers.Real) and (not isinstance(q02, bool)), 'answer with a number, for example q02 = 5'

