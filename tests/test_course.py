import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from clflib.course import NOTEBOOKS_DIR, PROJECT_ROOT, RUNS_DIR, runner
from clflib.course.lessons import LESSONS, Lesson, get_lesson

KERNEL_META = {
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python"},
}


def write_notebook(path, body):
    cells = [
        new_code_cell('METRICS_PATH = "m.json"\nVALUE = 1', metadata={"tags": ["parameters"]}),
        new_code_cell(body),
    ]
    nbformat.write(new_notebook(cells=cells, metadata=KERNEL_META), path)
    return path


@pytest.mark.notebook
def test_run_lesson_passes_parameters_and_reads_metrics(tmp_path, monkeypatch):
    nb = write_notebook(
        tmp_path / "ok.ipynb",
        "from clflib.course.reporting import write_metrics\n"
        "write_metrics(METRICS_PATH, {'value': VALUE, 'flag': FLAG})",
    )
    import os
    import tempfile
    import warnings

    made, mkdtemp = [], tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda *a, **k: made.append(mkdtemp(*a, **k)) or made[-1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = runner.run_lesson(nb, tmp_path / "out", {"VALUE": 41, "FLAG": False}, timeout=120)
    assert not [w for w in caught if "never awaited" in str(w.message)], "the kernel's cleanup must run"
    assert run.ok, run.error
    assert run.metrics == {"value": 41, "flag": False}  # a bool stays a bool
    assert run.executed_notebook.is_file() and run.seconds > 0
    sockets = [path for path in made if "clflib-kernel-" in path]
    assert sockets and not any(os.path.exists(path) for path in sockets), (
        "the kernel's socket folder is removed"
    )


@pytest.mark.notebook
def test_a_failing_lesson_keeps_its_executed_copy_and_says_why(tmp_path):
    nb = write_notebook(tmp_path / "bad.ipynb", "raise RuntimeError('boom in cell 2')")
    out = tmp_path / "out"
    stale = out / "bad.metrics.json"
    stale.parent.mkdir(parents=True)
    stale.write_text('{"test_accuracy": 1.0}')
    run = runner.run_lesson(nb, out, {}, timeout=120)
    assert not run.ok and "boom in cell 2" in run.error and run.metrics == {}
    assert run.executed_notebook.is_file() and not stale.exists()
    assert "FAILED" in runner.format_runs([run], "smoke")


@pytest.mark.notebook
def test_a_dead_kernel_names_the_cell_that_was_running(tmp_path):
    """A kernel killed mid-cell (out of memory, os._exit): the error names the cell and its last
    output, and the executed copy no longer marks the cells that never ran as completed."""
    path = tmp_path / "dies.ipynb"
    cells = [
        new_code_cell('METRICS_PATH = "m.json"', metadata={"tags": ["parameters"]}),
        # the pause lets the output reach the runner before the kernel dies, even on a busy machine
        new_code_cell("print('loading the data', flush=True)\nimport os, time\ntime.sleep(2)\nos._exit(1)"),
        new_code_cell("print('never runs')"),
    ]
    nbformat.write(new_notebook(cells=cells, metadata=KERNEL_META), path)
    run = runner.run_lesson(path, tmp_path / "out", {}, timeout=120)
    assert run.error.startswith("DeadKernelError")
    assert "code cell 3 of 4 was running (\"print('loading the data', flush=True)\")" in run.error
    assert "its last output: 'loading the data'" in run.error and "1 cell(s) after it never ran" in run.error
    executed = nbformat.read(run.executed_notebook, as_version=4)
    statuses = [cell.metadata["papermill"]["status"] for cell in executed.cells]
    assert statuses[-2:] == ["failed", "pending"]


def test_readme_table_is_up_to_date():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert runner.readme_table() in readme, "run: python -m clflib.course readme-table"


def test_every_lesson_has_a_notebook_and_every_notebook_a_lesson():
    listed = {lesson.notebook.name for lesson in LESSONS}
    on_disk = {p.name for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")}
    assert listed == on_disk


def test_format_runs_shows_key_metrics():
    run = runner.LessonRun(
        "01_binary_sentiment",
        RUNS_DIR,
        RUNS_DIR,
        12.3,
        {"test_accuracy": 0.81234, "dataset": "rotten_tomatoes"},
    )
    text = runner.format_runs([run], "cpu")
    assert "test_accuracy=0.8123" in text and "rotten_tomatoes" in text and "ok" in text


def test_cli_prints_the_readme_table(capsys):
    assert runner.main(["readme-table"]) == 0
    assert capsys.readouterr().out.strip() == runner.readme_table()


def test_cli_refuses_an_unknown_lesson(capsys):
    with pytest.raises(SystemExit):
        runner.main(["run", "--profile", "smoke", "--lessons", "99"])
    assert "Unknown lesson '99'" in capsys.readouterr().err


def toy_lesson(**fields):
    def claims(m, real, claim):
        claim(m["accuracy"] > m["baseline"], "the model must beat its baseline")

    return Lesson(
        slug="99_toy",
        title="Toy",
        dataset="toy",
        real_dataset="toy",
        teaches="",
        key_metrics=("accuracy",),
        floors={"accuracy": 0.8},
        smoke_floors={"accuracy": 0.5},
        claims=claims,
        **fields,
    )


def test_verify_checks_the_dataset_floors_and_claims():
    lesson = toy_lesson()
    assert lesson.verify({"dataset": "toy", "accuracy": 0.9, "baseline": 0.5}, real=True) == []
    assert lesson.verify({"dataset": "toy", "accuracy": 0.7, "baseline": 0.75}, real=True) == [
        "accuracy = 0.7 is below its floor 0.8",
        "the model must beat its baseline",
    ]
    # a smoke run is judged on the support inbox and its own floors
    assert lesson.verify({"dataset": "support_inbox", "accuracy": 0.6, "baseline": 0.5}, real=False) == []
    # a real-data run that fell back to the inbox fails, whatever its numbers
    fell_back = lesson.verify({"dataset": "support_inbox", "accuracy": 1.0, "baseline": 0.0}, real=True)
    assert len(fell_back) == 1 and "expected 'toy'" in fell_back[0] and "CLFLIB_DATA_DIR" in fell_back[0]
    assert lesson.verify({"dataset": "toy", "accuracy": 0.9}, real=True) == [
        "baseline: missing from the metrics"
    ]


def test_a_run_with_a_failed_claim_is_not_ok():
    run = runner.LessonRun(
        "01_binary_sentiment",
        RUNS_DIR,
        RUNS_DIR,
        1.0,
        {"dataset": "support_inbox"},
        failed_claims=["too low"],
    )
    assert not run.ok and run.explain() == "claims not met: too low"
    assert "FAILED" in runner.format_runs([run], "smoke") and "too low" in runner.format_runs([run], "smoke")


def test_every_lesson_declares_its_budget_and_floors():
    for lesson in LESSONS:
        assert lesson.ci_budget, f"{lesson.slug}: no CI budget"
        assert lesson.floors, f"{lesson.slug}: no real-data floors"
        assert lesson.claims is not None, f"{lesson.slug}: no claims"
        assert set(lesson.key_metrics) and lesson.results
    assert get_lesson("08") is get_lesson("08_production_inference")
    with pytest.raises(ValueError, match="Unknown lesson"):
        get_lesson("42")
