"""Execute every lesson with papermill and check the claims its metrics must meet.

Each lesson's parameters, floors and claims live with its entry in ``clflib.course.lessons``.
Real-data runs use the lesson's CI budget (parameters overriding the cpu profile) and floors
measured on this course's 2-core CPU machine; they skip when CLFLIB_DATA_DIR is not set. Smoke
runs use the embedded support inbox and prove code paths: ``make test`` keeps a lesson's smoke
run only where it proves a path that its CI-budget run leaves out (``Lesson.smoke_proves``); the
others run in ``make test-full`` (marker ``full``).

A lesson that serves another's output (``Lesson.uses``) gets it from that lesson's run in the
same profile and session, so nothing trains twice: the lessons linked that way form a chain,
one test class per chain and profile, which pytest-xdist (``--dist loadscope``) keeps in one
worker. Executed copies are kept in runs/tests/<profile>/ so a failing cell can be read.
"""

import pytest

from clflib.course.lessons import LESSONS, get_lesson

IDS = [lesson.slug for lesson in LESSONS]
PROFILES = ("smoke", "cpu")  # the smoke run and the CI-budget run (cpu profile, real data)


def chain_root(lesson, profile: str) -> str:
    """The earliest lesson whose ``profile`` run this one needs, directly or through others."""
    providers = [chain_root(get_lesson(slug), profile) for slug, _ in lesson.uses(profile).values()]
    return min([lesson.slug, *providers])


def smoke_in_make_test(lesson) -> bool:
    """A smoke run stays in ``make test`` when it proves a path its CI budget leaves out, or when
    such a run needs its output (lesson 10's smoke run serves lesson 05's smoke NLI model): then
    it runs anyway, so its own claims are checked too."""
    users = [other for other in LESSONS if lesson.slug in {p for p, _ in other.uses("smoke").values()}]
    return bool(lesson.smoke_proves) or any(smoke_in_make_test(user) for user in users)


def chain_class(profile: str, root: str) -> type:
    """A test class for the lessons of one chain in one profile: pytest-xdist (``make test`` runs
    ``--dist loadscope``) keeps a class in one worker, so a lesson that serves another's output
    finds it there, trained once. Smoke runs that prove nothing the CI budget does not are marked
    ``full``."""
    members = [lesson for lesson in LESSONS if chain_root(lesson, profile) == root]

    if profile == "smoke":
        params = [
            pytest.param(
                lesson, id=lesson.slug, marks=[] if smoke_in_make_test(lesson) else [pytest.mark.full]
            )
            for lesson in members
        ]

        class Chain:
            @pytest.mark.notebook
            @pytest.mark.parametrize("lesson", params)
            def test_lesson_smoke(self, lesson, lesson_runs):
                result = lesson_runs(lesson, "smoke")
                assert result.ok, result.explain()

    else:

        class Chain:
            @pytest.mark.notebook
            @pytest.mark.real_data
            @pytest.mark.parametrize("lesson", members, ids=[lesson.slug for lesson in members])
            def test_lesson_real_data_ci_budget(self, lesson, lesson_runs, real_data_dir):
                result = lesson_runs(lesson, "cpu")
                assert result.ok, result.explain()
                # the README's results cell is written from the same keys of a cpu-profile run
                assert lesson.results(result.metrics)

    Chain.members = [lesson.slug for lesson in members]
    Chain.__name__ = Chain.__qualname__ = (
        f"Test{'Smoke' if profile == 'smoke' else 'RealData'}{root.split('_', 1)[0]}"
    )
    return Chain


CHAINS = {
    (profile, root): chain_class(profile, root)
    for profile in PROFILES
    for root in sorted({chain_root(lesson, profile) for lesson in LESSONS})
}
globals().update({chain.__name__: chain for chain in CHAINS.values()})


def test_lessons_are_numbered_in_order_and_unique():
    numbers = [lesson.number for lesson in LESSONS]
    assert numbers == sorted(set(numbers))
    for lesson in LESSONS:
        assert lesson.notebook.is_file(), f"{lesson.slug}: no notebook at {lesson.notebook}"
        for profile in PROFILES:
            for provider, _ in lesson.uses(profile).values():
                assert provider in IDS and provider < lesson.slug, "a lesson uses an earlier one"


def test_every_lesson_is_run_by_one_chain_per_profile():
    for profile in PROFILES:
        chains = [chain for (p, _), chain in CHAINS.items() if p == profile]
        assert sorted(slug for chain in chains for slug in chain.members) == sorted(IDS)


def test_a_lesson_and_the_lessons_that_use_its_output_share_a_chain():
    assert chain_root(get_lesson("08"), "cpu") == "01_binary_sentiment"  # it serves lesson 01's model
    assert chain_root(get_lesson("07"), "cpu") == "05_nli_sentence_pairs"  # and 05's NLI model
    # lesson 10's CI budget has no NLI row: it needs nothing from lesson 05 there, only in smoke
    assert chain_root(get_lesson("10"), "cpu") == "10_choosing_an_approach"
    assert chain_root(get_lesson("10"), "smoke") == "05_nli_sentence_pairs"


def test_a_smoke_run_in_make_test_says_what_only_it_proves():
    """``make test`` keeps a smoke run only for the code paths its CI budget leaves out, and the
    runs those need."""
    for lesson in LESSONS:
        if lesson.smoke_proves:
            assert len(lesson.smoke_proves.split()) >= 3, f"{lesson.slug}: say which paths"
    kept = {lesson.number for lesson in LESSONS if smoke_in_make_test(lesson)}
    assert {"05", "10"} <= kept and not {"01", "02", "07", "08"} & kept  # 10 needs 05's model
