"""Shared fixtures: offline mode, a tiny random BERT for fast code-path tests, data folders,
and the lesson runs of this session (each run once, its seconds printed at the end)."""

from __future__ import annotations

import os
from pathlib import Path

# The tests never use the network: a Hub miss would cost ~45 s of retries.
for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ[_name] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MPLBACKEND", "Agg")
# `make test` runs two pytest-xdist workers on the course's 2 cores: each worker (and every
# kernel and subprocess it starts) gets its share of the threads, set before torch is imported.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[_name] = str(max(1, (os.cpu_count() or 1) // _WORKERS))

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def minilm_tokenizer():
    from clflib.models import load_tokenizer

    return load_tokenizer("minilm")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, minilm_tokenizer) -> Path:
    """A 2-layer, 32-wide random BERT with the MiniLM tokenizer, saved as a model folder."""
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    config = _tiny_bert_config(minilm_tokenizer, ["neg", "pos"])
    folder = tmp_path_factory.mktemp("tiny_bert")
    BertForSequenceClassification(config).save_pretrained(folder)
    minilm_tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture()
def tiny_model(tiny_model_dir):
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real datasets folder (CLFLIB_DATA_DIR); tests that need it skip without it."""
    from clflib.data import data_dir

    folder = data_dir()
    if folder is None:
        pytest.skip("CLFLIB_DATA_DIR is not set to the real datasets folder")
    return folder


@pytest.fixture()
def no_data_dir(monkeypatch, tmp_path):
    """Neither CLFLIB_DATA_DIR nor ../shared/datasets beside the project."""
    from clflib import data

    monkeypatch.delenv("CLFLIB_DATA_DIR", raising=False)
    monkeypatch.setattr(data, "SHARED_DATA_BESIDE", tmp_path / "no-shared-datasets")


def _tiny_bert_config(tokenizer, names, **extra):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=len(names),
        id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)},
        **extra,
    )


@pytest.fixture(scope="session")
def tiny_multilabel_model_dir(tmp_path_factory, minilm_tokenizer) -> Path:
    """A tiny random 3-label multi-label BERT saved with thresholds 0.5 (copy it to change them)."""
    import torch
    from transformers import BertForSequenceClassification

    from clflib.thresholds import save_thresholds

    torch.manual_seed(1)
    names = ["joy", "anger", "neutral"]
    folder = tmp_path_factory.mktemp("tiny_multilabel")
    config = _tiny_bert_config(minilm_tokenizer, names, problem_type="multi_label_classification")
    BertForSequenceClassification(config).save_pretrained(folder)
    minilm_tokenizer.save_pretrained(folder)
    save_thresholds(folder, [0.5, 0.5, 0.5], names)
    return folder


@pytest.fixture(scope="session")
def tiny_nli_model_dir(tmp_path_factory, minilm_tokenizer) -> Path:
    """A tiny random NLI cross-encoder (labels contradiction, entailment, neutral: entailment is
    deliberately not first) saved with the MiniLM tokenizer."""
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(2)
    folder = tmp_path_factory.mktemp("tiny_nli")
    config = _tiny_bert_config(minilm_tokenizer, ["contradiction", "entailment", "neutral"])
    BertForSequenceClassification(config).save_pretrained(folder)
    minilm_tokenizer.save_pretrained(folder)
    return folder


NER_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


@pytest.fixture(scope="session")
def tiny_ner_model_dir_factory(tmp_path_factory, minilm_tokenizer):
    """``make(force_tag=None)``: a tiny BertForTokenClassification folder tagging with NER_TAGS.

    With ``force_tag`` (e.g. "I-PER") the classifier's weights are zeroed and that tag's bias
    set high, so every token gets that tag: spans become predictable.
    """
    import torch
    from transformers import BertForTokenClassification

    made: dict = {}

    def make(force_tag: str | None = None) -> Path:
        if force_tag not in made:
            torch.manual_seed(2)
            model = BertForTokenClassification(_tiny_bert_config(minilm_tokenizer, NER_TAGS))
            if force_tag is not None:
                with torch.no_grad():
                    model.classifier.weight.zero_()
                    model.classifier.bias.zero_()
                    model.classifier.bias[NER_TAGS.index(force_tag)] = 10.0
            folder = tmp_path_factory.mktemp(f"tiny_ner_{force_tag or 'random'}")
            model.save_pretrained(folder)
            minilm_tokenizer.save_pretrained(folder)
            made[force_tag] = folder
        return made[force_tag]

    return make


# --- lesson runs: each (lesson, profile) executed once per session ---------------------------

_LESSON_RUNS: dict = {}


@pytest.fixture(scope="session")
def lesson_runs():
    """``run(lesson, profile)``: the lesson's smoke run ("smoke") or CI-budget run ("cpu").

    Runs are cached for the session. Parameters named in ``lesson.uses(profile)`` are filled from
    the providing lesson's run in the same profile (run first if it has not run yet).
    """
    from clflib.course import RUNS_DIR
    from clflib.course.lessons import get_lesson
    from clflib.course.runner import run_and_verify

    def run(lesson, profile: str):
        key = (lesson.slug, profile)
        if key not in _LESSON_RUNS:
            parameters = {} if profile == "smoke" else dict(lesson.ci_budget)
            if profile == "smoke" and lesson.smoke_own_data is not None:  # files as a learner's
                from clflib.course.own_data import write_example

                folder = RUNS_DIR / "tests" / "own_data" / lesson.slug
                parameters.update(write_example(lesson.smoke_own_data, folder))
            for name, (provider, relative) in lesson.uses(profile).items():
                provided = run(get_lesson(provider), profile)
                path = provided.output_dir / relative
                if not path.exists():
                    pytest.fail(
                        f"{lesson.slug} needs {relative} from {provider}'s {profile} run, "
                        f"which did not write it: {provided.explain()}"
                    )
                parameters[name] = str(path)
            _LESSON_RUNS[key] = run_and_verify(
                lesson, profile, RUNS_DIR / "tests" / profile, parameters, timeout=900
            )
        return _LESSON_RUNS[key]

    return run


# --- exercise builds: each set built once per test run, shared by the workers ---------------


@pytest.fixture(scope="session")
def exercise_build(tmp_path_factory):
    """``build(slug)``: the set built by ``otter assign`` (solutions not run: grading the
    learner's hand-in proves they pass), once per test run however many workers ask for it.

    The workers of one ``pytest -n`` run share the parent of their temporary folders; a lock
    file per set makes the first worker build it and the others wait for that build.
    """
    import fcntl

    from clflib.course import exercises

    base = tmp_path_factory.getbasetemp()
    root = (base.parent if "PYTEST_XDIST_WORKER" in os.environ else base) / "exercise_builds"
    root.mkdir(exist_ok=True)

    def build(slug: str):
        exercise = exercises.get_exercise_set(slug)
        folder = root / exercise.slug
        with open(root / f"{exercise.slug}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (root / f"{exercise.slug}.built").is_file():
                exercises.build(exercise, folder, run_tests=False)
                (root / f"{exercise.slug}.built").touch()
        return exercises.Build(exercise, folder)

    return build


# --- scheduling and the per-lesson time table -----------------------------------------------


def pytest_collection_modifyitems(config, items):
    """Long work first, so that both workers finish at about the same time.

    ``make test`` runs pytest-xdist with ``--dist loadscope --no-loadscope-reorder``: a test
    class (a chain of lessons in one profile, an exercise set), or a module's functions, go to
    one worker as a unit, handed out in this order as workers free up. The units with the most
    notebook runs start first; the rest keep their order. (pytest-xdist's ``loadgroup`` would
    group by marker, but it renames node ids in a way pytest 9 ignores: its groups are lost.)
    """
    from collections import Counter

    def scope(item) -> str:  # what loadscope keeps together: a class, or a module
        return item.nodeid.rsplit("::", 1)[0]

    notebook_tests = Counter(scope(item) for item in items if item.get_closest_marker("notebook"))
    items.sort(key=lambda item: -notebook_tests[scope(item)])  # stable: the rest keep their order


# seconds of every test that belongs to a lesson, by lesson number and kind, summed over the
# setup, call and teardown of each test (reports reach the controller from every worker)
_LESSON_SECONDS: dict = {}
LESSON_BUDGET_SECONDS = 120  # a lesson's share of make test: its real-data run + its exercise tests


def _lesson_of(nodeid: str) -> tuple[str, str] | None:
    """(lesson number, kind) of a test: the lesson runs and the exercise tests of a set."""
    import re

    match = re.search(r"\[(\d\d)_[^\]]*\]$", nodeid)
    if match is None:
        return None
    if "test_notebooks.py" in nodeid:
        kind = "smoke" if "smoke" in nodeid.split("::")[-1] else "real data"
    elif "test_exercises.py" in nodeid:
        kind = "exercises"
    else:
        return None
    return match.group(1), kind


def pytest_runtest_logreport(report):
    if "PYTEST_XDIST_WORKER" in os.environ:  # the controller adds up what every worker reports
        return
    found = _lesson_of(report.nodeid)
    if found is not None:
        _LESSON_SECONDS[found] = _LESSON_SECONDS.get(found, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    """Each lesson's seconds (real-data run, exercise tests, smoke run where it ran) against its
    budget, so the test budget shows in every CI log."""
    if not any(seconds >= 1.0 for seconds in _LESSON_SECONDS.values()):
        return  # no lesson ran anything (make test-fast)
    terminalreporter.write_sep(
        "-",
        f"seconds per lesson (budget: real-data run + exercise tests <= {LESSON_BUDGET_SECONDS})",
    )
    numbers = sorted({number for number, _ in _LESSON_SECONDS})
    for number in numbers:
        real, exercises_, smoke = (
            _LESSON_SECONDS.get((number, kind)) for kind in ("real data", "exercises", "smoke")
        )
        share = (real or 0.0) + (exercises_ or 0.0)
        cells = [f"{value:6.1f}" if value is not None else "     -" for value in (real, exercises_, smoke)]
        over = "  OVER BUDGET" if share > LESSON_BUDGET_SECONDS else ""
        terminalreporter.write_line(
            f"lesson {number}: real data {cells[0]}  exercises {cells[1]}  together {share:6.1f}"
            f"  | smoke {cells[2]}{over}"
        )


@pytest.fixture(scope="session")
def assert_colab_block_is_rerunnable():
    """A check of a notebook's first cell: in Colab it clones once (a rerun must not fail on
    git), fails readably when the clone failed, and turns the widget manager on."""

    from clflib.course import REPOSITORY

    def check(source: str) -> None:
        assert f"https://github.com/{REPOSITORY}" in source, (
            "clone the repository the course names (REPOSITORY)"
        )
        lines = source.splitlines()
        clone = next(i for i, line in enumerate(lines) if "git clone" in line)
        assert 'if not os.path.isdir("/content/course"):' in lines[clone - 1], (
            "guard the clone: a rerun prints git's fatal"
        )
        assert "raise RuntimeError(" in source and "Could not fetch the course" in source
        assert "output.enable_custom_widget_manager()" in source, "progress bars need Colab's widget manager"

    return check


@pytest.fixture()
def labelled():
    """19 rows of three support intents, 10/6/3: K-per-class sampling and learning curves."""
    import datasets

    labels = [0] * 10 + [1] * 6 + [2] * 3
    return datasets.Dataset.from_dict(
        {"text": [f"text {i}" for i in range(len(labels))], "label": labels},
        features=datasets.Features(
            {
                "text": datasets.Value("string"),
                "label": datasets.ClassLabel(names=["billing", "delivery", "refund"]),
            }
        ),
    )
