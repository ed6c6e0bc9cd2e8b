"""Every lesson notebook is committed clean and papermill-ready."""

import ast
import re

import nbformat
import pytest

from clflib.course.lessons import LESSONS

NOTEBOOKS = [lesson.notebook for lesson in LESSONS]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def notebook(request):
    return nbformat.read(request.param, as_version=4)


def parameter_cells(nb):
    return [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]


def test_exactly_one_parameters_cell_of_literals(notebook):
    cells = parameter_cells(notebook)
    assert len(cells) == 1, "papermill only warns when the tag is missing: exactly one is required"
    names = set()
    for node in ast.parse(cells[0].source).body:
        assert isinstance(node, ast.Assign), "the parameters cell holds plain assignments only"
        ast.literal_eval(node.value)  # raises unless the value is a literal
        names.update(t.id for t in node.targets)
    assert {"PROFILE", "SEED", "METRICS_PATH", "MODEL_NAME"} <= names


def test_the_profile_alone_sets_a_smoke_run(notebook):
    """A learner who types PROFILE = "smoke" gets what the tests and make course run: the model
    comes from the profile (MiniLM's first 2 layers in smoke), and the tests pass no other
    parameter to a smoke run, so every smoke setting must come from the notebook and its lesson's
    file (``clflib/course/lessons/lesson_NN.py``, whose ``DEFAULTS`` the settings cell passes)."""
    assert "MODEL_NAME = None" in parameter_cells(notebook)[0].source
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    after = code[code.index(parameter_cells(notebook)[0].source) + 1 :]
    settings = next(source for source in after if "profiles.get_profile(" in source)
    assert "model_name=MODEL_NAME" in settings and "MODEL_NAME = profile.model_name" in settings
    imported = set(re.findall(r"from clflib\.course\.lessons import (lesson_\d\d)\b", "\n".join(code)))
    assert len(imported) == 1, f"import exactly one lesson's file, got {sorted(imported)}"
    assert f"profiles.get_profile(PROFILE, {imported.pop()}.DEFAULTS" in settings


def test_no_outputs_and_kernel_metadata(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert notebook.metadata["language_info"]["name"] == "python"
    nbformat.validate(notebook)


def test_first_code_cell_installs_only_in_colab_then_calls_setup(notebook, assert_colab_block_is_rerunnable):
    first = next(c for c in notebook.cells if c.cell_type == "code")
    assert '"google.colab" in sys.modules' in first.source and "clflib.setup(" in first.source
    assert_colab_block_is_rerunnable(first.source)
    assert notebook.cells.index(first) < notebook.cells.index(parameter_cells(notebook)[0])


def test_never_calls_the_hub_only_helpers(notebook):
    source = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "evaluate.load(" not in source and "evaluation_strategy" not in source
    # transformers 5 renamed Trainer's tokenizer= to processing_class=; other calls may say tokenizer=
    assert not re.search(r"Trainer\((?:[^()]|\([^()]*\))*\btokenizer=", source), (
        "Trainer(tokenizer=) is gone: processing_class="
    )
