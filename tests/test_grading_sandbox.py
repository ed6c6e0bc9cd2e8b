"""make grade against hostile submissions: the sandbox, tests outside the kernel, nothing left behind.

The attacks live in ``tests/hostile_submissions/`` (see its README); each is appended to the
quiz's unanswered student notebook and graded with the quiz's solution and an unanswered copy.
Fast tests check the sandbox's command line and the remote data format without a kernel.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import nbformat
import psutil
import pytest

from clflib.course import PROJECT_ROOT, exercises, gradebook, remote, sandbox

HOSTILE = Path(__file__).parent / "hostile_submissions"
ATTACKS = sorted(HOSTILE.glob("*.cell"))  # not .py: nothing may ever import them
ESCAPE_MARK = "clflib-hostile-escape-marker"
LEFTOVER_SLEEPS = ("4242", "4243", "4244")
HIDDEN_MARKS = (
    "test_q01_" + "answer",
    "not the right " + "choice",
)  # only in the quiz's hidden tests (spelled so this file does not hold them)
ESCAPE_FOLDERS = (PROJECT_ROOT, Path.home(), Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))


def require_sandbox() -> None:
    problem = sandbox.sandbox_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must test the sandboxed grading path: {problem} (.ci/run installs bubblewrap)")
    pytest.skip(f"no grading sandbox on this machine: {problem}")


# --- without a kernel ----------------------------------------------------------------------


def test_remote_values_arrive_as_data_and_a_forged_reply_cannot_bring_code():
    import numpy as np
    import torch

    value = {"ids": np.arange(6).reshape(2, 3), "logits": torch.tensor([[0.5, -1.0]]), 3: ("a", None)}
    back = remote.decode(json.loads(json.dumps(remote.encode(value))))
    assert back[3] == ("a", None) and back["ids"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert torch.equal(back["logits"], value["logits"])
    for forged in (
        {"t": "pickle", "v": "gASV"},
        {"t": "ndarray", "dtype": "object_from_pickle", "shape": [1], "v": [1]},
        {"t": "tensor", "dtype": "float32", "shape": [5], "v": [1.0]},
        {"t": "ndarray", "dtype": "float64", "shape": [2], "b64": "AAAA"},  # 3 bytes for 16
        {"t": "ndarray", "dtype": "int64", "shape": [1], "b64": "not base64!"},
        {"t": "tensor", "dtype": "float32", "shape": [10**9], "b64": ""},  # more than allowed
        {"t": "int", "v": True},
        {"t": "str", "v": 3},
        {"t": "ref", "id": 0},  # a handle where none may appear
    ):
        with pytest.raises(ValueError):
            remote.decode(forged)


def test_a_test_sees_the_kernels_exceptions_and_handles_as_its_own():
    namespace = {"double": lambda x: 2 * x, "explode": lambda: int("x"), "rows": [1, 2, 3]}
    remote_view = remote.RemoteNamespace(lambda request: remote.serve(json.dumps(request), namespace))
    assert remote_view["double"](21) == 42
    assert remote_view["rows"] == [1, 2, 3]
    with pytest.raises(ValueError, match="invalid literal"):
        remote_view["explode"]()
    assert remote_view.get("missing") is None
    assert "kernel" in repr(remote_view["double"])


def test_the_sandbox_hides_solutions_and_drops_privileges(tmp_path):
    command = sandbox.kernel_command(["python", "kernel.py"], tmp_path / "work", hide=[tmp_path])
    text = " ".join(command)
    assert command[0] == "prlimit" and "--as=" in text and "--nproc=" in text and "--cpu=" in text
    for name in sandbox.HIDDEN_IN_PROJECT:
        if (PROJECT_ROOT / name).is_dir():
            assert f"--tmpfs {(PROJECT_ROOT / name).resolve()}" in text
    assert f"--tmpfs {tmp_path.resolve()}" in text and "--unshare-net" in text and "--unshare-pid" in text
    assert command[-2:] == ["python", "kernel.py"]
    assert "--ro-bind / /" not in text, "the kernel sees only what it needs, not the whole machine"
    if os.geteuid() == 0:
        assert f"--reuid={sandbox.kernel_uid()}" in text and sandbox.kernel_uid() >= sandbox.FIRST_UID
    unsandboxed = sandbox.kernel_command(["python", "kernel.py"], tmp_path / "work", sandboxed=False)
    assert "bwrap" not in unsandboxed and unsandboxed[0] == "prlimit"


def test_make_grade_refuses_untrusted_notebooks_without_a_sandbox(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gradebook, "sandbox_problem", lambda: "bwrap not found on PATH.")
    (tmp_path / "a.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    code = gradebook.main(["grade", "quiz", str(tmp_path), "--out", str(tmp_path / "g.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "bwrap not found" in err and "apt-get install bubblewrap" in err
    assert "--trust-submissions" in err and not (tmp_path / "g.csv").exists()


# --- a class of hostile submissions (kernels, about a minute) ------------------------------


def hostile_notebook(student: nbformat.NotebookNode, attack: Path) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(nbformat.writes(student)))
    nb.cells.append(nbformat.v4.new_code_cell(attack.read_text()))
    return nb


def leftovers() -> list[str]:
    found = [str(folder / ESCAPE_MARK) for folder in ESCAPE_FOLDERS if (folder / ESCAPE_MARK).exists()]
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info.get("cmdline") or [])
        if cmdline.startswith("sleep") and any(mark in cmdline for mark in LEFTOVER_SLEEPS):
            found.append(f"process {process.pid}: {cmdline}")
    return found


@pytest.mark.notebook
def test_hostile_submissions_gain_nothing_read_nothing_and_leave_nothing(exercise_build, tmp_path):
    require_sandbox()
    assert {a.stem for a in ATTACKS} >= {
        "patch_otter",
        "always_equal",
        "rewrite_autograder",
        "read_hidden",
        "escape",
    }
    assert not leftovers(), "clean up the markers of an earlier run first"
    quiz = exercises.get_exercise_set("quiz")
    build = exercise_build("quiz")
    zip_hash = exercises.file_sha256(build.autograder_zip)
    student = nbformat.read(quiz.student_notebook, as_version=4)
    folder = tmp_path / "submissions"
    folder.mkdir()
    for attack in ATTACKS:
        nbformat.write(hostile_notebook(student, attack), folder / f"{attack.stem}.ipynb")
    formula_name = '=HYPERLINK("http-evil").ipynb'
    shutil.copyfile(quiz.student_notebook, folder / formula_name)
    shutil.copyfile(build.solution_notebook, folder / "zz_solution.ipynb")  # graded after the attacks

    executed = tmp_path / "executed"
    grades = gradebook.grade_folder(
        folder, quiz, autograder_zip=build.autograder_zip, jobs=2, executed_dir=executed
    )
    out = gradebook.write_gradebook(grades, quiz, tmp_path / "gradebook.csv")
    by_name = {g.submission: g for g in grades}

    assert by_name["zz_solution.ipynb"].total == quiz.auto_points, by_name["zz_solution.ipynb"].reasons
    for attack in ATTACKS:  # no attack gains a point
        grade = by_name[f"{attack.stem}.ipynb"]
        assert grade.total == 0, (attack.stem, grade.scores, grade.reasons)
    assert by_name[formula_name].total == 0
    assert exercises.file_sha256(build.autograder_zip) == zip_hash  # the shared autograder is intact

    # nothing hidden reached the gradebook or the executed notebooks' outputs
    outputs = [nbformat.read(p, as_version=4) for p in executed.glob("*.ipynb")]
    texts = [out.read_text()] + [json.dumps([c.get("outputs", []) for c in nb.cells]) for nb in outputs]
    for mark in HIDDEN_MARKS:
        assert not any(mark in text for text in texts), f"{mark!r} leaked"
    read_hidden = json.dumps(
        nbformat.read(next(executed.glob("read_hidden*.ipynb")), as_version=4).cells[-1].outputs
    )
    assert "found 0" in read_hidden, read_hidden[:500]

    # the escape attempts: no file outside, no process left, no network, the memory limit held
    assert not leftovers(), leftovers()
    outputs = nbformat.read(next(executed.glob("escape*.ipynb")), as_version=4).cells[-1].outputs
    escape = "".join(o.get("text", "") for o in outputs) + "".join(o.get("evalue", "") for o in outputs)
    assert "no network" in escape and "network reached" not in escape
    assert "stopped after" in escape, "the process limit should stop 2,000 processes"
    assert "Unable to allocate" in escape and "allocated" not in escape.replace("Unable to allocate", ""), (
        escape
    )
    rows = {row["submission"]: row for row in csv.DictReader(out.open())}
    assert f"'{formula_name}" in rows, "the file name must reach the spreadsheet as text"


def test_tables_and_blank_answers_cross_as_themselves():
    import pandas as pd

    table = pd.DataFrame({"method": ["setfit", "frozen"], "k": [16, 16], "f1": [0.82, 0.815]})
    back = remote.decode(json.loads(json.dumps(remote.encode(table))))
    pd.testing.assert_frame_equal(back, table)
    series = remote.decode(remote.encode(table["f1"]))
    assert series.name == "f1" and series.tolist() == [0.82, 0.815]
    assert remote.decode(remote.encode(...)) is Ellipsis  # an answer cell still holding `...`
