"""The sandbox a submitted notebook's kernel runs in while it is graded: bubblewrap on Linux.

Course tooling (instructors): used by ``make grade``.

:func:`kernel_command` wraps the Jupyter kernel's command line so the submission's code runs

- as an unprivileged user (a uid of its own when the grader is root; otherwise the grader's
  uid inside a user namespace), with no network and its own PID namespace, so everything it
  started dies with it;
- on a read-only view of what a notebook needs and nothing else: the system folders, Python and
  its packages, the course's package (``clflib/``) and data (the checkout's ``data/`` and the
  real data sets' folder). The rest of the checkout (solutions, hidden tests, builds, a
  gradebook or a submissions folder someone put there), home folders and other submissions are
  not in it; only its own scratch folder is writable;
- with an environment built from an allow-list (:data:`KERNEL_ENVIRONMENT`): nothing the grader
  has in its environment (tokens, keys) is inherited;
- under limits on address space (memory), processes, CPU time and file size, set with ``prlimit``.

bubblewrap (``bwrap``) is a Debian package (``apt-get install bubblewrap``); it needs no setuid
bit where unprivileged user namespaces are allowed, and works as root. :func:`sandbox_problem`
says why it cannot be used here, or None.

>>> limits = Limits(memory_gib=4, processes=256, cpu_seconds=600, file_gib=1)
>>> limits.prlimit_arguments(user_processes=0)
['prlimit', '--as=4294967296', '--nproc=256', '--cpu=600', '--fsize=1073741824', '--core=0', '--']
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from clflib.course import PROJECT_ROOT

__all__ = [
    "SYSTEM_FOLDERS",
    "FIRST_UID",
    "kernel_uid",
    "INSTALL_HINT",
    "VISIBLE_IN_PROJECT",
    "KERNEL_ENVIRONMENT",
    "Limits",
    "DEFAULT_LIMITS",
    "sandbox_problem",
    "kernel_environment",
    "kernel_command",
    "prepare_scratch",
    "CpuShare",
    "cpu_share",
]

VISIBLE_IN_PROJECT = (
    "clflib",
    "data",
)  # the course's package and hand-written data; nothing else of the checkout
# what a kernel inherits from the grader's environment: threads, offline switches, the data folder
KERNEL_ENVIRONMENT = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "TOKENIZERS_PARALLELISM",
    "MPLBACKEND",
    "CLFLIB_DATA_DIR",
    "LANG",
    "LC_ALL",
)
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
    """What one submission's kernel may use: address space in GiB, processes, CPU seconds, and
    the size of any one file it writes in GiB."""

    memory_gib: float = 6.0
    processes: int = 256
    cpu_seconds: int = 3600
    file_gib: float = 1.0

    def prlimit_arguments(self, user_processes: int) -> list[str]:
        """``prlimit`` options; ``user_processes``: what the kernel's uid already runs elsewhere."""
        return [
            "prlimit",
            f"--as={int(self.memory_gib * 1024**3)}",
            f"--nproc={self.processes + user_processes}",
            f"--cpu={int(self.cpu_seconds)}",
            f"--fsize={int(self.file_gib * 1024**3)}",
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


def _python_paths() -> set[Path]:
    """Python's own folders and the folders of its packages (never an arbitrary PYTHONPATH entry)."""
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    prefixes.add(Path(os.path.realpath(sys.executable)).parent.parent)
    paths = set(prefixes)
    for entry in sys.path:
        if not entry or not Path(entry).is_dir():
            continue
        path = Path(entry).resolve()
        if any(path.is_relative_to(prefix) for prefix in prefixes) or path.name in (
            "site-packages",
            "dist-packages",
        ):
            paths.add(path)
    return paths


def _data_paths() -> set[Path]:
    """The real data sets' folder: ``$CLFLIB_DATA_DIR``, else ``../shared/datasets`` beside the checkout."""
    value = os.environ.get("CLFLIB_DATA_DIR", "").strip()
    folder = Path(value) if value else PROJECT_ROOT.parent / "shared" / "datasets"
    return {folder.resolve()} if folder.is_dir() else set()


def _needed_paths() -> list[Path]:
    """What the kernel must read: Python, its packages, the course's package and data. Never the
    checkout itself or a folder above it: only :data:`VISIBLE_IN_PROJECT` of it."""
    root = PROJECT_ROOT.resolve()
    python = _python_paths()
    paths = set()
    for path in python | _data_paths():
        if root == path or root.is_relative_to(path):
            continue  # the checkout, or a folder holding it: the checkout's parts come below
        if path.is_relative_to(root) and not any(path.is_relative_to(p) for p in python):
            continue
        paths.add(path)
    paths |= {root / name for name in VISIBLE_IN_PROJECT if (root / name).is_dir()}
    return sorted(paths)


def kernel_environment(work: Path, sandboxed: bool = True, source: dict | None = None) -> dict[str, str]:
    """The kernel's whole environment: :data:`KERNEL_ENVIRONMENT` taken from ``source`` (the
    grader's environment), a PATH to Python and the system's tools, HOME in the scratch folder.

    >>> env = kernel_environment(Path("/w"), source={"API_TOKEN": "secret", "OMP_NUM_THREADS": "1"})
    >>> sorted(env), env["HOME"]
    (['HOME', 'OMP_NUM_THREADS', 'PATH', 'PYTHONNOUSERSITE', 'TMPDIR'], '/w')
    """
    source = os.environ if source is None else source
    environment = {name: source[name] for name in KERNEL_ENVIRONMENT if name in source}
    environment.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        HOME=str(work),
        TMPDIR="/tmp" if sandboxed else str(work),
        PYTHONNOUSERSITE="1",
    )
    return environment


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

    The kernel sees the system folders, Python and its packages, the course's package and data,
    all read-only, and nothing else of the machine (no rest of the checkout, no home folders);
    its environment is :func:`kernel_environment`'s alone. ``hide``: folders to replace with
    empty ones; ``shared``: more writable folders (the kernel's sockets, whose path must stay
    short). ``sandboxed=False`` (``--trust-submissions``): only the limits, no sandbox (the
    caller still gives the kernel :func:`kernel_environment`).
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
    for folder in map(Path, hide):
        if folder.is_dir():
            command += ["--tmpfs", str(folder.resolve())]
    command += ["--bind", str(work), str(work)]
    for folder in shared:
        command += ["--bind", str(Path(folder).resolve()), str(Path(folder).resolve())]
    command += _namespace_options()
    command.append("--clearenv")
    for name, value in kernel_environment(work).items():
        command += ["--setenv", name, value]
    command += ["--chdir", str(work), "--"]
    if _is_root():  # RLIMIT_NPROC does not hold for root: drop to an unprivileged uid inside
        command += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--"]
    return command + list(argv)


# --- a CPU share per submission ------------------------------------------------------------

CGROUP_ROOT = Path("/sys/fs/cgroup")
_CPU_PERIOD_US = 100_000
_groups = count()


@dataclass
class CpuShare:
    """A cgroup holding one submission's processes to a number of cores (``folder`` None: none
    could be made, and nothing is held). :meth:`wrap` starts a command inside it, :meth:`kill`
    ends every process in it, :meth:`close` does that and removes it."""

    folder: Path | None = None

    def wrap(self, command: Sequence[str]) -> list[str]:
        """``command`` started inside the group (it joins before it runs, so all it starts is in)."""
        if self.folder is None:
            return list(command)
        join = 'echo $$ > "$1" && shift && exec "$@"'
        return ["sh", "-c", join, "sh", str(self.folder / "cgroup.procs"), *command]

    def pids(self) -> list[int]:
        if self.folder is None:
            return []
        try:
            return [int(line) for line in (self.folder / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def kill(self) -> None:
        import signal
        import time

        for _ in range(50):  # a fork bomb may add processes while they are killed
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.1)

    def close(self) -> None:
        if self.folder is None:
            return
        self.kill()
        try:
            self.folder.rmdir()
        except OSError:
            pass


def _cpu_controller() -> tuple[Path, str] | None:
    """Where a group with a CPU limit can be made, and its cgroup version; None where it cannot."""
    unified = CGROUP_ROOT / "cgroup.subtree_control"
    if unified.is_file():
        try:
            if "cpu" in unified.read_text().split() and os.access(CGROUP_ROOT, os.W_OK):
                return CGROUP_ROOT, "v2"
        except OSError:
            pass
    legacy = CGROUP_ROOT / "cpu"
    if (legacy / "cpu.cfs_quota_us").is_file() and os.access(legacy, os.W_OK):
        return legacy, "v1"
    return None


def cpu_share(cores: float | None) -> CpuShare:
    """A :class:`CpuShare` capped at ``cores`` CPUs (cgroups v2 ``cpu.max``, or v1's CFS quota),
    so that a submission that starts a hundred busy processes slows only itself. Where the
    machine gives the grader no writable cgroup (not root, no delegation) it holds nothing:
    :func:`clflib.course.gradebook.grade_folder` then shares cores by thread counts alone, and a
    hostile submission can slow those graded beside it (the README says so).

    >>> cpu_share(None).wrap(["python", "-V"])
    ['python', '-V']
    """
    if cores is None or cores <= 0:
        return CpuShare()
    found = _cpu_controller()
    if found is None:
        return CpuShare()
    base, version = found
    folder = base / f"clflib-grade-{os.getpid()}-{next(_groups)}"
    quota = max(1_000, int(cores * _CPU_PERIOD_US))
    try:
        folder.mkdir()
        if version == "v2":
            (folder / "cpu.max").write_text(f"{quota} {_CPU_PERIOD_US}")
        else:
            (folder / "cpu.cfs_period_us").write_text(str(_CPU_PERIOD_US))
            (folder / "cpu.cfs_quota_us").write_text(str(quota))
    except OSError:
        CpuShare(folder if folder.is_dir() else None).close()
        return CpuShare()
    return CpuShare(folder)
