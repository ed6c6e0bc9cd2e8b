"""clflib.fewshot: exact, reproducible K-per-class samples; pair counts; the learning-curve table."""

import itertools

import datasets
import numpy as np
import pytest

from clflib import fewshot


@pytest.fixture()
def labelled():
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


def test_exactly_k_per_class_and_reproducible(labelled):
    sample = fewshot.sample_per_class(labelled, 3, seed=7)
    assert sorted(np.bincount(sample["label"]).tolist()) == [3, 3, 3]
    assert sample["text"] == fewshot.sample_per_class(labelled, 3, seed=7)["text"]
    assert len(set(sample["text"])) == 9, "no row is drawn twice"
    others = [tuple(fewshot.sample_per_class(labelled, 3, seed=s)["text"]) for s in range(5)]
    assert len(set(others)) > 1, "another seed is another sample"


def test_a_class_subset_and_a_short_class(labelled):
    sample = fewshot.sample_per_class(labelled, 5, classes=[0, 1], seed=1)
    assert np.bincount(sample["label"]).tolist() == [5, 5]
    with pytest.raises(ValueError, match=r"refund \(3\).*Lower k"):
        fewshot.sample_per_class(labelled, 5)
    with pytest.raises(ValueError, match="positive integer"):
        fewshot.sample_per_class(labelled, 0)
    with pytest.raises(KeyError, match="intent"):
        fewshot.sample_per_class(labelled, 2, label_column="intent")


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


def test_a_tiny_setfit_run_learns_predicts_and_reloads(tmp_path):
    """Stage one on 24 pairs, stage two a logistic regression: a few seconds on a CPU."""
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
    model = fewshot.train_setfit(sample, num_iterations=1, seed=0, output_dir=str(tmp_path / "run"))
    new = ["i was charged twice for my order", "my parcel is late", "i cannot reset my password"]
    assert [int(p) for p in model.predict(new)] == [0, 1, 2]
    probabilities = np.asarray(model.predict_proba(new))
    assert probabilities.shape == (3, 3) and np.allclose(probabilities.sum(1), 1.0)
    model.save_pretrained(str(tmp_path / "saved"))
    from setfit import SetFitModel

    reloaded = SetFitModel.from_pretrained(str(tmp_path / "saved"))
    assert np.allclose(np.asarray(reloaded.predict_proba(new)), probabilities, atol=1e-6)
    assert fewshot.setfit_pair_count(len(sample), 1) == 24
