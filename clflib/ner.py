"""Named-entity recognition: subword label alignment, word-level reading, entity-level scores.

Taught in lesson 04 (NER).

A tokenizer splits words into subwords, but the labels belong to words. Before training, each
token needs a label (or -100, which the loss ignores); after prediction, each word needs one tag.
Three alignment strategies are in use, and the peers' materials disagree on them:

- ``"first_subword"``: the first subword of a word gets the word's tag, the rest -100;
- ``"all_subwords_inside"``: every subword is trained; continuations of a ``B-X`` word get
  ``I-X`` (the span stays one entity when read per subword);
- ``"all_subwords_copied_b"``: every subword gets the word's own tag, ``B-X`` copied onto each
  continuation (a per-subword reading then sees several entities where there is one).

Special tokens (``[CLS]``, ``[SEP]``, padding) always get -100. To compare the strategies fairly,
predictions are read at word level: a word's tag is its first subword's (:func:`word_predictions`),
and entities are scored with seqeval in strict IOB2 mode (:func:`entity_scores`): an entity
counts only when its span and its type both match.

>>> names = ["O", "B-PER", "I-PER"]
>>> word_ids = [None, 0, 0, 0, 1, None]      # "[CLS] ada love ##lace met [SEP]"-like
>>> align_labels(word_ids, [1, 0], "first_subword", names)
[-100, 1, -100, -100, 0, -100]
>>> align_labels(word_ids, [1, 0], "all_subwords_inside", names)
[-100, 1, 2, 2, 0, -100]
>>> align_labels(word_ids, [1, 0], "all_subwords_copied_b", names)
[-100, 1, 1, 1, 0, -100]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from clflib.data_checks import warn_if_truncated

__all__ = [
    "IGNORE_INDEX",
    "ALIGNMENT_STRATEGIES",
    "inside_tag_ids",
    "align_labels",
    "tokenize_and_align",
    "encode_splits",
    "word_predictions",
    "tags_from_predictions",
    "make_compute_metrics",
    "entity_spans",
    "entity_scores",
    "token_scores",
    "error_taxonomy",
    "spans_as_html",
    "spans_as_text",
]

IGNORE_INDEX = -100  # what PyTorch's cross-entropy (and so every transformers model) skips
ALIGNMENT_STRATEGIES = ("first_subword", "all_subwords_inside", "all_subwords_copied_b")


def _check_strategy(strategy: str) -> None:
    if strategy not in ALIGNMENT_STRATEGIES:
        raise ValueError(f"Unknown alignment strategy {strategy!r}; choose one of {ALIGNMENT_STRATEGIES}.")


def inside_tag_ids(label_names: Sequence[str]) -> list[int]:
    """For each tag id, the id a continuation subword gets under ``"all_subwords_inside"``.

    ``B-X`` maps to ``I-X`` (when the label set has it); every other tag maps to itself.

    >>> inside_tag_ids(["O", "B-PER", "I-PER", "B-LOC"])
    [0, 2, 2, 3]
    """
    index = {name: i for i, name in enumerate(label_names)}
    return [
        index.get("I-" + name[2:], i) if name.startswith("B-") else i for i, name in enumerate(label_names)
    ]


def align_labels(
    word_ids: Sequence[int | None],
    word_tags: Sequence[int],
    strategy: str,
    label_names: Sequence[str],
    example: int | str | None = None,
) -> list[int]:
    """One label per token from one label per word (see the module docstring for the strategies).

    ``word_ids`` is ``encoding.word_ids()`` of a fast tokenizer (None for special tokens). Words
    cut off by truncation simply do not appear. ``example`` names the example in error messages.
    """
    _check_strategy(strategy)
    where = f" (example {example})" if example is not None else ""
    for tag in word_tags:
        if not 0 <= int(tag) < len(label_names):
            raise ValueError(
                f"Tag id {tag}{where} is outside the label set of {len(label_names)} tags "
                f"{list(label_names)}; map the data's tags onto these names first."
            )
    inside = inside_tag_ids(label_names)
    labels, previous = [], None
    for word in word_ids:
        if word is None:
            labels.append(IGNORE_INDEX)
        elif word >= len(word_tags):
            raise ValueError(
                f"Token of word {word}{where}, but only {len(word_tags)} tags: tokens and tags must "
                f"have the same length."
            )
        elif word != previous:
            labels.append(int(word_tags[word]))
        elif strategy == "first_subword":
            labels.append(IGNORE_INDEX)
        elif strategy == "all_subwords_inside":
            labels.append(inside[int(word_tags[word])])
        else:
            labels.append(int(word_tags[word]))
        previous = word
    return labels


def tokenize_and_align(
    batch: dict[str, list],
    tokenizer,
    strategy: str,
    label_names: Sequence[str],
    max_length: int = 128,
    tokens_column: str = "tokens",
    tags_column: str = "ner_tags",
    *,
    warn_truncation: bool = True,
) -> dict[str, Any]:
    """Tokenize pre-split words and align their tags: for ``Dataset.map(..., batched=True)``.

    Raises a clear error for an example whose tokens and tags differ in length, naming it by its
    position in the batch and its first words. Sentences longer than ``max_length`` tokens lose
    their last words (and those words' tags); when more than 5% of the batch's sentences do, a
    :class:`clflib.data_checks.TruncationWarning` says how many. :func:`encode_splits` checks
    each whole split once instead and passes ``warn_truncation=False``.
    """
    _check_strategy(strategy)
    for i, (words, tags) in enumerate(zip(batch[tokens_column], batch[tags_column])):
        if len(words) != len(tags):
            raise ValueError(
                f"Example {i} of this batch has {len(words)} tokens but {len(tags)} tags "
                f"(starts {' '.join(words[:6])!r}): every token needs exactly one tag."
            )
    if warn_truncation:
        _warn_if_words_truncated(tokenizer, batch[tokens_column], max_length, "tokenize_and_align")
    encoded = tokenizer(
        batch[tokens_column], is_split_into_words=True, truncation=True, max_length=max_length
    )
    encoded["labels"] = [
        align_labels(encoded.word_ids(i), tags, strategy, label_names, example=i)
        for i, tags in enumerate(batch[tags_column])
    ]
    return encoded


def _warn_if_words_truncated(tokenizer, sentences, max_length: int, where: str) -> None:
    warn_if_truncated(
        tokenizer,
        list(sentences),
        max_length,
        is_split_into_words=True,
        unit="sentences",
        where=where,
        hint="The words past the cut are neither trained nor scored.",
    )


def encode_splits(
    splits,
    tokenizer,
    strategy: str,
    label_names: Sequence[str],
    max_length: int = 128,
    train_split: str = "train",
    tokens_column: str = "tokens",
    tags_column: str = "ner_tags",
):
    """Tokenize a DatasetDict for token classification: the training split aligned with
    ``strategy``, every other split with ``"first_subword"``.

    Evaluation data is always aligned with ``"first_subword"``, so the labelled positions of an
    evaluation example are exactly its words' first subwords: scores computed on them
    (:func:`tags_from_predictions`, :func:`make_compute_metrics`) are word-level scores, the
    same yardstick for a model trained with any strategy.

    Each split is checked once for sentences longer than ``max_length`` tokens (a
    :class:`clflib.data_checks.TruncationWarning` when more than 5% are).
    """

    def encoded(split: str):
        chosen = strategy if split == train_split else "first_subword"
        dataset = splits[split]
        _warn_if_words_truncated(
            tokenizer, dataset[tokens_column], max_length, f"encode_splits (split {split!r})"
        )
        return dataset.map(
            tokenize_and_align,
            batched=True,
            fn_kwargs=dict(
                tokenizer=tokenizer,
                strategy=chosen,
                label_names=label_names,
                max_length=max_length,
                tokens_column=tokens_column,
                tags_column=tags_column,
                warn_truncation=False,
            ),
            remove_columns=dataset.column_names,
            desc=f"Aligning {split} ({chosen})",
        )

    from datasets import DatasetDict

    return DatasetDict({split: encoded(split) for split in splits})


def tags_from_predictions(
    predictions, labels, label_names: Sequence[str]
) -> tuple[list[list[str]], list[list[str]]]:
    """True and predicted tag names at the labelled positions (label != -100) of each example.

    ``predictions``: (examples, tokens, tags) logits or (examples, tokens) tag ids, as
    ``Trainer.predict`` returns them; ``labels``: (examples, tokens), -100 where nothing is
    scored. On data aligned with ``"first_subword"`` this is one tag per word; on data aligned
    with another strategy it is one tag per trained subword.

    >>> tags_from_predictions([[0, 1, 2, 0]], [[-100, 1, -100, 0]], ["O", "B-X", "I-X"])
    ([['B-X', 'O']], [['B-X', 'O']])
    """
    import numpy as np

    predicted = np.asarray(predictions)
    if predicted.ndim == 3:
        predicted = predicted.argmax(axis=-1)
    labels = np.asarray(labels)
    if predicted.shape != labels.shape:
        raise ValueError(f"predictions {predicted.shape} and labels {labels.shape} differ in shape.")
    true_tags, predicted_tags = [], []
    for row_predictions, row_labels in zip(predicted, labels):
        scored = row_labels != IGNORE_INDEX
        true_tags.append([label_names[int(t)] for t in row_labels[scored]])
        predicted_tags.append([label_names[int(t)] for t in row_predictions[scored]])
    return true_tags, predicted_tags


def make_compute_metrics(label_names: Sequence[str]):
    """A ``compute_metrics`` for the Trainer: entity-level (seqeval, strict) precision, recall
    and F1, and per-word accuracy, at the labelled positions (word level on data from
    :func:`encode_splits`). Checkpoints are then chosen by entity F1 (``"f1"``).

    >>> compute = make_compute_metrics(["O", "B-X", "I-X"])
    >>> compute(([[[0, 1, 0], [0, 0, 1]]], [[1, 2]]))["f1"]
    1.0
    """

    def compute_metrics(eval_prediction) -> dict[str, float]:
        predictions, labels = eval_prediction[0], eval_prediction[1]
        true_tags, predicted_tags = tags_from_predictions(predictions, labels, label_names)
        entities = entity_scores(true_tags, predicted_tags)
        return {
            "precision": entities["precision"],
            "recall": entities["recall"],
            "f1": entities["f1"],
            "token_accuracy": token_scores(true_tags, predicted_tags)["accuracy"],
        }

    return compute_metrics


def word_predictions(
    token_predictions: Sequence[int],
    word_ids: Sequence[int | None],
    num_words: int | None = None,
    fill: int = 0,
) -> list[int]:
    """One predicted tag id per word: the prediction of the word's first subword.

    With ``num_words`` the list has one entry per word of the sentence, and a word with no token
    (cut off by truncation, or made only of characters the tokenizer drops, such as the
    invisible variation selector after some emoji) gets ``fill`` (tag id 0, usually ``O``), so
    the predictions line up with the sentence's words and gold tags.

    >>> word_predictions([0, 1, 2, 2, 0, 0], [None, 0, 0, 0, 1, None])
    [1, 0]
    >>> word_predictions([0, 1, 0, 0], [None, 0, 2, None], num_words=3)
    [1, 0, 0]
    """
    words: dict[int, int] = {}
    for prediction, word in zip(token_predictions, word_ids):
        if word is not None and word not in words:
            words[word] = int(prediction)
    if num_words is None:
        return [words[w] for w in sorted(words)]
    return [words.get(w, fill) for w in range(num_words)]


def entity_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entities of one tag sequence as ``(type, start, end)`` word positions, strict IOB2.

    An ``I-X`` that does not continue an ``X`` entity starts none (strict reading).

    >>> entity_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"])
    [('PER', 0, 2), ('LOC', 4, 5)]
    """
    from seqeval.scheme import IOB2, Entities

    found = Entities([list(tags)], IOB2, suffix=False).entities[0]
    return [(entity.tag, entity.start, entity.end) for entity in found]


def _check_pairs(true_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]) -> None:
    if len(true_tags) != len(predicted_tags):
        raise ValueError(f"{len(true_tags)} true sequences but {len(predicted_tags)} predicted ones.")
    for i, (true, predicted) in enumerate(zip(true_tags, predicted_tags)):
        if len(true) != len(predicted):
            raise ValueError(f"Sequence {i}: {len(true)} true tags but {len(predicted)} predicted ones.")


def entity_scores(
    true_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]
) -> dict[str, Any]:
    """Entity-level precision, recall and F1 (seqeval, strict IOB2), overall and per type.

    Returns ``{"precision", "recall", "f1", "per_type": {type: {"precision", "recall", "f1",
    "support"}}}``.

    >>> entity_scores([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])["f1"]
    0.0
    """
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    _check_pairs(true_tags, predicted_tags)
    report = classification_report(
        [list(t) for t in true_tags],
        [list(p) for p in predicted_tags],
        mode="strict",
        scheme=IOB2,
        output_dict=True,
        zero_division=0,
    )
    micro = report.pop("micro avg")
    for key in ("macro avg", "weighted avg"):
        report.pop(key, None)
    per_type = {
        name: {
            "precision": float(row["precision"]),
            "recall": float(row["recall"]),
            "f1": float(row["f1-score"]),
            "support": int(row["support"]),
        }
        for name, row in sorted(report.items())
    }
    return {
        "precision": float(micro["precision"]),
        "recall": float(micro["recall"]),
        "f1": float(micro["f1-score"]),
        "per_type": per_type,
    }


def token_scores(
    true_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]]
) -> dict[str, float]:
    """The same predictions scored per word, next to the share of ``O`` that flatters them.

    - ``accuracy``: the share of words whose tag is right (over every tag, ``O`` included;
      micro-F1 over all tags is the same number);
    - ``o_share``: the share of ``O`` words, which is also the accuracy of tagging everything ``O``;
    - ``micro_f1``: micro-F1 over the entity tags only (``B-X``/``I-X`` per word), where a word
      inside a half-found entity still counts: usually above the entity-level F1.

    >>> scores = token_scores([["B-PER", "I-PER", "O", "O"]], [["B-PER", "O", "O", "O"]])
    >>> scores["accuracy"], scores["o_share"], round(scores["micro_f1"], 3)
    (0.75, 0.5, 0.667)
    """
    _check_pairs(true_tags, predicted_tags)
    true = [tag for sequence in true_tags for tag in sequence]
    predicted = [tag for sequence in predicted_tags for tag in sequence]
    if not true:
        raise ValueError("No tags to score.")
    hits = sum(t == p and t != "O" for t, p in zip(true, predicted))
    true_entity_words = sum(t != "O" for t in true)
    predicted_entity_words = sum(p != "O" for p in predicted)
    total = true_entity_words + predicted_entity_words
    return {
        "accuracy": sum(t == p for t, p in zip(true, predicted)) / len(true),
        "o_share": true.count("O") / len(true),
        "micro_f1": 2 * hits / total if total else 0.0,
    }


def error_taxonomy(
    true_tags: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]], examples: int = 3
) -> dict[str, Any]:
    """Count what went wrong, entity by entity (strict IOB2 spans on both sides).

    - ``correct``: same span, same type;
    - ``type``: same span, another type;
    - ``boundary``: overlapping spans of the same type that do not match exactly;
    - ``boundary_and_type``: overlapping, different span and type;
    - ``missed``: a true entity no predicted one overlaps;
    - ``spurious``: a predicted entity no true one overlaps.

    Returns ``{"counts": {...}, "examples": {kind: [(sequence, true, predicted), ...]}}``.

    >>> error_taxonomy([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "O", "B-ORG", "O"]])["counts"]
    {'correct': 0, 'type': 0, 'boundary': 1, 'boundary_and_type': 0, 'missed': 1, 'spurious': 1}
    """
    _check_pairs(true_tags, predicted_tags)
    counts: Counter = Counter(
        {k: 0 for k in ("correct", "type", "boundary", "boundary_and_type", "missed", "spurious")}
    )
    shown: dict[str, list] = {}

    def note(kind: str, sequence: int, true=None, predicted=None) -> None:
        counts[kind] += 1
        if len(shown.setdefault(kind, [])) < examples:
            shown[kind].append((sequence, true, predicted))

    for i, (true, predicted) in enumerate(zip(true_tags, predicted_tags)):
        gold, guess = entity_spans(true), entity_spans(predicted)
        matched_guess: set[int] = set()
        for entity in gold:
            overlapping = [j for j, g in enumerate(guess) if g[1] < entity[2] and entity[1] < g[2]]
            if not overlapping:
                note("missed", i, entity)
                continue
            j = next((j for j in overlapping if guess[j][1:] == entity[1:]), overlapping[0])
            matched_guess.update(overlapping)
            other = guess[j]
            if other == entity:
                kind = "correct"
            elif other[1:] == entity[1:]:
                kind = "type"
            elif other[0] == entity[0]:
                kind = "boundary"
            else:
                kind = "boundary_and_type"
            note(kind, i, entity, other)
        for j, other in enumerate(guess):
            if j not in matched_guess:
                note("spurious", i, None, other)
    return {"counts": dict(counts), "examples": shown}


# --- showing predictions ----------------------------------------------------------------------

_COLOURS = ("#fde68a", "#bfdbfe", "#bbf7d0", "#fecaca", "#ddd6fe", "#fed7aa", "#a5f3fc", "#f5d0fe")


def _checked_spans(text: str, spans: Sequence[dict]) -> list[dict]:
    ordered = sorted(spans, key=lambda span: (span["start"], span["end"]))
    position = 0
    for span in ordered:
        if not 0 <= span["start"] < span["end"] <= len(text) or span["start"] < position:
            raise ValueError(
                f"Span {span!r} does not fit the text of {len(text)} characters or overlaps the "
                f"one before it: spans must come from this text (Predictor.predict)."
            )
        position = span["end"]
    return ordered


def spans_as_text(text: str, spans: Sequence[dict]) -> str:
    """The text with each entity marked inline, for consoles and headless runs.

    >>> spans_as_text("Ada met Bob", [{"label": "PER", "start": 0, "end": 3},
    ...                               {"label": "PER", "start": 8, "end": 11}])
    '[Ada](PER) met [Bob](PER)'
    """
    pieces, position = [], 0
    for span in _checked_spans(text, spans):
        pieces += [text[position : span["start"]], f"[{text[span['start'] : span['end']]}]({span['label']})"]
        position = span["end"]
    return "".join(pieces) + text[position:]


def spans_as_html(text: str, spans: Sequence[dict], labels: Sequence[str] | None = None) -> str:
    """The text as HTML with each entity highlighted (one colour per label) and its label shown.

    ``labels`` fixes the colour order (default: the labels in ``spans``, sorted). The text is
    escaped, so a message containing ``<script>`` is shown, never run.

    >>> spans_as_html("<b> Ada", [{"label": "PER", "start": 4, "end": 7}])[:60]
    '<div style="line-height: 2">&lt;b&gt; <mark style="backgroun'
    """
    import html

    ordered = _checked_spans(text, spans)
    palette = {
        label: _COLOURS[i % len(_COLOURS)]
        for i, label in enumerate(labels or sorted({span["label"] for span in ordered}))
    }
    pieces, position = ['<div style="line-height: 2">'], 0
    for span in ordered:
        colour = palette.get(span["label"], "#e5e7eb")
        pieces.append(html.escape(text[position : span["start"]]))
        pieces.append(
            f'<mark style="background: {colour}; padding: 0 2px">'
            f"{html.escape(text[span['start'] : span['end']])} "
            f"<small><b>{html.escape(span['label'])}</b></small></mark>"
        )
        position = span["end"]
    pieces += [html.escape(text[position:]), "</div>"]
    return "".join(pieces)
