import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from clflib import course

KERNEL_META = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
               "language_info": {"name": "python"}}


def write_notebook(path, body):
    cells = [new_code_cell('METRICS_PATH = "m.json"\nVALUE = 1', metadata={"tags": ["parameters"]}),
             new_code_cell(body)]
    nbformat.write(new_notebook(cells=cells, metadata=KERNEL_META), path)
    return path


@pytest.mark.notebook
def test_run_lesson_passes_parameters_and_reads_metrics(tmp_path):
    nb = write_notebook(tmp_path / "ok.ipynb",
                        "from clflib.reporting import write_metrics\n"
                        "write_metrics(METRICS_PATH, {'value': VALUE, 'flag': FLAG})")
    run = course.run_lesson(nb, tmp_path / "out", {"VALUE": 41, "FLAG": False}, timeout=120)
    assert run.ok, run.error
    assert run.metrics == {"value": 41, "flag": False}  # a bool stays a bool
    assert run.executed_notebook.is_file() and run.seconds > 0


@pytest.mark.notebook
def test_a_failing_lesson_keeps_its_executed_copy_and_says_why(tmp_path):
    nb = write_notebook(tmp_path / "bad.ipynb", "raise RuntimeError('boom in cell 2')")
    out = tmp_path / "out"
    stale = out / "bad.metrics.json"
    stale.parent.mkdir(parents=True)
    stale.write_text('{"test_accuracy": 1.0}')
    run = course.run_lesson(nb, out, {}, timeout=120)
    assert not run.ok and "boom in cell 2" in run.error and run.metrics == {}
    assert run.executed_notebook.is_file() and not stale.exists()
    assert "FAILED" in course.format_runs([run], "smoke")


def test_readme_table_is_up_to_date():
    readme = (course.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert course.readme_table() in readme, "run: python -m clflib.course readme-table"


def test_every_lesson_has_a_notebook_and_every_notebook_a_lesson():
    listed = {lesson.notebook.name for lesson in course.LESSONS}
    on_disk = {p.name for p in course.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")}
    assert listed == on_disk


def test_format_runs_shows_key_metrics():
    run = course.LessonRun("01_binary_sentiment", course.RUNS_DIR, course.RUNS_DIR, 12.3,
                           {"test_accuracy": 0.81234, "dataset": "rotten_tomatoes"})
    text = course.format_runs([run], "cpu")
    assert "test_accuracy=0.8123" in text and "rotten_tomatoes" in text and "ok" in text


def test_cli_prints_the_readme_table(capsys):
    assert course.main(["readme-table"]) == 0
    assert capsys.readouterr().out.strip() == course.readme_table()


def test_cli_refuses_an_unknown_lesson(capsys):
    with pytest.raises(SystemExit):
        course.main(["run", "--profile", "smoke", "--lessons", "99"])
    assert "no lesson matches" in capsys.readouterr().err
