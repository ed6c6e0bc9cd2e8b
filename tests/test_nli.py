"""clflib.nli: pair features, the entailment label, and the course's NLI model made on demand."""

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
