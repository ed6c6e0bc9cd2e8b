from pathlib import Path

import pytest

from clflib import models


def test_alias_resolves_to_the_packaged_model_folder():
    folder = Path(models.resolve_model_name("minilm"))
    assert (folder / "config.json").is_file() and models.is_model_folder(folder)
    assert models.resolve_model_name("MiniLM") == str(folder)


def test_other_names_pass_through_unchanged():
    assert models.resolve_model_name("distilbert-base-uncased") == "distilbert-base-uncased"
    assert models.resolve_model_name("./runs/model") == "./runs/model"


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_bad_model_names_get_a_clear_error(bad):
    with pytest.raises(ValueError, match="MODEL_NAME"):
        models.resolve_model_name(bad)


def test_tokenizer_adds_special_tokens(minilm_tokenizer):
    ids = minilm_tokenizer("hello world")["input_ids"]
    assert ids[0] == minilm_tokenizer.cls_token_id and ids[-1] == minilm_tokenizer.sep_token_id


def test_classifier_gets_readable_labels(tiny_model_dir):
    model = models.load_sequence_classifier(str(tiny_model_dir), ["negative", "neutral", "positive"])
    assert model.config.num_labels == 3
    assert model.config.id2label[2] == "positive" and model.config.label2id["neutral"] == 1


def test_minilm_loads_as_a_classifier():
    model = models.load_sequence_classifier("minilm", ["neg", "pos"])
    assert model.config.hidden_size == 384 and model.config.num_hidden_layers == 6
    assert model.classifier.out_features == 2


def test_saved_classifier_keeps_its_labels(tiny_model_dir):
    model = models.load_sequence_classifier(str(tiny_model_dir))
    assert model.config.id2label == {0: "neg", 1: "pos"}


@pytest.mark.parametrize("labels", [["only"], ["a", "a"]])
def test_bad_label_lists_are_refused(labels):
    with pytest.raises(ValueError, match="at least two distinct"):
        models.load_sequence_classifier("minilm", labels)


def test_unknown_model_offline_explains_why():
    with pytest.raises(OSError, match="offline mode is on"):
        models.load_tokenizer("someone/no-such-model")


def test_loading_info_names_the_new_head():
    model, info = models.load_sequence_classifier("minilm", ["neg", "pos"], with_loading_info=True)
    assert info["missing_keys"] == ["classifier.bias", "classifier.weight"]
    assert model.num_labels == 2


def test_a_saved_folder_can_be_named_by_a_path(tiny_model_dir):
    from pathlib import Path

    from clflib.models import load_tokenizer, resolve_model_name

    assert resolve_model_name(Path(tiny_model_dir)) == str(tiny_model_dir)
    assert load_tokenizer(Path(tiny_model_dir))("hello")["input_ids"][0] == 101


def test_a_model_folder_without_tokenizer_files_is_refused(tiny_model_dir, tmp_path):
    """save_pretrained alone writes no tokenizer; transformers would then build a near-empty
    fallback tokenizer and predict garbage."""
    import shutil

    from clflib.serving.predictor import Predictor

    weights_only = tmp_path / "weights_only"
    shutil.copytree(tiny_model_dir, weights_only)
    for name in models.TOKENIZER_FILES + ("special_tokens_map.json",):
        (weights_only / name).unlink(missing_ok=True)
    with pytest.raises(FileNotFoundError, match="holds a model but no tokenizer") as error:
        models.load_tokenizer(weights_only)
    assert str(weights_only) in str(error.value) and "tokenizer.save_pretrained(folder)" in str(error.value)
    with pytest.raises(FileNotFoundError, match="no tokenizer"):
        Predictor.from_folder(weights_only)
