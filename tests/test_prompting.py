"""The LLM prompting route: prompts, parsing, and the pipeline path on a tiny random causal LM."""

import pytest

from clflib import prompting

LABELS = ["card_arrival", "card_linking", "top_up_failed", "card_not_working", "virtual_card_not_working"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("card_arrival", "card_arrival"),
        ("Card arrival.", "card_arrival"),
        ("Label: top-up failed", "top_up_failed"),
        ("  **card_linking**\nBecause the user ...", "card_linking"),
        ("The answer is card_linking", "card_linking"),
        ("card_arrival or card_linking", "unknown"),
        ("I cannot tell", "unknown"),
        ("", "unknown"),
        ("card", "unknown"),
        # a label inside a longer label it is part of does not count twice
        ("The label is virtual_card_not_working.", "virtual_card_not_working"),
        ("**Label:** virtual card not working", "virtual_card_not_working"),
        ("card_not_working", "card_not_working"),
        ("Label:\ncard_arrival", "card_arrival"),
        ("card_not_working, maybe virtual_card_not_working", "unknown"),  # two different labels
    ],
)
def test_answers_parse_to_a_label_or_unknown(answer, expected):
    assert prompting.parse_label(answer, LABELS) == expected


def test_messages_carry_the_labels_and_the_examples():
    messages = prompting.build_messages("where is my card?", LABELS, [("my top up failed", "top_up_failed")])
    assert all(label in messages[0]["content"] for label in LABELS)
    assert messages[-1] == {"role": "user", "content": "where is my card?"}
    with pytest.raises(ValueError, match="not in label_names"):
        prompting.build_messages("x", LABELS, [("y", "refund")])
    with pytest.raises(ValueError, match="label_names is empty"):
        prompting.build_messages("x", [])


def test_the_generation_path_runs_greedy_and_repeatably_on_a_random_model():
    model, tokenizer = prompting.tiny_random_causal_lm()
    classifier = prompting.PromptClassifier(model, tokenizer, label_names=LABELS)
    texts = ["where is my card?", "top up did not work", "link my card"]
    first = classifier.predict(texts, batch_size=2)
    assert len(first) == 3 and set(first) <= {*LABELS, "unknown"}
    assert len(classifier.last_answers) == 3
    assert classifier.predict(texts, batch_size=2) == first  # greedy: the same answers again
    assert "Assistant:" in classifier.prompts(texts)[0]  # no chat template: the plain transcript


def test_labels_that_read_the_same_are_refused_and_padding_is_left():
    with pytest.raises(ValueError, match="read the same"):
        prompting.parse_label("top up", ["top_up", "top-up"])
    model, tokenizer = prompting.tiny_random_causal_lm()
    classifier = prompting.PromptClassifier(model, tokenizer, label_names=LABELS)
    assert classifier.generator.tokenizer.padding_side == "left"
