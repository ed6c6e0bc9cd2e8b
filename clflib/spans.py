"""Entity spans from per-word tags (BIO, also BIOES and bare tags), with character offsets.

Taught in lesson 04 (NER); served by :class:`clflib.serving.predictor.Predictor` (lesson 08).

A token-classification model tags tokens; people want spans: "Ada Lovelace" is one PER from
character 0 to 12. :func:`word_spans` tags each *word* with the tag of its first sub-word token
(the word-level reading that makes alignment strategies comparable) and :func:`bio_spans` joins
consecutive tagged words into spans:

- ``B-X`` starts a span of type X; ``I-X`` continues a span of type X (or starts one after
  ``O`` or after another type, the lenient reading most taggers need);
- ``E-X`` ends a span, ``S-X`` is a one-word span (BIOES);
- a bare ``X`` (IO tagging) continues a span of type X; ``O`` is outside every span.

A span's score is the mean probability of its words' tags.

>>> text = "Ada Lovelace met Babbage in London"
>>> offsets = [(0, 3), (4, 12), (13, 16), (17, 24), (25, 27), (28, 34)]
>>> tags = ["B-PER", "I-PER", "O", "B-PER", "O", "B-LOC"]
>>> [(s["label"], s["text"], s["start"], s["end"]) for s in bio_spans(text, offsets, tags, [0.9] * 6)]
[('PER', 'Ada Lovelace', 0, 12), ('PER', 'Babbage', 17, 24), ('LOC', 'London', 28, 34)]
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\S+")  # a word of NER data: a whitespace-separated chunk

__all__ = ["split_tag", "bio_spans", "whitespace_word_ids", "word_spans", "spans_from_words", "merge_windows"]


def split_tag(tag: str) -> tuple[str, str | None]:
    """``"B-PER"`` -> ``("B", "PER")``; ``"O"`` -> ``("O", None)``; a bare ``"PER"`` -> ``("I", "PER")``.

    >>> split_tag("I-LOC"), split_tag("O"), split_tag("MISC")
    (('I', 'LOC'), ('O', None), ('I', 'MISC'))
    """
    if tag == "O":
        return "O", None
    prefix, dash, kind = tag.partition("-")
    if dash and prefix in {"B", "I", "E", "S"} and kind:
        return prefix, kind
    return "I", tag


def bio_spans(
    text: str, word_offsets: Sequence[tuple[int, int]], word_tags: Sequence[str], word_scores: Sequence[float]
) -> list[dict]:
    """Join tagged words into spans: ``{"label", "start", "end", "text", "score"}`` each.

    ``word_offsets`` are (start, end) character positions of each word in ``text``.
    """
    if not len(word_offsets) == len(word_tags) == len(word_scores):
        raise ValueError(
            f"need one offset, tag and score per word; got {len(word_offsets)}, "
            f"{len(word_tags)} and {len(word_scores)}."
        )
    spans: list[dict] = []
    current: dict | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            scores = current.pop("scores")
            current["text"] = text[current["start"] : current["end"]]
            current["score"] = float(sum(scores) / len(scores))
            spans.append(current)
        current = None

    for (start, end), tag, score in zip(word_offsets, word_tags, word_scores):
        prefix, kind = split_tag(tag)
        if kind is None:
            close()
            continue
        if prefix in {"B", "S"} or current is None or current["label"] != kind:
            close()
            current = {"label": kind, "start": int(start), "end": int(end), "scores": [score]}
        else:
            current["end"] = int(end)
            current["scores"].append(score)
        if prefix in {"E", "S"}:
            close()
    close()
    return spans


def whitespace_word_ids(text: str, token_offsets: Sequence[tuple[int, int]]) -> list[int | None]:
    """The whitespace-separated word of each token (None for special and padding tokens).

    NER data such as wnut_17 and the support inbox label *whitespace* tokens ("BL-80027",
    "yesterday,"), and the models learn one tag per such word, read at its first subword. A
    tokenizer's own ``word_ids()`` on raw text splits at punctuation too ("BL", "-", "80027"),
    which would serve words the model was never trained to tag. Grouping the tokens by the
    whitespace chunk their first character falls in gives back the training data's words.

    >>> whitespace_word_ids("BL-80027 ok", [(0, 0), (0, 2), (2, 3), (3, 8), (9, 11), (0, 0)])
    [None, 0, 0, 0, 1, None]
    """
    starts = [match.start() for match in _WORD.finditer(text)]
    return [
        None if int(end) <= int(start) else bisect.bisect_right(starts, int(start)) - 1
        for start, end in token_offsets
    ]


def word_spans(
    text: str,
    word_ids: Sequence[int | None],
    token_offsets: Sequence[tuple[int, int]],
    token_scores: np.ndarray,
    label_names: Sequence[str],
) -> list[dict]:
    """Entity spans of one text from its tokens' tag probabilities, read at word level.

    Each word takes the tag (and its probability) of its *first* sub-word token; its character
    span runs from its first token's start to its last token's end. Tokens whose ``word_ids``
    entry is None (special tokens, padding) are skipped. Then :func:`bio_spans` joins the words.

    Args:
        text: the text the tokens came from.
        word_ids: ``encoding.word_ids(i)`` of a fast tokenizer: the word of each token.
        token_offsets: each token's (start, end) in ``text`` (``return_offsets_mapping=True``).
        token_scores: (tokens, tags) probabilities, e.g. a softmax over the model's logits.
        label_names: the tag of each column of ``token_scores``.

    >>> scores = np.array([[1, 0, 0], [0, 1, 0], [0.2, 0, 0.8], [0, 0, 1], [1, 0, 0]])
    >>> spans = word_spans("Ada Lovelace", [None, 0, 1, 1, None],
    ...                    [(0, 0), (0, 3), (4, 8), (8, 12), (0, 0)], scores, ["O", "B-PER", "I-PER"])
    >>> [(s["label"], s["text"], round(s["score"], 2)) for s in spans]
    [('PER', 'Ada Lovelace', 0.9)]
    """
    token_scores = np.asarray(token_scores)
    if len(word_ids) != len(token_offsets) or len(word_ids) != len(token_scores):
        raise ValueError(
            f"need one word id, offset and score row per token; got {len(word_ids)}, "
            f"{len(token_offsets)} and {len(token_scores)}."
        )
    _, word_offsets, word_scores = merge_windows([word_ids], [token_offsets], [token_scores])
    return spans_from_words(text, word_offsets, word_scores, label_names)


def spans_from_words(
    text: str, word_offsets: Sequence[tuple[int, int]], word_scores: np.ndarray, label_names: Sequence[str]
) -> list[dict]:
    """Spans from one tag-probability row per word (what :func:`merge_windows` returns).

    >>> spans_from_words("Ada met", [(0, 3), (4, 7)], np.array([[0, 1], [1, 0]]), ["O", "B-PER"])[0]["text"]
    'Ada'
    """
    word_scores = np.asarray(word_scores, dtype=float).reshape(len(word_offsets), -1)
    if word_scores.shape[1] != len(label_names):
        raise ValueError(
            f"token_scores must have one column per tag ({len(label_names)}), got shape {word_scores.shape}."
        )
    tags = word_scores.argmax(axis=1)
    return bio_spans(
        text,
        [(int(start), int(end)) for start, end in word_offsets],
        [label_names[t] for t in tags],
        [float(word_scores[i, t]) for i, t in enumerate(tags)],
    )


def merge_windows(
    window_word_ids: Sequence[Sequence[int | None]],
    window_offsets: Sequence[Sequence[tuple[int, int]]],
    window_scores: Sequence[np.ndarray],
) -> tuple[list[int], list[tuple[int, int]], np.ndarray]:
    """One reading of a long text from its overlapping windows, for :func:`word_spans`.

    A text longer than the model's window is tokenized into windows that overlap (the
    tokenizer's ``return_overflowing_tokens=True, stride=...``). A word inside an overlap is seen
    twice; it is read from the window where its first subword has the most tokens of context on
    its shorter side, so words near a window's cut are read from the neighbour that sees both
    sides of them. Returns one entry per word: its id, its character span (first to last subword
    in that window) and its first subword's tag scores.

    >>> scores = [np.array([[1, 0], [0, 1], [0, 1]]), np.array([[0, 1], [1, 0], [0, 1]])]
    >>> ids, offsets, rows = merge_windows([[0, 1, 2], [1, 2, 3]],
    ...                                    [[(0, 1), (2, 3), (4, 5)], [(2, 3), (4, 5), (6, 7)]], scores)
    >>> ids, offsets, rows.argmax(axis=1).tolist()
    ([0, 1, 2, 3], [(0, 1), (2, 3), (4, 5), (6, 7)], [0, 1, 0, 1])
    """
    if not len(window_word_ids) == len(window_offsets) == len(window_scores) or not window_word_ids:
        raise ValueError("need one list of word ids, offsets and scores per window, and a window.")
    best: dict[int, tuple[int, tuple[int, int], np.ndarray]] = {}
    for word_ids, offsets, scores in zip(window_word_ids, window_offsets, window_scores):
        positions = [p for p, word in enumerate(word_ids) if word is not None]
        if not positions:
            continue
        first, last = positions[0], positions[-1]
        seen: dict[int, list] = {}
        for position in positions:
            word = word_ids[position]
            start, end = int(offsets[position][0]), int(offsets[position][1])
            if word not in seen:
                context = min(position - first, last - position)
                seen[word] = [context, start, end, np.asarray(scores[position])]
            else:
                seen[word][2] = end
        for word, (context, start, end, row) in seen.items():
            if word not in best or context > best[word][0]:
                best[word] = (context, (start, end), row)
    words = sorted(best)
    if not words:  # only special tokens
        return [], [], np.zeros((0, np.asarray(window_scores[0]).shape[-1]))
    return words, [best[w][1] for w in words], np.stack([best[w][2] for w in words])
