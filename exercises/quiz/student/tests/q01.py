from otter.test_files import test_case

OK_FORMAT = False

name = "q01"
points = 1

@test_case(points=0, hidden=False)
def test_q01_is_a_letter(q01):
    assert isinstance(q01, str) and q01.strip().lower() in {'a', 'b', 'c', 'd'}, 'answer with one letter in quotes, for example q01 = "a"'

