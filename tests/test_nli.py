"""clflib.nli: pair features, the entailment label, and the course's NLI model made on demand."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from clflib import nli


def test_pair_features_compare_the_two_embeddings():
    u, v = np.array([[1.0, -2.0], [0.5, 0.5]]), np.array([[3.0, 1.0], [0.5, 0.5]])
    features = nli.pair_features(u, v)
    assert features.shape == (2, 8)
    assert features[1, 4:6].tolist() == [0.0, 0.0], "|u - v| is zero for identical sentences"
    assert features[0, 6:].tolist() == [3.0, -2.0]
    with pytest.raises(ValueError, match="differ in shape"):
        nli.pair_features(u, v[:, :1])


def test_the_entailment_label_is_found_or_explained():
    assert nli.entailment_index({0: "contradiction", 1: "ENTAILMENT", 2: "neutral"}) == 1
    with pytest.raises(ValueError, match="No entailment label"):
        nli.entailment_index({0: "negative", 1: "positive"})


def test_a_recipe_change_gives_another_cache_key():
    smoke = nli.NLI_RECIPES["smoke"]
    assert smoke.key() == nli.NliRecipe(**vars(smoke)).key()
    assert smoke.key() != nli.NliRecipe(**{**vars(smoke), "num_epochs": 5}).key()


def test_drop_unlabelled_removes_minus_one():
    import datasets

    split = datasets.Dataset.from_dict(
        {"premise": ["a", "b", "c"], "hypothesis": ["x"] * 3, "label": [0, -1, 2]}
    )
    kept, dropped = nli.drop_unlabelled(datasets.DatasetDict(train=split))
    assert kept["train"]["label"] == [0, 2] and dropped == {"train": 1}


def test_hub_model_and_lesson_folder_take_precedence(tmp_path, tiny_model_dir):
    assert (
        nli.course_nli_model(hub_model="cross-encoder/nli-deberta-v3-small")
        == "cross-encoder/nli-deberta-v3-small"
    )
    assert nli.course_nli_model(folder=tiny_model_dir) == str(tiny_model_dir)


def test_the_course_model_is_trained_once_then_reused(tmp_path, monkeypatch, capsys, tiny_model_dir):
    """Training is stubbed (a tiny saved model stands in): what is tested is the cache's logic."""
    import shutil

    trained = []

    def fake_training(recipe, output_dir, device=None):
        trained.append(recipe.key())
        shutil.copytree(tiny_model_dir, output_dir)
        return output_dir

    monkeypatch.setenv(nli.CACHE_VARIABLE, str(tmp_path))
    monkeypatch.setattr(nli, "train_nli_model", fake_training)
    first = nli.course_nli_model("smoke")
    assert "training it once" in capsys.readouterr().out
    assert nli.course_nli_model("smoke") == first and "training" not in capsys.readouterr().out
    assert first.startswith(str(tmp_path / "nli")) and nli.NLI_RECIPES["smoke"].key() in first
    other = nli.course_nli_model("cpu")
    assert other != first and trained == [nli.NLI_RECIPES["smoke"].key(), nli.NLI_RECIPES["cpu"].key()]


def test_the_probes_are_complete_and_checked():
    probes = nli.load_probes()
    assert len(probes) == 40 and probes["id"].is_unique
    assert probes["category"].value_counts().to_dict() == {category: 10 for category in nli.PROBE_CATEGORIES}
    assert set(probes["label"]) == set(nli.NLI_LABELS)
    swapped = probes[probes["category"] == "swapped"]
    forwards = set(zip(swapped["premise"], swapped["hypothesis"]))
    assert all((h, p) in forwards for p, h in forwards), "every swapped probe has its pair read backwards"


def test_probes_of_your_own_may_use_new_categories(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(
        '{"id": "m1", "category": "quantifiers", "premise": "All dogs run.", "hypothesis": "Some dogs run.", '
        '"label": "entailment"}\n'
    )
    with pytest.raises(ValueError, match="categories=None accepts any"):
        nli.load_probes(path)
    assert nli.load_probes(path, categories=None)["category"].tolist() == ["quantifiers"]


@pytest.mark.parametrize(
    "line, message",
    [
        (
            '{"id": "p1", "category": "negation", "premise": "a", "hypothesis": "b", "label": "yes"}',
            "label 'yes'",
        ),
        (
            '{"id": "p1", "category": "jokes", "premise": "a", "hypothesis": "b", "label": "neutral"}',
            "category 'jokes'",
        ),
        (
            '{"id": "p1", "category": "negation", "premise": "", "hypothesis": "b", "label": "neutral"}',
            "premise",
        ),
        ('{"id": "p1", "category": "negation",', "not valid JSON"),
        ('["a", "list"]', "one JSON object per line"),
    ],
)
def test_a_bad_probe_file_names_the_line(tmp_path, line, message):
    good = '{"id": "p0", "category": "numbers", "premise": "a", "hypothesis": "b", "label": "entailment"}'
    path = tmp_path / "probes.jsonl"
    path.write_text(good + "\n\n" + line + "\n")
    with pytest.raises(ValueError, match="line 3") as error:
        nli.load_probes(path)
    assert message in str(error.value) and str(path) in str(error.value)


OBVIOUS = {
    "My parcel never arrived and the tracking has not changed for a week.": "delivery",
    "I was charged twice for the same order, please give me my money back.": "refund",
    "I cannot log in, the site keeps saying my password is wrong.": "account login",
    "The blender arrived broken, the glass jug is cracked.": "damaged item",
    "Where is my package? It was due on Monday.": "delivery",
    "Please refund the jacket I returned last week.": "refund",
    "I forgot my password and the reset email never comes.": "account login",
    "The mug was smashed to pieces when I opened the box.": "damaged item",
}


@pytest.mark.real_data
@pytest.mark.slow
# make test-full only: lesson 05's CI-budget run trains a cross-encoder the same way (2,000 SNLI
# pairs, one epoch) and asserts its zero-shot score; the caching is tested above on a tiny model
@pytest.mark.full
def test_the_smoke_course_model_drives_the_zero_shot_pipeline(tmp_path, monkeypatch, real_data_dir):
    """The real thing, smoke-sized: trained from snli (2,000 pairs, one epoch), cached, reused,
    and good enough for pipeline("zero-shot-classification") to rank obvious labels first."""
    from transformers import pipeline

    monkeypatch.setenv(nli.CACHE_VARIABLE, str(tmp_path))
    folder = nli.course_nli_model("smoke")
    recipe = json.loads((Path(folder) / "recipe.json").read_text())
    assert recipe == dataclasses.asdict(nli.NLI_RECIPES["smoke"])
    assert not list(tmp_path.glob("nli/*.partial")), "no half-written model is left behind"
    assert nli.course_nli_model("smoke") == folder  # cached: not trained again
    classify = pipeline("zero-shot-classification", model=folder)
    assert nli.entailment_index(classify.model.config.id2label) == 0
    labels = sorted(set(OBVIOUS.values()))
    answers = {text: classify(text, candidate_labels=labels) for text in OBVIOUS}
    right = [text for text, answer in answers.items() if answer["labels"][0] == OBVIOUS[text]]
    # measured: 8 of 8 (chance: 2); the smoke model's margins are small, so two misses are allowed
    assert len(right) >= 6, {
        text: (a["labels"][0], [round(s, 3) for s in a["scores"]]) for text, a in answers.items()
    }
