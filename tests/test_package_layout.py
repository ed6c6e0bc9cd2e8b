"""clflib's layout: grouped by audience, no import cycles, public names declared.

- ``clflib/`` holds what the lessons teach, ``clflib/serving/`` what lesson 08 serves with,
  ``clflib/course/`` the tooling of authors and instructors. Lessons' helpers never import the
  serving or course packages; serving never imports course (so a production install needs
  neither the course runner nor otter-grader).
- The module import graph (imports inside functions count too) has no cycle.
- Every module lists its public names in ``__all__``, each of which exists, and its docstring
  says which lessons teach or use it.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import clflib

PACKAGE_DIR = Path(clflib.__file__).parent
MODULES = sorted(
    ".".join(("clflib", *path.relative_to(PACKAGE_DIR).with_suffix("").parts)).removesuffix(".__init__")
    for path in PACKAGE_DIR.rglob("*.py")
)


def module_path(name: str) -> Path:
    relative = Path(*name.split(".")[1:])
    folder = PACKAGE_DIR / relative
    return folder / "__init__.py" if folder.is_dir() else PACKAGE_DIR / relative.with_suffix(".py")


def clflib_imports(name: str) -> set[str]:
    """The clflib modules ``name`` imports, at the top or inside functions."""
    tree = ast.parse(module_path(name).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("clflib")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("clflib"):
            for alias in node.names:  # "from clflib import data" imports the module clflib.data
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found - {name}


GRAPH = {name: clflib_imports(name) for name in MODULES}


def group(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in ("serving", "course") else "lessons"


def test_the_import_graph_has_no_cycle():
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for child in sorted(GRAPH.get(node, ())):
            if state.get(child) == "open":
                cycle = path[path.index(child) :] + [child] if child in path else [node, child]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if child not in state:
                visit(child, [*path, child])
        state[node] = "done"

    for name in MODULES:
        if name not in state:
            visit(name, [name])


def test_layers_point_one_way():
    allowed = {"lessons": {"lessons"}, "serving": {"lessons", "serving"}, "course": {"lessons", "course"}}
    wrong = [
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if target != "clflib" and group(target) not in allowed[group(name)]
    ]
    assert not wrong, wrong


def test_the_layout_check_sees_the_imports():
    """Guard against a test that cannot fail: the graph has the edges we know of."""
    assert "clflib.inference" in GRAPH["clflib.serving.predictor"]
    assert "clflib.course.exercises" in GRAPH["clflib.course.gradebook"]
    assert "clflib.models" in GRAPH["clflib.training"]  # an import inside a function


@pytest.mark.parametrize("name", [m for m in MODULES if not m.endswith("__main__")])
def test_public_names_and_the_lessons_are_declared(name):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no docstring"
    public = [n for n in getattr(module, "__all__", ())]
    assert public, f"{name} lists no public names in __all__"
    missing = [n for n in public if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it lacks: {missing}"
    if group(name) != "course" and name != "clflib":
        assert "lesson" in module.__doc__.lower(), f"{name}: say which lessons teach or use it"
