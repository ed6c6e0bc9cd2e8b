"""The ``Lesson`` type: what an entry says and how a run is verified against it.

Every lesson's entry: the one place a lesson is registered (see CONTRIBUTING.md).

An entry says what the README's lesson table shows (title, dataset, what it teaches; ``results``
turns a run's metrics into its results cell, read from the lesson's reference run in
``reference/``) and what a run of the notebook must prove:

- ``ci_budget``: the papermill parameters of the test suite's real-data run: they override the
  cpu profile so real data fits the test budget (with the exercise tests, 120 worker-seconds a
  lesson). The smoke run passes no parameters but ``PROFILE="smoke"``: a lesson's smoke settings
  live in its notebook, so a learner who types ``PROFILE = "smoke"`` runs what the tests and
  ``make course PROFILE=smoke`` run.
- ``floors``: real-data floors, measured on the CI budget with a margin below (the cpu and gpu
  profiles train more, so the floors hold there too); ``smoke_floors`` the same for smoke runs.
- ``claims``: the lesson's invariants, written as ``claim(condition, "what must hold")`` calls;
  they run on every profile's metrics (``real`` is False for a smoke run).
- ``ci_uses``: parameters the test suite fills from another lesson's run in the same session,
  e.g. lesson 08 serves the model lesson 01 just trained instead of training its own. A lesson
  that needs a model trained by an earlier one (lesson 07 needs lesson 05's NLI model) names it
  here, so a test session trains it once. ``smoke_uses``: the same for the smoke run only
  (lesson 10's CI budget leaves out the NLI row, its smoke run does not).
- ``smoke_proves``: why the smoke run stays in ``make test``: the code paths it alone proves
  (sections the CI budget leaves out). Empty: the CI-budget run executes every cell the smoke run
  does, so the smoke run is left to ``make test-full``.

``python -m clflib.course run`` and the tests both call :meth:`Lesson.verify`, so a run that fell
back to other data, or misses a claim, is reported as failed in either place.

>>> example = Lesson("00_example", "Example", "imdb", "imdb", "nothing", ("test_accuracy",),
...                  floors=frozen({"test_accuracy": 0.8}))
>>> example.verify({"dataset": "support_inbox"}, real=True)
["dataset: ran on 'support_inbox', expected 'imdb' (is CLFLIB_DATA_DIR set?)"]
>>> example.verify({"dataset": "imdb", "test_accuracy": 0.75}, real=True)
['test_accuracy = 0.75 is below its floor 0.8']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from clflib.course import NOTEBOOKS_DIR
from clflib.course.own_data import OwnDataExample

__all__ = ["Claim", "Lesson", "Metrics", "SMOKE_DATASET", "frozen"]

SMOKE_DATASET = "support_inbox"

Claim = Callable[[bool, str], None]
Metrics = Mapping[str, Any]


def frozen(mapping: Mapping | None = None) -> Mapping:
    """A read-only copy of ``mapping`` (an entry's settings cannot be changed by a caller).

    >>> frozen({"NUM_EPOCHS": 2})["NUM_EPOCHS"]
    2
    """
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Lesson:
    """One lesson notebook, what the course table shows of it, and what its runs must prove."""

    slug: str
    title: str
    dataset: str
    real_dataset: str
    teaches: str
    key_metrics: tuple[str, ...]
    results: Callable[[Metrics], str] | None = None
    ci_budget: Mapping[str, Any] = field(default_factory=frozen)
    floors: Mapping[str, float] = field(default_factory=frozen)
    smoke_floors: Mapping[str, float] = field(default_factory=frozen)
    claims: Callable[[Metrics, bool, Claim], None] | None = None
    ci_uses: Mapping[str, tuple[str, str]] = field(default_factory=frozen)
    smoke_uses: Mapping[str, tuple[str, str]] = field(default_factory=frozen)
    smoke_proves: str = ""
    smoke_own_data: OwnDataExample | None = None

    def uses(self, profile: str) -> Mapping[str, tuple[str, str]]:
        """What a test run in ``profile`` ("smoke" or "cpu") fills from other lessons' runs:
        ``ci_uses`` in both, ``smoke_uses`` in the smoke run only.

        >>> ten = Lesson("10_x", "X", "d", "d", "x", (), smoke_uses=frozen({"NLI_MODEL_DIR": ("05", "model")}))
        >>> sorted(ten.uses("smoke")), sorted(ten.uses("cpu"))
        (['NLI_MODEL_DIR'], [])
        """
        return frozen({**self.ci_uses, **(self.smoke_uses if profile == "smoke" else {})})

    @property
    def number(self) -> str:
        return self.slug.split("_", 1)[0]

    @property
    def notebook(self) -> Path:
        return NOTEBOOKS_DIR / f"{self.slug}.ipynb"

    def verify(self, metrics: Metrics, real: bool, dataset: str | None = None) -> list[str]:
        """What the run's ``metrics`` fail to show; an empty list when every claim holds.

        ``real`` says the run used real data (any profile but smoke): then the dataset must be
        the lesson's and the real-data floors apply. ``dataset``: the data the run was pointed
        at, when not the profile's own (a smoke run on the files of ``smoke_own_data``).
        """
        expected = dataset or (self.real_dataset if real else SMOKE_DATASET)
        failed: list[str] = []
        if metrics.get("dataset") != expected:
            return [
                f"dataset: ran on {metrics.get('dataset')!r}, expected {expected!r}"
                + (" (is CLFLIB_DATA_DIR set?)" if real else "")
            ]
        for key, floor in (self.floors if real else self.smoke_floors).items():
            if key not in metrics:
                failed.append(f"{key}: missing from the metrics")
            elif not metrics[key] >= floor:
                failed.append(f"{key} = {metrics[key]:.4g} is below its floor {floor:g}")

        def claim(condition: bool, text: str) -> None:
            if not condition:
                failed.append(text)

        if self.claims is not None:
            try:
                self.claims(metrics, real, claim)
            except KeyError as missing:
                failed.append(f"{missing.args[0]}: missing from the metrics")
        return failed
