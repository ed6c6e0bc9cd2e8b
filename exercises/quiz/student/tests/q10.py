from otter.test_files import test_case

OK_FORMAT = False

name = "q10"
points = 1

@test_case(points=0, hidden=False)
def test_q10_is_a_letter(q10):
    assert isinstance(q10, str) and q10.strip().lower() in {'a', 'b', 'c', 'd'}, 'answer with one letter in quotes, for example q10 = "a"'

