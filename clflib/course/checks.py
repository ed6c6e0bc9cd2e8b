"""Helpers for the exercise sets' tests: did the learner write the function, or borrow it?

Course tooling (exercise authors). A test asks :func:`own_work_report` about a learner's
function. In the learner's own kernel (``grader.check``) and when ``otter assign`` checks the
solutions, the function object itself is inspected. When ``make grade`` grades a submission,
the tests run outside the notebook's kernel and see the function as a
:class:`clflib.course.remote.Remote` handle: then the report is read from the submitted
notebook's *source text* (:func:`source_own_work_report`), never asked of the kernel, which a
hostile notebook controls.

>>> import math
>>> def mean(values):
...     return math.fsum(values) / len(values)
>>> report = own_work_report(mean, ("statistics",))
>>> report["is_function"], report["borrowed"]
(True, [])
>>> own_work_report(math.fsum, ("math",))["home"]
'math'
>>> cells = ["from clflib.thresholds import best_label_thresholds as b", "def q1(x):\\n    return b(x)"]
>>> source_own_work_report(cells, "q1", ("clflib",))["borrowed"]
['b']
"""

from __future__ import annotations

import ast
import types
from collections.abc import Sequence
from typing import Any

from clflib.course.remote import Remote

__all__ = ["DYNAMIC_CODE", "own_work_report", "source_own_work_report"]

# What runs or fetches code chosen at run time: learner-written code that uses it cannot be read
# for what its function calls (it could rebind the name, or fetch a forbidden function under
# another name), so the own-work check reports it. The exercises never need it.
DYNAMIC_CODE = frozenset(
    {"exec", "eval", "compile", "globals", "locals", "vars", "__import__", "importlib", "__builtins__",
     "builtins", "setattr", "getattr", "delattr", "get_ipython", "__main__", "runpy", "pickle", "marshal",
     "types", "sys"}
)  # fmt: skip


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
    ``forbidden`` packages, e.g. ``("clflib", "sklearn")``. A :class:`Remote` handle (``make
    grade``) is judged from the submission's source (:func:`source_own_work_report`).
    """
    forbidden = tuple(forbidden)
    if isinstance(function, Remote):
        origin = function._origin
        if origin is None:  # not a variable of the notebook: nothing to read
            return {"is_function": False, "home": "", "name": "", "borrowed": []}
        name, source = origin
        return source_own_work_report(source.cells, name, forbidden, handed_out=source.handed_out)
    is_function = isinstance(function, types.FunctionType)
    return {
        "is_function": is_function,
        "home": _origin(function),
        "name": getattr(function, "__name__", type(function).__name__),
        "borrowed": _borrowed(function, forbidden, []) if is_function else [],
    }


# --- the same report, from the notebook's source text ----------------------------------------


def _parse_cells(cells: Sequence[str]) -> list[list[ast.stmt]]:
    """The module-level statements of each code cell (IPython syntax turned into Python first);
    a cell that does not parse never ran, so it binds nothing (an empty list)."""
    from IPython.core.inputtransformer2 import TransformerManager

    transformer = TransformerManager()
    parsed = []
    for source in cells:
        first, _, body = source.lstrip().partition("\n")
        if first.split()[:1] in (["%%time"], ["%%timeit"], ["%%capture"]):
            source = body  # cell magics that run their body as the notebook's own code
        try:
            parsed.append(ast.parse(transformer.transform_cell(source)).body)
        except (SyntaxError, ValueError):
            parsed.append([])
    return parsed


def _used_names(node: ast.AST) -> set[str]:
    """The names a piece of code reads or imports: variables (not attributes: ``model.eval`` is
    not ``eval``), imported modules and their aliases, ``global`` names; dunder attributes
    (``f.__globals__``) and ``sys.modules`` too, which reach code by other ways."""
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.Attribute) and child.attr.startswith("__"):
            names.add(child.attr)
        elif isinstance(child, ast.Import | ast.ImportFrom):
            module = getattr(child, "module", None) or ""
            names.update(
                part for alias in child.names for part in (alias.name.split(".")[0], alias.asname) if part
            )
            if module:
                names.add(module.split(".")[0])
        elif isinstance(child, ast.Global | ast.Nonlocal):
            names.update(child.names)
    return names


def _free_names(node: ast.AST) -> set[str]:
    """:func:`_used_names` less the names local to ``node`` when it is a function (its
    parameters and what it assigns, unless declared ``global``): a local variable called
    ``thresholds`` is not the module of that name. Imported module names always stay."""
    used = _used_names(node)
    function = node.value if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda) else node
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return used
    args = function.args
    local = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    local |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    declared_global = set()
    imported = set()
    for child in ast.walk(function):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            local.add(child.id)
        elif (
            isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and child is not function
        ):
            local.add(child.name)
        elif isinstance(child, ast.arg):
            local.add(child.arg)
        elif isinstance(child, ast.Global | ast.Nonlocal):
            declared_global.update(child.names)
        elif isinstance(child, ast.Import | ast.ImportFrom):
            imported |= _used_names(child)
    return (used - (local - declared_global)) | imported


def _bindings(statements: list[ast.stmt]) -> dict[str, ast.AST]:
    """The last module-level statement that binds each name (a def, a class, an import, an
    assignment): what the name holds once every cell has run."""
    bound: dict[str, ast.AST] = {}
    for statement in statements:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound[statement.name] = statement
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            for alias in statement.names:
                bound[alias.asname or alias.name.split(".")[0]] = statement
        else:
            for child in ast.walk(statement):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
                    bound[child.id] = statement
    return bound


def _forbidden_import(statement: ast.AST, forbidden: tuple[str, ...]) -> bool:
    if isinstance(statement, ast.ImportFrom):
        return (statement.module or "").split(".")[0] in forbidden
    if isinstance(statement, ast.Import):
        return any(alias.name.split(".")[0] in forbidden for alias in statement.names)
    return False


def source_own_work_report(
    cells: Sequence[str], name: str, forbidden: Sequence[str], handed_out: frozenset[str] = frozenset()
) -> dict:
    """:func:`own_work_report` for the variable ``name`` of a notebook, read from the source of
    its code cells (``cells``, in order) alone; ``handed_out``: the sources of the cells the
    course handed out (its setup cell may use what learners' code may not).

    ``is_function``: the last module-level statement binding ``name`` is a ``def`` (or a
    ``lambda`` assigned to it). ``borrowed``: the names the function, or a notebook function it
    calls, takes from a ``forbidden`` package (imported anywhere in the notebook, or in the
    function), and any :data:`DYNAMIC_CODE` the learner's cells use.

    >>> source_own_work_report(["def f(x):\\n    return exec('x')"], "f", ("clflib",))["borrowed"]
    ['exec (dynamic code)']
    """
    forbidden = tuple(forbidden)
    parsed = _parse_cells(cells)
    bound = _bindings([statement for body in parsed for statement in body])
    definition = bound.get(name)
    is_function = isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef) or (
        isinstance(definition, ast.Assign) and isinstance(definition.value, ast.Lambda)
    )
    report = {"is_function": is_function, "home": "__main__", "name": name, "borrowed": []}
    if not is_function:
        if definition is not None and _forbidden_import(definition, forbidden):
            report["home"] = forbidden[0]
        return report
    tainted = {
        bound_name for bound_name, statement in bound.items() if _forbidden_import(statement, forbidden)
    }
    borrowed, seen, queue = [], set(), [name]
    while queue:
        current = queue.pop()
        if current in seen:
            continue
        seen.add(current)
        used = _free_names(bound[current])
        borrowed += sorted(used & (tainted | set(forbidden)))
        queue += [
            other
            for other in used
            if isinstance(bound.get(other), ast.FunctionDef | ast.AsyncFunctionDef | ast.Assign)
            and other not in seen
        ]
    learners = [
        statement for cell, body in zip(cells, parsed) if cell not in handed_out for statement in body
    ]
    everything = set().union(*map(_used_names, learners)) if learners else set()
    borrowed += [f"{word} (dynamic code)" for word in sorted(everything & DYNAMIC_CODE)]
    report["borrowed"] = list(dict.fromkeys(borrowed))
    return report
