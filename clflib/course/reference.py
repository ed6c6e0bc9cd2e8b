"""Reference runs: each lesson executed once in the cpu profile, outputs kept, committed.

Course tooling: ``make reference`` and the tests. A reader who opens ``reference/`` on GitHub
(or the course website, ``make book``) sees every lesson's tables, plots and findings without
running anything; the README's results column and runtimes are read from here.

For each lesson, ``reference/`` holds:

- ``<slug>.ipynb``: the executed notebook, cleaned for reading (:func:`clean_notebook`: no
  progress bars or widget views, no absolute path of the machine it ran on);
- ``<slug>.json``: ``{"run": {...}, "metrics": {...}}``, the metrics the notebook wrote and how the
  run went (profile, seconds, machine, versions, date).

A reference is *stale* when its code cells differ from its lesson's notebook (the notebook
changed since): :func:`stale_references` names them, and the tests fail on a stale reference or
one with an error output. Rerun one with ``make reference LESSONS=09``.

>>> scrub_text("saved to /home/ada/course/runs/cpu/model", {"/home/ada/course/": ""})
'saved to runs/cpu/model'
>>> collapse_carriage_returns("  0%|   | 0/4\\r100%|###| 4/4\\n")
'100%|###| 4/4\\n'
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
import sysconfig
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from clflib.course import PROJECT_ROOT
from clflib.course.lessons import LESSONS, Lesson

__all__ = [
    "REFERENCE_DIR",
    "REFERENCE_PROFILE",
    "WIDGET_VIEW",
    "notebook_path",
    "record_path",
    "path_replacements",
    "scrub_text",
    "collapse_carriage_returns",
    "clean_notebook",
    "code_sources",
    "error_outputs",
    "stale_references",
    "read_record",
    "machine_description",
    "versions",
    "write_reference",
]

REFERENCE_DIR = PROJECT_ROOT / "reference"
REFERENCE_PROFILE = "cpu"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_CELL_FILE = re.compile(re.escape(tempfile.gettempdir()) + r"/ipykernel_\d+/\d+\.py")  # IPython's cell files


def notebook_path(lesson: Lesson) -> Path:
    """``reference/<slug>.ipynb``: the executed, cleaned notebook."""
    return REFERENCE_DIR / f"{lesson.slug}.ipynb"


def record_path(lesson: Lesson) -> Path:
    """``reference/<slug>.json``: the run's metrics and how it went."""
    return REFERENCE_DIR / f"{lesson.slug}.json"


def path_replacements() -> dict[str, str]:
    """Absolute paths of this machine and what a reader sees instead, longest first.

    Installed packages read ``<site-packages>/``, the course folder disappears (paths are shown
    relative to it), the home folder reads ``~``.
    """
    found = {
        sysconfig.get_paths()["purelib"] + "/": "<site-packages>/",
        str(PROJECT_ROOT) + "/": "",
        str(PROJECT_ROOT): ".",
        os.path.expanduser("~") + "/": "~/",
        tempfile.gettempdir().rstrip("/") + "/": "<tmp>/",
    }
    return dict(sorted(found.items(), key=lambda item: -len(item[0])))


def scrub_text(text: str, replacements: Mapping[str, str]) -> str:
    """``text`` with each path of ``replacements`` replaced, and IPython's cell files named
    ``<cell>``."""
    text = _CELL_FILE.sub("<cell>", text)
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def collapse_carriage_returns(text: str) -> str:
    """Keep what a terminal would show: of each line redrawn with ``\\r``, its last state."""
    return "".join(line.rsplit("\r", 1)[-1] for line in text.splitlines(keepends=True))


def _clean_output(output: dict, replacements: Mapping[str, str]) -> dict | None:
    data = output.get("data", {})
    if WIDGET_VIEW in data:  # a live widget (a progress bar, the threshold slider): nothing to show
        return None
    if output.get("output_type") == "stream":
        text = collapse_carriage_returns(scrub_text("".join(output.get("text", "")), replacements))
        output["text"] = text
        return output if text.strip() else None
    for kind, value in data.items():
        if kind.startswith("text/") or kind in ("application/json",):
            joined = "".join(value) if isinstance(value, list) else value
            if isinstance(joined, str):
                data[kind] = scrub_text(joined, replacements)
    if output.get("output_type") == "error":
        output["traceback"] = [scrub_text(line, replacements) for line in output.get("traceback", [])]
    return output


def clean_notebook(nb, replacements: Mapping[str, str] | None = None):
    """``nb`` made fit to read and commit (changed in place and returned).

    Widget views (progress bars, sliders: dead without a kernel) and empty streams are dropped,
    redrawn progress lines keep their last state, and no output or injected parameter holds an
    absolute path of this machine (:func:`path_replacements`).
    """
    replacements = path_replacements() if replacements is None else replacements
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = scrub_text(cell.source, replacements)
        outputs = [_clean_output(output, replacements) for output in cell.get("outputs", [])]
        cell.outputs = [output for output in outputs if output is not None]
    papermill = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if key in papermill:
            papermill[key] = scrub_text(str(papermill[key]), replacements)
    papermill.pop("parameters", None)  # the injected cell shows them, paths scrubbed
    return nb


def code_sources(nb) -> list[str]:
    """The notebook's code cells as written (papermill's injected parameters left out)."""
    return [
        cell.source
        for cell in nb.cells
        if cell.cell_type == "code" and "injected-parameters" not in cell.metadata.get("tags", [])
    ]


def error_outputs(nb) -> list[str]:
    """One line per error output in ``nb``: which code cell, and the error."""
    found = []
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code, 1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"code cell {number}: {output.get('ename')}: {output.get('evalue', '')[:200]}")
    return found


def stale_references(lessons: Sequence[Lesson] = LESSONS) -> list[str]:
    """The lessons whose reference's code cells differ from their notebook's, with the first
    cell that differs."""
    import nbformat

    stale = []
    for lesson in lessons:
        path = notebook_path(lesson)
        if not path.is_file():
            continue
        ran = code_sources(nbformat.read(path, as_version=4))
        now = code_sources(nbformat.read(lesson.notebook, as_version=4))
        if ran != now:
            first = next((i for i, (a, b) in enumerate(zip(ran, now)) if a != b), min(len(ran), len(now)))
            stale.append(
                f"{lesson.slug}: code cell {first + 1} differs from notebooks/{lesson.notebook.name} "
                f"({len(ran)} code cells ran, the notebook has {len(now)}); rerun it: "
                f"make reference LESSONS={lesson.number}"
            )
    return stale


def read_record(lesson: Lesson) -> dict[str, Any] | None:
    """``{"run": ..., "metrics": ...}`` of the lesson's reference run, or None when it has none."""
    path = record_path(lesson)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def machine_description() -> str:
    """The machine a run is timed on, in words: cores, CPU, memory and accelerator.

    >>> "CPU cores" in machine_description()
    True
    """
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), flags=re.M)
        cpu = names[0].strip() if names else cpu
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = f", {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB memory"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{cores} CPU cores ({cpu}){memory}, {gpu}"


def versions() -> dict[str, str]:
    """Python's and the main libraries' versions, for a run's record."""
    from importlib.metadata import version

    names = ("torch", "transformers", "datasets", "setfit", "sentence-transformers", "scikit-learn")
    return {"python": sys.version.split()[0], **{name: version(name) for name in names}}


def write_reference(
    lesson: Lesson, executed: str | Path, metrics: Mapping[str, Any], run: Mapping[str, Any]
) -> Path:
    """Clean the executed notebook of a passing run into ``reference/`` and write its record.

    ``run``: how it went (profile, seconds, machine, date, versions). Returns the notebook's path.
    """
    import nbformat

    nb = clean_notebook(nbformat.read(executed, as_version=4))
    REFERENCE_DIR.mkdir(exist_ok=True)
    nbformat.write(nb, notebook_path(lesson))
    record = {"run": dict(run), "metrics": dict(metrics)}
    text = scrub_text(json.dumps(record, indent=1, sort_keys=True), path_replacements())
    record_path(lesson).write_text(text + "\n", encoding="utf-8")
    return notebook_path(lesson)
