from otter.test_files import test_case

OK_FORMAT = False

name = "q07"
points = 1

@test_case(points=0, hidden=False)
def test_q07_is_a_number(q07):
    import numbers
    assert isinstance(q07, numbers.Real) and (not isinstance(q07, bool)), 'answer with a number, for example q07 = 20'

