"""make grade against hostile *input*, without a kernel: files that are not notebooks, links,
broken notebooks, text that would forge the terminal or the CSV, checks a kernel could replace,
hidden tests' messages. Each case is one row with a reason, never a crash of the run.

The kernel-side attacks are in tests/hostile_submissions/ (tests/test_grading_sandbox.py).
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import types
from pathlib import Path

import nbformat
import pytest

from clflib.course import exercises, gradebook, otter_worker
from clflib.course.checks import own_work_report, source_own_work_report
from clflib.course.remote import NotebookSource, RemoteNamespace, encode


@pytest.fixture(scope="module")
def quiz():
    return exercises.get_exercise_set("quiz")


def refusal(path: Path, quiz, tmp_path) -> str:
    fake_zip = tmp_path / "autograder.zip"
    fake_zip.write_bytes(b"never opened: every case here is refused before grading")
    grade = gradebook.grade_submission(path, quiz, fake_zip)
    assert grade.total == 0
    return "; ".join(grade.reasons)


def test_links_devices_hard_links_and_oversized_files_are_refused_with_a_reason(quiz, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "master.ipynb").symlink_to(quiz.master)
    (folder / "environ.ipynb").symlink_to("/proc/self/environ")
    (folder / "dangling.ipynb").symlink_to(tmp_path / "nowhere")
    os.mkfifo(folder / "pipe.ipynb")
    (folder / "linked_folder").symlink_to(quiz.student_dir)
    original = tmp_path / "original.ipynb"
    original.write_text(quiz.student_notebook.read_text())
    os.link(original, folder / "hard.ipynb")
    with open(folder / "huge.ipynb", "wb") as handle:  # sparse: no disk spent
        handle.truncate(gradebook.MAX_NOTEBOOK_BYTES + 1)
    found = {path.name: path for path in gradebook.find_submissions(folder)}
    assert set(found) == {
        "master.ipynb",
        "environ.ipynb",
        "dangling.ipynb",
        "pipe.ipynb",
        "linked_folder",
        "hard.ipynb",
        "huge.ipynb",
    }, "links are listed as they are, never followed"
    for name in ("master.ipynb", "environ.ipynb", "dangling.ipynb", "linked_folder"):
        assert refusal(found[name], quiz, tmp_path).startswith("refused: a symbolic link"), name
    assert "not a regular file" in refusal(found["pipe.ipynb"], quiz, tmp_path)
    assert "a hard link" in refusal(found["hard.ipynb"], quiz, tmp_path)
    assert "larger than 16 MB" in refusal(found["huge.ipynb"], quiz, tmp_path)


def test_a_notebook_of_the_wrong_shape_is_one_row_with_a_reason(quiz, tmp_path):
    student = json.loads(quiz.student_notebook.read_text())
    cases = {
        "otter_is_a_list": {**student, "metadata": {**student["metadata"], "otter": ["x"]}},
        "source_is_a_number": {
            **student,
            "cells": [{**student["cells"][0], "source": 42}, *student["cells"][1:]],
        },
        "tags_are_text": {**student, "cells": [{**student["cells"][0], "metadata": {"tags": "x"}}]},
        "not_json": None,
    }
    for name, content in cases.items():
        path = tmp_path / f"{name}.ipynb"
        path.write_text("{ not json" if content is None else json.dumps(content))
        reason = refusal(path, quiz, tmp_path)
        if name == "otter_is_a_list":  # valid to nbformat: graded, the odd metadata ignored
            continue
        assert reason.startswith("not a readable notebook"), (name, reason)
    many = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("") for _ in range(gradebook.MAX_CELLS + 1)]
    )
    nbformat.write(many, tmp_path / "many.ipynb")
    assert "cells, more than the 2,000" in refusal(tmp_path / "many.ipynb", quiz, tmp_path)


def test_one_submission_that_breaks_the_grader_is_one_row_and_the_others_are_graded(
    quiz, tmp_path, monkeypatch
):
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name in ("a.ipynb", "b.ipynb", "c.ipynb"):
        (folder / name).write_text("{}")

    def grade(path, exercise, *args, name=None, **kwargs):
        if path.name == "b.ipynb":
            raise RecursionError("a notebook the grader could not take apart")
        return gradebook.SubmissionGrade(name, {q.name: 1.0 for q in exercise.auto_questions})

    monkeypatch.setattr(gradebook, "grade_submission", grade)
    fake_zip = tmp_path / "autograder.zip"
    fake_zip.write_bytes(b"")
    grades = gradebook.grade_folder(folder, quiz, autograder_zip=fake_zip, jobs=2, sandboxed=False)
    by_name = {g.submission: g for g in grades}
    assert by_name["a.ipynb"].total == by_name["c.ipynb"].total == len(quiz.auto_questions)
    assert by_name["b.ipynb"].total == 0
    assert by_name["b.ipynb"].reasons == [
        "could not be graded: RecursionError: a notebook the grader could not take apart"
    ]


def test_text_from_a_submission_cannot_forge_the_terminal_or_the_csv(quiz, tmp_path, capsys):
    forged = "ok\x1b[2K\r  zz_solution.ipynb: 10/10 in 3 s\n\u202egnp.evil,10,10\u2028"
    grade = gradebook.SubmissionGrade(
        forged, {q.name: 0.0 for q in quiz.auto_questions}, [f"cell 3 raised {forged}"]
    )
    out = gradebook.write_gradebook([grade], quiz, tmp_path / "gradebook.csv")
    text = out.read_text(encoding="utf-8")
    assert not any(ch in text for ch in ("\x1b", "\u202e", "\u2028", "\r")) and text.count("\n") == 2
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 1 and rows[0]["submission"].startswith("ok\\x1b[2K\\r")
    assert "\\u202egnp.evil" in rows[0]["reason"]
    assert gradebook.plain_text("plain words, é and 😀") == "plain words, é and 😀"


def test_a_hidden_tests_message_never_reaches_the_gradebook(quiz):
    def test_q2_expected():
        pass

    def result(message, hidden, name="q2 - 1"):  # otter's own name for a case; the function's is shown
        body = types.SimpleNamespace(test_func=test_q2_expected)
        case = types.SimpleNamespace(name=name, hidden=hidden, body=body)
        return types.SimpleNamespace(test_case=case, message=message, passed=False)

    leaky = result("AssertionError: never set? no: expected 0.8731, got 'never set'", hidden=True)
    assert otter_worker._failure(leaky, {}) == "hidden test q2_expected failed"
    public = result("Test failed\nAssertionError: q2 should be a float", hidden=False)
    assert otter_worker._failure(public, {}) == "AssertionError: q2 should be a float"
    blank = result("anything the test says", hidden=True)
    ours = {id(blank.test_case.body): "q2 is not answered yet (q2_value is still ...)"}
    assert (
        otter_worker._failure(blank, ours) == "AssertionError: q2 is not answered yet (q2_value is still ...)"
    )


# --- the own-work check reads the submitted source, never the kernel's answer ----------------

FORBIDDEN = ("clflib",)
SETUP = "import sys\nget_ipython()"  # the handed-out setup cell may use what learners' code may not


def report(*cells: str, name: str = "q1") -> dict:
    return source_own_work_report([SETUP, *cells], name, FORBIDDEN, handed_out=frozenset({SETUP}))


def test_own_work_read_from_the_source_passes_a_learners_function_with_its_helpers():
    own = report(
        "import numpy as np",
        "def helper(x):\n    return np.sqrt(x)",
        "def q1(values):\n    model.eval()\n    return [helper(v) for v in values]",
    )
    assert own == {"is_function": True, "home": "__main__", "name": "q1", "borrowed": []}
    assert report("q1 = lambda x: x + 1")["is_function"]
    assert report("%%time\ndef q1(x):\n    return x")["is_function"], (
        "IPython syntax is read as IPython runs it"
    )


@pytest.mark.parametrize(
    ("cells", "caught"),
    [
        (
            [
                "from clflib.thresholds import best_label_thresholds",
                "def q1(x):\n    return best_label_thresholds(x)",
            ],
            "best_label_thresholds",
        ),
        (["import clflib.thresholds as t", "def q1(x):\n    return t.best(x)"], "t"),
        (["def q1(x):\n    from clflib import thresholds\n    return thresholds.best(x)"], "clflib"),
        (
            [
                "from clflib import thresholds as t",
                "def helper(x):\n    return t.best(x)",
                "def q1(x):\n    return helper(x)",
            ],
            "t",
        ),
        (
            ["def q1(x):\n    return x", "exec('from clflib.thresholds import best as q1')"],
            "exec (dynamic code)",
        ),
        (
            ["def q1(x):\n    return x", "globals()['q1'] = __import__('clflib').thresholds.best"],
            "globals (dynamic code)",
        ),
        (
            ["def q1(x):\n    return getattr(__builtins__, '__imp' + 'ort__')('clf' + 'lib')"],
            "getattr (dynamic code)",
        ),
    ],
)
def test_own_work_read_from_the_source_catches_borrowing_however_it_is_spelled(cells, caught):
    assert caught in report(*cells)["borrowed"]


def test_own_work_read_from_the_source_wants_the_last_binding_to_be_a_def():
    assert not report("def q1(x):\n    return x", "from clflib.thresholds import best as q1")["is_function"]
    assert report("def q1(x):\n    return x", "from clflib.thresholds import best as q1")["home"] == "clflib"
    assert not report("class q1:\n    pass")["is_function"]
    assert not report("def q1(:\n    return x")["is_function"], "a cell that does not parse binds nothing"
    assert not report("x = 1")["is_function"]


def test_a_kernel_handle_is_judged_from_the_file_not_by_the_kernel():
    def kernel(request):  # a hostile kernel: it would answer any question "own work, nothing borrowed"
        if request["op"] == "get":
            return json.dumps({"value": {"t": "ref", "id": 1, "type": "function", "callable": True}})
        return json.dumps(
            {"value": encode({"is_function": True, "home": "__main__", "name": "q1", "borrowed": []})}
        )

    source = NotebookSource(
        ("from clflib.thresholds import best", "def q1(x):\n    return best(x)"), frozenset()
    )
    handle = RemoteNamespace(kernel, source)["q1"]
    assert own_work_report(handle, FORBIDDEN)["borrowed"] == ["best"]
    assert not hasattr(type(handle), "apply"), "no request lets the kernel run the check"


def test_a_functions_own_variables_are_not_the_modules_of_the_same_name():
    handed_out = "from clflib import data, thresholds"
    own = report(
        handed_out, "def q1(data, k):\n    thresholds = [0.5] * k\n    return [t for t in thresholds], data"
    )
    assert own["borrowed"] == [], own
    uses_it = report(handed_out, "def q1(k):\n    return thresholds.best(k)")
    assert uses_it["borrowed"] == ["thresholds"]


# --- hidden tests' messages name the case, never a value ---------------------------------------

VALUE_WORDS = re.compile(r"expected|reference|correct|answer|truth|want", re.I)


def names(node: ast.AST) -> set[str]:
    """The variables an expression reads, or a target binds (not a container it stores into)."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def pairs(targets: list, value: ast.expr, loop: bool):
    """(target, the part of value it receives): element-wise for a tuple unpacked from literal
    tuples (``for name, fn in (("a", a), ("b", b))``), whole otherwise."""
    rows = value.elts if loop and isinstance(value, (ast.Tuple, ast.List)) else [value] if not loop else None
    for target in targets:
        if (
            isinstance(target, ast.Tuple)
            and rows
            and all(isinstance(r, ast.Tuple) and len(r.elts) == len(target.elts) for r in rows)
        ):
            for i, element in enumerate(target.elts):
                yield from ((element, r.elts[i]) for r in rows)
        else:
            yield target, value


def leaky_messages(source: str) -> list[tuple[int, str, list[str]]]:
    """(line, message, names) for each message of a test function in ``source`` that formats a
    learner's value (a parameter, or what was computed from one) or an expected one."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef) or not function.name.startswith("test_"):
            continue
        tainted = {a.arg for a in function.args.args}  # the learner's variables
        for _ in range(3):  # names computed from them, until nothing new
            for node in ast.walk(function):
                targets, value = [], None
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
                    targets, value = [node.target], node.value
                elif isinstance(node, (ast.For, ast.comprehension)):
                    targets, value = [node.target], node.iter
                elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                    targets, value = [node.optional_vars], node.context_expr
                if value is None:
                    continue
                for target, part in pairs(targets, value, isinstance(node, (ast.For, ast.comprehension))):
                    if names(part) & tainted:
                        tainted |= names(target)
        for node in ast.walk(function):
            message = None
            if isinstance(node, ast.Assert):
                message = node.msg
            elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                message = node.exc.args[0]
            if message is None:
                continue
            shown = [
                n
                for value in ast.walk(message)
                if isinstance(value, ast.FormattedValue)
                for n in ast.walk(value.value)
                if isinstance(n, ast.Name)
            ]
            if isinstance(message, (ast.Call, ast.BinOp)):  # .format(...), % (...)
                shown += [n for n in ast.walk(message) if isinstance(n, ast.Name)]
            bad = sorted({n.id for n in shown if n.id in tainted or VALUE_WORDS.search(n.id)})
            if bad:
                found.append((node.lineno, ast.unparse(message)[:100], bad))
    return found


def test_no_hidden_test_of_any_set_formats_a_value_into_its_message():
    leaks = {}
    for exercise in exercises.exercise_sets():
        for cell in nbformat.read(exercise.master, as_version=4).cells:
            if cell.cell_type == "code" and cell.source.lstrip().startswith("# HIDDEN"):
                found = leaky_messages(cell.source)
                if found:
                    leaks.setdefault(exercise.slug, []).extend(found)
    assert len(exercises.exercise_sets()) >= 10 and not leaks, (
        f"hidden tests say what failed, not the values: {leaks}"
    )


@pytest.mark.parametrize(
    "body",
    [
        'got = q1(3)\n    assert got == 2, f"got {got}"',
        'expected = 0.87\n    assert abs(q1 - expected) < 0.01, f"should be {expected:.2f}"',
        'assert q1 == 2, "q1 is {}".format(q1)',
        'assert q1 == 2, "q1 is %s" % (q1,)',
        'for name, value in (("q1", q1),):\n        assert value == 2, f"{name} = {value}"',
        'rows = [r for r in q1]\n    if rows:\n        raise AssertionError(f"first row {rows[0]}")',
    ],
)
def test_the_message_check_catches_a_value_however_it_is_formatted(body):
    assert leaky_messages(f"def test_q1(q1):\n    {body}\n")


def test_the_message_check_lets_a_test_name_its_own_case():
    source = (
        "def test_q1(q1):\n"
        '    for name, function in (("q1_a", q1), ("q1_b", q1)):\n'
        "        for size in (1, 5):\n"
        '            assert function(size) == size, f"{name} is wrong on {size} texts"\n'
    )
    assert leaky_messages(source) == []
