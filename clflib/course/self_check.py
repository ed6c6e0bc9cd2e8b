"""The exercises' ``grader.check``: otter's public checks, with a plain word for a blank answer.

Every exercise notebook's first cell makes ``grader = self_check.Notebook(tests_dir="tests")``.
It runs the same public tests as ``otter.Notebook`` does, but a question whose variables are
still ``...`` (or were never set because their cell raised) is reported as "q2 is not answered
yet (q2_predictions is still ...)" instead of the TypeError a test would hit on ``...``. The
gradebook's worker (:mod:`clflib.course.otter_worker`) marks blank answers with the same
:func:`mark_unanswered`, so a learner and an instructor read the same words.

>>> import types
>>> case = types.SimpleNamespace(body=types.SimpleNamespace(
...     _get_func_params=lambda: ["q2_predictions", "env"]))
>>> unanswered_names(case, {"q2_predictions": ...})
(['q2_predictions'], [])
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import otter

__all__ = ["unanswered_names", "mark_unanswered", "Notebook"]


def unanswered_names(test_case, namespace: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The notebook variables a test needs that are still ``...``, and those never set."""
    names = [name for name in test_case.body._get_func_params() if name != "env"]
    values = {name: namespace.get(name) for name in names}
    return (
        [name for name, value in values.items() if value is Ellipsis],
        [name for name, value in values.items() if value is None],
    )


def _unanswered_message(question: str, blank: list[str], unset: list[str]) -> str:
    if blank:
        return f"{question} is not answered yet ({', '.join(blank)} is still ...)"
    return f"{question}: {', '.join(unset)} never set (the cell that sets it raised or did not run)"


def _not_answered(test_file, test_case, message: str):
    """A test body that fails saying what is missing, from the line of the test's own ``def``.

    otter reports a failure as "Error at line N in test q2" and prints line N of the test file,
    taking N from the failing frame: a plain function here would point at a line of this module.
    The replacement is compiled so that its ``raise`` sits on the line of the test's signature,
    which names the variables the test reads.
    """
    question = test_file.name
    name = getattr(test_case.body.test_func, "__name__", "")
    lines = getattr(test_file, "source", "").split("\n")
    line = next((i for i, text in enumerate(lines, 1) if text.lstrip().startswith(f"def {name}(")), 1)
    code = "\n" * (line - 1) + "def fail(*args, **kwargs): raise AssertionError(message)\n"
    namespace: dict[str, Any] = {"message": message}
    exec(compile(code, str(getattr(test_file, "path", question)), "exec"), namespace)
    return namespace["fail"]


def mark_unanswered(test_file, namespace: Mapping[str, Any]) -> dict[int, str]:
    """Replace the body of each of ``test_file``'s cases whose inputs are blank or unset by one
    that fails naming them (before ``test_file.run(namespace)``). Returns those cases' messages,
    keyed by ``id(test_case.body)``: the course's words, holding variable names, never a value."""
    messages = {}
    for test_case in test_file.test_cases:
        blank, unset = unanswered_names(test_case, namespace)
        if blank or unset:
            message = _unanswered_message(test_file.name, blank, unset)
            test_case.body.test_func = _not_answered(test_file, test_case, message)
            messages[id(test_case.body)] = message
    return messages


class Notebook(otter.Notebook):
    """``otter.Notebook`` whose ``check`` says which answers are still blank (see the module)."""

    def check(self, question: str, global_env: dict[str, Any] | None = None):
        """Run the public tests of ``question`` against the notebook's variables."""
        from otter.test_files import ExceptionTestFile

        if global_env is None:
            global_env = inspect.currentframe().f_back.f_globals
        path = Path(self._tests_dir) / f"{question}.py"
        if not path.is_file():
            known = sorted(p.stem for p in Path(self._tests_dir).glob("*.py") if p.stem != "__init__")
            raise FileNotFoundError(
                f"No public test {question!r} in {self._tests_dir}; the questions are {known}."
            )
        test_file = ExceptionTestFile.from_file(str(path))
        mark_unanswered(test_file, global_env)
        test_file.run(global_env)
        return test_file
