"""A lesson on files of your own: the small files the tests write, one per task shape.

A :class:`OwnDataExample` says how a lesson's smoke run in the tests gets its data: a part of
the course's support inbox written out as a learner's files would be (their own column names,
class names instead of ids, one file or several, CSV, JSON Lines, Parquet or CoNLL), and the
notebook parameters that point the lesson at them. The lesson then reads them through its
``DATASET`` parameter as it would read yours (:func:`clflib.data.load_lesson_dataset`).

>>> import tempfile
>>> example = OwnDataExample("sentiment_binary", "one file", "csv", {"TEXT_COLUMN": "review",
...                                                                   "LABEL_COLUMN": "verdict"})
>>> parameters = write_example(example, tempfile.mkdtemp())
>>> sorted(parameters), parameters["DATASET"].endswith("sentiment_binary.csv")
(['DATASET', 'LABEL_COLUMN', 'TEXT_COLUMN'], True)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from clflib import data
from clflib.data_files import LABEL_SEPARATOR

__all__ = ["OwnDataExample", "write_example", "LAYOUTS"]

LAYOUTS = {
    "one file": ("train", "validation", "test"),  # every row in one file: the lesson draws the splits
    "train and test": ("train", "test"),  # no validation file: the lesson draws it from train
    "three splits": ("train", "validation", "test"),
}
# the support inbox's column for each lesson parameter, per task shape
INBOX_COLUMN = {
    "TEXT_COLUMN": "text",
    "LABEL_COLUMN": "label",
    "LABELS_COLUMN": "labels",
    "PREMISE_COLUMN": "premise",
    "HYPOTHESIS_COLUMN": "hypothesis",
    "DOMAIN_COLUMN": "domain",
}


@dataclass(frozen=True)
class OwnDataExample:
    """Files of one task shape written from the support inbox (``inbox_config``).

    ``layout``: one of :data:`LAYOUTS`; ``format``: csv, tsv, jsonl, parquet or conll;
    ``columns``: for each notebook parameter naming a column, the name the files use;
    ``parameters``: any other notebook parameter the files need (lesson 02's catch-all class).
    """

    inbox_config: str
    layout: str
    format: str
    columns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    parameters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def _rows(split, renames: Mapping[str, str]) -> list[dict]:
    """A split's rows with class ids turned into names and columns renamed."""
    features = split.features
    rows = []
    for row in split.to_list():
        out = {}
        for column, value in row.items():
            feature = features[column]
            inner = getattr(feature, "feature", None)
            if hasattr(feature, "int2str"):
                value = feature.int2str(value)
            elif inner is not None and hasattr(inner, "int2str"):
                value = [inner.int2str(v) for v in value]
            out[renames.get(column, column)] = value
        rows.append(out)
    return rows


def _write(rows: list[dict], path: Path, kind: str) -> None:
    import pandas as pd

    if kind == "conll":
        path.write_text(
            "".join(
                "".join(f"{t}\t{g}\n" for t, g in zip(row["tokens"], row["ner_tags"])) + "\n" for row in rows
            ),
            encoding="utf-8",
        )
    elif kind == "jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    elif kind == "parquet":
        pd.DataFrame(rows).to_parquet(path, index=False)
    else:  # csv, tsv: a list of labels becomes "a;b"
        table = pd.DataFrame(
            [
                {k: LABEL_SEPARATOR.join(v) if isinstance(v, list) else v for k, v in row.items()}
                for row in rows
            ]
        )
        table.to_csv(path, index=False, sep="\t" if kind == "tsv" else ",")


def write_example(example: OwnDataExample, folder: str | Path) -> dict[str, str]:
    """Write ``example``'s files under ``folder``; returns the notebook parameters that point a
    lesson at them (``DATASET`` and the column parameters)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if example.layout not in LAYOUTS:
        raise ValueError(f"layout {example.layout!r} is not one of {list(LAYOUTS)}.")
    inbox = data.load_support_inbox(example.inbox_config)
    present = inbox["train"].column_names
    renames = {}
    for parameter, name in example.columns.items():
        source = INBOX_COLUMN[parameter]
        if source not in present and parameter == "LABEL_COLUMN":
            source = "intent"  # the inbox's intents: the lessons read them as "label"
        renames[source] = name
    splits = {split: _rows(inbox[split], renames) for split in LAYOUTS[example.layout]}
    suffix = example.format
    if example.layout == "one file":
        path = folder / f"{example.inbox_config}.{suffix}"
        _write([row for rows in splits.values() for row in rows], path, example.format)
    else:
        path = folder / example.inbox_config
        path.mkdir(exist_ok=True)
        for split, rows in splits.items():
            _write(rows, path / f"{split}.{suffix}", example.format)
    return {"DATASET": str(path), **example.columns, **example.parameters}
