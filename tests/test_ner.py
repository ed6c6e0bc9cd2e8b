"""clflib.ner on hand-made cases: alignment, word-level reading, strict entity scores, errors."""

import pytest

from clflib import ner

NAMES = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
OUT, B_PER, I_PER, B_LOC, I_LOC = range(5)


@pytest.fixture(scope="module")
def encode(minilm_tokenizer):
    def run(words, tags, strategy, max_length=64):
        batch = ner.tokenize_and_align(
            {"tokens": [words], "ner_tags": [tags]}, minilm_tokenizer, strategy, NAMES, max_length=max_length
        )
        tokens = minilm_tokenizer.convert_ids_to_tokens(batch["input_ids"][0])
        return tokens, batch["labels"][0], batch.word_ids(0)

    return run


def test_a_word_split_into_subwords_is_labelled_per_strategy(encode):
    words, tags = ["Lovelace", "met", "Babbage"], [B_PER, OUT, B_PER]
    tokens, first, word_ids = encode(words, tags, "first_subword")
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
    assert first[0] == first[-1] == ner.IGNORE_INDEX, "special tokens are never trained"
    pieces = [i for i, w in enumerate(word_ids) if w == 0]
    assert len(pieces) > 1, f"'Lovelace' should split into subwords, got {tokens}"
    assert [first[i] for i in pieces] == [B_PER] + [ner.IGNORE_INDEX] * (len(pieces) - 1)
    _, inside, _ = encode(words, tags, "all_subwords_inside")
    assert [inside[i] for i in pieces] == [B_PER] + [I_PER] * (len(pieces) - 1)
    _, copied, _ = encode(words, tags, "all_subwords_copied_b")
    assert [copied[i] for i in pieces] == [B_PER] * len(pieces)


def test_a_word_that_stays_one_token_gets_its_tag_under_every_strategy(encode):
    for strategy in ner.ALIGNMENT_STRATEGIES:
        tokens, labels, word_ids = encode(["met"], [OUT], strategy)
        assert tokens == ["[CLS]", "met", "[SEP]"] and labels == [ner.IGNORE_INDEX, OUT, ner.IGNORE_INDEX]


def test_inside_continuations_of_an_inside_word_stay_inside(encode):
    _, labels, word_ids = encode(["Ada", "Lovelace"], [B_PER, I_PER], "all_subwords_inside")
    assert [label for label, w in zip(labels, word_ids) if w == 1] == [I_PER] * word_ids.count(1)


def test_truncation_cuts_the_entity_and_the_labels_alike(encode):
    words = ["the"] * 10 + ["Lovelace"]
    tokens, labels, word_ids = encode(words, [OUT] * 10 + [B_PER], "all_subwords_inside", max_length=13)
    assert len(labels) == len(tokens) == 13 and labels[-1] == ner.IGNORE_INDEX
    assert max(w for w in word_ids if w is not None) == 10, "the cut keeps the first subword only"
    assert labels[-2] == B_PER


def test_an_empty_sentence_has_only_special_tokens(encode):
    tokens, labels, _ = encode([], [], "first_subword")
    assert tokens == ["[CLS]", "[SEP]"] and labels == [ner.IGNORE_INDEX] * 2


def test_tokens_and_tags_of_different_lengths_name_the_example(minilm_tokenizer):
    batch = {"tokens": [["fine"], ["Ada", "Lovelace", "wrote"]], "ner_tags": [[OUT], [B_PER, I_PER]]}
    with pytest.raises(ValueError, match=r"Example 1 of this batch has 3 tokens but 2 tags \(starts 'Ada"):
        ner.tokenize_and_align(batch, minilm_tokenizer, "first_subword", NAMES)


def test_tags_outside_the_label_set_are_refused():
    with pytest.raises(ValueError, match=r"Tag id 7 \(example 3\) is outside the label set of 5 tags"):
        ner.align_labels([None, 0], [7], "first_subword", NAMES, example=3)
    with pytest.raises(ValueError, match="Unknown alignment strategy"):
        ner.align_labels([None, 0], [0], "every_token", NAMES)


def test_word_predictions_fill_words_without_tokens():
    # word 1 became no token (an emoji's variation selector), word 3 was cut off by truncation
    assert ner.word_predictions([0, 2, 1, 0], [None, 0, 2, None], num_words=4, fill=0) == [2, 0, 1, 0]


def test_word_predictions_read_the_first_subword():
    assert ner.word_predictions([0, B_PER, I_PER, B_PER, OUT, 0], [None, 0, 0, 0, 1, None]) == [B_PER, OUT]


def test_an_inside_tag_without_a_begin_starts_no_entity_in_strict_mode():
    assert ner.entity_spans(["I-PER", "I-PER", "O"]) == []
    assert ner.entity_spans(["B-PER", "I-LOC"]) == [("PER", 0, 1)]


def test_copied_b_read_per_subword_counts_extra_entities():
    """Why scoring strategy (c) per subword inflates the entity count: each B- starts one."""
    one_word_three_pieces = ["B-PER", "B-PER", "B-PER"]
    assert len(ner.entity_spans(one_word_three_pieces)) == 3
    assert len(ner.entity_spans(["B-PER", "I-PER", "I-PER"])) == 1


def test_entity_and_token_scores_side_by_side():
    true = [["B-PER", "I-PER", "O", "O", "O", "B-LOC"]]
    predicted = [["B-PER", "O", "O", "O", "O", "B-LOC"]]
    entities = ner.entity_scores(true, predicted)
    assert (entities["precision"], entities["recall"], entities["f1"]) == (0.5, 0.5, 0.5)
    assert entities["per_type"]["LOC"]["f1"] == 1.0 and entities["per_type"]["PER"]["support"] == 1
    tokens = ner.token_scores(true, predicted)
    assert tokens["accuracy"] == pytest.approx(5 / 6) and tokens["o_share"] == pytest.approx(0.5)
    # per word, the half-found person still earns a hit: 2 of 2 predicted entity words right,
    # 2 of 3 true ones found
    assert tokens["micro_f1"] == pytest.approx(0.8) and tokens["micro_f1"] > entities["f1"]
    nothing = ner.token_scores(true, [["O"] * 6])
    assert nothing["accuracy"] == pytest.approx(nothing["o_share"]) and nothing["micro_f1"] == 0.0
    with pytest.raises(ValueError, match="Sequence 0: 2 true tags but 1 predicted"):
        ner.entity_scores([["O", "O"]], [["O"]])


def test_error_taxonomy_counts_every_kind():
    true = [
        ["B-PER", "I-PER", "O", "B-LOC", "O", "O"],  # boundary error on PER, LOC missed
        ["B-PER", "O", "B-LOC", "O", "O", "O"],  # right PER, LOC read as PER (type error)
    ]
    predicted = [
        ["B-PER", "O", "O", "O", "O", "B-LOC"],  # ... and a spurious LOC at the end
        ["B-PER", "O", "B-PER", "O", "O", "O"],
    ]
    result = ner.error_taxonomy(true, predicted)
    assert result["counts"] == {
        "correct": 1,
        "type": 1,
        "boundary": 1,
        "boundary_and_type": 0,
        "missed": 1,
        "spurious": 1,
    }
    assert result["examples"]["type"] == [(1, ("LOC", 2, 3), ("PER", 2, 3))]


def test_spans_are_shown_as_text_and_as_escaped_html():
    text = "<script>alert(1)</script> from Ada in Leeds"
    spans = [{"label": "LOC", "start": 38, "end": 43}, {"label": "PER", "start": 31, "end": 34}]
    assert ner.spans_as_text(text, spans).endswith("from [Ada](PER) in [Leeds](LOC)")
    shown = ner.spans_as_html(text, spans)
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert shown.count("<mark") == 2 and ">LOC</b>" in shown and ">PER</b>" in shown
    with pytest.raises(ValueError, match="does not fit the text"):
        ner.spans_as_text("short", [{"label": "PER", "start": 2, "end": 40}])


def test_encode_splits_scores_evaluation_data_per_word(minilm_tokenizer):
    import datasets

    words, tags = ["Lovelace", "met", "Babbage"], [B_PER, OUT, B_PER]
    split = datasets.Dataset.from_dict({"tokens": [words], "ner_tags": [tags]})
    encoded = ner.encode_splits(
        datasets.DatasetDict(train=split, test=split), minilm_tokenizer, "all_subwords_copied_b", NAMES
    )
    trained = [label for label in encoded["train"][0]["labels"] if label != ner.IGNORE_INDEX]
    scored = [label for label in encoded["test"][0]["labels"] if label != ner.IGNORE_INDEX]
    assert len(trained) > len(words), "the training split is aligned with the chosen strategy"
    assert scored == tags, "evaluation splits keep one label per word (first subword)"


def test_tags_from_predictions_read_only_the_scored_positions():
    import numpy as np

    logits = np.zeros((2, 4, len(NAMES)))
    logits[0, [1, 2, 3], [B_PER, I_PER, OUT]] = 1.0
    logits[1, [1, 2], [B_LOC, B_LOC]] = 1.0
    labels = np.array([[-100, B_PER, -100, OUT], [-100, B_LOC, OUT, -100]])
    true, predicted = ner.tags_from_predictions(logits, labels, NAMES)
    assert true == [["B-PER", "O"], ["B-LOC", "O"]]
    assert predicted == [["B-PER", "O"], ["B-LOC", "B-LOC"]]
    with pytest.raises(ValueError, match="differ in shape"):
        ner.tags_from_predictions(logits[:, :3], labels, NAMES)


def test_compute_metrics_scores_entities_strictly():
    import numpy as np

    compute = ner.make_compute_metrics(NAMES)
    labels = np.array([[B_PER, I_PER, OUT, B_LOC]])
    half = np.array([[B_PER, OUT, OUT, B_LOC]])  # the person's span is cut short: one of two right
    result = compute((np.eye(len(NAMES))[half], labels))
    assert result["f1"] == pytest.approx(0.5) and result["token_accuracy"] == pytest.approx(0.75)


def test_whitespace_word_ids_follow_the_whitespace_chunks(minilm_tokenizer):
    from clflib.spans import whitespace_word_ids

    text = "  BL-80027,\tshipped\n\nto  Zoë's flat "
    encoded = minilm_tokenizer(text, return_offsets_mapping=True)
    ids = whitespace_word_ids(text, encoded["offset_mapping"])
    words = text.split()
    assert ids[0] is None and ids[-1] is None, "[CLS] and [SEP] belong to no word"
    inner = [(i, span) for i, span in zip(ids, encoded["offset_mapping"]) if i is not None]
    assert [i for i, _ in inner] == sorted(i for i, _ in inner) and inner[-1][0] == len(words) - 1
    for word, (start, end) in inner:
        assert text[start:end] in words[word], f"token {text[start:end]!r} is not part of {words[word]!r}"
    assert len(encoded.word_ids()) == len(ids) and max(w for w in encoded.word_ids() if w is not None) > len(
        words
    )
