"""Your own data: CSV, JSON Lines, Parquet or CoNLL files, checked and laid out as a lesson needs.

Taught in every lesson (its ``DATASET`` parameter takes a file or a folder); the door is
:func:`clflib.data.load_dataset`, which sends a path here.

A *task shape* names the columns a lesson reads and what each holds (:data:`TASK_SHAPES`):
``single_label`` (a text and its class: binary or multi-class), ``multi_label`` (a text and a
list of classes), ``ner`` (tokens and their BIO tags), ``pairs`` (two texts and a class).
``columns`` maps each of those names to the column of your files that holds it.

Where the splits come from: a folder holding ``train.*`` (and ``validation.*``/``dev.*``,
``test.*``) keeps its splits; a single file, or a folder without some split, gets the missing
ones drawn from the training rows (seeded; stratified by class where there is one class per
row). A held-out row whose text also appears in the training rows stays in training, so the
test score cannot reward memory. Every check runs before anything trains, and a failed one
raises :class:`DataFileError` with the file, the row and the value, and how to fix it.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "tickets.csv").write_text(
...     "message,team\\n" + "".join(f"where is parcel {i},delivery\\nrefund order {i},billing\\n"
...                                for i in range(10)))
>>> loaded = load_files(folder / "tickets.csv", "single_label", {"text": "message", "label": "team"})
>>> {split: len(rows) for split, rows in loaded.dataset.items()}
{'train': 16, 'validation': 2, 'test': 2}
>>> loaded.dataset["train"].features["label"].names
['billing', 'delivery']
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from clflib.data_checks import text_fingerprint
from clflib.sampling import stratified_indices

__all__ = [
    "TASK_SHAPES",
    "FORMATS",
    "LABEL_SEPARATOR",
    "HELD_OUT_SHARE",
    "DataFileError",
    "LoadedFiles",
    "looks_like_a_path",
    "find_split_files",
    "read_rows",
    "load_files",
    "load_hub",
]

# what each column of a task shape holds: text, class (one per row), classes (a list per row),
# tokens (a list of words), tags (one BIO tag per word)
TASK_SHAPES: dict[str, dict[str, str]] = {
    "single_label": {"text": "text", "label": "class"},
    "multi_label": {"text": "text", "labels": "classes"},
    "ner": {"tokens": "tokens", "ner_tags": "tags"},
    "pairs": {"premise": "text", "hypothesis": "text", "label": "class"},
}
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".conll": "conll",
    ".iob": "conll",
    ".txt": "conll",
}
SPLIT_NAMES = {"train": "train", "validation": "validation", "valid": "validation", "dev": "validation",
               "test": "test"}  # fmt: skip
LABEL_SEPARATOR = ";"  # a multi-label cell of a CSV file: "billing;refund"
HELD_OUT_SHARE = 0.1  # of the training rows, for each split the files do not have
NLI_ORDER = ("entailment", "neutral", "contradiction")  # snli's order, kept when the labels are these
_TAG = re.compile(r"^(O|[BI]-\S+)$")


class DataFileError(ValueError):
    """A file of yours that cannot be used as it is; the message names the file, the row and the
    value, and says how to fix it."""


@dataclass
class LoadedFiles:
    """What :func:`load_files` made: the ``DatasetDict`` in the task shape's column names, its
    name (the file or folder's), and ``notes``: what was done on the way, to print."""

    dataset: Any
    name: str
    notes: list[str] = field(default_factory=list)


def looks_like_a_path(name: str) -> bool:
    """Whether ``name`` (a lesson's ``DATASET``) names a file or folder rather than a dataset:
    it exists, or it has a folder separator or a data file's extension.

    >>> looks_like_a_path("banking77"), looks_like_a_path("data/tickets.csv"), looks_like_a_path("./x")
    (False, True, True)
    >>> looks_like_a_path("fancyzhx/ag_news")  # a Hub id: owner/name, no extension, not on disk
    False
    """
    path = Path(str(name)).expanduser()
    if path.exists():
        return True
    text = str(name)
    return text.startswith((".", "/", "~")) or path.suffix.lower() in FORMATS or "\\" in text


def find_split_files(path: str | Path) -> dict[str, Path]:
    """The files of each split: ``{"train": ...}`` for a single file; a folder's
    ``train.*``/``validation.*`` (or ``valid.*``, ``dev.*``)/``test.*``, or its one data file."""
    path = Path(path).expanduser()
    if path.is_file():
        return {"train": path}
    if not path.is_dir():
        raise DataFileError(
            f"{path}: no such file or folder (relative paths start from the notebook's folder, "
            f"{Path.cwd()}). Give the path of a CSV, JSON Lines, Parquet or CoNLL file, or of a "
            "folder holding train.csv (and validation.csv, test.csv)."
        )
    data = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FORMATS)
    by_split: dict[str, Path] = {}
    for file in data:
        split = SPLIT_NAMES.get(file.stem.lower())
        if split is None:
            continue
        if split in by_split:
            raise DataFileError(
                f"{path}: two files for the {split} split ({by_split[split].name}, {file.name}); keep one."
            )
        by_split[split] = file
    if by_split and "train" not in by_split:
        raise DataFileError(
            f"{path}: {', '.join(p.name for p in by_split.values())} but no train file; "
            "name the training file train.csv (or .jsonl, .parquet, .conll)."
        )
    if not by_split:
        if len(data) != 1:
            found = ", ".join(p.name for p in data) or "no .csv, .tsv, .jsonl, .json, .parquet or .conll file"
            raise DataFileError(
                f"{path}: {found}. Name the files train.*, validation.* and test.*, "
                "or point DATASET at the one file to use."
            )
        by_split["train"] = data[0]
    return by_split


# --- reading one file -------------------------------------------------------------------------


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise DataFileError(
            f"{path}, line {line}: byte 0x{error.object[error.start]:02x} is not UTF-8 text. "
            "Save the file as UTF-8 (a spreadsheet's 'CSV UTF-8'; or iconv -f latin1 -t utf-8)."
        ) from None


def _read_conll(path: Path) -> tuple[list[dict], list[int]]:
    """Sentences of a CoNLL-style file: one token a line, its tag in the last column, a blank
    line between sentences (``-DOCSTART-`` lines skipped)."""
    rows, lines, tokens, tags, start = [], [], [], [], 0
    for number, line in enumerate(_text(path).splitlines() + [""], start=1):
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if tokens:
                rows.append({"tokens": tokens, "tags": tags})
                lines.append(start)
            tokens, tags = [], []
            continue
        if len(parts) < 2:
            raise DataFileError(
                f"{path}, line {number}: {line.strip()!r} has a token but no tag; CoNLL files hold "
                "'token tag' on each line (tab or space between) and a blank line between sentences."
            )
        if not tokens:
            start = number
        tokens.append(parts[0])
        tags.append(parts[-1])
    return rows, lines


def read_rows(path: str | Path) -> tuple[list[dict], str, list[int]]:
    """The rows of one file as dicts, the format's name, and each row's line (or row) number.

    Text cells are read as text ("NA" stays "NA"); CoNLL files give ``tokens`` and ``tags``.
    """
    import pandas as pd

    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DataFileError(f"{path}: unknown format {path.suffix!r}; use one of {sorted(set(FORMATS))}.")
    if kind == "conll":
        rows, lines = _read_conll(path)
        return rows, kind, lines
    text = _text(path) if kind != "parquet" else ""  # not UTF-8: its own error, with the line
    try:
        if kind in ("csv", "tsv"):
            sep = "\t" if kind == "tsv" else ","
            table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
            first_line = 2  # the header is line 1
        elif kind == "jsonl":
            table = pd.read_json(io.StringIO(text), lines=not text.lstrip().startswith("["), dtype=False)
            first_line = 1
        else:
            table = pd.read_parquet(path)
            first_line = 0  # Parquet rows are numbered from 0
    except Exception as error:  # pandas raises many kinds for a malformed file
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataFileError(f"{path}: not a readable {kind} file ({message}).") from None
    rows = table.to_dict("records")
    return rows, kind, [first_line + i for i in range(len(rows))]


# --- checking and shaping the rows ------------------------------------------------------------


def _where(path: Path, kind: str, line: int) -> str:
    return f"{path}, {'row' if kind == 'parquet' else 'line'} {line}"


def _as_list(value: Any, kind: str) -> list | None:
    if isinstance(value, str):
        if kind in ("csv", "tsv"):
            return [part.strip() for part in value.split(LABEL_SEPARATOR) if part.strip()]
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(value)
    return None


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip()


def _cell(value: Any, role: str, column: str, where: str, kind: str) -> Any:
    """One cell, checked and shaped for its role: a text, a class name, or a list of them."""
    if role == "text":
        if _is_blank(value):
            raise DataFileError(f"{where}: the {column!r} cell is empty. Fill it in or drop the row.")
        return str(value)
    if role == "class":
        if _is_blank(value):
            raise DataFileError(f"{where}: no label in {column!r}. Label the row or drop it.")
        return str(int(value)) if isinstance(value, (bool, np.bool_)) else str(value).strip()
    items = _as_list(value, kind)  # classes, tokens, tags
    if items is None:
        spelled = f"'a{LABEL_SEPARATOR}b'" if kind in ("csv", "tsv") else "a list"
        raise DataFileError(f"{where}: {column!r} holds {value!r:.60}, not {spelled} of {role}.")
    items = [str(item).strip() for item in items]
    if role in ("tokens", "tags") and not items:
        raise DataFileError(f"{where}: an empty sentence (no {role}). Drop the row.")
    bad = next((tag for tag in items if not _TAG.match(tag)), None) if role == "tags" else None
    if bad is not None:
        raise DataFileError(
            f"{where}: tag {bad!r} is not BIO (O, B-TYPE or I-TYPE). Convert the tags to BIO first "
            "(an IO tag 'PER' becomes 'B-PER' on an entity's first word, 'I-PER' on the next ones)."
        )
    return items


def _shape_rows(
    path: Path, rows: list[dict], kind: str, lines: list[int], roles: Mapping[str, str], columns: Mapping[str, str],
    parameters: Mapping[str, str],
) -> list[dict]:  # fmt: skip
    """Rows in the task shape's column names, every value checked (empty texts, missing
    columns, tags that are not BIO, token and tag counts)."""
    if not rows:
        raise DataFileError(f"{path}: no rows. Is it the right file?")
    if kind == "conll":
        columns = {name: ("tokens" if role == "tokens" else "tags") for name, role in roles.items()}
    present = list(rows[0])
    for name in roles:
        if columns[name] not in rows[0]:
            hint = parameters.get(name, f"columns={{{name!r}: ...}}")
            raise DataFileError(
                f"{path}: no column {columns[name]!r} (for {name}). Its columns are {present}; "
                f"set {hint} to the one that holds the {name}."
            )
    tokens = [n for n, r in roles.items() if r == "tokens"]
    tags = [n for n, r in roles.items() if r == "tags"]
    shaped = []
    for row, line in zip(rows, lines):
        where = _where(path, kind, line)
        out = {
            name: _cell(row[columns[name]], role, columns[name], where, kind) for name, role in roles.items()
        }
        if tokens and tags and len(out[tokens[0]]) != len(out[tags[0]]):
            raise DataFileError(
                f"{where}: {len(out[tokens[0]])} tokens but {len(out[tags[0]])} tags; "
                "every token needs one tag."
            )
        shaped.append(out)
    return shaped


def _class_names(values: Sequence[str], role: str) -> list[str]:
    """Class names in a stable order: numbers by value, snli's three labels in snli's order,
    other names alphabetically; BIO tags with O first, then B- and I- of each entity type
    (both, even when the files never use one of them).

    >>> _class_names(["B-PER", "O", "B-LOC", "I-LOC"], "tags")
    ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER']
    """
    found = sorted(set(values))
    if all(v.lstrip("-").isdigit() for v in found):
        return sorted(found, key=int)
    if set(found) == set(NLI_ORDER):
        return list(NLI_ORDER)
    if role == "tags":  # every type gets both its B- and I- tag
        types = {tag[2:] for tag in found if tag != "O"}
        return ["O"] + [f"{edge}-{kind}" for kind in sorted(types) for edge in "BI"]
    return found


@dataclass
class _Split:
    rows: list[dict]
    path: Path
    kind: str
    lines: list[int]


def _features(roles: Mapping[str, str], names: Mapping[str, list[str]]):
    import datasets

    built = {}
    for name, role in roles.items():
        if role == "text":
            built[name] = datasets.Value("string")
        elif role == "class":
            built[name] = datasets.ClassLabel(names=names[name])
        elif role == "tokens":
            built[name] = datasets.List(datasets.Value("string"))
        else:  # classes, tags
            built[name] = datasets.List(datasets.ClassLabel(names=names[name]))
    return datasets.Features(built)


def _check_labels(splits: dict[str, _Split], roles: Mapping[str, str], columns: Mapping[str, str]) -> None:
    """Every class of the held-out splits occurs in training; training has two classes or more."""
    train = splits["train"]
    for name, role in roles.items():
        if role not in ("class", "classes", "tags"):
            continue
        listed = role != "class"
        seen = Counter(v for row in train.rows for v in (row[name] if listed else [row[name]]))
        if role == "class" and len(seen) < 2:
            only = next(iter(seen), "")
            raise DataFileError(
                f"{train.path}: every row has the label {only!r} in {columns[name]!r}; a classifier "
                "needs examples of at least two classes."
            )
        for split, part in splits.items():
            if split == "train":
                continue
            for row, line in zip(part.rows, part.lines):
                values = row[name] if listed else [row[name]]
                unseen = [v for v in values if v not in seen]
                if unseen:
                    raise DataFileError(
                        f"{_where(part.path, part.kind, line)}: label {unseen[0]!r} never appears in the "
                        f"training rows ({train.path.name}). Add training examples of it, or drop "
                        f"the {split} rows that have it."
                    )


def _fingerprint(row: dict, roles: Mapping[str, str]) -> str:
    parts = [
        " ".join(row[n]) if roles[n] == "tokens" else row[n]
        for n, r in roles.items()
        if r in ("text", "tokens")
    ]
    return text_fingerprint(*parts)


def _check_shared_texts(splits: dict[str, _Split], roles: Mapping[str, str]) -> None:
    """No text of a held-out split of the files also appears in their training split."""
    train = {_fingerprint(row, roles) for row in splits["train"].rows}
    for split, part in splits.items():
        if split == "train":
            continue
        shared = [
            (row, line) for row, line in zip(part.rows, part.lines) if _fingerprint(row, roles) in train
        ]
        if shared:
            row, line = shared[0]
            shown = next(v for v in row.values() if isinstance(v, str))
            raise DataFileError(
                f"{_where(part.path, part.kind, line)}: {shown!r:.80} is also in the training rows "
                f"({len(shared)} {split} rows are, ignoring case and punctuation), so the {split} "
                "score would reward memory. Remove them from one of the two files "
                "(clflib.data_checks.drop_shared_texts does it)."
            )


def _draw_held_out(
    train: _Split, missing: Sequence[str], roles: Mapping[str, str], seed: int
) -> tuple[dict[str, _Split], list[str]]:
    """Draw each missing split (``HELD_OUT_SHARE`` of the training rows) from ``train``,
    stratified when each row has one class; a drawn row whose text is also among the rows that
    stay in training goes back to training."""

    classes = [n for n, r in roles.items() if r == "class"]
    labels = [row[classes[-1]] for row in train.rows] if classes else None
    remaining = np.arange(len(train.rows))
    drawn: dict[str, np.ndarray] = {}
    size = max(1, int(round(len(train.rows) * HELD_OUT_SHARE)))
    if len(train.rows) < 10 * max(1, len(missing)):
        raise DataFileError(
            f"{train.path}: {len(train.rows)} rows are too few to draw {' and '.join(missing)} rows from; "
            "give at least 10 rows per split, or the splits as files (train, validation, test)."
        )
    rng = np.random.default_rng(seed)
    for offset, split in enumerate(missing):
        if labels is not None:
            picked = stratified_indices([labels[i] for i in remaining], size, seed + offset)
        else:
            picked = np.sort(rng.choice(len(remaining), size=size, replace=False))
        drawn[split] = remaining[picked]
        remaining = np.setdiff1d(remaining, drawn[split])
    kept = {_fingerprint(train.rows[i], roles) for i in remaining}
    notes = []
    for split in missing:
        back = [i for i in drawn[split] if _fingerprint(train.rows[i], roles) in kept]
        if back:
            drawn[split] = np.setdiff1d(drawn[split], back)
            remaining = np.sort(np.concatenate([remaining, back]))
            notes.append(f"{len(back)} drawn {split} rows went back to training: their text is also there")
    splits = {
        split: _Split([train.rows[i] for i in index], train.path, train.kind, [train.lines[i] for i in index])
        for split, index in {"train": remaining, **drawn}.items()
    }
    how = "stratified by label" if labels is not None else "at random"
    sizes = ", ".join(f"{split} {len(splits[split].rows):,}" for split in missing)
    notes.insert(
        0, f"no {' or '.join(missing)} file: drew {sizes} rows from the training rows ({how}, seed {seed})"
    )
    return splits, notes


def load_files(
    path: str | Path,
    task: str | Mapping[str, str],
    columns: Mapping[str, str] | None = None,
    *,
    seed: int = 42,
    parameters: Mapping[str, str] | None = None,
) -> LoadedFiles:
    """Your files as a ``datasets.DatasetDict`` with train, validation and test splits.

    Args:
        path: a file, or a folder holding ``train.*`` (and ``validation.*``, ``test.*``).
        task: a task shape's name (:data:`TASK_SHAPES`) or its own ``{column: role}``.
        columns: for each of the shape's columns, the column of your files holding it (default:
            the same name). CoNLL files need none: tokens and tags are their columns.
        seed: for the splits drawn from the training rows.
        parameters: for each of the shape's columns, the lesson parameter that names it (e.g.
            ``{"text": "TEXT_COLUMN"}``), so an error can say what to set.

    Raises :class:`DataFileError` naming the file, row and value for anything unusable.
    """
    roles = _roles(task)
    columns = {name: (columns or {}).get(name) or name for name in roles}
    files = find_split_files(path)
    splits = {}
    for split, file in files.items():
        rows, kind, lines = read_rows(file)
        shaped = _shape_rows(file, rows, kind, lines, roles, columns, parameters or {})
        splits[split] = _Split(shaped, file, kind, lines)
    name = Path(path).expanduser().name
    order = [split for split in ("train", "validation", "test") if split in files]
    notes = [f"{name}: " + ", ".join(f"{split} from {files[split].name}" for split in order)]
    return _finish(splits, roles, columns, seed, name, notes)


def _roles(task: str | Mapping[str, str]) -> dict[str, str]:
    if isinstance(task, str):
        if task not in TASK_SHAPES:
            raise ValueError(f"Unknown task shape {task!r}; choose one of {list(TASK_SHAPES)}.")
        return dict(TASK_SHAPES[task])
    return dict(task)


def load_hub(
    hub_id: str,
    task: str | Mapping[str, str],
    columns: Mapping[str, str] | None = None,
    config: str | None = None,
    *,
    seed: int = 42,
    parameters: Mapping[str, str] | None = None,
) -> LoadedFiles:
    """A Hub dataset (``owner/name``) laid out and checked as :func:`load_files` does files:
    its columns renamed to the task shape's, class ids read as their names, missing splits
    drawn from train. Needs the Hub (Colab); raises the Hub's own error otherwise."""
    import datasets

    roles = _roles(task)
    columns = {name: (columns or {}).get(name) or name for name in roles}
    hub = datasets.load_dataset(hub_id, config)
    where = Path(f"{hub_id} (Hub)")
    splits, known = {}, {}
    for name, role in roles.items():  # the Hub's own class order is kept
        feature = next(iter(hub.values())).features.get(columns[name])
        feature = getattr(feature, "feature", feature)
        if role in ("class", "classes", "tags") and isinstance(feature, datasets.ClassLabel):
            known[name] = list(feature.names)
    for split_name, part in hub.items():
        split = SPLIT_NAMES.get(split_name.lower())
        if split is None or split in splits:
            continue
        rows = part.to_list()
        for column, feature in part.features.items():  # class ids back to their names
            inner = getattr(feature, "feature", None)
            if isinstance(feature, datasets.ClassLabel):
                for row in rows:
                    row[column] = (
                        feature.int2str(row[column]) if row[column] is not None and row[column] >= 0 else None
                    )
            elif isinstance(inner, datasets.ClassLabel):
                for row in rows:
                    row[column] = [inner.int2str(v) for v in row[column]]
        lines = list(range(len(rows)))
        splits[split] = _Split(
            _shape_rows(where, rows, "parquet", lines, roles, columns, parameters or {}),
            where,
            "parquet",
            lines,
        )
    if "train" not in splits:
        raise DataFileError(f"{hub_id}: no train split on the Hub (it has {list(hub)}).")
    notes = [f"{hub_id} (Hub): splits " + ", ".join(splits)]
    return _finish(splits, roles, columns, seed, hub_id, notes, known)


def _finish(
    splits: dict[str, _Split],
    roles: dict[str, str],
    columns: dict[str, str],
    seed: int,
    name: str,
    notes: list[str],
    known: Mapping[str, list[str]] | None = None,
) -> LoadedFiles:
    """Check the rows, draw the missing splits and build the DatasetDict."""
    import datasets

    _check_shared_texts(splits, roles)
    missing = [split for split in ("validation", "test") if split not in splits]
    if missing:
        drawn, drawn_notes = _draw_held_out(splits.pop("train"), missing, roles, seed)
        splits.update(drawn)
        notes += drawn_notes
    splits = {split: splits[split] for split in ("train", "validation", "test")}
    _check_labels(splits, roles, columns)
    names = {}
    for column, role in roles.items():
        if role in ("class", "classes", "tags"):
            values = [
                v
                for part in splits.values()
                for row in part.rows
                for v in (row[column] if role != "class" else [row[column]])
            ]
            names[column] = list((known or {}).get(column) or _class_names(values, role))
    features = _features(roles, names)
    index = {column: {label: i for i, label in enumerate(found)} for column, found in names.items()}

    def encoded(row: dict) -> dict:
        out = dict(row)
        for column, role in roles.items():
            if role == "class":
                out[column] = index[column][row[column]]
            elif role in ("classes", "tags"):
                out[column] = [index[column][v] for v in row[column]]
        return out

    dataset = datasets.DatasetDict(
        {
            split: datasets.Dataset.from_list([encoded(row) for row in part.rows], features=features)
            for split, part in splits.items()
        }
    )
    notes.append(
        "rows: " + ", ".join(f"{split} {len(part):,}" for split, part in dataset.items())
        + "; " + "; ".join(f"{column}: {len(found)} classes" for column, found in names.items())
    )  # fmt: skip
    return LoadedFiles(dataset, name, notes)
