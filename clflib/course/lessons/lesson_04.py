"""Lesson 04, Named-entity recognition: its course code outside ``notebooks/04_ner_token_classification.ipynb``.

- ``DEFAULTS``: this lesson's settings per profile, passed to ``profiles.get_profile`` by the
  notebook (the profile's own sizes are in :mod:`clflib.profiles`).
- ``LESSON``: its entry: the README table's row and what a run must prove (CI budget, floors,
  claims, own-data example; see :class:`clflib.course.lessons.lesson.Lesson`).
- ``COMPARE_DEFAULTS``: seeds and epochs of the alignment-strategy comparison;
  ``STRATEGIES``: the strategies the claims check.

>>> DEFAULTS["smoke"]
{'num_epochs': 2, 'learning_rate': 0.001, 'max_length': 192, 'max_train_samples': 200}
"""

from __future__ import annotations

from clflib.course.lessons.lesson import Claim, Lesson, Metrics, frozen
from clflib.course.own_data import OwnDataExample

__all__ = ["DEFAULTS", "COMPARE_DEFAULTS", "LESSON", "results_summary", "STRATEGIES", "STRATEGY_NAMES"]

# Tweets are short. The comparison trains len(STRATEGIES) x len(COMPARE_SEEDS) models, the main
# model one more: on 2 cores one epoch over wnut_17's 3,394 training tweets takes about a minute.
DEFAULTS = {
    "smoke": {"num_epochs": 2, "learning_rate": 1e-3, "max_length": 192, "max_train_samples": 200},
    "cpu": {"num_epochs": 3, "learning_rate": 1e-4, "max_length": 192},  # the longest test tweet: 191 tokens
    "gpu": {"num_epochs": 5, "learning_rate": 5e-5, "max_length": 192},
}

COMPARE_DEFAULTS = {"smoke": ([42, 43], 1), "cpu": ([42, 43], 1), "gpu": ([42, 43, 44], 3)}

STRATEGIES = ("first_subword", "all_subwords_inside", "all_subwords_copied_b")
STRATEGY_NAMES = {
    "first_subword": "first subword",
    "all_subwords_inside": "continuations I-",
    "all_subwords_copied_b": "B- copied",
}


def _claims(m: Metrics, real: bool, claim: Claim) -> None:
    compared = [s for s in STRATEGIES if f"test_entity_f1_{s}" in m]
    # the cpu and gpu profiles (and the smoke run) compare all three over seeds; the CI budget
    # trains (a) and (c) once each, and the smoke run proves the rest of the code path
    claim(
        "all_subwords_copied_b" in compared and len(compared) >= 2,
        f"strategy (c) and at least one other must be compared, got {compared}",
    )
    claim(m["chosen_strategy"] in compared, "the main model's strategy must be one of those compared")
    for strategy in compared:
        claim(0.0 <= m[f"test_entity_f1_{strategy}"] <= 1.0, f"{strategy}: entity F1 must be in [0, 1]")
        claim(m[f"test_entity_f1_{strategy}_sd"] >= 0.0, f"{strategy}: a spread over seeds must be reported")
    if not real or m["profile"] != "cpu" or m["compare_seeds"] > 1:
        claim(compared == list(STRATEGIES), f"all three strategies must be compared, got {compared}")
        claim(m["compare_seeds"] >= 2, "each strategy must be trained with at least 2 seeds")
    # the lesson's point: per-token scores flatter, because most words are O
    claim(
        m["test_token_accuracy"] > m["test_entity_f1"] and m["test_o_share"] > 0.5,
        "per-word accuracy must exceed entity F1, with O the majority of words",
    )
    claim(0.0 <= m["test_token_f1"] <= 1.0, "per-word F1 over the entity tags must be in [0, 1]")
    # (c) read per subword counts every piece of a split entity word as an entity
    claim(
        abs(m["test_entity_f1_subword_scored"] - m["test_entity_f1_copied_b_word_level"]) > 0.005,
        "scoring strategy (c) per subword must move its F1 (by more than half a point)",
    )
    claim(m["predictor_span_agreement"] == 1.0, "the Predictor must serve the notebook's spans")
    claim(
        0.0 <= m["pipeline_span_agreement"] <= 1.0, "the pipeline's agreement with the Predictor is a share"
    )
    claim(0.0 <= m["test_entity_f1_lenient"] <= 1.0, "seqeval's default (lenient) F1 must be in [0, 1]")
    claim(
        m["long_text_entities"] >= 1 and m["long_text_entities_found"] == m["long_text_entities"],
        "windows must find every entity past the first window",
    )
    claim(m["long_text_entities_truncated"] == 0, "one truncated window must lose them (the demo's point)")
    kinds = ("correct", "type", "boundary", "boundary_and_type", "missed", "spurious")
    claim(all(m[f"errors_{k}"] >= 0 for k in kinds), "every error kind must be counted")
    claim(m["truncated_test_words"] == 0, "no test word may be cut off by max_length")
    if real:
        claim(m["test_examples"] >= 500, "wnut_17 is judged on at least 500 test tweets")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def results_summary(m: Metrics) -> str:
    """The README's results cell, from a run's metrics (the reference run's)."""
    seeds = int(m.get("compare_seeds", 1))
    strategies = ", ".join(
        f"{STRATEGY_NAMES[strategy]} {m[f'test_entity_f1_{strategy}']:.3f}"
        + (
            f" ± {m[f'test_entity_f1_{strategy}_sd']:.3f}"
            if seeds > 1 and f"test_entity_f1_{strategy}_sd" in m
            else ""
        )
        for strategy in STRATEGIES
        if f"test_entity_f1_{strategy}" in m
    )
    return (
        f"test entity F1 {m['test_entity_f1']:.3f} (strict, word level; precision "
        f"{m['test_entity_precision']:.3f}, recall {m['test_entity_recall']:.3f}) against per-word accuracy "
        f"{m['test_token_accuracy']:.3f} (every word O: {m['test_o_share']:.3f}); alignment strategies, "
        f"{_plural(int(m.get('compare_epochs', 1)), 'epoch')}, {_plural(seeds, 'seed')}: {strategies} ({m['test_entity_f1_subword_scored']:.3f} scored per subword); "
        f"seqeval's lenient mode {m['test_entity_f1_lenient']:.3f}"
    )


LESSON = Lesson(
    slug="04_ner_token_classification",
    title="Named-entity recognition",
    dataset="wnut_17",
    real_dataset="wnut_17",
    teaches="BIO tags, subwords and word_ids, three label-alignment strategies compared at word "
    "level over seeds, what per-subword scoring does to the number, AutoModelForTokenClassification "
    "with DataCollatorForTokenClassification and a plain Trainer against the course's, seqeval's "
    "classification_report in strict (IOB2) and default mode, per-word accuracy vs entity F1, "
    "spans with character offsets through the Predictor and the token-classification pipeline, "
    "long texts in strided windows, error kinds",
    key_metrics=(
        "test_entity_f1",
        "test_entity_f1_first_subword",
        "test_entity_f1_all_subwords_inside",
        "test_entity_f1_all_subwords_copied_b",
        "test_entity_f1_subword_scored",
        "test_token_f1",
    ),
    results=results_summary,
    # measured with these smoke settings (57 s in one thread; 76 s with all 309 training messages):
    # main model entity F1 0.613; the strategies 0.428-0.523; (c) per subword 0.691 against 0.481
    ci_budget=frozen(
        {
            "MAX_TRAIN_SAMPLES": 800,
            "MAX_EVAL_SAMPLES": 300,
            "MAX_TEST_SAMPLES": 500,
            "STRATEGIES": ["first_subword", "all_subwords_copied_b"],
            "COMPARE_SEEDS": [42],
            "COMPARE_EPOCHS": 1,
            "NUM_EPOCHS": 1,
        }
    ),
    # CI budget measured (91 s in one thread): entity F1 0.159 (first subword,
    # chosen on validation) against 0.057 for (c), which scores 0.034 per subword
    floors=frozen({"test_entity_f1": 0.1}),
    smoke_floors=frozen({"test_entity_f1": 0.5}),
    smoke_own_data=OwnDataExample("ner", "three splits", "conll"),
    smoke_proves="alignment strategy (b) and the comparison over two seeds with its spread (the CI "
    "budget trains strategies (a) and (c) once each)",
    claims=_claims,
)
