"""Execute every lesson with papermill and check the claims its metrics must meet.

Each lesson's parameters, floors and claims live with its entry in ``clflib.course.lessons``.
Smoke runs use the embedded support inbox and prove the code paths; real-data runs use the
lesson's CI budget (parameters overriding the cpu profile) and floors measured on this course's
2-core CPU machine; they skip when CLFLIB_DATA_DIR is not set. A lesson that serves another's
output (``ci_uses``) gets it from that lesson's run in this session, so nothing trains twice.
Executed copies are kept in runs/tests/<profile>/ so a failing cell can be read; every run's
seconds are printed at the end of the session (see conftest.py).
"""

import pytest

from clflib.course.lessons import LESSONS, get_lesson

IDS = [lesson.slug for lesson in LESSONS]


def chain_root(lesson) -> str:
    """The earliest lesson whose output this one needs, directly or through others."""
    providers = [chain_root(get_lesson(slug)) for slug, _ in lesson.ci_uses.values()]
    return min([lesson.slug, *providers])


def lessons_of_chain(root: str) -> type:
    """A test class for the lessons of one chain: under pytest-xdist (``make test`` runs
    ``--dist loadscope``) a class runs in one worker, so a lesson that serves another's output
    finds it there, trained once."""
    members = [lesson for lesson in LESSONS if chain_root(lesson) == root]
    ids = [lesson.slug for lesson in members]

    class LessonChain:
        @pytest.mark.notebook
        @pytest.mark.parametrize("lesson", members, ids=ids)
        def test_lesson_smoke(self, lesson, lesson_runs):
            result = lesson_runs(lesson, "smoke")
            assert result.ok, result.explain()

        @pytest.mark.notebook
        @pytest.mark.real_data
        @pytest.mark.parametrize("lesson", members, ids=ids)
        def test_lesson_real_data_ci_budget(self, lesson, lesson_runs, real_data_dir):
            result = lesson_runs(lesson, "cpu")
            assert result.ok, result.explain()

    LessonChain.members = ids
    LessonChain.__name__ = LessonChain.__qualname__ = f"TestLessons{root.split('_', 1)[0]}"
    return LessonChain


for _root in sorted({chain_root(lesson) for lesson in LESSONS}):
    _chain = lessons_of_chain(_root)
    globals()[_chain.__name__] = _chain


def test_lessons_are_numbered_in_order_and_unique():
    numbers = [lesson.number for lesson in LESSONS]
    assert numbers == sorted(set(numbers))
    for lesson in LESSONS:
        assert lesson.notebook.is_file(), f"{lesson.slug}: no notebook at {lesson.notebook}"
        for provider, _ in lesson.ci_uses.values():
            assert provider in IDS and provider < lesson.slug, "a lesson uses an earlier one"


def test_every_lesson_is_run_by_one_chain():
    chains = [chain for name, chain in globals().items() if name.startswith("TestLessons")]
    assert sorted(slug for chain in chains for slug in chain.members) == sorted(IDS)
    assert "08_production_inference" in TestLessons01.members  # it serves lesson 01's model  # noqa: F821
