"""A learner's grader.check names blank answers (clflib.course.self_check)."""

import pytest

from clflib.course import PROJECT_ROOT, self_check

QUIZ_TESTS = PROJECT_ROOT / "exercises" / "quiz" / "student" / "tests"


@pytest.fixture()
def grader(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # otter looks for the notebook beside it: none here
    return self_check.Notebook(tests_dir=str(QUIZ_TESTS))


def message(result) -> str:
    return repr(result)


def test_a_blank_answer_is_reported_as_not_answered(grader):
    said = message(grader.check("q01", {"q01": ...}))
    assert "q01 is not answered yet (q01 is still ...)" in said
    assert "TypeError" not in said and "Traceback" not in said


def test_an_answer_whose_cell_never_ran_is_named(grader):
    assert "q01: q01 never set (the cell that sets it raised or did not run)" in message(
        grader.check("q01", {})
    )


def test_answers_are_checked_as_otter_does(grader):
    assert "All test cases passed" in message(grader.check("q01", {"q01": "b"}))
    assert "answer with one letter" in message(grader.check("q01", {"q01": "letter b"}))


def test_an_unknown_question_names_the_known_ones(grader):
    with pytest.raises(FileNotFoundError, match=r"No public test 'q99'.*'q01', 'q02'"):
        grader.check("q99", {})


def test_check_reads_the_calling_cells_variables(grader):
    globals()["q01"] = "c"  # a notebook cell's variables are its module's globals
    try:
        assert "All test cases passed" in message(grader.check("q01"))
    finally:
        del globals()["q01"]


def test_a_blank_answer_points_at_the_test_not_at_the_course(grader):
    """otter prints the failing line of the test file: for a blank answer, the test's signature."""
    said = message(grader.check("q01", {"q01": ...}))
    assert "def test_q01" in said.split("Error at line", 1)[1].splitlines()[1]
    assert "raise AssertionError" not in said
