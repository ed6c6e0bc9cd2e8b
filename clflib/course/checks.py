"""Helpers for the exercise sets' tests: did the learner write the function, or borrow it?

Course tooling (exercise authors). A test asks :func:`own_work_report` about a learner's
function; it works on a function in the same Python process (``otter assign`` checking the
solutions, a learner's ``grader.check``) and on a :class:`clflib.course.remote.Remote` handle
(``make grade``, where the tests run outside the notebook's kernel and the inspection runs in it).

>>> import math
>>> def mean(values):
...     return math.fsum(values) / len(values)
>>> report = own_work_report(mean, ("statistics",))
>>> report["is_function"], report["borrowed"]
(True, [])
>>> own_work_report(math.fsum, ("math",))["home"]
'math'
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any

from clflib.course.remote import Remote

__all__ = ["own_work_report"]


def _code_names(code: types.CodeType) -> set[str]:
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _code_names(const)
    return found


def _origin(value: Any) -> str:
    if isinstance(value, types.ModuleType):
        return value.__name__
    return getattr(value, "__module__", None) or ""


def _borrowed(function: types.FunctionType, forbidden: tuple[str, ...], seen: list) -> list[str]:
    """Names the function uses from ``forbidden`` packages, following the notebook's own helpers."""
    if function in seen:
        return []
    seen.append(function)
    found = []
    for name in sorted(_code_names(function.__code__)):
        value = function.__globals__.get(name)
        if name.split(".")[0] in forbidden or _origin(value).startswith(forbidden):
            found.append(name)
        elif isinstance(value, types.FunctionType) and _origin(value) == _origin(function):
            found += _borrowed(value, forbidden, seen)
    return found


def own_work_report(function: Any, forbidden: Sequence[str]) -> dict:
    """What a test needs to judge whether ``function`` is the learner's own work.

    Returns ``is_function`` (a plain Python function, not a class or a library's builtin),
    ``home`` (the module it was defined in: ``__main__`` for a notebook), ``name``, and
    ``borrowed``: the names it (or a helper of the notebook it calls) takes from the
    ``forbidden`` packages, e.g. ``("clflib", "sklearn")``.
    """
    forbidden = tuple(forbidden)
    if isinstance(function, Remote):
        return function.apply("clflib.course.checks:own_work_report", list(forbidden))
    is_function = isinstance(function, types.FunctionType)
    return {
        "is_function": is_function,
        "home": _origin(function),
        "name": getattr(function, "__name__", type(function).__name__),
        "borrowed": _borrowed(function, forbidden, []) if is_function else [],
    }
