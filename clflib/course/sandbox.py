"""The sandbox a submitted notebook's kernel runs in while it is graded: bubblewrap on Linux.

Course tooling (instructors): used by ``make grade``.

:func:`kernel_command` wraps the Jupyter kernel's command line so the submission's code runs

- as an unprivileged user (a uid of its own when the grader is root; otherwise the grader's
  uid inside a user namespace), with no network and its own PID namespace, so everything it
  started dies with it;
- on a read-only view of the system folders, Python and its packages, the course's checkout
  and its data, and nothing else (no home folders, no other checkouts); only its own scratch
  folder is writable, and the checkout's ``exercises/``, ``runs/`` and ``.git`` (which hold the
  solutions and the hidden tests) are empty folders;
- under limits on address space (memory), processes and CPU time, set with ``prlimit``.

bubblewrap (``bwrap``) is a Debian package (``apt-get install bubblewrap``); it needs no setuid
bit where unprivileged user namespaces are allowed, and works as root. :func:`sandbox_problem`
says why it cannot be used here, or None.

>>> limits = Limits(memory_gib=4, processes=256, cpu_seconds=600)
>>> limits.prlimit_arguments(user_processes=0)
['prlimit', '--as=4294967296', '--nproc=256', '--cpu=600', '--core=0', '--']
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clflib.course import PROJECT_ROOT

__all__ = [
    "SYSTEM_FOLDERS",
    "FIRST_UID",
    "kernel_uid",
    "INSTALL_HINT",
    "HIDDEN_IN_PROJECT",
    "Limits",
    "DEFAULT_LIMITS",
    "sandbox_problem",
    "kernel_command",
    "prepare_scratch",
]

HIDDEN_IN_PROJECT = ("exercises", "runs", ".git")  # masters (solutions, hidden tests), builds, history
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
FIRST_UID = 100_000  # grading as root: each kernel gets its own uid from here
INSTALL_HINT = (
    "Install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
    "bubblewrap) and check that `bwrap --ro-bind / / --unshare-all true` works. Where it cannot "
    "(macOS, Windows, a container without user namespaces), grade in a Linux VM or container that "
    "has it; `--trust-submissions` grades without a sandbox, which gives every submission's code "
    "your account's permissions: use it only for notebooks you trust."
)


@dataclass(frozen=True)
class Limits:
    """What one submission's kernel may use: address space in GiB, processes, CPU seconds."""

    memory_gib: float = 6.0
    processes: int = 256
    cpu_seconds: int = 3600

    def prlimit_arguments(self, user_processes: int) -> list[str]:
        """``prlimit`` options; ``user_processes``: what the kernel's uid already runs elsewhere."""
        return [
            "prlimit",
            f"--as={int(self.memory_gib * 1024**3)}",
            f"--nproc={self.processes + user_processes}",
            f"--cpu={int(self.cpu_seconds)}",
            "--core=0",
            "--",
        ]


DEFAULT_LIMITS = Limits()


def _is_root() -> bool:
    return os.geteuid() == 0


def _namespace_options() -> list[str]:
    options = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not _is_root():
        options.append("--unshare-user")
    return options + ["--die-with-parent", "--new-session"]


def sandbox_problem() -> str | None:
    """Why the sandbox cannot run on this machine (a sentence with the fix), or None."""
    if not sys.platform.startswith("linux"):
        return f"the grading sandbox needs Linux (bubblewrap); this is {sys.platform}."
    missing = [
        tool for tool in ("bwrap", "prlimit") + (("setpriv",) if _is_root() else ()) if not shutil.which(tool)
    ]
    if missing:
        return f"{', '.join(missing)} not found on PATH."
    trial = [
        "bwrap",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        *_namespace_options(),
        "--",
        "true",
    ]
    try:
        done = subprocess.run(trial, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap did not start: {error}."
    if done.returncode != 0:
        return f"bubblewrap is installed but cannot make a sandbox here: {done.stderr.strip()[:200]}."
    return None


def kernel_uid() -> int:
    """The uid this grading process gives its kernel: a uid of its own when root, else the user's.

    As root every submission runs under a different unprivileged uid, so the process limit of
    one (RLIMIT_NPROC counts per uid) never starves a submission graded beside it.
    """
    return FIRST_UID + os.getpid() % 100_000 if _is_root() else os.getuid()


def _user_processes(uid: int) -> int:
    """How many threads the uid runs already (RLIMIT_NPROC counts every thread of the uid)."""
    import psutil

    count = 0
    for process in psutil.process_iter(["uids", "num_threads"]):
        uids = process.info.get("uids")
        if uids is not None and uids.real == uid:
            count += process.info.get("num_threads") or 1
    return count


def _needed_paths() -> list[Path]:
    """What the kernel must read: Python, its packages, the course's code and data."""
    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), PROJECT_ROOT.resolve()}
    paths.add(Path(os.path.realpath(sys.executable)).parent.parent)
    for entry in sys.path:
        if entry and Path(entry).is_dir():
            paths.add(Path(entry).resolve())
    data_dir = os.environ.get("CLFLIB_DATA_DIR")
    if data_dir and Path(data_dir).is_dir():
        paths.add(Path(data_dir).resolve())
    return sorted(paths)


def prepare_scratch(work: Path, uid: int | None = None) -> None:
    """Make ``work`` the kernel's own writable folder (owned by its uid when grading as root)."""
    work.mkdir(parents=True, exist_ok=True)
    if _is_root():
        uid = kernel_uid() if uid is None else uid
        for path in [work, *work.rglob("*")]:
            os.chown(path, uid, uid, follow_symlinks=False)


def _system_view() -> list[str]:
    """The system folders, read-only (merged-/usr links stay links)."""
    options = []
    for folder in SYSTEM_FOLDERS:
        if os.path.islink(folder):
            options += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            options += ["--ro-bind", folder, folder]
    return options


def kernel_command(
    argv: Sequence[str],
    work: Path,
    hide: Sequence[Path] = (),
    limits: Limits = DEFAULT_LIMITS,
    sandboxed: bool = True,
    shared: Sequence[Path] = (),
) -> list[str]:
    """``argv`` (the kernel's command) wrapped in the sandbox, with ``work`` its only writable folder.

    The kernel sees the system folders, Python and its packages, the course's checkout and its
    data, all read-only, and nothing else of the machine (no home folders, no other checkouts).
    ``hide``: more folders to replace with empty ones; ``shared``: more writable folders (the
    kernel's sockets, whose path must stay short). ``sandboxed=False``
    (``--trust-submissions``): only the limits, no sandbox.
    """
    work = Path(work).resolve()
    uid = kernel_uid()
    command = limits.prlimit_arguments(_user_processes(uid))
    if not sandboxed:
        return command + list(argv)
    command += [
        "bwrap",
        *_system_view(),
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--perms",
        "1777",
        "--tmpfs",
        "/tmp",
    ]
    made: set[Path] = set()
    for path in _needed_paths():
        for parent in reversed(path.parents):  # bwrap would make them readable by root alone
            if parent != Path("/") and parent not in made and not str(parent).startswith(SYSTEM_FOLDERS):
                command += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        command += ["--ro-bind", str(path), str(path)]
    for folder in [*(PROJECT_ROOT / name for name in HIDDEN_IN_PROJECT), *map(Path, hide)]:
        if folder.is_dir():
            command += ["--tmpfs", str(folder.resolve())]
    command += ["--bind", str(work), str(work)]
    for folder in shared:
        command += ["--bind", str(Path(folder).resolve()), str(Path(folder).resolve())]
    command += _namespace_options()
    command += ["--unsetenv", "JPY_PARENT_PID", "--setenv", "HOME", str(work), "--setenv", "TMPDIR", "/tmp"]
    command += ["--chdir", str(work), "--"]
    if _is_root():  # RLIMIT_NPROC does not hold for root: drop to an unprivileged uid inside
        command += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--"]
    return command + list(argv)
