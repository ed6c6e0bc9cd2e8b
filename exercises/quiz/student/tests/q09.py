from otter.test_files import test_case

OK_FORMAT = False

name = "q09"
points = 1

@test_case(points=0, hidden=False)
def test_q09_is_a_letter(q09):
    assert isinstance(q09, str) and q09.strip().lower() in {'a', 'b', 'c', 'd'}, 'answer with one letter in quotes, for example q09 = "a"'

