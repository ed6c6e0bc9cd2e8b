"""Exercise sets: find them, build them with ``otter assign``, keep the student versions current.

Course tooling (authors): ``make exercises``.

Each set lives in ``exercises/<slug>/``: a master notebook ``<slug>.ipynb`` in otter-grader's
assign format (an ``# ASSIGNMENT CONFIG`` raw cell, ``# BEGIN QUESTION`` blocks with solutions,
public tests and ``# HIDDEN`` tests), and ``student/``, the version learners open, built from the
master and committed (``make exercises`` rebuilds it, a test checks it is current).

:func:`build` runs ``otter assign`` in a subprocess, which also grades the solutions against
every test and fails when one does not pass. What ``otter assign`` writes differently on every
run is made stable here: the cells otter adds get ids derived from their text and the master
cell above them (otter gives them random ones), and the autograder zip, whose name carries a
timestamp, is renamed ``autograder.zip``.

>>> quiz = get_exercise_set("quiz")
>>> quiz.pass_mark
0.7
>>> [q.name for q in quiz.questions][:3]
['q01', 'q02', 'q03']
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clflib.course import EXERCISES_DIR, PROJECT_ROOT, RUNS_DIR

__all__ = [
    "BUILD_DIR",
    "STUDENT_FOLDER",
    "AUTOGRADER_ZIP",
    "OFFLINE_ENV",
    "ExerciseBuildError",
    "Question",
    "ExerciseSet",
    "Build",
    "read_exercise_set",
    "exercise_sets",
    "get_exercise_set",
    "build",
    "stabilise_cell_ids",
    "RUN_ARTIFACTS",
    "student_version_differences",
    "publish_student_version",
    "master_fingerprint",
    "file_sha256",
    "BUILD_STAMP",
    "build_is_current",
    "cached_build",
    "main",
]

BUILD_DIR = RUNS_DIR / "exercises"
STUDENT_FOLDER = "student"
AUTOGRADER_ZIP = "autograder.zip"
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "MPLBACKEND": "Agg",
}


class ExerciseBuildError(RuntimeError):
    """``otter assign`` failed: a malformed master, or a solution that fails its own tests."""


@dataclass(frozen=True)
class Question:
    """One question of a set: its name, its points, and whether a person grades it."""

    name: str
    points: float
    manual: bool = False


@dataclass(frozen=True)
class ExerciseSet:
    """A master notebook and what its assignment config says."""

    slug: str
    master: Path
    questions: tuple[Question, ...]
    pass_mark: float | None = None

    @property
    def folder(self) -> Path:
        return self.master.parent

    @property
    def student_dir(self) -> Path:
        """The committed student version: the notebook learners open and its public tests."""
        return self.folder / STUDENT_FOLDER

    @property
    def student_notebook(self) -> Path:
        return self.student_dir / self.master.name

    @property
    def auto_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if not q.manual)

    @property
    def manual_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.manual)

    @property
    def auto_points(self) -> float:
        return sum(q.points for q in self.auto_questions)


@dataclass(frozen=True)
class Build:
    """Where :func:`build` wrote a set: the autograder (solutions, all tests) and the student."""

    exercise: ExerciseSet
    folder: Path

    @property
    def autograder_dir(self) -> Path:
        return self.folder / "autograder"

    @property
    def autograder_zip(self) -> Path:
        return self.autograder_dir / AUTOGRADER_ZIP

    @property
    def solution_notebook(self) -> Path:
        """The autograder notebook: the master's solutions, ready to be graded (full marks)."""
        return self.autograder_dir / self.exercise.master.name

    @property
    def student_dir(self) -> Path:
        return self.folder / STUDENT_FOLDER


# --- reading a master notebook -------------------------------------------------------------


def _total_points(points) -> float:
    """A question's points: a number, or otter's list of points per test case (summed).

    >>> _total_points(3), _total_points([0.25, 0.25, 1.5, 1])
    (3.0, 3.0)
    """
    if isinstance(points, list):
        return float(sum(p or 0 for p in points))
    return float(points)


def _raw_cell_yaml(cell, header: str) -> dict | None:
    """The YAML under ``# <header>`` in a raw cell, or None when the cell is something else."""
    import yaml

    if cell.cell_type != "raw":
        return None
    lines = cell.source.strip().splitlines()
    if not lines or " ".join(lines[0].lstrip("#").split()).upper() != header:
        return None
    config = yaml.safe_load("\n".join(lines[1:])) or {}
    if not isinstance(config, dict):
        raise ValueError(f"The '# {header}' cell must hold YAML settings, got: {cell.source!r}")
    return config


def read_exercise_set(master: str | Path) -> ExerciseSet:
    """Parse a master notebook: its questions (name, points, manual) and its pass mark.

    The pass mark is otter's own ``generate: score_threshold`` (a share of the auto-graded
    points), or None when the set has none.
    """
    import nbformat

    master = Path(master)
    if not master.is_file():
        raise FileNotFoundError(f"No master notebook at {master}.")
    nb = nbformat.read(master, as_version=4)
    configs = [c for c in (_raw_cell_yaml(cell, "ASSIGNMENT CONFIG") for cell in nb.cells) if c is not None]
    if len(configs) != 1:
        raise ValueError(f"{master} needs exactly one '# ASSIGNMENT CONFIG' raw cell, found {len(configs)}.")
    config = configs[0]
    questions = []
    for cell in nb.cells:
        question = _raw_cell_yaml(cell, "BEGIN QUESTION")
        if question is None:
            continue
        if "name" not in question:
            raise ValueError(f"A '# BEGIN QUESTION' cell in {master} has no name: {cell.source!r}")
        questions.append(
            Question(
                str(question["name"]),
                _total_points(question.get("points", 1)),
                bool(question.get("manual", False)),
            )
        )
    names = [q.name for q in questions]
    if len(set(names)) != len(names):
        raise ValueError(f"Question names repeat in {master}: {names}.")
    generate = config.get("generate") if isinstance(config.get("generate"), dict) else {}
    pass_mark = generate.get("score_threshold")
    if pass_mark is not None and not 0 < float(pass_mark) <= 1:
        raise ValueError(f"score_threshold in {master} must be a share in (0, 1], got {pass_mark}.")
    expected_name = master.stem
    if config.get("name") != expected_name:
        raise ValueError(
            f"The assignment config of {master} must say 'name: {expected_name}' "
            f"(otter checks submissions against it), got {config.get('name')!r}."
        )
    return ExerciseSet(
        master.stem, master.resolve(), tuple(questions), None if pass_mark is None else float(pass_mark)
    )


def exercise_sets(root: str | Path = EXERCISES_DIR) -> list[ExerciseSet]:
    """Every set under ``root``: each folder holding a master named after it."""
    root = Path(root)
    masters = (
        sorted(
            p / f"{p.name}.ipynb" for p in root.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").is_file()
        )
        if root.is_dir()
        else []
    )
    return [read_exercise_set(master) for master in masters]


def get_exercise_set(name: str, root: str | Path = EXERCISES_DIR) -> ExerciseSet:
    """A set by slug (``01_binary_sentiment``), by its number (``01``) or by ``quiz``."""
    sets = exercise_sets(root)
    matches = [s for s in sets if s.slug == name] or [s for s in sets if s.slug.startswith(f"{name}_")]
    if len(matches) != 1:
        available = ", ".join(s.slug for s in sets) or "none"
        raise ValueError(f"Unknown exercise set {name!r}. Available sets: {available}.")
    return matches[0]


# --- building ------------------------------------------------------------------------------


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def build(
    exercise: ExerciseSet, out_dir: str | Path, *, run_tests: bool = True, timeout: float = 900
) -> Build:
    """Run ``otter assign`` on the master into ``out_dir`` and make the result reproducible.

    With ``run_tests`` (the default) otter grades the solutions against every test, public and
    hidden, and this raises :class:`ExerciseBuildError` unless they all pass.
    """
    out_dir = Path(out_dir).resolve()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "otter", "assign", str(exercise.master), str(out_dir), "-v"]
    if not run_tests:
        command.append("--no-run-tests")
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **OFFLINE_ENV},
            cwd=exercise.folder,
        )
    except subprocess.TimeoutExpired as error:
        raise ExerciseBuildError(
            f"otter assign on {exercise.master.name} took longer than {timeout:.0f} s."
        ) from error
    if done.returncode != 0:
        raise ExerciseBuildError(
            f"otter assign failed on {exercise.master} (exit {done.returncode}). Either the master "
            f"is malformed or a solution fails its tests. Last lines of its output:\n"
            f"{_tail(done.stdout + done.stderr)}"
        )
    result = Build(exercise, out_dir)
    zips = sorted(result.autograder_dir.glob("*-autograder_*.zip"))
    if len(zips) != 1:
        raise ExerciseBuildError(
            f"Expected one autograder zip in {result.autograder_dir}, found {[z.name for z in zips]}."
        )
    zips[0].replace(result.autograder_zip)
    master_ids = _cell_ids(exercise.master)
    for notebook in (result.student_dir / exercise.master.name, result.solution_notebook):
        stabilise_cell_ids(notebook, master_ids)
    return result


def _cell_ids(path: Path) -> set[str]:
    import nbformat

    return {cell.get("id") for cell in nbformat.read(path, as_version=4).cells if cell.get("id")}


def stabilise_cell_ids(path: str | Path, keep: set[str] = frozenset()) -> None:
    """Give every cell whose id is not in ``keep`` an id made from its source and its place.

    otter assign creates its cells (check cells, answer prompts, check-all) with random ids,
    which would change the committed student notebook on every build. The new id hashes the
    cell's text with the id of the nearest master cell above it, so the same cell gets the same
    id in the student and the autograder notebooks, and edits elsewhere leave it alone.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    seen: set[str] = set()
    anchor = ""
    for cell in nb.cells:
        if "id" not in cell:  # an nbformat 4.4 notebook has none; keep it that way
            continue
        if cell.id in keep and cell.id not in seen:
            seen.add(cell.id)
            anchor = cell.id
            continue
        key = f"{anchor}\n{cell.cell_type}\n{cell.source}"
        new_id = f"otter-{hashlib.sha1(key.encode()).hexdigest()[:10]}"
        while new_id in seen:
            new_id = f"otter-{hashlib.sha1(new_id.encode()).hexdigest()[:10]}"
        cell.id = new_id
        seen.add(new_id)
    nbformat.write(nb, path)


# What running a student notebook in place leaves behind; never part of the student version.
RUN_ARTIFACTS = ("__pycache__", ".ipynb_checkpoints", ".OTTER_LOG", "outputs")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not set(p.relative_to(folder).parts) & set(RUN_ARTIFACTS)
    }


def student_version_differences(exercise: ExerciseSet, result: Build) -> list[str]:
    """How the committed ``student/`` folder differs from a fresh build (empty: up to date)."""
    committed = _files(exercise.student_dir) if exercise.student_dir.is_dir() else {}
    built = _files(result.student_dir)
    problems = [f"missing from {exercise.student_dir}: {name}" for name in built if name not in committed]
    problems += [f"not produced by the master any more: {name}" for name in committed if name not in built]
    problems += [
        f"out of date: {name}" for name in built if name in committed and committed[name] != built[name]
    ]
    return problems


def publish_student_version(exercise: ExerciseSet, result: Build) -> None:
    """Replace the committed ``student/`` folder with the freshly built one."""
    if exercise.student_dir.exists():
        shutil.rmtree(exercise.student_dir)
    shutil.copytree(result.student_dir, exercise.student_dir, ignore=shutil.ignore_patterns(*RUN_ARTIFACTS))


def master_fingerprint(exercise: ExerciseSet) -> str:
    """A hash of the master notebook and the otter-grader version that builds it.

    A cached build is reused while both are unchanged.
    """
    from importlib.metadata import version

    digest = hashlib.sha256(exercise.master.read_bytes())
    digest.update(f"otter-grader {version('otter-grader')}".encode())
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as handle:
    ...     file_sha256(handle.name)[:12]
    'e3b0c44298fc'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


BUILD_STAMP = "build.sha256"  # two lines: the master's fingerprint, then the autograder zip's hash


def build_is_current(exercise: ExerciseSet, build_root: str | Path = BUILD_DIR) -> bool:
    """Whether ``build_root/<slug>`` holds a build of the master as it is now, with the
    autograder zip that build wrote: the zip's hash is checked on every call, so a zip changed
    after the build (by a submission, say) is never reused."""
    folder = Path(build_root) / exercise.slug
    stamp = folder / BUILD_STAMP
    autograder_zip = Build(exercise, folder).autograder_zip
    if not (stamp.is_file() and autograder_zip.is_file()):
        return False
    lines = stamp.read_text().split()
    return lines == [master_fingerprint(exercise), file_sha256(autograder_zip)]


def cached_build(
    exercise: ExerciseSet, build_root: str | Path = BUILD_DIR, *, run_tests: bool = True
) -> Build:
    """The build in ``build_root/<slug>``, rebuilt when the master changed since, or when the
    autograder zip is not the one the build wrote."""
    folder = Path(build_root) / exercise.slug
    if build_is_current(exercise, build_root):
        return Build(exercise, folder.resolve())
    result = build(exercise, folder, run_tests=run_tests)
    (folder / BUILD_STAMP).write_text(
        master_fingerprint(exercise) + "\n" + file_sha256(result.autograder_zip) + "\n"
    )
    return result


# --- command line --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m clflib.course.exercises",
        description="Build exercise sets with otter assign (checking that the solutions pass) "
        "and refresh, or check, the committed student versions.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build sets and refresh exercises/*/student/")
    build_cmd.add_argument("sets", nargs="*", help="slugs or numbers (default: every set)")
    build_cmd.add_argument(
        "--check", action="store_true", help="only report whether the committed student versions are current"
    )
    commands.add_parser("list", help="list the sets, their questions and points")
    args = parser.parse_args(argv)

    sets = exercise_sets()
    if args.command == "list":
        for exercise in sets:
            questions = ", ".join(
                f"{q.name} ({q.points:g}{' manual' if q.manual else ''})" for q in exercise.questions
            )
            mark = f", pass mark {exercise.pass_mark:.0%}" if exercise.pass_mark else ""
            print(f"{exercise.slug}: {questions}{mark}")
        return 0

    try:
        chosen = [get_exercise_set(name) for name in args.sets] if args.sets else sets
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stale = []
    with tempfile.TemporaryDirectory(prefix="exercise-build-") as scratch:
        for exercise in chosen:
            print(f"building {exercise.slug} (otter assign, then the solutions are graded) ...", flush=True)
            try:
                result = build(exercise, Path(scratch) / exercise.slug)
            except ExerciseBuildError as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
            differences = student_version_differences(exercise, result)
            if args.check:
                stale += [f"{exercise.slug}: {d}" for d in differences]
            elif differences:
                publish_student_version(exercise, result)
                print(f"  updated {exercise.student_dir.relative_to(PROJECT_ROOT)}")
            else:
                print("  student version already up to date")
    if stale:
        print(
            "The committed student versions are out of date (run `make exercises`):\n  " + "\n  ".join(stale)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
