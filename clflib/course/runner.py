"""Run the course's notebooks headlessly and report their metrics.

Course tooling: ``make course`` and the tests.

``make course`` calls ``python -m clflib.course run``: every lesson in ``notebooks/`` is executed
with papermill into ``runs/<profile>/``, each writes its key metrics as JSON beside its executed
copy, and a table of metrics and runtimes is printed. The tests use :func:`run_lesson` too.

``python -m clflib.course reference`` runs lessons in the cpu profile and keeps each passing run
as its reference (:mod:`clflib.course.reference`, ``make reference``).

``python -m clflib.course readme-table`` prints the README's lesson table, Colab links included,
from :data:`LESSONS` (the one place they are written) and each lesson's reference run (its
results and runtime).

>>> colab_url(LESSONS[0]).endswith("notebooks/01_binary_sentiment.ipynb")
True
"""

from __future__ import annotations

import argparse
import datetime
import functools
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clflib.course import BRANCH, REPOSITORY, RUNS_DIR, reference
from clflib.course.lessons import LESSONS, Lesson, get_lesson
from clflib.course.reporting import read_metrics
from clflib.data_files import looks_like_a_path
from clflib.profiles import resolve_profile_name

__all__ = [
    "CELL_TIMEOUTS",
    "HEADLESS_ENGINE",
    "cell_timeout",
    "describe_dead_kernel",
    "colab_url",
    "readme_table",
    "LessonRun",
    "run_lesson",
    "run_and_verify",
    "make_reference",
    "results_cell",
    "format_runs",
    "main",
]


# Seconds one cell may run, by profile: a cpu training cell takes up to ~20 min on a slow shared
# 2-core machine (lesson 03 was measured at 1,500 s there), so the cpu default leaves 4x room.
CELL_TIMEOUTS = {"smoke": 900, "cpu": 7200, "gpu": 3600}


def cell_timeout(profile: str, override: int | None = None) -> int:
    """The per-cell time limit for ``profile``: ``override`` when given, else :data:`CELL_TIMEOUTS`.

    >>> cell_timeout("cpu"), cell_timeout("smoke", 60)
    (7200, 60)
    """
    if override is not None:
        if override <= 0:
            raise ValueError(f"--timeout must be a positive number of seconds, got {override}.")
        return override
    return CELL_TIMEOUTS.get(profile, max(CELL_TIMEOUTS.values()))


def colab_url(lesson: Lesson) -> str:
    return (
        f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/"
        f"notebooks/{lesson.notebook.name}"
    )


def results_cell(lesson: Lesson) -> str:
    """The README's results cell: the lesson's reference run, summarised, and how long it took.

    A lesson without a reference run yet says so, and how to make one.
    """
    record = reference.read_record(lesson)
    if record is None or lesson.results is None:
        return f"no reference run yet (make reference LESSONS={lesson.number})"
    run = record["run"]
    cores = re.match(r"(\d+) CPU cores", run["machine"])
    where = f"{cores.group(1)} cores" if cores else run["machine"]
    return f"{lesson.results(record['metrics'])}; {run['seconds'] / 60:.1f} min on {where}"


def readme_table(lessons: Sequence[Lesson] = LESSONS) -> str:
    """The Markdown table of lessons for the README."""
    lines = [
        "| # | lesson | dataset | what it teaches | cpu profile results (reference run) | Colab |",
        "|---|---|---|---|---|---|",
    ]
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    for lesson in lessons:
        number = lesson.number
        link = f"[![Open In Colab]({badge})]({colab_url(lesson)})"
        lines.append(
            f"| {number} | [{lesson.title}](notebooks/{lesson.notebook.name}) | "
            f"{lesson.dataset} | {lesson.teaches} | {results_cell(lesson)} | {link} |"
        )
    return "\n".join(lines)


@dataclass
class LessonRun:
    """The outcome of one executed lesson."""

    lesson: str
    executed_notebook: Path
    metrics_path: Path
    seconds: float
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    failed_claims: list[str] = field(default_factory=list)
    output_dir: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.error and not self.failed_claims

    def explain(self) -> str:
        """Why the run is not ok: the error, or the claims its metrics missed."""
        if self.error:
            return self.error
        return "claims not met: " + "; ".join(self.failed_claims)


def describe_dead_kernel(executed: str | Path) -> str:
    """Which cell was running when the kernel died, and its last output; fixes the executed
    copy, where papermill marks the cells that never ran as completed.

    The last cell papermill started is the one that was running: it is marked failed, and the
    cells after it pending, so the copy reads as what happened.
    """
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    started = [
        i for i, cell in enumerate(code) if cell.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    if not started:
        return "it died before the first cell started"
    running = code[started[-1]]
    running.metadata["papermill"].update(status="failed", exception=True)
    for cell in code[started[-1] + 1 :]:
        cell.metadata.setdefault("papermill", {})["status"] = "pending"
    nbformat.write(nb, executed)
    lines = [line for line in running.source.splitlines() if line.strip()]
    texts = [
        "".join(output.get("text", ""))
        for output in running.get("outputs", [])
        if output.get("output_type") == "stream"
    ]
    last = " ".join("".join(texts).strip().splitlines()[-1:]) or "(nothing)"
    return (
        f"code cell {started[-1] + 1} of {len(code)} was running ({lines[0][:80] if lines else 'empty'!r}); "
        f"its last output: {last[:200]!r}; the {len(code) - started[-1] - 1} cell(s) after it never ran. "
        "A kernel dies from running out of memory (lower the batch size or the data), a crash in "
        "native code, or os._exit()."
    )


def _ipc_kernel_manager_class():
    """A kernel manager that talks to its kernel over Unix sockets in a private folder.

    Over TCP (Jupyter's default) every lesson's kernel warns that its traffic is unencrypted;
    the sockets of this one live in a folder only this user can open, removed at shutdown.
    """
    import shutil
    import tempfile

    from jupyter_client import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):  # async, as nbclient drives it
        def __init__(self, **kwargs):
            kwargs.setdefault("transport", "ipc")
            short = "/tmp" if Path("/tmp").is_dir() else None  # a socket path must stay under 108 bytes
            kwargs.setdefault("ip", str(Path(tempfile.mkdtemp(prefix="clflib-kernel-", dir=short)) / "k"))
            super().__init__(**kwargs)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(Path(self.ip).parent, ignore_errors=True)

        cleanup_resources = _async_cleanup_resources  # what nbclient awaits; shutdown calls the other name

    return IPCKernelManager


HEADLESS_ENGINE = "clflib-headless"


@functools.cache  # registered once per process
def _register_headless_engine() -> str:
    """papermill's nbclient engine without nbclient's stand-in for a widget front-end.

    nbclient plays the browser's part for ``ipywidgets.Output``: it sends a comm message back to
    the kernel on the shell channel for every output the widget captures, while it is still
    waiting on that channel for the cell's reply. With lesson 03's threshold explorer (an Output
    widget redrawn as the cell runs) that intermittently left the cell waiting forever after the
    kernel had finished (measured here: a CI-budget run stuck for 900 s; nbclient issue #312
    describes the same hang). A headless run has no one to show a live widget to, so this engine
    lets widget comms pass unhandled: what an Output widget prints lands in the cell's outputs
    (its ``clear_output(wait=True)`` then replaces the cell's earlier outputs, as the explorer's
    first view replaces its static plot), and the cell ends when the kernel says so. Returns the
    engine's name for ``papermill.execute_notebook``.
    """
    import logging

    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class HeadlessClient(PapermillNotebookClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # no Output-widget emulation (see above); a handler that takes no comm, so that
            # every progress bar does not log "No handler found"
            self.comm_open_handlers = {"jupyter.widget": lambda msg: None}

    class HeadlessEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
            start_timeout=60, execution_timeout=None, **kwargs,
        ):  # fmt: skip
            for name in ("input_path", "timeout", "startup_timeout"):  # named below instead
                kwargs.pop(name, None)
            client = HeadlessClient(
                nb_man,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logging.getLogger("papermill"),
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                **kwargs,
            )
            return client.execute()

    papermill_engines.register(HEADLESS_ENGINE, HeadlessEngine)
    return HEADLESS_ENGINE


def run_lesson(
    notebook: str | Path,
    output_dir: str | Path,
    parameters: Mapping[str, Any],
    timeout: int = 1800,
    kernel_name: str = "python3",
) -> LessonRun:
    """Execute one notebook with papermill; never raises for a failing cell.

    Parameters are passed as a dict (so ``False`` stays a bool). ``METRICS_PATH`` and
    ``OUTPUT_DIR`` are set to files under ``output_dir`` unless given. A failed run keeps its
    executed copy, with the error in place, and reports which cell failed.
    """
    import papermill

    notebook = Path(notebook)
    output_dir = Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    executed = output_dir / notebook.name
    params = dict(parameters)
    params.setdefault("METRICS_PATH", str(output_dir / f"{notebook.stem}.metrics.json"))
    params.setdefault("OUTPUT_DIR", str(output_dir / notebook.stem))
    metrics_path = Path(params["METRICS_PATH"])
    metrics_path.unlink(missing_ok=True)  # a stale file must not pass for this run's result
    started = time.perf_counter()
    error = ""
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=params,
            kernel_name=kernel_name,
            cwd=str(notebook.parent),
            execution_timeout=timeout,
            progress_bar=False,
            kernel_manager_class=_ipc_kernel_manager_class(),
            engine_name=_register_headless_engine(),
        )
    except Exception as exc:  # papermill's execution errors, timeouts, dead kernels
        error = f"{type(exc).__name__}: {exc}".strip()
        if type(exc).__name__ == "DeadKernelError" and executed.is_file():
            error += ": " + describe_dead_kernel(executed)
        error = error[:2000] + f"\n(executed copy kept at {executed})"
    seconds = time.perf_counter() - started
    metrics = read_metrics(metrics_path) if metrics_path.is_file() and not error else {}
    if not error and not metrics:
        error = f"The notebook ran but wrote no metrics to {metrics_path}."
    return LessonRun(
        notebook.stem, executed, metrics_path, seconds, metrics, error, output_dir=Path(params["OUTPUT_DIR"])
    )


def run_and_verify(
    lesson: Lesson,
    profile: str,
    output_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    timeout: int | None = None,
) -> LessonRun:
    """Run ``lesson`` in ``profile`` and check its claims (:meth:`Lesson.verify`) on the metrics.

    ``timeout``: seconds per cell, default :func:`cell_timeout` of the profile.
    """
    result = run_lesson(
        lesson.notebook,
        output_dir,
        {"PROFILE": profile, **(parameters or {})},
        timeout=cell_timeout(profile, timeout),
    )
    if not result.error:
        own = str((parameters or {}).get("DATASET") or "")
        dataset = Path(own).name if own and looks_like_a_path(own) else None  # files of one's own
        result.failed_claims = lesson.verify(result.metrics, real=profile != "smoke", dataset=dataset)
    return result


def make_reference(lesson: Lesson, output_dir: str | Path | None = None) -> LessonRun:
    """Run ``lesson`` in the cpu profile and, when it passes its claims, keep it as its reference
    (:func:`clflib.course.reference.write_reference`).

    The run itself goes to ``runs/reference/`` (checkpoints, models); only the cleaned notebook
    and its record land in ``reference/``. A failed run writes nothing there.
    """
    profile = reference.REFERENCE_PROFILE
    result = run_and_verify(lesson, profile, Path(output_dir) if output_dir else RUNS_DIR / "reference")
    if result.ok:
        run = {
            "lesson": lesson.slug,
            "profile": profile,
            "seconds": round(result.seconds, 1),
            "machine": reference.machine_description(),
            "date": datetime.date.today().isoformat(),
            "versions": reference.versions(),
        }
        reference.write_reference(lesson, result.executed_notebook, result.metrics, run)
    return result


def format_runs(runs: Sequence[LessonRun], profile: str) -> str:
    """A plain-text table: lesson, status, runtime and each lesson's key metrics."""
    by_slug = {lesson.slug: lesson for lesson in LESSONS}
    lines = [f"Course run, profile {profile!r}", "-" * 78]
    for run in runs:
        lesson = by_slug.get(run.lesson)
        keys = lesson.key_metrics if lesson else tuple(sorted(run.metrics))
        status = "ok" if run.ok else "FAILED"
        shown = ", ".join(
            f"{key}={run.metrics[key]:.4g}"
            if isinstance(run.metrics.get(key), float)
            else f"{key}={run.metrics.get(key)}"
            for key in keys
            if key in run.metrics
        )
        dataset = run.metrics.get("dataset", "?")
        lines.append(f"{run.lesson:<28} {status:<6} {run.seconds:7.1f} s  [{dataset}]  {shown}")
        if not run.ok:
            lines.append(f"    {run.explain()}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clflib.course",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute the lessons and print their metrics")
    run.add_argument("--profile", default="auto", help="auto (default), smoke, cpu or gpu")
    run.add_argument(
        "--lessons", nargs="*", default=None, help="lesson numbers or slugs to run (default: all)"
    )
    run.add_argument(
        "--timeout",
        type=int,
        default=None,
        help="seconds one cell may run before the lesson is stopped (default by profile: "
        + ", ".join(f"{name} {seconds}" for name, seconds in CELL_TIMEOUTS.items())
        + ")",
    )
    keep = commands.add_parser("reference", help="run lessons in the cpu profile and keep them in reference/")
    keep.add_argument("--lessons", nargs="*", default=None, help="lesson numbers or slugs (default: all)")
    commands.add_parser("readme-table", help="print the README's lesson table")
    args = parser.parse_args(argv)

    if args.command == "readme-table":
        print(readme_table())
        return 0

    if args.command == "reference":
        return _keep_references(args.lessons, parser)

    profile = resolve_profile_name(args.profile)
    try:
        chosen = [get_lesson(name) for name in args.lessons] if args.lessons else list(LESSONS)
    except ValueError as error:
        parser.error(str(error))
    runs = []
    for lesson in chosen:
        print(f"Running {lesson.slug} (profile {profile}) ...", flush=True)
        parameters = {}  # the profile alone: a lesson's smoke settings live in its notebook
        try:
            limit = cell_timeout(profile, args.timeout)
        except ValueError as error:
            parser.error(str(error))
        result = run_and_verify(lesson, profile, RUNS_DIR / profile, parameters, timeout=limit)
        print(f"  {'done' if result.ok else 'FAILED'} in {result.seconds:.0f} s", flush=True)
        runs.append(result)
    print()
    print(format_runs(runs, profile))
    return 0 if all(run.ok for run in runs) else 1


def _keep_references(names: Sequence[str] | None, parser: argparse.ArgumentParser) -> int:
    try:
        chosen = [get_lesson(name) for name in names] if names else list(LESSONS)
    except ValueError as error:
        parser.error(str(error))
    runs = []
    for lesson in chosen:
        print(f"Reference run of {lesson.slug} (profile {reference.REFERENCE_PROFILE}) ...", flush=True)
        result = make_reference(lesson)
        kept = f"kept in {reference.notebook_path(lesson).relative_to(reference.PROJECT_ROOT)}"
        print(f"  {kept if result.ok else 'FAILED, nothing kept'} ({result.seconds:.0f} s)", flush=True)
        runs.append(result)
    print()
    print(format_runs(runs, reference.REFERENCE_PROFILE))
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
