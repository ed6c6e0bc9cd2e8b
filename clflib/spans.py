"""Entity spans from per-word tags (BIO, also BIOES and bare tags), with character offsets.

A token-classification model tags tokens; people want spans: "Ada Lovelace" is one PER from
character 0 to 12. The predictor tags each *word* with the tag of its first sub-word token and
passes the words' character offsets here; :func:`bio_spans` joins consecutive words into spans:

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

from collections.abc import Sequence


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


def bio_spans(text: str, word_offsets: Sequence[tuple[int, int]], word_tags: Sequence[str],
              word_scores: Sequence[float]) -> list[dict]:
    """Join tagged words into spans: ``{"label", "start", "end", "text", "score"}`` each.

    ``word_offsets`` are (start, end) character positions of each word in ``text``.
    """
    if not len(word_offsets) == len(word_tags) == len(word_scores):
        raise ValueError(f"need one offset, tag and score per word; got {len(word_offsets)}, "
                         f"{len(word_tags)} and {len(word_scores)}.")
    spans: list[dict] = []
    current: dict | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            scores = current.pop("scores")
            current["text"] = text[current["start"]:current["end"]]
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
