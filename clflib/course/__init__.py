"""Course tooling: the lesson registry, the runner behind ``make course``, exercises and grading.

Learners never need this package; authors and instructors do (see CONTRIBUTING.md):

- :mod:`clflib.course.lessons`: every lesson's entry (title, dataset, the CI budget and the
  claims its metrics must meet), the one place a new lesson is registered;
- :mod:`clflib.course.runner`: ``python -m clflib.course run`` executes the notebooks with
  papermill and checks each lesson's claims; ``readme-table`` prints the README's lesson table;
- :mod:`clflib.course.reporting`: the metrics JSON every lesson writes;
- :mod:`clflib.course.exercises`: exercise sets built with ``otter assign``;
- :mod:`clflib.course.gradebook`: ``make grade``, a folder of submissions into a CSV gradebook;
  :mod:`clflib.course.otter_worker` is the subprocess that grades one of them: its cells in the
  sandbox of :mod:`clflib.course.sandbox`, the tests outside it through :mod:`clflib.course.remote`;
- :mod:`clflib.course.checks`: helpers for the exercises' tests (own-work checks).

>>> (PROJECT_ROOT / "notebooks").is_dir()
True
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
EXERCISES_DIR = PROJECT_ROOT / "exercises"
RUNS_DIR = PROJECT_ROOT / "runs"
# Where the course is published; forks change this one line and every Colab link follows.
REPOSITORY = "hf-classifier-course/fine-tuning-text-classifiers"
BRANCH = "main"

__all__ = ["PROJECT_ROOT", "NOTEBOOKS_DIR", "EXERCISES_DIR", "RUNS_DIR", "REPOSITORY", "BRANCH"]
