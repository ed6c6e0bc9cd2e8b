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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from clflib.course import PROJECT_ROOT, exercises, gradebook, remote, sandbox

HOSTILE = Path(__file__).parent / "hostile_submissions"
ATTACKS = sorted(HOSTILE.glob("*.cell"))  # not .py: nothing may ever import them
ESCAPE_MARK = "clflib-hostile-escape-marker"
LEFTOVER_SLEEPS = ("4242", "4243", "4244", "4245")
SPIN_MARK = "clflib-hostile-spin"  # in the command line of hog.cell's busy children
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


def test_the_sandbox_shows_only_what_a_notebook_needs_and_drops_privileges(tmp_path, monkeypatch):
    monkeypatch.setenv("CLFLIB_TEST_SECRET_TOKEN", "hf_do_not_leak")
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    command = sandbox.kernel_command(["python", "kernel.py"], tmp_path / "work", hide=[tmp_path])
    text = " ".join(command)
    assert command[0] == "prlimit" and "--as=" in text and "--nproc=" in text and "--cpu=" in text
    assert "--fsize=" in text, "a file-size limit for the kernel"
    root = PROJECT_ROOT.resolve()
    bound = [command[i + 1] for i, word in enumerate(command) if word in ("--ro-bind", "--bind")]
    assert str(root / "clflib") in bound
    assert str(root) not in bound and not any(root.is_relative_to(path) for path in bound), (
        "the checkout itself (its exercises, runs, a gradebook or submissions put there) is never shown"
    )
    assert not any(Path(path).is_relative_to(root / "exercises") for path in bound)
    assert f"--tmpfs {tmp_path.resolve()}" in text and "--unshare-net" in text and "--unshare-pid" in text
    assert command[-2:] == ["python", "kernel.py"]
    assert "--ro-bind / /" not in text, "the kernel sees only what it needs, not the whole machine"
    assert "--clearenv" in text and "hf_do_not_leak" not in text, "the kernel's environment is an allow-list"
    if os.geteuid() == 0:
        assert f"--reuid={sandbox.kernel_uid()}" in text and sandbox.kernel_uid() >= sandbox.FIRST_UID
    unsandboxed = sandbox.kernel_command(["python", "kernel.py"], tmp_path / "work", sandboxed=False)
    assert "bwrap" not in unsandboxed and unsandboxed[0] == "prlimit"
    environment = sandbox.kernel_environment(tmp_path, sandboxed=False)
    assert "CLFLIB_TEST_SECRET_TOKEN" not in environment and environment["HOME"] == str(tmp_path)


def test_a_cpu_share_holds_a_busy_submission_to_its_cores():
    share = sandbox.cpu_share(0.2)
    if share.folder is None:
        pytest.skip("no writable cgroup here: the README says what JOBS > 1 risks then")
    try:
        spin = "import time\nend = time.time() + 1.0\nwhile time.time() < end: pass"
        subprocess.run(share.wrap([sys.executable, "-c", spin]), check=True, timeout=60)
        stat = (share.folder / "cpu.stat").read_text()
        throttled = int(
            next(line.split()[1] for line in stat.splitlines() if line.startswith("nr_throttled"))
        )
        assert throttled > 0, stat
        sleeper = subprocess.Popen(share.wrap(["sleep", "4245"]))
        for _ in range(50):
            if share.pids():
                break
            time.sleep(0.1)
        assert share.pids(), "the command runs inside the group"
    finally:
        share.close()
    assert sleeper.wait(timeout=10) != 0 and not share.folder.exists(), (
        "closing kills what is left and removes it"
    )


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
        if (cmdline.startswith("sleep") and any(mark in cmdline for mark in LEFTOVER_SLEEPS)) or (
            SPIN_MARK in cmdline
        ):
            found.append(f"process {process.pid}: {cmdline}")
    return found


SECRET = "hf_CLFLIB_HOSTILE_SECRET_0123456789"  # in the grader's environment, never in the kernel's
HOG_TIMEOUT = 60  # seconds for a submission: a correct quiz takes about 7 beside the hog
CONTROL_NAME = "control_characters\x1b[31m\u202egnp.ipynb"


@pytest.fixture()
def private_tmp(monkeypatch):
    """A short temporary folder of the test's own for every folder grading makes (other tests'
    kernels come and go in /tmp meanwhile); it must be empty again afterwards."""
    folder = tempfile.mkdtemp(prefix="h", dir="/tmp")
    monkeypatch.setattr(tempfile, "tempdir", folder)
    yield Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


def plant_non_notebooks(folder: Path, quiz, solution: Path) -> None:
    """Links, and notebooks of the wrong shape, beside the real submissions."""
    (folder / "link_to_solution.ipynb").symlink_to(solution)
    (folder / "link_to_environ.ipynb").symlink_to("/proc/self/environ")
    broken = json.loads(quiz.student_notebook.read_text())
    broken["cells"][0]["source"] = 42
    broken["metadata"]["otter"] = ["not", "a", "dict"]
    (folder / "malformed.ipynb").write_text(json.dumps(broken))


def executed_text(executed: Path, stem: str) -> str:
    path = next(p for p in executed.glob("*.ipynb") if p.name.startswith(stem))
    outputs = nbformat.read(path, as_version=4).cells[-1].outputs
    return "".join(o.get("text", "") for o in outputs) + "".join(o.get("evalue", "") for o in outputs)


@pytest.mark.notebook
def test_hostile_submissions_gain_nothing_read_nothing_and_leave_nothing(
    exercise_build, tmp_path, monkeypatch, capsys, private_tmp
):
    require_sandbox()
    assert {a.stem for a in ATTACKS} >= {
        "patch_otter", "always_equal", "rewrite_autograder", "read_hidden", "escape",
        "leak_environment", "read_neighbours", "flood", "control_characters", "hog",
    }  # fmt: skip
    assert not leftovers(), "clean up the markers of an earlier run first"
    monkeypatch.setenv("CLFLIB_HOSTILE_SECRET", SECRET)
    quiz = exercises.get_exercise_set("quiz")
    build = exercise_build("quiz")
    zip_hash = exercises.file_sha256(build.autograder_zip)
    student = nbformat.read(quiz.student_notebook, as_version=4)
    # the layout the sandbox must make safe: submissions and gradebook inside the checkout
    folder = PROJECT_ROOT / "runs" / "tests" / f"hostile-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "submissions").mkdir(parents=True)
    try:
        submissions = folder / "submissions"
        for attack in ATTACKS:
            name = CONTROL_NAME if attack.stem == "control_characters" else f"{attack.stem}.ipynb"
            nbformat.write(hostile_notebook(student, attack), submissions / name)
        formula_name = '=HYPERLINK("http-evil").ipynb'  # and the unanswered copy every attack is held to
        shutil.copyfile(quiz.student_notebook, submissions / formula_name)
        shutil.copyfile(
            build.solution_notebook, submissions / "zz_solution.ipynb"
        )  # graded after the attacks
        plant_non_notebooks(submissions, quiz, build.solution_notebook)
        (folder / "gradebook.csv").write_text(
            "submission,total\nclassmate.ipynb,10\n"
        )  # an earlier gradebook

        executed = tmp_path / "executed"
        grades = gradebook.grade_folder(
            submissions,
            quiz,
            autograder_zip=build.autograder_zip,
            timeout=HOG_TIMEOUT,  # the hog never ends: it costs the folder this long
            cell_timeout=30,
            jobs=2,
            executed_dir=executed,
            verbose=True,
            limits=sandbox.Limits(file_gib=0.05),
        )
        out = gradebook.write_gradebook(grades, quiz, folder / "gradebook.csv")
        terminal = capsys.readouterr().out
        csv_text = out.read_text(encoding="utf-8")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    by_name = {g.submission: g for g in grades}

    assert by_name["zz_solution.ipynb"].total == quiz.auto_points, by_name["zz_solution.ipynb"].reasons
    unanswered = by_name[formula_name].total
    for name, grade in by_name.items():  # no attack gains a point over the unanswered copy
        if name != "zz_solution.ipynb":
            assert grade.total <= unanswered == 0, (name, grade.scores, grade.reasons)
    assert exercises.file_sha256(build.autograder_zip) == zip_hash  # the shared autograder is intact
    for name in ("link_to_solution.ipynb", "link_to_environ.ipynb"):
        assert by_name[name].reasons == [
            "refused: a symbolic link, not a notebook file (hand in the file itself)"
        ]
    assert by_name["malformed.ipynb"].reasons[0].startswith("not a readable notebook")
    assert by_name["hog.ipynb"].reasons[0].startswith("timed out"), by_name["hog.ipynb"].reasons

    # nothing hidden, secret or from the neighbours reached the gradebook, the terminal or the outputs
    outputs = [nbformat.read(p, as_version=4) for p in executed.glob("*.ipynb")]
    texts = [csv_text, terminal] + [json.dumps([c.get("outputs", []) for c in nb.cells]) for nb in outputs]
    for mark in (*HIDDEN_MARKS, SECRET, "CLFLIB_HOSTILE_SECRET"):
        assert not any(mark in text for text in texts), f"{mark!r} leaked"
    assert "found 0" in executed_text(executed, "read_hidden")
    neighbours = executed_text(executed, "read_neighbours")
    assert f"No such file or directory: '{PROJECT_ROOT / 'README.md'}'" in neighbours, neighbours[:800]
    assert "'notebooks': [], 'gradebooks': []" in neighbours, "no submission, master or gradebook is in view"
    assert "hostile-" not in neighbours and "classmate" not in neighbours and "exercises/" not in neighbours
    assert "'/proc/1/environ'" in executed_text(executed, "leak_environment")

    # the escape attempts: no file outside, no process left, no network, the limits held
    assert not leftovers(), leftovers()
    assert not list(private_tmp.iterdir()), list(private_tmp.iterdir())
    escape = executed_text(executed, "escape")
    assert "no network" in escape and "network reached" not in escape
    assert "stopped after" in escape, "the process limit should stop 2,000 processes"
    assert "Unable to allocate" in escape and "allocated" not in escape.replace("Unable to allocate", ""), (
        escape
    )
    assert "file limit: [Errno 27] File too large" in escape and "wrote 100 MB" not in escape
    assert "outputs past 8 MiB dropped" in executed_text(executed, "flood")
    assert max(p.stat().st_size for p in executed.glob("*.ipynb")) < 16 * 1024**2

    # control characters reach neither the terminal nor the CSV
    for text in (terminal, csv_text):
        assert not any(ch in text for ch in ("\x1b", "\u202e", "\r")), repr(text[:300])
    assert len(list(csv.DictReader(csv_text.splitlines()))) == len(by_name), "no forged row"
    rows = {row["submission"]: row for row in csv.DictReader(csv_text.splitlines())}
    assert f"'{formula_name}" in rows, "the file name must reach the spreadsheet as text"
    assert "control_characters\\x1b[31m\\u202egnp.ipynb" in rows


def test_tables_and_blank_answers_cross_as_themselves():
    import pandas as pd

    table = pd.DataFrame({"method": ["setfit", "frozen"], "k": [16, 16], "f1": [0.82, 0.815]})
    back = remote.decode(json.loads(json.dumps(remote.encode(table))))
    pd.testing.assert_frame_equal(back, table)
    series = remote.decode(remote.encode(table["f1"]))
    assert series.name == "f1" and series.tolist() == [0.82, 0.815]
    assert remote.decode(remote.encode(...)) is Ellipsis  # an answer cell still holding `...`
