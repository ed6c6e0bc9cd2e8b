"""Zero-shot routes: NLI scores equal the pipeline's, embedding similarity on obvious cases,
synthetic examples, and clear errors."""

import numpy as np
import pytest

from clflib import zeroshot

TEXTS = [
    "I would like my money back for the broken kettle, please.",
    "Where is my parcel? It was due on Monday.",
    "How do I reset my password?",
    "ok",
]
LABELS = ["refund", "delivery", "account login"]


def test_forward_passes_and_hypotheses():
    assert zeroshot.nli_forward_passes(10, 77) == 770
    assert zeroshot.hypotheses(["a b"], "It is {}.") == ["It is a b."]
    with pytest.raises(ValueError, match="exactly one"):
        zeroshot.hypotheses(["refund"], "no slot here")
    with pytest.raises(ValueError, match="repeat"):
        zeroshot.hypotheses(["refund", "refund"])
    with pytest.raises(TypeError, match="single string"):
        zeroshot.hypotheses("refund")
    with pytest.raises(ValueError, match="candidate label 1"):
        zeroshot.hypotheses(["refund", " "])


@pytest.mark.parametrize("multi_label", [False, True])
@pytest.mark.parametrize("template", [zeroshot.DEFAULT_TEMPLATE, "This message is about {}."])
def test_nli_scores_equal_the_pipeline(tiny_nli_model_dir, multi_label, template):
    from transformers import pipeline

    route = zeroshot.NliZeroShot.from_pretrained(
        str(tiny_nli_model_dir), template=template, multi_label=multi_label, batch_size=5
    )
    ours = route.predict_proba(TEXTS, LABELS)
    assert ours.shape == (len(TEXTS), len(LABELS))
    classifier = pipeline("zero-shot-classification", model=str(tiny_nli_model_dir), device="cpu")
    for row, text in enumerate(TEXTS):
        result = classifier(
            text, candidate_labels=LABELS, hypothesis_template=template, multi_label=multi_label
        )
        theirs = dict(zip(result["labels"], result["scores"]))
        np.testing.assert_allclose(ours[row], [theirs[label] for label in LABELS], atol=1e-5)
    if not multi_label:
        np.testing.assert_allclose(ours.sum(axis=1), 1.0, atol=1e-6)
    assert route.predict(TEXTS, LABELS) == [LABELS[i] for i in ours.argmax(axis=1)]


def test_nli_keeps_the_hypothesis_whole(tiny_nli_model_dir):
    route = zeroshot.NliZeroShot.from_pretrained(str(tiny_nli_model_dir), max_length=24)
    long_text = "My order never arrived and nobody answers the phone. " * 20
    logits = route.pair_logits([long_text, "short"], ["a refund of the whole order"])
    assert logits.shape == (2, 1, 3)
    encoded = route.tokenizer(
        long_text, "This example is a refund of the whole order.", truncation="only_first", max_length=24
    )
    assert len(encoded["input_ids"]) == 24  # what pair_logits asks the tokenizer for


def test_nli_needs_an_entailment_label(tiny_model):
    with pytest.raises(ValueError, match="entail"):
        zeroshot.NliZeroShot(tiny_model, None)


def test_embedding_route_on_obvious_texts():
    route = zeroshot.EmbeddingZeroShot("minilm", template="This message is about {}.")
    texts = TEXTS[:3]
    assert route.predict(texts, LABELS) == LABELS
    probabilities = route.predict_proba(texts, LABELS)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    similarities = route.similarities(texts, LABELS)
    assert np.all(similarities <= 1.0 + 1e-6) and np.all(similarities >= -1.0 - 1e-6)
    with pytest.raises(ValueError, match="temperature"):
        zeroshot.EmbeddingZeroShot("minilm", temperature=0)


def test_embedding_route_embeds_each_text_once_when_asked():
    """With reuse_vectors, other wordings on the same texts embed only the new label
    descriptions, and give what a fresh route gives; without it every call embeds again."""
    plain = zeroshot.EmbeddingZeroShot("minilm")
    plain.similarities(TEXTS, LABELS)
    assert plain.embedded_texts == 0, "a route that is timed must embed every time"
    route = zeroshot.EmbeddingZeroShot("minilm", reuse_vectors=True)
    with pytest.raises(TypeError, match="not a single string"):
        route.similarities("one text", LABELS)
    with pytest.raises(ValueError, match="empty list"):
        route.similarities([], LABELS)
    first = route.similarities(TEXTS, LABELS)
    assert route.embedded_texts == len(set(TEXTS)) + len(set(LABELS))
    route.template = "This message is about {}."
    again = route.similarities(TEXTS + TEXTS[:1], LABELS)
    assert route.embedded_texts == len(set(TEXTS)) + 2 * len(set(LABELS))  # only the new wordings
    fresh = zeroshot.EmbeddingZeroShot("minilm", template="This message is about {}.")
    np.testing.assert_allclose(again[: len(TEXTS)], fresh.similarities(TEXTS, LABELS), atol=1e-5)
    assert fresh.embedded_texts == 0
    np.testing.assert_allclose(again[-1], again[0], atol=1e-6)  # one vector, reused
    assert not np.allclose(first, again[: len(TEXTS)]), "the template changes the label vectors"
    route.max_length = 8  # a cut changes the vectors: they are embedded again
    route.similarities(TEXTS[:1], LABELS)
    assert route.embedded_texts == len(set(TEXTS)) + 2 * len(set(LABELS)) + 1 + len(set(LABELS))


def test_templated_examples():
    examples = zeroshot.templated_examples(["refund", "delivery"], ["I want a {}.", "A question about {}."])
    assert examples["text"] == [
        "I want a refund.",
        "A question about refund.",
        "I want a delivery.",
        "A question about delivery.",
    ]
    assert examples["label"] == [0, 0, 1, 1]
    assert examples.features["label"].names == ["refund", "delivery"]
    with pytest.raises(ValueError, match="no templates"):
        zeroshot.templated_examples(["refund"], [])
    with pytest.raises(ValueError, match="exactly one"):
        zeroshot.templated_examples(["refund"], ["no slot"])
