"""Batch prediction over a big file, resumable: ``python -m clflib.serving.predict MODEL_DIR INPUT OUTPUT``.

Taught in lesson 08.

INPUT is a CSV/TSV, JSON Lines or Parquet file (optionally .gz/.bz2/.xz/.zst compressed, except
Parquet, which compresses itself). It is read in chunks of ``--chunk-size`` rows, so memory
holds one chunk and the model whatever the file's size; a progress bar counts the rows.

OUTPUT is a **folder** (a Parquet dataset), not a single file:

- ``part-00000.parquet``, ``part-00001.parquet``, ...: one per chunk, with a ``row`` column (the
  input row number, from 0), the input columns kept (``--keep-columns``; all by default) and the
  predictions, prefixed ``pred_`` (``pred_label``, ``pred_score``, ``pred_probabilities``;
  ``pred_labels`` for multi-label models; ``pred_spans`` for token classification) plus
  ``pred_error``, which says why a row got no prediction (missing, not a string, empty);
- ``_progress.json``: the settings and the finished chunks.

Read it with ``pandas.read_parquet(OUTPUT)`` or :func:`read_output` (which checks the run is
complete and returns the rows in input order). Each part and the progress file are written to a
temporary name and renamed into place, so an interrupted run (Ctrl-C, a kill, a lost machine)
leaves only whole chunks. Running the same command again skips the finished chunks and carries
on; with other settings, or a changed input or model, it refuses instead of mixing two runs.

CSV has no types: its columns are kept as text (so an id "007" stays "007"), and only an empty
cell counts as missing. JSON Lines and Parquet columns keep their types; the first chunk fixes
them for the whole output.

>>> main(["runs/my_model", "emails.csv", "runs/emails_predicted", "--chunk-size", "5000"])  # doctest: +SKIP
0
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clflib.models import TOKENIZER_FILES, check_model_folder
from clflib.serving.predictor import Predictor

__all__ = [
    "PROGRESS_FILE",
    "FORMATS",
    "COMPRESSIONS",
    "input_format",
    "input_columns",
    "count_rows",
    "rechunk",
    "read_chunks",
    "write_atomically",
    "part_name",
    "read_progress",
    "read_output",
    "predict_file",
    "main",
]

PROGRESS_FILE = "_progress.json"
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
COMPRESSIONS = (".gz", ".bz2", ".xz", ".zst")


def input_format(path: str | Path) -> str:
    """``"csv"``, ``"tsv"``, ``"jsonl"`` or ``"parquet"``, from the file name.

    >>> input_format("emails.csv.gz"), input_format("tweets.jsonl"), input_format("big.parquet")
    ('csv', 'jsonl', 'parquet')
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    while suffixes and suffixes[-1] in COMPRESSIONS:
        suffixes.pop()
    if suffixes and suffixes[-1] in FORMATS:
        return FORMATS[suffixes[-1]]
    raise ValueError(
        f"Cannot tell the format of {path}: name it .csv, .tsv, .jsonl (JSON Lines) or .parquet."
    )


def input_columns(path: str | Path, fmt: str, encoding: str = "utf-8") -> list[str] | None:
    """The column names, read cheaply (None for JSON Lines, known after the first chunk)."""
    if fmt in ("csv", "tsv"):
        return list(pd.read_csv(path, sep="\t" if fmt == "tsv" else ",", nrows=0, encoding=encoding).columns)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetFile(path).schema_arrow.names)
    return None


def count_rows(path: str | Path, fmt: str) -> int | None:
    """The number of rows when it is free to know (Parquet's metadata), else None."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    return None


def rechunk(frames: Iterator[pd.DataFrame], size: int) -> Iterator[pd.DataFrame]:
    """Regroup frames of any sizes into frames of exactly ``size`` rows (the last may be shorter).

    >>> [len(f) for f in rechunk(iter([pd.DataFrame({"a": range(n)}) for n in (3, 4, 1)]), 3)]
    [3, 3, 2]
    """
    pending: list[pd.DataFrame] = []
    count = 0
    for frame in frames:
        if not len(frame):
            continue
        pending.append(frame)
        count += len(frame)
        while count >= size:
            merged = pd.concat(pending, ignore_index=True) if len(pending) > 1 else pending[0]
            yield merged.iloc[:size].reset_index(drop=True)
            rest = merged.iloc[size:]
            pending, count = ([rest] if len(rest) else []), len(rest)
    if count:
        yield pd.concat(pending, ignore_index=True).reset_index(drop=True)


def read_chunks(
    path: str | Path,
    fmt: str,
    chunk_size: int,
    columns: Sequence[str] | None = None,
    encoding: str = "utf-8",
) -> Iterator[pd.DataFrame]:
    """The file as DataFrames of ``chunk_size`` rows, read lazily (one chunk in memory).

    ``columns`` limits what is read from CSV and Parquet; JSON Lines chunks come whole (their
    keys can vary from record to record).
    """
    if fmt in ("csv", "tsv"):
        frames = pd.read_csv(
            path,
            sep="\t" if fmt == "tsv" else ",",
            chunksize=chunk_size,
            usecols=list(columns) if columns is not None else None,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            encoding=encoding,
        )
    elif fmt == "jsonl":
        frames = pd.read_json(
            path,
            lines=True,
            chunksize=chunk_size,
            dtype=False,
            convert_dates=False,
            keep_default_dates=False,
            encoding=encoding,
        )
    else:
        import pyarrow.parquet as pq

        batches = pq.ParquetFile(path).iter_batches(
            batch_size=chunk_size, columns=list(columns) if columns is not None else None
        )
        frames = (batch.to_pandas() for batch in batches)
    yield from rechunk(iter(frames), chunk_size)


def _texts_as_stored(frame: pd.DataFrame, text_column: str) -> pd.DataFrame:
    """The frame with its text column as strings (missing values kept missing), so a row whose
    "text" is a number (JSON Lines allows it) is stored as the text it was read as; it has already
    got its reason in ``pred_error``.

    >>> _texts_as_stored(pd.DataFrame({"text": ["hi", 42, None]}), "text")["text"].tolist()
    ['hi', '42', None]
    """
    if text_column not in frame.columns:
        return frame
    values = frame[text_column]
    missing = values.isna()
    stored = values.where(missing, values.map(lambda v: v if isinstance(v, str) else str(v)))
    return frame.assign(**{text_column: stored})


def _decode_error(path: Path, encoding: str, error: UnicodeDecodeError) -> ValueError:
    return ValueError(
        f"INPUT {path} is not {encoding} text (byte {error.object[error.start : error.start + 1]!r} "
        f"in the bytes read at offset {error.start}): give its encoding with --encoding, e.g. "
        "--encoding cp1252 or --encoding latin-1, or convert it to UTF-8 first."
    )


def _decoded(frames: Iterator[pd.DataFrame], path: Path, encoding: str) -> Iterator[pd.DataFrame]:
    """``frames``, with a decoding failure turned into an error naming the file and the fix."""
    try:
        yield from frames
    except UnicodeDecodeError as error:
        raise _decode_error(path, encoding, error) from None


def write_atomically(path: Path, write) -> None:
    """Call ``write(temporary_path)``, flush it to disk, then rename it to ``path``.

    A reader, or a later run, sees the whole file or none of it. The temporary name starts with
    a dot, which Parquet readers skip.
    """
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write(temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _file_identity(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"path": str(path.resolve()), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _model_identity(directory: Path) -> dict[str, Any]:
    """The model folder: its path, its config's hash and its weight files' sizes and times."""
    config = (directory / "config.json").read_bytes()
    weights = sorted(
        p for p in directory.iterdir() if p.suffix in (".safetensors", ".bin") or p.name == "thresholds.json"
    )
    # the tokenizer turns text into ids: a changed tokenizer is another model set-up
    tokenizer = sorted(
        p for p in directory.iterdir() if p.name in (*TOKENIZER_FILES, "special_tokens_map.json")
    )
    return {
        "path": str(directory.resolve()),
        "config_sha256": hashlib.sha256(config).hexdigest(),
        "files": {p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in weights},
        "tokenizer_sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tokenizer},
    }


def part_name(index: int) -> str:
    """``part-00012.parquet``: zero-padded, so name order is input order."""
    return f"part-{index:05d}.parquet"


def read_progress(output: Path) -> dict | None:
    path = output / PROGRESS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _save_progress(output: Path, progress: dict) -> None:
    write_atomically(
        output / PROGRESS_FILE,
        lambda p: p.write_text(json.dumps(progress, indent=1) + "\n", encoding="utf-8"),
    )


def read_output(output: str | Path, allow_incomplete: bool = False) -> pd.DataFrame:
    """Every finished chunk of OUTPUT, in input order (refuses an unfinished run by default)."""
    output = Path(output)
    progress = read_progress(output)
    if progress is None:
        raise FileNotFoundError(
            f"{output} has no {PROGRESS_FILE}: it is not an output folder "
            f"of python -m clflib.serving.predict."
        )
    if not progress["complete"] and not allow_incomplete:
        raise RuntimeError(
            f"the run writing {output} has not finished: run the same command "
            f"again to complete it, or pass allow_incomplete=True."
        )
    chunks = sorted(progress["chunks"], key=int)
    if not chunks:
        return pd.DataFrame()
    return pd.concat(
        [pd.read_parquet(output / progress["chunks"][c]["file"]) for c in chunks], ignore_index=True
    )


def _prepare_output(output: Path, settings: dict, restart: bool) -> dict:
    """Create or check OUTPUT; return the progress record to continue from."""
    if output.exists() and not output.is_dir():
        raise FileExistsError(
            f"OUTPUT {output} is a file; the output is a folder of Parquet parts. Name a new folder."
        )
    progress = read_progress(output) if output.is_dir() else None
    if output.is_dir() and progress is None and any(output.iterdir()):
        raise FileExistsError(
            f"OUTPUT {output} is a folder that this command did not write "
            f"(no {PROGRESS_FILE}); name an empty or new folder."
        )
    if progress is not None and restart:
        for stale in output.glob("part-*.parquet"):
            stale.unlink()
        progress = None
    if progress is not None and progress["settings"] != settings:
        changed = sorted(k for k in settings if progress["settings"].get(k) != settings[k])
        raise ValueError(
            f"{output} was started with other settings or another input/model "
            f"(differs in: {', '.join(changed)}). Resume with the same ones, pass "
            f"--restart to start over, or write to another folder."
        )
    output.mkdir(parents=True, exist_ok=True)
    for leftover in output.glob(".*.tmp-*"):  # half-written files of an interrupted run
        leftover.unlink()
    return progress or {"settings": settings, "chunks": {}, "complete": False, "rows": None}


def _input_schema(frame: pd.DataFrame, output: Path, progress: dict, kept: list[str]):
    """The kept input columns' types: those of the parts already written, else this chunk's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if progress["chunks"]:
        first = progress["chunks"][min(progress["chunks"], key=int)]["file"]
        written = pq.read_schema(output / first)
        return pa.schema([written.field(name) for name in kept])
    inferred = pa.Schema.from_pandas(frame[kept], preserve_index=False)
    # a column with nothing but missing values in the first chunk: assume text, not "null"
    return pa.schema(
        [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in inferred.remove_metadata()]
    )


class _Input:
    """INPUT, checked before anything is written: its format, the columns to read, its chunks."""

    def __init__(self, path: Path, text_column: str, keep_columns, chunk_size: int, encoding: str) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"INPUT {path} does not exist.")
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive number of rows, got {chunk_size!r}.")
        self.path, self.fmt = path, input_format(path)
        self.text_column, self.chunk_size, self.encoding = text_column, chunk_size, encoding
        self.kept = list(keep_columns) if keep_columns is not None else None
        if path.stat().st_size == 0:
            raise ValueError(
                f"INPUT {path} is empty (0 bytes): nothing to predict. A {self.fmt} file needs "
                + (
                    "a header row naming the text column."
                    if self.fmt in ("csv", "tsv")
                    else "at least one row."
                )
            )
        try:
            columns = input_columns(path, self.fmt, encoding)
        except UnicodeDecodeError as error:
            raise _decode_error(path, encoding, error) from None
        self.read = self.columns_to_read(columns) if columns is not None else None

    def columns_to_read(self, names: list[str]) -> list[str]:
        """The kept columns (all by default) and the text column, checked against ``names``."""
        if self.text_column not in names:
            raise KeyError(
                f"INPUT has no column {self.text_column!r}; its columns are {names}. Name "
                f"the text column with --text-column."
            )
        unknown = [c for c in self.kept or [] if c not in names]
        if unknown:
            raise KeyError(f"--keep-columns names {unknown}, which INPUT does not have ({names}).")
        kept = names if self.kept is None else self.kept
        if "row" in kept:
            raise ValueError(
                "INPUT has a column named 'row', the name the output gives the input "
                "row number: leave it out with --keep-columns (or rename it)."
            )
        return list(dict.fromkeys([*kept, self.text_column]))

    def chunks(self) -> Iterator[tuple[int, pd.DataFrame]]:
        """``(index, chunk)`` pairs, each chunk holding the columns to read."""
        frames = read_chunks(self.path, self.fmt, self.chunk_size, self.read, self.encoding)
        for index, chunk in enumerate(_decoded(frames, self.path, self.encoding)):
            if self.fmt == "jsonl":  # JSON Lines: the first chunk's keys are the columns
                self.read = self.read or self.columns_to_read(list(chunk.columns))
                chunk = chunk.reindex(columns=self.read)
            yield index, chunk


class _Parts:
    """OUTPUT's Parquet parts and progress record: one part written (atomically) per chunk."""

    def __init__(self, output: Path, progress: dict, predictor, source: _Input, prefix: str, invalid: str):
        self.output, self.progress, self.predictor, self.source = output, progress, predictor, source
        self.prefix, self.invalid = prefix, invalid
        self.schema = None
        self.written = self.skipped = self.rows = 0

    def is_done(self, index: int) -> bool:
        done = self.progress["chunks"].get(str(index))
        return bool(done) and (self.output / done["file"]).is_file()

    def _schema(self, chunk: pd.DataFrame):
        import pyarrow as pa

        text_column = self.source.text_column
        kept = [c for c in self.source.read if self.source.kept is None or c in self.source.kept]
        return pa.schema(
            [
                pa.field("row", pa.int64()),
                *_input_schema(_texts_as_stored(chunk, text_column), self.output, self.progress, kept),
                *self.predictor.output_schema(self.prefix, with_error=self.invalid == "null"),
            ]
        )

    def _predicted(self, index: int, chunk: pd.DataFrame, first_row: int) -> pd.DataFrame:
        try:
            framed = self.predictor.predict_frame(
                chunk, text_column=self.source.text_column, prefix=self.prefix, invalid=self.invalid
            )
        except (TypeError, ValueError) as error:  # --invalid raise, and a bad row
            raise type(error)(
                f"in chunk {index} (input rows {first_row} to {first_row + len(chunk) - 1}; items "
                f"count from {first_row}): {error}"
            ) from error
        framed = _texts_as_stored(framed, self.source.text_column)
        framed.insert(0, "row", np.arange(first_row, first_row + len(chunk), dtype=np.int64))
        return framed

    def write(self, index: int, chunk: pd.DataFrame) -> None:
        """Predict ``chunk`` and write it as part ``index``, unless an earlier run did."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.rows += len(chunk)
        if self.is_done(index):
            self.skipped += 1
            return
        if self.schema is None:
            self.schema = self._schema(chunk)
        first_row = index * self.source.chunk_size
        framed = self._predicted(index, chunk, first_row)
        try:
            table = pa.Table.from_pandas(framed[self.schema.names], schema=self.schema, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError) as error:
            raise ValueError(
                f"chunk {index} (rows {first_row} to {first_row + len(chunk) - 1}) does not "
                f"fit the column types of the first chunk: {error}. Leave that column out "
                f"with --keep-columns, or make its values one type."
            ) from error
        name = part_name(index)
        write_atomically(self.output / name, lambda p, table=table: pq.write_table(table, p))
        bad_rows = int(framed[f"{self.prefix}error"].notna().sum()) if self.invalid == "null" else 0
        self.progress["chunks"][str(index)] = {
            "file": name,
            "first_row": first_row,
            "rows": len(chunk),
            "invalid_rows": bad_rows,
        }
        _save_progress(self.output, self.progress)
        self.written += 1

    def finish(self, seconds: float) -> dict:
        """Mark the run complete; the summary :func:`predict_file` returns."""
        stats = self.predictor.stats()
        self.progress.update(complete=True, rows=self.rows, stats=stats)
        _save_progress(self.output, self.progress)
        return {
            "rows": self.rows,
            "chunks_written": self.written,
            "chunks_skipped": self.skipped,
            "invalid_rows": sum(chunk.get("invalid_rows", 0) for chunk in self.progress["chunks"].values()),
            "seconds": round(seconds, 3),
            "stats": stats,
        }


def _already_complete(output: Path, progress: dict) -> dict:
    print(f"{output} is already complete ({progress['rows']} rows); nothing to do.", file=sys.stderr)
    return {
        "rows": progress["rows"],
        "chunks_written": 0,
        "chunks_skipped": len(progress["chunks"]),
        "invalid_rows": None,
        "stats": None,
    }


def predict_file(
    model_dir: str | Path,
    input_path: str | Path,
    output: str | Path,
    *,
    text_column: str = "text",
    keep_columns: Sequence[str] | None = None,
    chunk_size: int = 10_000,
    prefix: str = "pred_",
    invalid: str = "null",
    restart: bool = False,
    show_progress: bool = True,
    predictor=None,
    encoding: str = "utf-8",
    **predictor_options: Any,
) -> dict:
    """Predict every row of ``input_path`` into the folder ``output``; resumable (see above).

    - ``model_dir``: a saved model folder; ``input_path``: the CSV/TSV, JSON Lines or Parquet file;
      ``output``: the folder of Parquet parts (created, or resumed).
    - ``text_column``: the column holding the texts; ``keep_columns``: input columns copied to
      the output (None: all; [] none); ``encoding``: the text encoding of a CSV/TSV/JSON Lines file.
    - ``chunk_size``: rows per chunk and per part; ``prefix``: of the prediction columns;
      ``invalid``: "null" (a bad row gets no prediction and a reason) or "raise".
    - ``restart``: discard an earlier run's parts; ``show_progress``: a progress bar.
    - ``predictor``: an already built Predictor (else one is loaded from ``model_dir``), and
      ``predictor_options`` for :meth:`clflib.serving.predictor.Predictor.from_folder`
      (``backend``, ``batch_size``, ``max_length``, ``precision``, ``device``, ``num_threads``).

    Returns a summary: rows, chunks written and skipped, invalid rows, seconds, and the latency
    statistics. It reads as: open the input, open the resumable output, predict chunk by chunk,
    finish.
    """
    from tqdm.auto import tqdm

    source = _Input(Path(input_path), text_column, keep_columns, chunk_size, encoding)
    model_dir, output = check_model_folder(model_dir, "MODEL_DIR"), Path(output)
    settings = {
        "input": _file_identity(source.path),
        "model": _model_identity(model_dir),
        "text_column": text_column,
        "keep_columns": source.kept,
        "chunk_size": chunk_size,
        "prefix": prefix,
        "invalid": invalid,
        "encoding": encoding,
        "predictor": {
            k: v
            for k, v in predictor_options.items()
            if k in ("backend", "precision", "max_length") and v is not None
        },
    }
    progress = _prepare_output(output, settings, restart)
    if progress["complete"]:
        return _already_complete(output, progress)
    if predictor is None:
        predictor = Predictor.from_folder(
            model_dir, **{k: v for k, v in predictor_options.items() if v is not None}
        )
    started = time.perf_counter()
    parts = _Parts(output, progress, predictor, source, prefix, invalid)
    total = count_rows(source.path, source.fmt)
    bar = tqdm(total=total, unit=" rows", desc="Predicting", disable=not show_progress, dynamic_ncols=True)
    try:
        for index, chunk in source.chunks():
            parts.write(index, chunk)
            bar.update(len(chunk))
    except KeyboardInterrupt:
        bar.close()
        print(
            f"\nInterrupted: {len(progress['chunks'])} chunk(s) are saved in {output}. Run the "
            f"same command again to carry on from there.",
            file=sys.stderr,
        )
        raise
    bar.close()
    return parts.finish(time.perf_counter() - started)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m clflib.serving.predict",
        description="Predict every row of a CSV/TSV, JSON Lines or Parquet file with a saved "
        "classifier, in chunks, into a folder of Parquet parts. Interrupted? Run "
        "the same command again: finished chunks are kept.",
    )
    parser.add_argument("model_dir", help="a saved model folder (save_pretrained / save_model)")
    parser.add_argument("input", help="INPUT file: .csv, .tsv, .jsonl or .parquet")
    parser.add_argument("output", help="OUTPUT folder (created; Parquet parts + _progress.json)")
    parser.add_argument("--text-column", default="text", help="column with the texts (text)")
    parser.add_argument(
        "--keep-columns",
        default=None,
        help="comma-separated input columns to copy to the output (default: all; '' for none)",
    )
    parser.add_argument(
        "--chunk-size", type=int, default=10_000, help="rows per chunk and per Parquet part (10000)"
    )
    parser.add_argument("--batch-size", type=int, default=32, help="texts per model call (32)")
    parser.add_argument("--max-length", type=int, default=128, help="tokens per text (128)")
    parser.add_argument("--backend", choices=("torch", "int8", "onnx"), default="torch")
    parser.add_argument(
        "--precision",
        choices=("fp32", "bf16", "fp16", "auto"),
        default="fp32",
        help="bf16/fp16 need a GPU (torch backend)",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for the model")
    parser.add_argument(
        "--invalid",
        choices=("null", "raise"),
        default="null",
        help="a missing/empty/non-text row: 'null' gives it no prediction and a "
        "reason in pred_error (default); 'raise' stops the run",
    )
    parser.add_argument("--prefix", default="pred_", help="prefix of the prediction columns")
    parser.add_argument(
        "--encoding", default="utf-8", help="text encoding of a CSV/TSV/JSON Lines INPUT (utf-8)"
    )
    parser.add_argument(
        "--restart",
        action="store_true",
        help="discard the chunks of an earlier run into OUTPUT and start over",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status (0 done, 1 bad input, 130 interrupted)."""
    args = _parser().parse_args(argv)
    if args.no_progress:  # transformers' own bars too ("Loading weights")
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    keep = (
        None if args.keep_columns is None else [c.strip() for c in args.keep_columns.split(",") if c.strip()]
    )
    try:
        summary = predict_file(
            args.model_dir,
            args.input,
            args.output,
            text_column=args.text_column,
            keep_columns=keep,
            chunk_size=args.chunk_size,
            prefix=args.prefix,
            invalid=args.invalid,
            restart=args.restart,
            show_progress=not args.no_progress,
            encoding=args.encoding,
            backend=args.backend,
            batch_size=args.batch_size,
            max_length=args.max_length,
            precision=args.precision,
            device=args.device,
            num_threads=args.threads,
        )
    except KeyboardInterrupt:
        return 130
    except (OSError, KeyError, ValueError, TypeError) as error:  # OSError: FileNotFoundError too
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", file=sys.stderr)
        return 1
    if summary.get("stats"):
        batches = summary["stats"]["per_batch"]
        print(
            f"{summary['rows']} rows: {summary['chunks_written']} chunk(s) written, "
            f"{summary['chunks_skipped']} already done, {summary['invalid_rows']} row(s) "
            f"without a prediction (see pred_error); {summary['seconds']} s, "
            f"{batches['texts_per_second']:.1f} texts/s; per batch p50 {batches['p50_ms']} ms, "
            f"p95 {batches['p95_ms']} ms, p99 {batches['p99_ms']} ms. Output: {args.output}/",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
