"""The subprocess that grades one staged notebook: its cells in a sandbox, the tests outside it.

:func:`clflib.course.gradebook.grade_submission` starts ``python -m clflib.course.otter_worker``
once per submission, in a scratch folder and a process session of its own. The worker

1. starts a Jupyter kernel in the sandbox (:mod:`clflib.course.sandbox`: bubblewrap, an
   unprivileged user, no network, a read-only view without the solutions and hidden tests,
   limits on memory, processes and CPU time) with only the set's *public* tests beside it, for
   the notebook's own ``grader.check`` cells;
2. runs the submitted cells there, interrupting any that outlasts the per-cell limit;
3. then runs every test file of the set's autograder (public and hidden, otter's
   exception-based format) here, in the grader's process, against a
   :class:`clflib.course.remote.RemoteNamespace`: the tests read the notebook's variables
   and call its functions across the kernel's channel, and get plain data back. The
   notebook's code never runs in this process and never sees the tests, so it cannot patch
   them, read them, or rewrite its score;
4. writes a JSON report: each question's score, points possible and failure messages, and the
   errors of the executed cells (numbered as cells of the submitted notebook).

>>> failure_summary("Test case failed\\nAssertionError: q1 is wrong")
'AssertionError: q1 is wrong'
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import shutil
import stat
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from clflib.course.remote import NotebookSource, RemoteNamespace
from clflib.course.sandbox import DEFAULT_LIMITS, Limits, kernel_command, kernel_environment, prepare_scratch
from clflib.course.self_check import mark_unanswered

__all__ = [
    "WORKER_MEMORY_GIB",
    "MAX_REPLY_BYTES",
    "MAX_OUTPUT_BYTES",
    "grade_one",
    "failure_summary",
    "shorten",
    "main",
]

WORKER_MEMORY_GIB = 10  # address space of this process (torch alone takes about 3 GiB of it)
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


def _cell_numbers(submitted, executed) -> list[dict]:
    """Errors in the executed notebook, numbered as cells of the submitted one (1-based), each
    with the cell's first line of code (comments skipped), so a reader finds it without counting."""
    errors = []
    for index, cell in enumerate(executed.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            source = submitted.cells[index].source if index < len(submitted.cells) else ""
            code = [
                line.strip()
                for line in source.splitlines()
                if line.strip() and not line.strip().startswith("#")
            ]
            first = code[0] if code else ""
            errors.append(
                {
                    "cell": index + 1 if index < len(submitted.cells) else "(grader)",
                    "line": shorten(first, 40),
                    "ename": output.get("ename", "Error"),
                    "evalue": shorten(output.get("evalue", "")),
                }
            )
    return errors


def _start_kernel(work: Path, sockets: Path, hide: Path, sandboxed: bool, limits: Limits):
    """A kernel whose writable folders are ``work`` and ``sockets`` (its Unix sockets: a socket's
    path must stay under 108 bytes, so they live in a short folder of their own)."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_core.utils import run_sync

    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    argv = kernel_command(argv, work, hide=[hide], limits=limits, sandboxed=sandboxed, shared=[sockets])
    # async, as nbclient expects: with a blocking manager its per-cell interrupt never arrived
    manager = AsyncKernelManager(transport="ipc", ip=str(sockets / "k"))
    manager.connection_file = str(work / ".kernel.json")
    manager.write_connection_file()
    os.chmod(manager.connection_file, 0o644)  # the kernel may run as nobody
    manager._kernel_spec = KernelSpec(
        argv=argv, display_name="submission", language="python", interrupt_mode="message"
    )
    prepare_scratch(work)
    prepare_scratch(sockets)
    # the kernel's whole environment: an allow-list, nothing inherited from the grader
    run_sync(manager.start_kernel)(cwd=str(work), env=kernel_environment(work, sandboxed))
    return manager


MAX_REPLY_BYTES = 64 * 1024**2  # an answer larger than this is refused, not read
MAX_OUTPUT_BYTES = 8 * 1024**2  # outputs kept of one notebook; what it prints beyond is dropped


def _bounded_client(nb, manager, cell_timeout: float | None, work: Path):
    """An nbclient runner that keeps at most :data:`MAX_OUTPUT_BYTES` of the notebook's outputs
    (a flood of prints or widget messages ends in a note, not in this process's memory)."""
    from nbclient import NotebookClient

    class BoundedClient(NotebookClient):
        kept = 0
        dropped = False

        def process_message(self, msg, cell, cell_index):
            if msg["msg_type"] in ("status", "execute_input"):
                return super().process_message(msg, cell, cell_index)
            size = len(json.dumps(msg.get("content", {}), default=str))
            if self.kept + size > MAX_OUTPUT_BYTES:
                if not self.dropped:
                    self.dropped = True
                    cell.outputs.append(
                        _stderr_note(f"[grader: outputs past {MAX_OUTPUT_BYTES // 1024**2} MiB dropped]\n")
                    )
                return None
            self.kept += size
            return super().process_message(msg, cell, cell_index)

    return BoundedClient(
        nb,
        km=manager,
        timeout=int(cell_timeout) if cell_timeout else None,
        interrupt_on_timeout=True,
        allow_errors=True,
        resources={"metadata": {"path": str(work)}},
    )


def _stderr_note(text: str):
    from nbformat.v4 import new_output

    return new_output("stream", name="stderr", text=text)


def _sender(client, manager, timeout: float, work: Path):
    """A function that sends one request to the kernel's :func:`clflib.course.remote.serve_file`.

    Request and reply travel as files in the kernel's scratch folder: a large argument (an array
    of 100,000 scores) never becomes Python source for the kernel to parse.
    """
    from jupyter_core.utils import run_sync

    def send(request: dict) -> str:
        name = secrets.token_hex(8)  # the folder is the notebook's: names it cannot guess
        request_path, reply_path = work / f".request-{name}.json", work / f".reply-{name}.json"
        # never through a link the notebook planted: create new, do not follow
        fd = os.open(request_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(request))
        code = (
            "__import__('clflib.course.remote', fromlist=['serve_file'])"
            f".serve_file({str(request_path)!r}, {str(reply_path)!r})"
        )
        try:
            reply = client.execute_interactive(
                code, store_history=False, timeout=timeout, output_hook=lambda message: None
            )
        except TimeoutError:
            run_sync(manager.interrupt_kernel)()
            raise TimeoutError(
                f"the notebook's code took longer than {timeout:g} s to answer a test"
            ) from None
        finally:
            request_path.unlink(missing_ok=True)
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise RuntimeError(f"the kernel did not answer: {shorten(content.get('evalue') or '')}")
        try:
            fd = os.open(reply_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as error:
            raise RuntimeError(f"the kernel did not answer ({error.strerror})") from None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise RuntimeError("the kernel's answer is not a plain file")
            data = handle.read(MAX_REPLY_BYTES + 1)
        reply_path.unlink(missing_ok=True)
        if len(data) > MAX_REPLY_BYTES:
            raise ValueError(f"the kernel's answer is larger than {MAX_REPLY_BYTES // 1024**2} MiB")
        return data.decode("utf-8", errors="replace")

    return send


def _failure(result, unanswered: dict[int, str]) -> str:
    """What the gradebook says of a failed test. A blank answer is said in the grader's own words
    (``unanswered``: :func:`mark_unanswered`'s messages). A hidden test is named, never quoted,
    whatever its message says: instructors share the reasons with learners, and a hidden test's
    message may hold the expected value or the learner's."""
    if id(result.test_case.body) in unanswered:  # worded as the learner's grader.check says it
        return f"AssertionError: {unanswered[id(result.test_case.body)]}"
    if result.test_case.hidden:
        function = getattr(result.test_case.body, "test_func", None)
        name = getattr(function, "__name__", "") or result.test_case.name or "?"
        return f"hidden test {shorten(str(name), 120).removeprefix('test_')} failed"
    return failure_summary(result.message)


def _notebook_source(submitted, handout: str | None) -> NotebookSource:
    """The submission's code cells as read from its file, and the handed-out ones."""
    import nbformat

    handed_out = frozenset()
    if handout and Path(handout).is_file():
        given = nbformat.read(handout, as_version=4)
        handed_out = frozenset(cell.source for cell in given.cells if cell.cell_type == "code")
    cells = tuple(cell.source for cell in submitted.cells if cell.cell_type == "code")
    return NotebookSource(cells, handed_out)


def _run_tests(test_dir: Path, namespace) -> dict:
    from otter.test_files import ExceptionTestFile

    questions = {}
    for path in sorted(test_dir.glob("*.py")):
        test_file = ExceptionTestFile.from_file(str(path))
        try:
            unanswered = mark_unanswered(test_file, namespace)
            test_file.run(namespace)
        except Exception as error:  # an answer the grader refused to read (too large, not data)
            questions[test_file.name] = {
                "score": 0.0,
                "possible": float(sum(case.points or 0 for case in test_file.test_cases) or 1.0),
                "failures": [
                    f"{test_file.name}: its answer could not be read ({failure_summary(f'{type(error).__name__}: {error}')})"
                ],
            }
            continue
        questions[test_file.name] = {
            "score": float(test_file.score),
            "possible": float(test_file.possible),
            "failures": [_failure(r, unanswered) for r in test_file.test_case_results if not r.passed],
        }
    return questions


def grade_one(
    submission: str,
    autograder: str,
    report: str,
    cell_timeout: float | None,
    executed: str | None,
    public_tests: str | None = None,
    sandboxed: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    sockets: str = "",
    handout: str | None = None,
) -> None:
    """Grade one staged notebook (the subprocess side; see the module's docstring). ``sockets``:
    the kernel's short socket folder, made (and removed) by the parent. ``handout``: the set's
    student notebook, whose cells are the course's (see :class:`NotebookSource`)."""
    import nbformat
    from nbclient.exceptions import DeadKernelError

    scratch = Path(report).resolve().parent
    work, tests = scratch / "work", scratch / "autograder-tests"
    result: dict = {}
    manager = None
    if not sockets:
        raise ValueError("the parent makes the kernel's socket folder and passes it as sockets")
    try:
        with zipfile.ZipFile(autograder) as archive:
            names = [n for n in archive.namelist() if n.startswith("tests/") and n.endswith(".py")]
            if not names:
                raise ValueError(f"{autograder} holds no tests/*.py")
            archive.extractall(tests, members=names)
        work.mkdir(exist_ok=True)
        if public_tests:
            shutil.copytree(public_tests, work / "tests")
        submitted = nbformat.read(submission, as_version=4)
        nb = nbformat.read(submission, as_version=4)
        manager = _start_kernel(work, Path(sockets), scratch, sandboxed, limits)
        runner = _bounded_client(nb, manager, cell_timeout, work)
        with runner.setup_kernel():
            try:
                for index, cell in enumerate(nb.cells):
                    runner.execute_cell(cell, index)
            except DeadKernelError:
                result["error"] = (
                    "the notebook's kernel died (out of memory, a process limit, or the notebook ended "
                    f"it) in cell {index + 1}"
                )
            if "error" not in result:
                client = manager.blocking_client()
                client.start_channels()
                try:
                    send = _sender(client, manager, cell_timeout or 600.0, work)
                    namespace = RemoteNamespace(send, _notebook_source(submitted, handout))
                    result["questions"] = _run_tests(tests / "tests", namespace)
                finally:
                    client.stop_channels()
        result["cell_errors"] = _cell_numbers(submitted, nb)
        if executed:
            nbformat.write(nb, executed)
    except Exception as error:  # a notebook the kernel cannot run, a broken autograder, ...
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        if manager is not None:
            from jupyter_core.utils import run_sync

            try:
                run_sync(manager.shutdown_kernel)(now=True)
            except Exception:  # a kernel that never started or already died: kill what is left
                if manager.provisioner is not None and manager.provisioner.process is not None:
                    manager.provisioner.process.kill()
    Path(report).write_text(json.dumps(result, indent=1))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clflib.course.otter_worker",
        description="(internal) grade one staged notebook; make grade starts this",
    )
    parser.add_argument("submission")
    parser.add_argument("--autograder", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--cell-timeout", type=float)
    parser.add_argument("--executed")
    parser.add_argument("--public-tests")
    parser.add_argument("--no-sandbox", action="store_true")
    parser.add_argument("--memory-gib", type=float, default=Limits.memory_gib)
    parser.add_argument("--processes", type=int, default=Limits.processes)
    parser.add_argument("--cpu-seconds", type=int, default=Limits.cpu_seconds)
    parser.add_argument("--file-gib", type=float, default=Limits.file_gib)
    parser.add_argument("--sockets", required=True)
    parser.add_argument("--handout")
    args = parser.parse_args(argv)
    limits = Limits(args.memory_gib, args.processes, args.cpu_seconds, args.file_gib)
    # this process holds the kernel's outputs and answers: a flood of them ends here, not the machine
    cap = int(WORKER_MEMORY_GIB * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    grade_one(
        args.submission,
        args.autograder,
        args.report,
        args.cell_timeout,
        args.executed,
        public_tests=args.public_tests,
        sandboxed=not args.no_sandbox,
        limits=limits,
        sockets=args.sockets,
        handout=args.handout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
