"""The subprocess that grades one staged notebook with ``otter run`` and writes a JSON report.

:func:`clflib.course.gradebook.grade_submission` starts ``python -m clflib.course.otter_worker``
once per submission, in a scratch folder and a process session of its own, so a submission
that crashes, hangs or exhausts memory takes only this process down. The report holds each
question's score, points possible and failure messages, and the errors of the executed cells
(numbered as cells of the submitted notebook).

>>> failure_summary("Test case failed\\nAssertionError: q1 is wrong")
'AssertionError: q1 is wrong'
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["grade_one", "failure_summary", "shorten", "main"]

_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b")
_MAX_MESSAGE = 160


def shorten(text: str, limit: int = _MAX_MESSAGE) -> str:
    """One line of at most ``limit`` characters.

    >>> shorten("a   long\\nmessage", 9)
    'a long...'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def failure_summary(message: str) -> str:
    """The exception line of an otter test-case failure message, without the code around it.

    >>> failure_summary("Test case failed\\nError at line 3 in test q1:\\n  assert x\\n"
    ...                 "AssertionError: id2label should map 0 to 'neg'")
    "AssertionError: id2label should map 0 to 'neg'"
    """
    lines = [line for line in str(message).strip().splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        if _EXCEPTION_LINE.match(lines[index].strip()):
            return shorten(" ".join(lines[index:]))
    return shorten(lines[-1] if lines else "failed")


def _limit_cell_time(seconds: float) -> None:
    """Make otter's notebook executor interrupt any cell that runs longer than ``seconds``.

    otter run builds the executor's traitlets Config inside ``otter.execute.grade_notebook``;
    a Config that starts with the nbclient settings ``timeout`` and ``interrupt_on_timeout``
    turns a hung cell into a KeyboardInterrupt in that cell, and execution goes on.
    """
    import otter.execute
    from traitlets.config import Config

    if getattr(otter.execute, "Config", None) is not Config:
        raise RuntimeError(
            "otter.execute no longer builds its executor from traitlets' Config; "
            "the per-cell time limit needs updating for this otter-grader version."
        )

    class ConfigWithCellTimeout(Config):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.ExecutePreprocessor.timeout = int(max(1, round(seconds)))
            self.ExecutePreprocessor.interrupt_on_timeout = True

    otter.execute.Config = ConfigWithCellTimeout


def _cell_numbers(submitted, executed) -> list[dict]:
    """Errors in the executed notebook, numbered as cells of the submitted one (1-based)."""
    by_id = {cell.get("id"): i + 1 for i, cell in enumerate(submitted.cells) if cell.get("id")}
    by_source: dict[str, int] = {}
    for i, cell in enumerate(submitted.cells):
        by_source.setdefault(cell.source, i + 1)
    errors = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            number = by_id.get(cell.get("id")) or by_source.get(cell.source)
            errors.append(
                {
                    "cell": number if number else "(grader)",
                    "ename": output.get("ename", "Error"),
                    "evalue": shorten(output.get("evalue", "")),
                }
            )
    return errors


def grade_one(
    submission: str, autograder: str, report: str, cell_timeout: float | None, executed: str | None
) -> None:
    """Grade one staged notebook with otter run and write a JSON report (the subprocess side)."""
    import nbformat

    result: dict = {}
    try:
        if cell_timeout:
            _limit_cell_time(cell_timeout)
        import otter.run

        results = otter.run.main(submission, autograder=autograder, output_dir=None, no_logo=True)
        if results.has_catastrophic_failure():
            result["error"] = f"otter could not read the results: {results.catastrophic_error}"
        else:
            result["questions"] = {
                name: {
                    "score": float(results.get_result(name).score),
                    "possible": float(results.get_result(name).possible),
                    "failures": [
                        failure_summary(r.message)
                        for r in results.get_result(name).test_case_results
                        if not r.passed
                    ],
                }
                for name in results.test_files
            }
        if results.notebook is not None:
            result["cell_errors"] = _cell_numbers(nbformat.read(submission, as_version=4), results.notebook)
            if executed:
                nbformat.write(results.notebook, executed)
    except Exception as error:  # a wrong set, a notebook otter cannot execute, ...
        result["error"] = f"{type(error).__name__}: {error}"
    Path(report).write_text(json.dumps(result, indent=1))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clflib.course.otter_worker",
        description="(internal) grade one staged notebook with otter run; make grade starts this",
    )
    parser.add_argument("submission")
    parser.add_argument("--autograder", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--cell-timeout", type=float)
    parser.add_argument("--executed")
    args = parser.parse_args(argv)
    grade_one(args.submission, args.autograder, args.report, args.cell_timeout, args.executed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
