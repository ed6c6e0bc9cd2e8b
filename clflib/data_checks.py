"""Look at the data before training: leakage across splits, and lengths in tokens.

Taught in lessons 01-03.

>>> normalise_text("  Great   MOVIE!! ")
'great movie'
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

__all__ = [
    "normalise_text",
    "text_fingerprint",
    "leakage_report",
    "leakage_summary",
    "drop_shared_texts",
    "LengthStats",
    "token_length_stats",
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
    first = texts[0]
    pairs = isinstance(first, (tuple, list)) and len(first) == 2 and isinstance(first[0], str)
    if pairs:
        encoded = tokenizer([a for a, _ in texts], [b for _, b in texts], truncation=False)
    else:
        encoded = tokenizer(texts, truncation=False)
    lengths = np.array([len(ids) for ids in encoded["input_ids"]])
    limit = int(getattr(tokenizer, "model_max_length", 512) or 512)
    limit = min(limit, 100_000)  # some tokenizers report a huge sentinel value
    suggested = int(math.ceil(np.percentile(lengths, percentile) / multiple_of) * multiple_of)
    suggested = max(multiple_of, min(suggested, limit))
    return LengthStats(lengths, suggested, float((lengths > suggested).mean()))
