"""Grade a folder of submitted exercise notebooks headlessly into a CSV gradebook.

Course tooling (instructors): ``make grade``.

Every submission is graded in a subprocess of its own (:mod:`clflib.course.otter_worker`): its
cells run in a fresh Jupyter kernel inside a bubblewrap sandbox (:mod:`clflib.course.sandbox`:
no network, a read-only view without the solutions and hidden tests, an unprivileged user,
limits on memory, processes and CPU), and then the set's public and hidden tests run in the
worker, outside the kernel, seeing the notebook's values only as plain data
(:mod:`clflib.course.remote`). Each submission gets a private copy of the autograder, checked
against the hash taken before grading began. So a submission cannot forge its grade or anyone
else's, read the hidden tests, or leave anything behind (``tests/hostile_submissions/``); and:

- a cell that raises is recorded, the rest of the notebook still runs, and only the questions
  that depend on it lose points;
- a cell that runs longer than ``cell_timeout`` seconds is interrupted (as the stop button
  would) and grading goes on; a submission that still runs after ``timeout`` seconds in all is
  killed, with its kernel, and scores zero;
- deleted cells, an unanswered notebook, a file that is not a notebook, or the notebook of
  another set each get zero where due and a reason a person can read.

The gradebook has one row per submission: a column per question (points; manually graded
questions are left empty for the grader, with the learner's answer in ``<name>_answer``), the
auto-graded total, the points possible, the percentage, pass or fail where the set has a pass mark,
and the reason for every lost point.

``make grade EXERCISE=01 SUBMISSIONS=folder OUT=gradebook.csv`` runs :func:`main`; from Python:

>>> from clflib.course.exercises import get_exercise_set
>>> exercise = get_exercise_set("01_binary_sentiment")
>>> grades = grade_folder("submissions/", exercise)  # doctest: +SKIP
>>> write_gradebook(grades, exercise, "gradebook.csv")  # doctest: +SKIP

The columns of that gradebook:

>>> gradebook_columns(exercise)
['submission', 'q1', 'q2', 'q3', 'q3_explain', 'total', 'possible', 'percent', 'passed', 'reason', 'q3_explain_answer']
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from clflib.course.exercises import (
    AUTOGRADER_ZIP,
    BUILD_DIR,
    OFFLINE_ENV,
    ExerciseBuildError,
    ExerciseSet,
    build_is_current,
    cached_build,
    file_sha256,
    get_exercise_set,
)
from clflib.course.otter_worker import failure_summary, shorten
from clflib.course.sandbox import DEFAULT_LIMITS, INSTALL_HINT, Limits, cpu_share, sandbox_problem

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_CELL_TIMEOUT",
    "ANSWER_CELL_TAG",
    "SOLUTION_CELL_TAG",
    "ANSWER_PLACEHOLDER",
    "MAX_NOTEBOOK_BYTES",
    "MAX_CELLS",
    "SandboxUnavailable",
    "SubmissionGrade",
    "format_points",
    "gradebook_columns",
    "find_submissions",
    "compare_with_handout",
    "manual_answers",
    "grade_submission",
    "grade_folder",
    "gradebook_rows",
    "write_gradebook",
    "spreadsheet_safe",
    "plain_text",
    "main",
]

DEFAULT_TIMEOUT = 600.0
DEFAULT_CELL_TIMEOUT = 300.0
ANSWER_CELL_TAG = "otter_answer_cell"  # otter assign tags the cells learners write in
SOLUTION_CELL_TAG = "otter_assign_solution_cell"  # ... and the solutions in the autograder copy
ANSWER_PLACEHOLDER = "_Type your answer here, replacing this text._"
MAX_NOTEBOOK_BYTES = 16 * 1024**2  # a handed-in notebook larger than this is refused, not parsed
MAX_CELLS = 2_000


class SandboxUnavailable(RuntimeError):
    """This machine cannot make the grading sandbox; the message says how to get it."""


@dataclass
class SubmissionGrade:
    """The grade of one submission: points per auto-graded question, reasons, manual answers."""

    submission: str
    scores: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    manual_answers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return float(sum(self.scores.values()))


# --- small pure helpers (doctested) --------------------------------------------------------


def format_points(value: float) -> str:
    """Points without needless decimals.

    >>> format_points(2.0), format_points(1.5), format_points(0.6666666)
    ('2', '1.5', '0.67')
    """
    return f"{round(value, 2):g}"


def gradebook_columns(exercise: ExerciseSet) -> list[str]:
    """The CSV header: submission, one column per question, totals, reason, manual answers."""
    return [
        "submission",
        *(q.name for q in exercise.questions),
        "total",
        "possible",
        "percent",
        "passed",
        "reason",
    ] + [f"{q.name}_answer" for q in exercise.manual_questions]


# --- reading a submission ------------------------------------------------------------------


def find_submissions(folder: str | Path) -> list[Path]:
    """Every ``.ipynb`` entry under ``folder`` (subfolders too, checkpoints skipped), sorted.

    Links are never followed: a symbolic link (to a notebook or to a folder) is listed as it is,
    and :func:`grade_submission` refuses it with a reason in its row.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"No folder of submissions at {plain_text(str(folder))}.")
    found = []
    for root, folders, files in os.walk(folder, followlinks=False):
        folders[:] = [name for name in folders if name != ".ipynb_checkpoints"]
        found += [Path(root) / name for name in folders if os.path.islink(Path(root) / name)]
        found += [
            Path(root) / name
            for name in files
            if name.endswith(".ipynb") and not name.endswith(".executed.ipynb")  # copies kept by --executed
        ]
    if not found:
        others = sorted(plain_text(p.name) for p in folder.iterdir())[:10]
        raise ValueError(
            f"No .ipynb files in {plain_text(str(folder))} (it holds: {others or 'nothing'}). Hand in "
            f"notebooks; unzip archives first."
        )
    return sorted(found)


def _read_submission(path: Path):
    """``(reason, None)`` for a file that is not graded, else ``(None, notebook)``: a regular
    file of at most :data:`MAX_NOTEBOOK_BYTES`, opened without following links, that nbformat
    reads and validates, with at most :data:`MAX_CELLS` cells."""
    import nbformat

    if os.path.islink(path):
        return "refused: a symbolic link, not a notebook file (hand in the file itself)", None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        return f"refused: could not be opened ({error.strerror})", None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "refused: not a regular file (a folder, a device or a pipe)", None
        if info.st_nlink > 1:
            return f"refused: a hard link (the file has {info.st_nlink} names); hand in a copy", None
        data = handle.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        return (
            f"refused: larger than {MAX_NOTEBOOK_BYTES // 1024**2} MB (clear the outputs: Edit > Clear "
            "All Outputs, then save)",
            None,
        )
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # nbformat raises several kinds for a broken file
        message = getattr(error, "message", None) or str(error)
        return f"not a readable notebook ({shorten(type(error).__name__ + ': ' + str(message), 100)})", None
    if len(nb.cells) > MAX_CELLS:
        return f"refused: {len(nb.cells):,} cells, more than the {MAX_CELLS:,} a notebook may have", None
    return None, nb


def _template_cells(exercise: ExerciseSet) -> dict[str, object]:
    import nbformat

    if not exercise.student_notebook.is_file():
        return {}
    nb = nbformat.read(exercise.student_notebook, as_version=4)
    return {cell.id: cell for cell in nb.cells if cell.get("id")}


def _first_line(source: str) -> str:
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    return shorten(lines[0], 50) if lines else "(empty cell)"


def _is_answer(cell) -> bool:
    return ANSWER_CELL_TAG in cell.get("metadata", {}).get("tags", [])


def _deleted_reason(deleted: list) -> list[str]:
    if not deleted:
        return []
    listed = "; ".join(f'"{_first_line(cell.source)}"' for cell in deleted[:3])
    more = f" and {len(deleted) - 3} more" if len(deleted) > 3 else ""
    return [f"{len(deleted)} handed-out cell(s) deleted: {listed}{more}"]


def compare_with_handout(nb, template: dict) -> list[str]:
    """Reasons about the handed-out cells: deleted ones, or no answer written at all.

    Cells are matched by id; a notebook whose ids were lost (nbformat 4.4, or a converted copy)
    is matched by content instead: every handed-out cell the learner does not write in must still
    be there word for word, and the answer cells (found by their tag) are compared in order.
    """
    if not template:
        return []
    present = {cell.get("id"): cell for cell in nb.cells if cell.get("id")}
    if not set(present) & set(template):
        return _compare_without_ids(nb, list(template.values()))
    reasons = _deleted_reason([cell for cell_id, cell in template.items() if cell_id not in present])
    answers = [cell_id for cell_id, cell in template.items() if _is_answer(cell)]
    kept = [cell_id for cell_id in answers if cell_id in present]
    if kept and all(present[i].source == template[i].source for i in kept):
        reasons.append(f"unanswered: none of the {len(kept)} answer cells was changed")
    return reasons


def _compare_without_ids(nb, handout: list) -> list[str]:
    from collections import Counter

    sources = Counter(cell.source for cell in nb.cells)
    deleted = []
    for cell in handout:
        if _is_answer(cell):
            continue
        if sources[cell.source] > 0:
            sources[cell.source] -= 1
        else:
            deleted.append(cell)
    handed_answers = [cell for cell in handout if _is_answer(cell)]
    answers = [cell for cell in nb.cells if _is_answer(cell)]
    reasons = _deleted_reason(deleted)
    if answers and len(answers) < len(handed_answers):  # no tags at all: nothing to compare
        reasons.append(f"{len(handed_answers) - len(answers)} answer cell(s) deleted")
    if answers and [c.source for c in answers] == [c.source for c in handed_answers][: len(answers)]:
        reasons.append(f"unanswered: none of the {len(answers)} answer cells was changed")
    return reasons


def manual_answers(nb, exercise: ExerciseSet, handout_ids: frozenset[str] = frozenset()) -> dict[str, str]:
    """The learner's text for each manually graded question.

    otter assign wraps every manually graded question in ``<!-- BEGIN QUESTION -->`` /
    ``<!-- END QUESTION -->`` comments; the Markdown answer cells between the k-th pair answer
    the k-th manual question. A Markdown cell the learner added there (an id not among
    ``handout_ids``) counts as an answer too.
    """
    answers: dict[str, str] = {}
    regions: list[list[str]] = []
    current: list[str] | None = None
    for cell in nb.cells:
        source = cell.get("source", "")
        if "<!-- END QUESTION -->" in source and current is not None:
            regions.append(current)
            current = None
        if "<!-- BEGIN QUESTION -->" in source:
            current = []
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        added = bool(handout_ids) and cell.get("id") not in handout_ids
        if (
            current is not None
            and cell.cell_type == "markdown"
            and (ANSWER_CELL_TAG in tags or SOLUTION_CELL_TAG in tags or added)
        ):
            text = source.replace(ANSWER_PLACEHOLDER, "").strip()
            if text:
                current.append(text)
    if current is not None:
        regions.append(current)
    for question, region in zip(exercise.manual_questions, regions):
        answers[question.name] = shorten(" ".join(region), 1000) if region else "(no answer)"
    return answers


# --- grading -------------------------------------------------------------------------------


def _kill_tree(process: subprocess.Popen) -> None:
    """Kill a grading subprocess and everything it started (the kernel runs in its own session)."""
    import psutil

    try:
        parent = psutil.Process(process.pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for member in family:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


def grade_submission(
    path: str | Path,
    exercise: ExerciseSet,
    autograder_zip: str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cell_timeout: float | None = DEFAULT_CELL_TIMEOUT,
    name: str | None = None,
    executed_dir: str | Path | None = None,
    threads: int | None = None,
    autograder_sha256: str | None = None,
    sandboxed: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    cores: float | None = None,
) -> SubmissionGrade:
    """Grade one notebook in a subprocess (see :mod:`clflib.course.otter_worker`); never raises for a bad submission.

    Args:
        path: the submitted notebook.
        exercise: its exercise set (questions and points come from the master).
        autograder_zip: the set's autograder, from :func:`clflib.course.exercises.cached_build`.
        timeout: seconds for the whole submission; past it the subprocess and its kernel are
            killed and every question scores zero.
        cell_timeout: seconds for one cell; past it the cell is interrupted and grading goes on.
            None: no per-cell limit.
        name: what the gradebook calls the submission (default: the file name).
        executed_dir: where to keep the executed copy of the notebook, to read a failing cell.
        threads: CPU threads for the notebook's torch and numpy (None: their default, all
            cores); :func:`grade_folder` shares the cores out when it grades several at once.
        autograder_sha256: the hash the autograder zip must have (:func:`grade_folder` takes
            it once, before the first submission runs). Each submission is graded with a
            private copy of the zip, checked against it, so a submission that rewrites the
            shared zip cannot change anyone else's grade.
        sandboxed: run the notebook's kernel in the sandbox (:mod:`clflib.course.sandbox`);
            False grades without one (the tests still run outside the kernel), for trusted
            notebooks on a machine without bubblewrap.
        limits: memory, processes, CPU seconds and file size for the notebook's kernel.
        cores: CPU cores the submission may use at most, enforced by a cgroup where the machine
            lets the grader make one (:func:`clflib.course.sandbox.cpu_share`); None: no cap.
    """
    path, autograder_zip = Path(path), Path(autograder_zip)
    if not autograder_zip.is_file():
        raise FileNotFoundError(f"No autograder zip at {autograder_zip}: build the set first.")
    if not timeout > 0 or (cell_timeout is not None and not cell_timeout > 0):
        raise ValueError(f"Time limits must be positive, got timeout={timeout}, cell_timeout={cell_timeout}.")
    grade = SubmissionGrade(name or path.name, {q.name: 0.0 for q in exercise.auto_questions})
    started = time.monotonic()
    nb = _gradable_notebook(path, exercise, grade)
    if nb is None:
        return grade
    template = _template_cells(exercise)
    grade.manual_answers = manual_answers(nb, exercise, frozenset(template))
    handout_reasons = compare_with_handout(nb, template)
    # Grade under the set's own kernel, whatever the learner's copy says.
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}

    # Every folder the submission can write in is made, and removed, here: a worker that is
    # killed, or a kernel that made its files unreadable, leaves nothing behind.
    scratch, sockets = _grading_folders()
    share = cpu_share(cores)
    try:
        private_zip = _private_autograder(autograder_zip, autograder_sha256, scratch, grade)
        if private_zip is None:
            return grade
        command = _worker_command(
            _stage(nb, exercise, scratch),
            exercise,
            private_zip,
            report=scratch / "report.json",
            cell_timeout=cell_timeout,
            sandboxed=sandboxed,
            limits=limits,
            sockets=sockets,
            executed=_executed_path(executed_dir, grade.submission),
        )
        returncode = _run_worker(share, command, scratch, threads, timeout)
        if returncode is None:
            grade.reasons.append(
                f"timed out: still running after {timeout:g} s, so it was stopped and nothing was graded"
            )
            grade.reasons += handout_reasons
        else:
            report_path = scratch / "report.json"
            report = json.loads(report_path.read_text()) if report_path.is_file() else None
            crash = f"exit {returncode}{_crash_name(scratch / 'otter.log')}"
            _score(grade, exercise, report, handout_reasons, cell_timeout, crash)
    finally:
        share.close()
        for folder in (scratch, sockets):
            remove_tree(folder)
    grade.seconds = time.monotonic() - started
    return grade


def _grading_folders() -> tuple[Path, str]:
    """A scratch folder for one submission, and a short one for its kernel's sockets (a Unix
    socket's path holds 108 bytes)."""
    scratch = Path(tempfile.mkdtemp(prefix="grade-"))
    short = tempfile.gettempdir() if len(tempfile.gettempdir()) <= 40 else "/tmp"
    return scratch, tempfile.mkdtemp(prefix="clflib-", dir=short)


def _gradable_notebook(path: Path, exercise: ExerciseSet, grade: SubmissionGrade):
    """The submitted notebook, or None with the reason in ``grade`` (unreadable, another set's)."""
    problem, nb = _read_submission(path)
    if problem is not None:
        grade.reasons.append(problem)
        return None
    otter_metadata = nb.metadata.get("otter")
    handed_out_for = otter_metadata.get("assignment_name") if isinstance(otter_metadata, dict) else None
    if handed_out_for and handed_out_for != exercise.slug:
        grade.reasons.append(
            f"another set's notebook: it was handed out for {shorten(str(handed_out_for), 60)}, "
            f"not {exercise.slug}; nothing was run"
        )
        return None
    return nb


def _private_autograder(
    autograder_zip: Path, sha256: str | None, scratch: Path, grade: SubmissionGrade
) -> Path | None:
    """A private copy of the autograder zip, checked against ``sha256`` (None: it changed)."""
    private_zip = scratch / "autograder" / AUTOGRADER_ZIP
    private_zip.parent.mkdir()
    shutil.copyfile(autograder_zip, private_zip)
    if sha256 is not None and file_sha256(private_zip) != sha256:
        grade.reasons.append(
            f"not graded: the autograder {autograder_zip} changed while the class was graded (a "
            "submission may have written to it); grade the folder again, which rebuilds it"
        )
        return None
    return private_zip


def _stage(nb, exercise: ExerciseSet, scratch: Path) -> Path:
    import nbformat

    staged = scratch / exercise.master.name
    nbformat.write(nb, staged)
    return staged


def _executed_path(executed_dir: str | Path | None, submission: str) -> Path | None:
    if executed_dir is None:
        return None
    Path(executed_dir).mkdir(parents=True, exist_ok=True)
    flat = Path(submission).with_suffix("").as_posix().replace("/", "__")
    return Path(executed_dir).resolve() / f"{flat}.executed.ipynb"


def _worker_command(
    staged: Path,
    exercise: ExerciseSet,
    autograder_zip: Path,
    *,
    report: Path,
    cell_timeout: float | None,
    sandboxed: bool,
    limits: Limits,
    sockets: str,
    executed: Path | None,
) -> list[str]:
    """The command line of :mod:`clflib.course.otter_worker` for one staged submission.

    ``staged`` is the submission copied into its scratch folder, graded against ``exercise``'s
    ``autograder_zip`` (the private copy), writing its ``report``; ``cell_timeout``, ``sandboxed``
    and ``limits`` are :func:`grade_submission`'s; ``sockets`` the kernel's socket folder;
    ``executed`` where the executed copy goes (None: not kept).
    """
    command = [sys.executable, "-m", "clflib.course.otter_worker", str(staged)]
    command += ["--autograder", str(autograder_zip.resolve()), "--report", str(report)]
    if cell_timeout is not None:
        command += ["--cell-timeout", str(cell_timeout)]
    public_tests = exercise.student_dir / "tests"
    if public_tests.is_dir():
        command += ["--public-tests", str(public_tests)]
    if exercise.student_notebook.is_file():
        command += ["--handout", str(exercise.student_notebook)]
    if not sandboxed:
        command.append("--no-sandbox")
    command += ["--memory-gib", str(limits.memory_gib), "--processes", str(limits.processes)]
    command += ["--cpu-seconds", str(limits.cpu_seconds), "--file-gib", str(limits.file_gib)]
    command += ["--sockets", sockets]
    if executed is not None:
        command += ["--executed", str(executed)]
    return command


def _run_worker(share, command: list[str], scratch: Path, threads: int | None, timeout: float) -> int | None:
    """Run the worker in ``scratch`` under the CPU share; its exit status, or None if it timed out
    (then it, its kernel and every process they started are killed)."""
    with open(scratch / "otter.log", "w") as log:
        # otter's own temporary folders go inside scratch, so a killed run leaves nothing
        (scratch / "tmp").mkdir()
        process = subprocess.Popen(
            share.wrap(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=scratch,
            env={**os.environ, **OFFLINE_ENV, **_thread_env(threads), "TMPDIR": str(scratch / "tmp")},
            start_new_session=True,
        )
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(process)
            share.kill()
            return None


def _score(
    grade: SubmissionGrade,
    exercise: ExerciseSet,
    report: dict | None,
    handout_reasons: list[str],
    cell_timeout: float | None,
    crash: str,
) -> None:
    """Each question's points from the worker's report, scaled to the master's, with reasons
    (``crash``: how the worker ended, said when it left no report)."""
    if report is None:
        grade.reasons.append(f"grading crashed ({crash})")
        return
    if report.get("error"):
        grade.reasons.append(f"could not be graded: {shorten(report['error'])}")
        return
    grade.reasons += handout_reasons
    unanswered = any(r.startswith("unanswered") for r in handout_reasons)
    if not unanswered:
        grade.reasons += _describe_cell_errors(report.get("cell_errors", []), cell_timeout)
    for question in exercise.auto_questions:
        result = report["questions"].get(question.name)
        if result is None:
            grade.reasons.append(f"{question.name}: no tests ran")
            continue
        # otter splits a question's points over its test cases; scale to the master's points
        possible = result["possible"] or 1.0
        grade.scores[question.name] = round(result["score"] / possible * question.points, 4)
        failures = list(dict.fromkeys(result["failures"]))  # the same message once
        if failures and not unanswered:
            shown = " | ".join(failures[:2])
            more = f" (+{len(failures) - 2} more)" if len(failures) > 2 else ""
            grade.reasons.append(
                f"{question.name} {format_points(grade.scores[question.name])}/"
                f"{format_points(question.points)}: {shown}{more}"
            )


def _crash_name(log_path: Path) -> str:
    """The exception type a crashed worker ended with (", MemoryError"), or "": never its message
    or traceback, which may quote a hidden test's code."""
    lines = log_path.read_text(errors="replace").strip().splitlines()[-1:] if log_path.is_file() else []
    name = lines[0].split(":", 1)[0].strip() if lines else ""
    return f", {name}" if name.isidentifier() else ""


def remove_tree(folder: str | Path) -> None:
    """Remove ``folder`` and everything in it, even what its writer made unreadable (a folder of
    mode 000); never raises."""

    def unlock_and_retry(function, path, _):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
            function(path)
        except OSError:
            pass

    shutil.rmtree(folder, onerror=unlock_and_retry)
    if os.path.lexists(folder):
        shutil.rmtree(folder, ignore_errors=True)


def _thread_env(threads: int | None) -> dict[str, str]:
    """Environment variables that cap the threads of torch and numpy."""
    if threads is None:
        return {}
    value = str(max(1, int(threads)))
    return {"OMP_NUM_THREADS": value, "MKL_NUM_THREADS": value, "OPENBLAS_NUM_THREADS": value}


def _describe_cell_errors(errors: list[dict], cell_timeout: float | None) -> list[str]:
    """One line per distinct error: which cells (number and first line of code) and what."""
    grouped: dict[str, list[str]] = {}
    for error in errors:
        if error["ename"] == "KeyboardInterrupt" and cell_timeout is not None:
            text = f"stopped at the per-cell time limit ({cell_timeout:g} s)"
        else:
            text = "raised " + failure_summary(f"{error['ename']}: {error['evalue']}")
        where = str(error["cell"]) + (f" `{error['line']}`" if error.get("line") else "")
        grouped.setdefault(text, []).append(where)
    lines = [
        f"cell{'s' if len(cells) > 1 else ''} {', '.join(cells)} {text}" for text, cells in grouped.items()
    ]
    if len(lines) > 3:
        lines = lines[:3] + [f"(+{len(lines) - 3} more cell errors)"]
    return lines


def grade_folder(
    folder: str | Path,
    exercise: ExerciseSet,
    *,
    autograder_zip: str | Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    cell_timeout: float | None = DEFAULT_CELL_TIMEOUT,
    jobs: int = 1,
    executed_dir: str | Path | None = None,
    verbose: bool = False,
    sandboxed: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> list[SubmissionGrade]:
    """Grade every notebook in ``folder`` (see :func:`grade_submission`), ``jobs`` at a time.

    Without ``autograder_zip`` the set is built (or a cached build reused) under
    ``runs/exercises/``; building grades the solutions first, so a broken environment shows up
    before any learner is graded. Raises :class:`SandboxUnavailable` when ``sandboxed`` and
    this machine cannot make the sandbox.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}.")
    if sandboxed:
        problem = sandbox_problem()
        if problem is not None:
            raise SandboxUnavailable(f"Cannot grade untrusted notebooks here: {problem} {INSTALL_HINT}")
    folder = Path(folder)
    submissions = find_submissions(folder)
    if autograder_zip is None:
        autograder_zip = cached_build(exercise).autograder_zip
    autograder_sha256 = file_sha256(autograder_zip)  # before any submission runs
    # Several notebooks at once share the cores: more threads than cores slows everyone down.
    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else None
    cores = (os.cpu_count() or 1) / jobs  # and a hard cap, so that no submission slows its neighbour

    def one(path: Path) -> SubmissionGrade:
        name = path.relative_to(folder).as_posix()
        try:
            grade = grade_submission(
                path,
                exercise,
                autograder_zip,
                timeout=timeout,
                cell_timeout=cell_timeout,
                name=name,
                executed_dir=executed_dir,
                threads=threads,
                autograder_sha256=autograder_sha256,
                sandboxed=sandboxed,
                limits=limits,
                cores=cores,
            )
        except Exception as error:  # one bad submission is one row, never the end of the run
            grade = SubmissionGrade(name, {q.name: 0.0 for q in exercise.auto_questions})
            grade.reasons.append(f"could not be graded: {type(error).__name__}: {shorten(str(error), 100)}")
        if verbose:
            print(
                f"  {plain_text(grade.submission)}: {format_points(grade.total)}/"
                f"{format_points(exercise.auto_points)} in {grade.seconds:.0f} s",
                flush=True,
            )
        return grade

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, submissions))


def gradebook_rows(grades: Sequence[SubmissionGrade], exercise: ExerciseSet) -> list[dict]:
    """One dict per submission, keyed by :func:`gradebook_columns`."""
    rows = []
    possible = exercise.auto_points
    for grade in grades:
        row: dict[str, str] = {"submission": grade.submission}
        for question in exercise.questions:
            row[question.name] = (
                "" if question.manual else format_points(grade.scores.get(question.name, 0.0))
            )
        share = grade.total / possible if possible else 0.0
        row["total"] = format_points(grade.total)
        row["possible"] = format_points(possible)
        row["percent"] = f"{100 * share:.1f}"
        row["passed"] = (
            "" if exercise.pass_mark is None else ("yes" if share >= exercise.pass_mark - 1e-9 else "no")
        )
        row["reason"] = "; ".join(grade.reasons)
        for question in exercise.manual_questions:
            row[f"{question.name}_answer"] = grade.manual_answers.get(question.name, "(answer cell missing)")
        rows.append(row)
    return rows


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")  # controls, format (bidirectional) and line separators


def plain_text(value: str) -> str:
    r"""``value`` with every control, format (bidirectional override, zero-width) and line or
    paragraph separator character written as its escape, so that text from a submission (a file
    name, a cell's error, an answer) can neither move the terminal's cursor, forge a line of
    output or a CSV row, nor reverse the text around it.

    >>> plain_text("ok\x1b[2K\rforged\u202egnp.exe")
    'ok\\x1b[2K\\rforged\\u202egnp.exe'
    """
    if value.isprintable():
        return value
    return "".join(
        character if unicodedata.category(character) not in _UNSAFE_CATEGORIES else _escape(character)
        for character in value
    )


def _escape(character: str) -> str:
    code = ord(character)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if character in named:
        return named[character]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def spreadsheet_safe(value: str) -> str:
    """A CSV value that a spreadsheet shows as text and never evaluates as a formula: a value
    starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe (OWASP's
    advice against CSV injection). A learner's answer and a file name are untrusted text
    (:func:`write_gradebook` also passes every value through :func:`plain_text`).

    >>> print(spreadsheet_safe('=HYPERLINK("http://example.com", "click")'))
    '=HYPERLINK("http://example.com", "click")
    >>> spreadsheet_safe("2.5"), spreadsheet_safe("")
    ('2.5', '')
    """
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def write_gradebook(grades: Sequence[SubmissionGrade], exercise: ExerciseSet, path: str | Path) -> Path:
    """Write the gradebook CSV (UTF-8, a header row, one row per submission); every value goes
    through :func:`plain_text` and :func:`spreadsheet_safe`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=gradebook_columns(exercise))
        writer.writeheader()
        for row in gradebook_rows(grades, exercise):
            writer.writerow({key: spreadsheet_safe(plain_text(value)) for key, value in row.items()})
    return path


# --- command line --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clflib.course.gradebook",
        description="Grade a folder of submitted notebooks (each in a bubblewrap sandbox, no Docker) into a CSV gradebook.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    grade_cmd = commands.add_parser("grade", help="grade a folder of submissions")
    grade_cmd.add_argument("exercise", help="the set: 01_binary_sentiment, 01, quiz, ...")
    grade_cmd.add_argument("submissions", help="folder of .ipynb files (subfolders are searched)")
    grade_cmd.add_argument("--out", default="gradebook.csv", help="CSV to write")
    grade_cmd.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds for a whole submission (default %(default)g)",
    )
    grade_cmd.add_argument(
        "--cell-timeout",
        type=float,
        default=DEFAULT_CELL_TIMEOUT,
        help="seconds for one cell, 0 for no limit (default %(default)g)",
    )
    grade_cmd.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    grade_cmd.add_argument("--executed", help="folder for the executed copies of the notebooks")
    grade_cmd.add_argument(
        "--memory-gib",
        type=float,
        default=Limits.memory_gib,
        help="address space one notebook's kernel may use, in GiB (default %(default)g)",
    )
    grade_cmd.add_argument(
        "--trust-submissions",
        action="store_true",
        help="grade without the sandbox (no bubblewrap here): every notebook's code then runs with "
        "your account's permissions, so use it only for notebooks you trust",
    )
    args = parser.parse_args(argv)

    try:
        exercise = get_exercise_set(args.exercise)
        submissions = find_submissions(args.submissions)
        if build_is_current(exercise):
            print(f"Using the build of {exercise.slug} in {BUILD_DIR}.", flush=True)
        else:
            print(
                f"Building {exercise.slug} with otter assign (its solutions are graded first) ...", flush=True
            )
        if args.trust_submissions:
            print("Grading WITHOUT the sandbox (--trust-submissions): the notebooks run as you.", flush=True)
        else:
            problem = sandbox_problem()
            if problem is not None:
                raise SandboxUnavailable(f"Cannot grade untrusted notebooks here: {problem} {INSTALL_HINT}")
        autograder_zip = cached_build(exercise).autograder_zip
        print(f"Grading {len(submissions)} notebooks in {plain_text(args.submissions)} ...", flush=True)
        grades = grade_folder(
            args.submissions,
            exercise,
            autograder_zip=autograder_zip,
            timeout=args.timeout,
            cell_timeout=args.cell_timeout or None,
            jobs=args.jobs,
            executed_dir=args.executed,
            verbose=True,
            sandboxed=not args.trust_submissions,
            limits=Limits(memory_gib=args.memory_gib),
        )
    except (ValueError, FileNotFoundError, ExerciseBuildError, SandboxUnavailable) as error:
        print(f"error: {plain_text(str(error))}", file=sys.stderr)
        return 2
    out = write_gradebook(grades, exercise, args.out)
    print(f"Wrote {out} ({len(grades)} submissions).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
