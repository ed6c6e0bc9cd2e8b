"""The reference runs in reference/: current, clean, passing their lesson's claims; and the
cleaning that makes them fit to commit."""

from __future__ import annotations

import json
import tempfile

import nbformat
import pytest

from clflib.course import PROJECT_ROOT, reference, runner
from clflib.course.lessons import LESSONS, get_lesson

REFERENCE_BUDGET_BYTES = 5 * 2**20  # "a few MB" for all ten, plots included


def executed_notebook(outputs, source="print('hi')", injected="METRICS_PATH = '/x'"):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(injected)
    params.metadata["tags"] = ["injected-parameters"]
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = outputs
    nb.cells = [nbformat.v4.new_markdown_cell("# A lesson"), params, cell]
    nb.metadata["widgets"] = {"state": {}}
    return nb


def test_cleaning_drops_widgets_and_redrawn_bars_and_scrubs_paths():
    root = str(PROJECT_ROOT)
    nb = executed_notebook(
        [
            nbformat.v4.new_output(
                "display_data", {reference.WIDGET_VIEW: {"model_id": "1"}, "text/plain": "0%"}
            ),
            nbformat.v4.new_output("stream", name="stderr", text=" 10%|#   | 1/10\r100%|####| 10/10\n"),
            nbformat.v4.new_output("stream", name="stdout", text=f"saved to {root}/runs/cpu/model\n"),
            nbformat.v4.new_output(
                "execute_result", {"text/plain": f"'{tempfile.gettempdir()}/ipykernel_123/456.py:3: warning'"}
            ),
        ],
        injected=f'METRICS_PATH = "{root}/runs/reference/x.metrics.json"',
    )
    cleaned = reference.clean_notebook(nb)
    outputs = cleaned.cells[2].outputs
    assert [output.output_type for output in outputs] == ["stream", "stream", "execute_result"]
    assert outputs[0].text == "100%|####| 10/10\n"
    assert outputs[1].text == "saved to runs/cpu/model\n"
    assert outputs[2].data["text/plain"] == "'<cell>:3: warning'"
    assert cleaned.cells[1].source == 'METRICS_PATH = "runs/reference/x.metrics.json"'
    assert "widgets" not in cleaned.metadata
    assert root not in json.dumps(cleaned)


def test_code_sources_leave_out_the_injected_parameters_and_errors_are_named():
    nb = executed_notebook([nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[])])
    assert reference.code_sources(nb) == ["print('hi')"]
    assert reference.error_outputs(nb) == ["code cell 2: ValueError: bad"]


def test_a_reference_whose_notebook_changed_is_named_stale(tmp_path, monkeypatch):
    lesson = get_lesson("01")
    monkeypatch.setattr(reference, "REFERENCE_DIR", tmp_path)
    ran = nbformat.read(lesson.notebook, as_version=4)
    nbformat.write(ran, tmp_path / lesson.notebook.name)
    assert reference.stale_references([lesson]) == []
    code = [cell for cell in ran.cells if cell.cell_type == "code"]
    code[3].source += "\nprint('changed since')"
    nbformat.write(ran, tmp_path / lesson.notebook.name)
    [stale] = reference.stale_references([lesson])
    assert (
        stale.startswith("01_binary_sentiment: code cell 4 differs") and "make reference LESSONS=01" in stale
    )


def test_the_readme_cell_comes_from_the_reference_record(tmp_path, monkeypatch):
    lesson = get_lesson("08")
    monkeypatch.setattr(reference, "REFERENCE_DIR", tmp_path)
    assert runner.results_cell(lesson) == "no reference run yet (make reference LESSONS=08)"
    metrics = {
        "test_examples": 1068, "pipeline_default_texts_per_second": 91.2, "best_batch_size": 32,
        "pipeline_batched_speedup": 1.5, "predictor_fp32_speedup": 2.2, "predictor_fp32_accuracy": 0.839,
        "predictor_int8_speedup": 5.1, "predictor_int8_accuracy": 0.834, "predictor_onnx_speedup": 2.1,
        "predictor_onnx_p50_ms": 6.8, "pipeline_default_p50_ms": 13.8, "test_ece_before": 0.018,
        "test_ece_after": 0.02, "temperature": 1.16,
    }  # fmt: skip
    run = {"seconds": 390.0, "machine": "2 CPU cores (some CPU), 24 GiB memory, no GPU"}
    reference.record_path(lesson).write_text(json.dumps({"run": run, "metrics": metrics}))
    cell = runner.results_cell(lesson)
    assert cell.startswith("1,068 test texts: pipeline default 91 texts/s; pipeline batch 32 1.5x")
    assert "int8 5.1x (0.834)" in cell and cell.endswith("; 6.5 min on 2 cores")


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.number for lesson in LESSONS])
def test_each_reference_is_current_clean_and_passes_its_claims(lesson):
    path = reference.notebook_path(lesson)
    if not path.is_file():
        pytest.skip(f"no reference run of {lesson.slug} yet: make reference LESSONS={lesson.number}")
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert not reference.stale_references([lesson])
    assert not reference.error_outputs(nb), reference.error_outputs(nb)
    for machine_path in reference.path_replacements():  # the checkout, site-packages, home, temp
        assert machine_path not in text, f"{path.name} shows {machine_path!r}"
    assert reference.WIDGET_VIEW not in text
    record = reference.read_record(lesson)
    assert record["run"]["profile"] == reference.REFERENCE_PROFILE and record["run"]["seconds"] > 0
    assert lesson.verify(record["metrics"], real=True) == []
    assert lesson.results(record["metrics"])


def test_the_references_fit_in_a_few_megabytes():
    files = list(reference.REFERENCE_DIR.glob("*")) if reference.REFERENCE_DIR.is_dir() else []
    assert sum(path.stat().st_size for path in files) < REFERENCE_BUDGET_BYTES
