"""Shared fixtures: offline mode, a tiny random BERT for fast code-path tests, data folders,
and the lesson runs of this session (each run once, its seconds printed at the end)."""

from __future__ import annotations

import json
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

    Runs are cached for the session. Parameters named in ``lesson.ci_uses`` are filled from the
    providing lesson's run in the same profile (run first if it has not run yet).
    """
    from clflib.course import RUNS_DIR
    from clflib.course.lessons import get_lesson
    from clflib.course.runner import run_and_verify

    def run(lesson, profile: str):
        key = (lesson.slug, profile)
        if key not in _LESSON_RUNS:
            parameters = dict(lesson.smoke if profile == "smoke" else lesson.ci_budget)
            for name, (provider, relative) in lesson.ci_uses.items():
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
            _record(key, _LESSON_RUNS[key])
        return _LESSON_RUNS[key]

    return run


def pytest_collection_modifyitems(config, items):
    """Slow scopes first: the modules and classes that run notebooks, most notebook tests first.

    ``make test`` runs pytest-xdist with ``--dist loadscope --no-loadscope-reorder``: a module or
    class goes to one worker, handed out in this order as workers free up, so starting with the
    longest work lets both workers finish at about the same time (the fast tests fill the gaps).
    """
    from collections import Counter

    def scope(item) -> str:  # what loadscope keeps together: a module, or a class
        return item.nodeid.rsplit("::", 1)[0]

    notebook_tests = Counter(scope(item) for item in items if item.get_closest_marker("notebook"))
    items.sort(key=lambda item: -notebook_tests[scope(item)])  # stable: the rest keep their order


LESSON_SECONDS = PROJECT_ROOT / "runs" / "tests" / "lesson_seconds"


def _record(key, run) -> None:
    """Leave each lesson run's seconds in a file per process, for the summary at the end."""
    LESSON_SECONDS.mkdir(parents=True, exist_ok=True)
    path = LESSON_SECONDS / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl"
    with open(path, "a") as handle:
        handle.write(json.dumps([*key, run.seconds, run.ok]) + "\n")


def pytest_sessionstart(session):
    if "PYTEST_XDIST_WORKER" not in os.environ:  # the controller, or a run without xdist
        for path in LESSON_SECONDS.glob("*.jsonl"):
            path.unlink()


def pytest_terminal_summary(terminalreporter):
    """Every lesson run's seconds (smoke, CI budget), so the test budget shows in each CI log."""
    runs = {}
    for path in sorted(LESSON_SECONDS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            slug, profile, seconds, ok = json.loads(line)
            runs[slug, profile] = (seconds, ok)
    if not runs:
        return
    terminalreporter.write_sep(
        "-", "lesson runs (seconds; budget: smoke + CI budget + exercises <= 180 a lesson)"
    )
    for slug in sorted({slug for slug, _ in runs}):
        smoke, budget = runs.get((slug, "smoke")), runs.get((slug, "cpu"))
        cells = [f"{r[0]:6.1f}{'' if r[1] else ' FAILED'}" if r else "     -" for r in (smoke, budget)]
        total = sum(r[0] for r in (smoke, budget) if r)
        terminalreporter.write_line(
            f"{slug:<32} smoke {cells[0]}   CI budget {cells[1]}   together {total:6.1f}"
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
