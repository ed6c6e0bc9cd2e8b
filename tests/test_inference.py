import numpy as np
import pytest

from clflib import inference


def test_order_is_restored_and_rows_sum_to_one(tiny_model, minilm_tokenizer):
    texts = ["a much longer text than the others by quite a bit", "hi", "medium sized text", "ok then"]
    batched = inference.predict_proba(tiny_model, minilm_tokenizer, texts, batch_size=2)
    one_by_one = np.vstack([inference.predict_proba(tiny_model, minilm_tokenizer, [t]) for t in texts])
    assert np.allclose(batched, one_by_one, atol=1e-5)
    assert np.allclose(batched.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "texts, error, match",
    [
        ("just one string", TypeError, "list of texts"),
        ([], ValueError, "empty list"),
        (["fine", None], TypeError, "item 1 is NoneType"),
        (["fine", 3.5], TypeError, "not strings"),
        (["fine", "   "], ValueError, "empty or whitespace"),
    ],
)
def test_bad_inputs_get_clear_errors(tiny_model, minilm_tokenizer, texts, error, match):
    with pytest.raises(error, match=match):
        inference.predict_proba(tiny_model, minilm_tokenizer, texts)


@pytest.fixture()
def tiny_multilabel_dir(tmp_path, minilm_tokenizer):
    """A tiny random 3-label multi-label BERT saved with the tokenizer (no thresholds yet)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    names = ["joy", "anger", "neutral"]
    config = BertConfig(
        vocab_size=minilm_tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=3,
        id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)},
        problem_type="multi_label_classification",
    )
    BertForSequenceClassification(config).save_pretrained(tmp_path)
    minilm_tokenizer.save_pretrained(tmp_path)
    return tmp_path


TEXTS = [
    "thank you so much, this made my day",
    "why would anyone do that",
    "ok",
    "the parcel arrived on tuesday as planned",
]


def test_multi_label_scores_are_sigmoids(tiny_multilabel_dir, minilm_tokenizer):
    import torch
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(tiny_multilabel_dir)
    scores = inference.predict_proba(model, minilm_tokenizer, TEXTS)
    with torch.inference_mode():
        logits = model(**minilm_tokenizer(TEXTS[:1], return_tensors="pt")).logits
    assert np.allclose(scores[0], torch.sigmoid(logits)[0].numpy(), atol=1e-5)
    assert not np.allclose(scores.sum(axis=1), 1.0)


def test_saved_thresholds_travel_with_the_model(tiny_multilabel_dir, minilm_tokenizer):
    from clflib import thresholds

    with pytest.raises(FileNotFoundError, match="no thresholds.json"):
        inference.load_classifier(tiny_multilabel_dir)
    # thresholds just under each label's lowest score: every label passes for every text
    from transformers import AutoModelForSequenceClassification

    scores = inference.predict_proba(
        AutoModelForSequenceClassification.from_pretrained(tiny_multilabel_dir), minilm_tokenizer, TEXTS
    )
    low = scores.min(axis=0) - 1e-4
    thresholds.save_thresholds(tiny_multilabel_dir, low, ["joy", "anger", "neutral"])
    model, tokenizer, saved = inference.load_classifier(tiny_multilabel_dir)
    assert np.allclose(saved.thresholds, low)
    assert inference.predict_label_sets(model, tokenizer, TEXTS, saved) == [["joy", "anger", "neutral"]] * 4
    # thresholds above every score, with "neutral" as the fallback: only neutral, everywhere
    thresholds.save_thresholds(
        tiny_multilabel_dir, [1.0, 1.0, 1.0], ["joy", "anger", "neutral"], fallback="neutral"
    )
    model, tokenizer, saved = inference.load_classifier(tiny_multilabel_dir)
    assert inference.predict_label_sets(model, tokenizer, TEXTS, saved) == [["neutral"]] * 4


def test_loading_a_folder_without_a_model_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved model"):
        inference.load_classifier(tmp_path)


def test_sentence_pairs_are_encoded_together_and_kept_in_order(tiny_model, minilm_tokenizer):
    premises = ["a man is playing a guitar on a stage in front of a crowd", "a dog runs", "two kids"]
    hypotheses = ["a person plays music", "an animal is outside in the park today", "children"]
    batched = inference.predict_proba(
        tiny_model, minilm_tokenizer, premises, batch_size=2, text_pairs=hypotheses
    )
    for i, (premise, hypothesis) in enumerate(zip(premises, hypotheses)):
        encoded = minilm_tokenizer(premise, hypothesis, return_tensors="pt")
        with __import__("torch").no_grad():
            expected = tiny_model(**encoded).logits.softmax(-1).numpy()[0]
        assert np.allclose(batched[i], expected, atol=1e-5), f"pair {i} was not scored as one input"
    swapped = inference.predict_proba(tiny_model, minilm_tokenizer, hypotheses, text_pairs=premises)
    assert not np.allclose(batched, swapped), "the order of the two sentences must matter"
    with pytest.raises(ValueError, match="3 texts but 2 text_pairs"):
        inference.predict_proba(tiny_model, minilm_tokenizer, premises, text_pairs=hypotheses[:2])
    with pytest.raises(TypeError, match="item 1"):
        inference.predict_proba(tiny_model, minilm_tokenizer, premises, text_pairs=["a", None, "c"])
