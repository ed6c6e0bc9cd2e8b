"""Every lesson's course code, one file per lesson (see CONTRIBUTING.md).

``lesson_09.py`` holds everything about lesson 09 outside ``notebooks/09_label_quality.ipynb``:

- ``DEFAULTS`` (and any other settings per profile the notebook reads): what its notebook runs
  in each profile, passed to :func:`clflib.profiles.get_profile`;
- ``LESSON``: its entry, i.e. what the README's lesson table shows and what a run must prove (the
  CI budget, real-data and smoke floors, claims, own-data example; :class:`Lesson` says what
  each field means);
- its findings: the sentences the notebook writes about its own numbers, one function per verdict.

The notebook imports its file (``from clflib.course.lessons import lesson_09``). This package's
``__init__`` only collects the entries; the ``Lesson`` type is in :mod:`.lesson`, the verdict
words several lessons share in :mod:`.verdicts`.

>>> [lesson.number for lesson in LESSONS]
['01', '02', '03', '04', '05', '06', '07', '08', '09', '10']
>>> dict(get_lesson("08").ci_uses)
{'MODEL_DIR': ('01_binary_sentiment', 'model')}
>>> get_lesson("01").verify({"dataset": "support_inbox"}, real=True)
["dataset: ran on 'support_inbox', expected 'rotten_tomatoes' (is CLFLIB_DATA_DIR set?)"]
"""

from __future__ import annotations

from clflib.course.lessons import (
    lesson_01,
    lesson_02,
    lesson_03,
    lesson_04,
    lesson_05,
    lesson_06,
    lesson_07,
    lesson_08,
    lesson_09,
    lesson_10,
)
from clflib.course.lessons.lesson import SMOKE_DATASET, Lesson

__all__ = ["FILES", "LESSONS", "Lesson", "SMOKE_DATASET", "get_lesson"]

FILES = (
    lesson_01,
    lesson_02,
    lesson_03,
    lesson_04,
    lesson_05,
    lesson_06,
    lesson_07,
    lesson_08,
    lesson_09,
    lesson_10,
)
"""Each lesson's file, in course order."""

LESSONS: tuple[Lesson, ...] = tuple(file.LESSON for file in FILES)


def get_lesson(name: str) -> Lesson:
    """A lesson by slug or number ("08" or "08_production_inference")."""
    for lesson in LESSONS:
        if name in (lesson.slug, lesson.number):
            return lesson
    raise ValueError(f"Unknown lesson {name!r}. Lessons: {', '.join(lesson.slug for lesson in LESSONS)}.")
