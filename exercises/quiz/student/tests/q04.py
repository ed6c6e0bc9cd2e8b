from otter.test_files import test_case

OK_FORMAT = False

name = "q04"
points = 1

@test_case(points=0, hidden=False)
def test_q04_is_a_letter(q04):
    assert isinstance(q04, str) and q04.strip().lower() in {'a', 'b', 'c', 'd'}, 'answer with one letter in quotes, for example q04 = "a"'

