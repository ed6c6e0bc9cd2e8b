"""clflib.fewshot: exact, reproducible K-per-class samples; pair counts; the learning-curve table."""

import itertools

import datasets
import numpy as np
import pandas as pd
import pytest

from clflib import fewshot


@pytest.mark.parametrize("k, classes", [(1, 4), (2, 3), (4, 5), (8, 2)])
def test_pair_counts_match_enumeration(k, classes):
    examples = [(c, i) for c in range(classes) for i in range(k)]
    pairs = list(itertools.combinations(examples, 2))
    positive = sum(a[0] == b[0] for a, b in pairs)
    counts = fewshot.contrastive_pair_counts(k, classes)
    assert counts == {"positive": positive, "negative": len(pairs) - positive, "total": len(pairs)}


def test_the_learning_curve_table(labelled):
    test = labelled.select(range(0, 19, 2))
    truth = np.asarray(test["label"])
    seen = []

    def majority(sample, seed):
        return np.full(len(test), np.bincount(sample["label"]).argmax())

    def oracle(sample, seed):
        seen.append((len(sample), seed))
        return fewshot.FewShotResult(truth, {"pairs": 12.0})

    table = fewshot.run_learning_curve(
        {"majority": majority, "oracle": oracle}, labelled, test, ks=[1, 2], seeds=[0, 1]
    )
    assert len(table) == 8 and list(table.columns[:6]) == [
        "method",
        "k",
        "seed",
        "accuracy",
        "macro_f1",
        "seconds",
    ]
    assert (table.loc[table["method"] == "oracle", "accuracy"] == 1.0).all()
    assert seen == [(3, 0), (3, 1), (6, 0), (6, 1)], (
        "each method gets the K-per-class sample of its (K, seed)"
    )
    summary = fewshot.summarise_curve(table)
    oracle_row = summary[(summary["method"] == "oracle") & (summary["k"] == 2)].iloc[0]
    assert (
        oracle_row["accuracy_mean"] == 1.0 and oracle_row["accuracy_sd"] == 0.0 and oracle_row["seeds"] == 2
    )

    with pytest.raises(ValueError, match="returned 2 predictions for 10 test rows"):
        fewshot.run_learning_curve({"short": lambda s, seed: [0, 1]}, labelled, test, ks=[1], seeds=[0])


@pytest.mark.parametrize("loss", fewshot.SETFIT_LOSSES)
def test_a_tiny_setfit_run_learns_predicts_and_reloads(tmp_path, loss):
    """Stage one (24 pairs, or two passes of triplet batches), stage two a logistic regression:
    a few seconds on a CPU."""
    texts = {
        0: [
            "my card was charged twice",
            "double charge on my card",
            "charged two times",
            "paid twice for one order",
        ],
        1: [
            "where is my parcel",
            "my delivery is late",
            "the package has not arrived",
            "tracking shows no update",
        ],
        2: ["i forgot my password", "cannot log in", "reset my password please", "my login does not work"],
    }
    sample = datasets.Dataset.from_dict(
        {
            "text": [t for label in texts for t in texts[label]],
            "label": [label for label in texts for _ in texts[label]],
        }
    )
    options = {"num_iterations": 1} if loss == "pairs" else {"num_epochs": 2, "batch_size": 4}
    model = fewshot.train_setfit(sample, loss=loss, seed=0, output_dir=str(tmp_path / "run"), **options)
    new = ["i was charged twice for my order", "my parcel is late", "i cannot reset my password"]
    assert [int(p) for p in model.predict(new)] == [0, 1, 2]
    probabilities = np.asarray(model.predict_proba(new))
    assert probabilities.shape == (3, 3) and np.allclose(probabilities.sum(1), 1.0)
    model.save_pretrained(str(tmp_path / "saved"))
    from setfit import SetFitModel

    reloaded = SetFitModel.from_pretrained(str(tmp_path / "saved"))
    assert np.allclose(np.asarray(reloaded.predict_proba(new)), probabilities, atol=1e-6)
    assert fewshot.setfit_pair_count(len(sample), 1) == 24


def test_train_setfit_rejects_unknown_loss_and_odd_batch():
    import datasets

    sample = datasets.Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]})
    with pytest.raises(ValueError, match="loss must be one of"):
        fewshot.train_setfit(sample, loss="contrastive")
    with pytest.raises(ValueError, match="batch_size must be even"):
        fewshot.train_setfit(sample, batch_size=5)


def test_passes_keep_the_texts_per_class_constant():
    assert [fewshot.passes_for(k) for k in (8, 16, 32, 64)] == [8, 4, 2, 1]
    assert [fewshot.passes_for(k, 80) for k in (8, 16, 32, 64)] == [10, 5, 3, 2]
    with pytest.raises(ValueError, match="must be positive"):
        fewshot.passes_for(0)


def test_label_names_and_neighbours():
    assert fewshot.readable_label("card_payment_fee_charged") == "card payment fee charged"
    texts = np.array([[1.0, 0.0], [0.2, 0.9], [3.0, 0.5]])
    labels = np.array([[0.0, 2.0], [5.0, 0.0]])
    assert fewshot.predict_by_label_names(texts, labels).tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="vector 1 is all zeros"):
        fewshot.predict_by_label_names(texts, np.array([[1.0, 0.0], [0.0, 0.0]]))
    vectors = np.array([[1.0, 0.0], [0.99, 0.1], [0.0, 1.0], [0.1, 0.99]])
    assert fewshot.neighbour_agreement(vectors, [0, 0, 1, 1]) == 1.0
    assert fewshot.neighbour_agreement(vectors, [0, 1, 1, 0]) == 0.0
    with pytest.raises(ValueError, match="one label per vector"):
        fewshot.neighbour_agreement(vectors, [0, 1])


def test_fine_tune_few_shot_trains_without_a_validation_split(tmp_path):
    from clflib import inference, profiles

    sample = datasets.Dataset.from_dict(
        {"words": ["refund please", "money back", "parcel late", "where is my box"], "intent": [1, 1, 0, 0]}
    )
    profile = profiles.get_profile("smoke", learning_rate=1e-3, batch_size=2)
    model, tokenizer = fewshot.fine_tune_few_shot(
        sample,
        ["shipping", "refund"],
        profile,
        str(tmp_path / "ft"),
        num_epochs=1,
        model_name="minilm-l2",
        text_column="words",
        label_column="intent",
    )
    assert model.config.id2label == {0: "shipping", 1: "refund"} and not model.training
    assert inference.predict_proba(model, tokenizer, ["refund now"]).shape == (1, 2)
    assert not (tmp_path / "ft").exists() or not any((tmp_path / "ft").glob("checkpoint-*"))


def test_an_empty_curve_is_an_empty_table_with_its_columns():
    split = datasets.Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]})
    table = fewshot.run_learning_curve({"m": lambda sample, seed: [0, 1]}, split, split, ks=[], seeds=[0])
    summary = fewshot.summarise_curve(table)
    assert len(summary) == 0 and {"accuracy_mean", "accuracy_sd", "seeds"} <= set(summary.columns)


def test_choose_classes_by_number_words_or_all():
    names = ["card_arrival", "top_up_failed", "cancel_transfer", "age_limit", "transfer_timing"]
    assert fewshot.choose_classes(names, None) == [0, 1, 2, 3, 4]
    assert fewshot.choose_classes(names, ["transfer", "top_up"]) == [1, 2, 4]
    subset = fewshot.choose_classes(names, 3, seed=0)
    assert len(set(subset)) == 3 and subset == sorted(subset) == fewshot.choose_classes(names, 3, seed=0)
    with pytest.raises(ValueError, match="2 to 5 classes"):
        fewshot.choose_classes(names, 9)
    with pytest.raises(ValueError, match="only 0 label name"):
        fewshot.choose_classes(names, ["refund"])
    with pytest.raises(TypeError, match="list of words"):
        fewshot.choose_classes(names, "transfer")


def test_seed_gap_calls_a_gap_inside_the_spread_a_tie_and_one_sample_never():
    def table(first, second):
        seeds = list(range(len(first)))
        return pd.DataFrame(
            {
                "method": ["a"] * len(first) + ["b"] * len(second),
                "k": 8,
                "seed": seeds + seeds,
                "accuracy": first + second,
                "macro_f1": 0.0,
                "seconds": 1.0,
            }
        )

    wide = fewshot.seed_gap(fewshot.summarise_curve(table([0.80, 0.84, 0.82], [0.81, 0.82, 0.83])), "a", "b")
    assert (
        wide["tie"]
        and wide["seeds"] == 3
        and abs(wide["gap"] - 0.0) < 1e-9
        and abs(wide["spread"] - 0.02) < 1e-9
    )
    apart = fewshot.seed_gap(fewshot.summarise_curve(table([0.90, 0.91, 0.92], [0.80, 0.81, 0.82])), "a", "b")
    assert not apart["tie"] and abs(apart["gap"] - 0.10) < 1e-9
    single = fewshot.seed_gap(fewshot.summarise_curve(table([0.80], [0.80])), "a", "b")
    assert single["seeds"] == 1 and not single["tie"], "one sample has no spread: never a tie"
    two_ks = pd.concat([table([0.8], [0.8]), table([0.9], [0.9]).assign(k=16)])
    with pytest.raises(ValueError, match="name one with k="):
        fewshot.seed_gap(fewshot.summarise_curve(two_ks), "a", "b")
    with pytest.raises(ValueError, match="no method 'c'"):
        fewshot.seed_gap(fewshot.summarise_curve(table([0.8], [0.8])), "a", "c")
