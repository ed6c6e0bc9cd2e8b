"""Look at the data before training: leakage across splits, lengths in tokens, and what truncation cuts.

Taught in lessons 01-03. :func:`warn_if_truncated` is what every clflib function that cuts texts
at ``max_length`` tokens (training, prediction, embeddings, zero-shot, the Predictor) calls, so no
text loses its end without a word.

>>> normalise_text("  Great   MOVIE!! ")
'great movie'
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "normalise_text",
    "text_fingerprint",
    "leakage_report",
    "leakage_summary",
    "drop_shared_texts",
    "LengthStats",
    "count_tokens",
    "token_length_stats",
    "TRUNCATION_WARN_SHARE",
    "TruncationWarning",
    "TruncationReport",
    "truncation_report",
    "warn_if_truncated",
]

_NON_WORD = re.compile(r"[^\w]+", flags=re.UNICODE)


def normalise_text(text: str) -> str:
    """Lower-case, Unicode-normalise, drop punctuation and collapse whitespace.

    Two texts that differ only in case, spacing or punctuation normalise to the same string,
    which is what a model sees as "the same example" for leakage purposes.
    """
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


def text_fingerprint(*parts: str) -> str:
    """A short hash of the normalised text (several parts for sentence pairs)."""
    joined = " || ".join(normalise_text(p) for p in parts)
    return hashlib.blake2b(joined.encode("utf-8"), digest_size=8).hexdigest()


def _fingerprints(dataset, text_columns: Sequence[str]) -> list[str]:
    columns = [list(dataset[c]) for c in text_columns]
    values = []
    for parts in zip(*columns):
        # token lists (NER data) are joined into one string first
        values.append(text_fingerprint(*(" ".join(p) if isinstance(p, list) else p for p in parts)))
    return values


def leakage_report(dataset_dict, text_columns: Sequence[str] = ("text",)) -> pd.DataFrame:
    """How many normalised texts each pair of splits shares, and within-split duplicates.

    Returns one row per split (its own duplicates) and one per pair of splits (texts in both),
    with the count, ``share`` (of the split, or of the second split of the pair) and an example.

    >>> from datasets import Dataset, DatasetDict
    >>> dd = DatasetDict(train=Dataset.from_dict({"text": ["Good film", "bad"]}),
    ...                  test=Dataset.from_dict({"text": ["good FILM!", "fine"]}))
    >>> leakage_report(dd)[["splits", "shared"]].values.tolist()
    [['train', 0], ['test', 0], ['train & test', 1]]
    """
    text_columns = tuple(text_columns)
    prints = {split: _fingerprints(ds, text_columns) for split, ds in dataset_dict.items()}
    texts = {split: list(ds[text_columns[0]]) for split, ds in dataset_dict.items()}
    rows = []
    for split, values in prints.items():
        duplicates = len(values) - len(set(values))
        rows.append(
            {"splits": split, "shared": duplicates, "share": duplicates / max(len(values), 1), "example": ""}
        )
    for a, b in combinations(prints, 2):
        shared = set(prints[a]) & set(prints[b])
        example = ""
        if shared:
            example = str(texts[b][prints[b].index(next(iter(sorted(shared))))])
        rows.append(
            {
                "splits": f"{a} & {b}",
                "shared": len(shared),
                "share": len(shared) / max(len(prints[b]), 1),
                "example": example,
            }
        )
    return pd.DataFrame(rows)


def leakage_summary(report: pd.DataFrame, ignorable_share: float = 0.005) -> str:
    """One sentence (Markdown) on a :func:`leakage_report`: how much is shared, and what to do.

    >>> import pandas as pd
    >>> leakage_summary(pd.DataFrame({"splits": ["a & b"], "shared": [0], "share": [0.0]}))
    'No text appears in two splits: the test score will mean what it says.'
    """
    cross = report[report["splits"].str.contains("&")]
    total = int(cross["shared"].sum())
    if total == 0:
        return "No text appears in two splits: the test score will mean what it says."
    worst = cross.loc[cross["shared"].idxmax()]
    found = (
        f"The splits share **{total}** normalised texts (worst pair: {worst['splits']}, "
        f"{int(worst['shared'])}, {worst['share']:.2%} of the second split). "
    )
    if worst["share"] < ignorable_share:
        return found + (
            "That cannot move a score by more than a rounding error, so we keep the "
            "official splits; on your own data, drop such texts from the evaluation splits."
        )
    return found + (
        "That is large enough to inflate the score: drop these texts from the "
        "evaluation split before trusting any number."
    )


def drop_shared_texts(dataset, reference, text_columns: Sequence[str] = ("text",)):
    """``dataset`` without the rows whose normalised text also appears in ``reference``.

    Use it on an evaluation split with the training split as ``reference``, so a score does not
    reward memory. Returns ``(filtered_dataset, number_dropped)``.

    >>> from datasets import Dataset
    >>> kept, dropped = drop_shared_texts(Dataset.from_dict({"text": ["Thanks!", "new one"]}),
    ...                                   Dataset.from_dict({"text": ["thanks"]}))
    >>> list(kept["text"]), dropped
    (['new one'], 1)
    """
    text_columns = tuple(text_columns)
    seen = set(_fingerprints(reference, text_columns))
    keep = [i for i, value in enumerate(_fingerprints(dataset, text_columns)) if value not in seen]
    return dataset.select(keep), len(dataset) - len(keep)


@dataclass(frozen=True)
class LengthStats:
    """Token lengths of a set of texts (special tokens included) and the max_length they imply."""

    lengths: np.ndarray
    suggested_max_length: int
    truncated_share: float

    def summary(self) -> dict[str, float]:
        p = np.percentile(self.lengths, [50, 90, 95, 99])
        return {
            "count": int(len(self.lengths)),
            "mean": float(self.lengths.mean()),
            "p50": float(p[0]),
            "p90": float(p[1]),
            "p95": float(p[2]),
            "p99": float(p[3]),
            "max": int(self.lengths.max()),
            "suggested_max_length": self.suggested_max_length,
            "truncated_share": self.truncated_share,
        }


def _is_pairs(texts: Sequence) -> bool:
    first = texts[0] if len(texts) else None
    return isinstance(first, (tuple, list)) and len(first) == 2 and isinstance(first[0], str)


def count_tokens(
    tokenizer, texts: Sequence, *, is_split_into_words: bool = False, chunk_size: int = 10_000
) -> np.ndarray:
    """The length in tokens of each text, untruncated and unpadded, special tokens included.

    ``texts`` holds strings, or ``(first, second)`` pairs (each pair counted as the one sequence
    the model reads), or, with ``is_split_into_words``, lists of words (NER data). Texts are
    tokenized ``chunk_size`` at a time and only the lengths are kept, so memory stays small on a
    large dataset. The one length counter of this module: :func:`token_length_stats` and
    :func:`truncation_report` use it.

    >>> from clflib.models import load_tokenizer
    >>> tokenizer = load_tokenizer("minilm")
    >>> count_tokens(tokenizer, ["short", "a much longer text than that"]).tolist()
    [3, 8]
    >>> count_tokens(tokenizer, [("a premise here", "a hypothesis")]).tolist()
    [8]
    """
    texts = list(texts)
    # verbose=False: no "longer than the maximum sequence length" log; counting is the point here
    options = {"truncation": False, "verbose": False, "return_attention_mask": False}
    pairs = not is_split_into_words and _is_pairs(texts)
    lengths: list[int] = []
    for start in range(0, len(texts), max(1, int(chunk_size))):
        chunk = texts[start : start + max(1, int(chunk_size))]
        if is_split_into_words:
            encoded = tokenizer(chunk, is_split_into_words=True, **options)
        elif pairs:
            encoded = tokenizer([a for a, _ in chunk], [b for _, b in chunk], **options)
        else:
            encoded = tokenizer(chunk, **options)
        lengths.extend(len(ids) for ids in encoded["input_ids"])
    return np.array(lengths, dtype=int)


def _model_limit(tokenizer) -> int | None:
    limit = getattr(tokenizer, "model_max_length", None)
    if not isinstance(limit, int) or limit <= 0 or limit > 100_000:
        return None  # unknown: some tokenizers report a huge sentinel value
    return limit


def token_length_stats(
    texts: Sequence[str], tokenizer, percentile: float = 95.0, multiple_of: int = 8
) -> LengthStats:
    """Token lengths and a max_length suggestion: the P95 length rounded up to ``multiple_of``.

    Rounding up to a multiple of 8 keeps tensor shapes friendly to the hardware; the suggestion
    never exceeds the tokenizer's ``model_max_length``. ``truncated_share`` is the fraction of
    texts longer than the suggestion (what truncation would cut).
    """
    texts = list(texts)
    if not texts:
        raise ValueError("token_length_stats needs at least one text.")
    lengths = count_tokens(tokenizer, texts)
    limit = _model_limit(tokenizer) or 512
    suggested = int(math.ceil(np.percentile(lengths, percentile) / multiple_of) * multiple_of)
    suggested = max(multiple_of, min(suggested, limit))
    return LengthStats(lengths, suggested, float((lengths > suggested).mean()))


TRUNCATION_WARN_SHARE = 0.05
""":func:`warn_if_truncated` warns when more than this share (5%) of the texts are cut.

Below it the cut is rare enough not to move a score (a few long outliers), and a warning on
every call would teach people to ignore it; the count is still in :func:`truncation_report`.
A single long text sent alone is 100% of its call, so it always warns. Pass ``threshold=0`` to
hear of every cut text."""


class TruncationWarning(UserWarning):
    """Some texts were longer than ``max_length`` tokens and lost their end (see :func:`warn_if_truncated`).

    A ``UserWarning``, so it shows by default; silence it on purpose with
    ``warnings.filterwarnings("ignore", category=TruncationWarning)``.
    """


@dataclass(frozen=True)
class TruncationReport:
    """How many of ``total`` texts are longer than ``max_length`` tokens (special tokens included).

    ``longest`` is the longest text's length in tokens; ``model_limit`` the tokenizer's
    ``model_max_length`` (None when it does not say); ``unit`` what is counted ("texts", "text
    pairs", "sentences").
    """

    total: int
    truncated: int
    longest: int
    max_length: int
    model_limit: int | None = None
    unit: str = "texts"

    @property
    def share(self) -> float:
        """The fraction of texts cut (0.0 for no texts)."""
        return self.truncated / self.total if self.total else 0.0

    def options(self) -> str:
        """What to do instead of cutting, in one sentence."""
        if self.model_limit is not None and self.max_length < self.model_limit:
            whole = (
                f"{self.longest} keeps every text whole"
                if self.longest <= self.model_limit
                else "even that cuts the longest"
            )
            longer = f"a longer max_length, up to the model's limit of {self.model_limit} tokens ({whole})"
        elif self.model_limit is not None:
            longer = f"not a longer max_length: {self.model_limit} is already the model's limit"
        else:
            longer = "a longer max_length, as far as the model's position embeddings allow"
        return (
            f"Options: (1) {longer}; (2) strided windows or chunks: split long texts into "
            "overlapping windows (return_overflowing_tokens=True, stride=...) and combine their "
            "predictions, as the Predictor does for token classification (stride=); (3) shorten the "
            "texts yourself (e.g. keep the start and the end), so the cut is your choice."
        )

    def message(self, where: str = "", hint: str = "") -> str:
        """One paragraph: what was cut, and the options (``hint`` adds one for the call site).

        >>> TruncationReport(400, 12, 311, 128, 512).message("embed").split(";")[0]
        'embed: 12 of 400 texts (3.0%) are longer than max_length=128 tokens and were cut'
        """
        prefix = f"{where}: " if where else ""
        if not self.truncated:
            return f"{prefix}none of {self.total} {self.unit} is longer than max_length={self.max_length} tokens."
        text = (
            f"{prefix}{self.truncated} of {self.total} {self.unit} ({self.share:.1%}) are longer than "
            f"max_length={self.max_length} tokens and were cut; the longest is {self.longest} tokens. "
            f"{self.options()}"
        )
        return f"{text} {hint}".rstrip()


def truncation_report(
    tokenizer,
    texts: Sequence | None,
    max_length: int,
    *,
    lengths: Sequence[int] | None = None,
    is_split_into_words: bool = False,
    unit: str | None = None,
) -> TruncationReport:
    """Count the texts (or ``(first, second)`` pairs) longer than ``max_length`` tokens.

    Tokenizes once, without padding or truncation (:func:`count_tokens`); a caller that already
    has the untruncated lengths passes ``lengths`` (special tokens included) and nothing is
    tokenized. Pairs are counted as pairs: the length is the two texts joined, as the model reads
    them.

    >>> from clflib.models import load_tokenizer
    >>> report = truncation_report(load_tokenizer("minilm"), ["short", "a much longer text than that"], 5)
    >>> report.truncated, report.total, report.longest, report.share
    (1, 2, 8, 0.5)
    """
    if not isinstance(max_length, int) or max_length < 1:
        raise ValueError(f"max_length must be a positive integer, got {max_length!r}.")
    if lengths is None:
        if texts is None:
            raise ValueError("truncation_report needs texts, or their untruncated lengths.")
        texts = list(texts)
        pairs = not is_split_into_words and _is_pairs(texts)
        lengths = count_tokens(tokenizer, texts, is_split_into_words=is_split_into_words)
    else:
        pairs = texts is not None and not is_split_into_words and _is_pairs(list(texts))
    lengths = np.asarray(lengths, dtype=int)
    if unit is None:
        unit = "text pairs" if pairs else "texts"
    return TruncationReport(
        total=int(len(lengths)),
        truncated=int((lengths > max_length).sum()),
        longest=int(lengths.max()) if len(lengths) else 0,
        max_length=int(max_length),
        model_limit=_model_limit(tokenizer),
        unit=unit,
    )


_PACKAGE = str(Path(__file__).resolve().parent)


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside clflib."""
    frame, level = sys._getframe(1), 1  # the function that calls warnings.warn
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level if frame is not None else 2


def warn_if_truncated(
    tokenizer,
    texts: Sequence | None,
    max_length: int,
    *,
    where: str = "",
    hint: str = "",
    threshold: float = TRUNCATION_WARN_SHARE,
    **counting: Any,
) -> TruncationReport:
    """:func:`truncation_report`, and a :class:`TruncationWarning` when more than ``threshold``
    of the texts (default :data:`TRUNCATION_WARN_SHARE`, 5%) are cut; returns the report.
    ``counting`` (``lengths``, ``is_split_into_words``, ``unit``) goes to :func:`truncation_report`.

    Nothing is said when no text is cut. The warning names the count, the share, the longest
    length and the options (:meth:`TruncationReport.message`), prefixed by ``where`` (the
    function that cuts), and points at the first line outside clflib that led to the cut.

    >>> from clflib.models import load_tokenizer
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = warn_if_truncated(load_tokenizer("minilm"), ["short", "a much longer text than that"], 5)
    >>> caught[0].category.__name__, str(caught[0].message)[:60]
    ('TruncationWarning', '1 of 2 texts (50.0%) are longer than max_length=5 tokens and')
    """
    report = truncation_report(tokenizer, texts, max_length, **counting)
    if report.truncated and report.share > threshold:
        warnings.warn(report.message(where, hint), TruncationWarning, stacklevel=_user_stacklevel())
    return report
