"""Load the course's datasets by name, in their Hub twin's schema, from disk or the Hub.

Taught in lesson 01; every lesson loads its data here.

Where a dataset comes from, in order:

1. ``support_inbox`` always comes from the project's own ``data/support_inbox/``.
2. The folder named by the environment variable ``CLFLIB_DATA_DIR``, else ``../shared/datasets``
   beside the project (where the course keeps them, so ``jupyter lab`` and
   ``python -m clflib.course`` find them without ``make``), holding Parquet files in the Hub
   twin's schema.
3. The Hub twin, when the Hub is reachable (Colab).

:func:`load_lesson_dataset` adds the lesson rules: the smoke profile always uses the support
inbox, and a dataset that can't be had falls back to it with a visible warning.

>>> ds = load_dataset("support_inbox", "sentiment_binary")
>>> label_names(ds["train"], "label")
['negative', 'positive']
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from clflib import data_files
from clflib.environment import offline_mode_is_set
from clflib.labels import label_maps, label_names  # listed here too: lessons read labels after loading

__all__ = [
    "DATA_DIR_VARIABLE",
    "SPLITS",
    "PROJECT_DATA",
    "SUPPORT_INBOX_DIR",
    "SHARED_DATA_BESIDE",
    "NLI_LABELS",
    "DatasetSpec",
    "REGISTRY",
    "DatasetUnavailable",
    "CLINC150_DOMAINS",
    "clinc150_with_domains",
    "data_dir",
    "get_spec",
    "load_dataset",
    "load_lesson_dataset",
    "LESSON_COLUMN_PARAMETERS",
    "support_inbox_label_names",
    "read_jsonl",
    "read_support_inbox_messages",
    "load_support_inbox",
    "label_names",
    "label_maps",
]

DATA_DIR_VARIABLE = "CLFLIB_DATA_DIR"
SPLITS = ("train", "validation", "test")
PROJECT_DATA = Path(__file__).resolve().parent.parent / "data"
SUPPORT_INBOX_DIR = PROJECT_DATA / "support_inbox"
SHARED_DATA_BESIDE = PROJECT_DATA.parent.parent / "shared" / "datasets"  # ../shared/datasets


@dataclass(frozen=True)
class DatasetSpec:
    """Where a registered dataset lives and what its columns mean."""

    name: str
    hub_id: str
    configs: tuple[str | None, ...]
    text_columns: tuple[str, ...]
    label_column: str
    citation: str
    license: str
    # the Hub twin's splits rearranged as the local copy's (None: the same splits)
    from_hub_splits: Callable | None = None

    def local_folder(self, root: Path, config: str | None) -> Path:
        return root / self.name / config if config else root / self.name


CLINC150_DOMAINS = PROJECT_DATA / "clinc150_domains.json"


def clinc150_with_domains(hub):
    """clinc/clinc_oos from the Hub laid out as the course's copy: a ``domain`` column added.

    The Hub twin has no domain column; lessons 02 and 07 use one. Each intent's domain comes
    from ``data/clinc150_domains.json`` (the dataset's own domains.json); intents and domains are
    numbered as in the course's copy (alphabetical, ``oos`` last), whatever the Hub's order.
    """
    import datasets

    table = json.loads(CLINC150_DOMAINS.read_text(encoding="utf-8"))["domains"]
    domain_of = {intent: domain for domain, intents in table.items() for intent in intents}
    intents = sorted(i for i in domain_of if i != "oos") + ["oos"]
    domains = sorted(d for d in table if d != "oos") + ["oos"]
    intent_id = {name: i for i, name in enumerate(intents)}
    domain_id = {name: i for i, name in enumerate(domains)}
    features = datasets.Features(
        {
            "text": datasets.Value("string"),
            "intent": datasets.ClassLabel(names=intents),
            "domain": datasets.ClassLabel(names=domains),
        }
    )

    def convert(split):
        names = split.features["intent"].names
        unknown = sorted(set(names) - set(domain_of))
        if unknown:
            raise DatasetUnavailable(
                f"clinc150 from the Hub has intents that {CLINC150_DOMAINS.name} does not list: "
                f"{unknown[:5]}; update that file from the dataset's domains.json."
            )

        def rows(batch):
            named = [names[i] for i in batch["intent"]]
            return {
                "text": batch["text"],
                "intent": [intent_id[n] for n in named],
                "domain": [domain_id[domain_of[n]] for n in named],
            }

        return split.map(rows, batched=True, features=features, remove_columns=split.column_names)

    return datasets.DatasetDict({name: convert(split) for name, split in hub.items()})


def _snli_course_splits(hub):
    """SNLI from the Hub laid out as the course's copy: the official dev split (10,000 pairs) as
    train, the official test split halved in order as validation and test. The 550k training
    pairs are left out, so a lesson runs in minutes wherever its data comes from."""
    import datasets

    half = len(hub["test"]) // 2
    return datasets.DatasetDict(
        train=hub["validation"],
        validation=hub["test"].select(range(half)),
        test=hub["test"].select(range(half, len(hub["test"]))),
    )


REGISTRY: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "rotten_tomatoes",
            "cornell-movie-review-data/rotten_tomatoes",
            (None,),
            ("text",),
            "label",
            "Pang and Lee 2005",
            "CC-BY-4.0",
        ),
        DatasetSpec(
            "banking77", "PolyAI/banking77", (None,), ("text",), "label", "Casanueva et al. 2020", "CC-BY-4.0"
        ),
        DatasetSpec(
            "clinc150",
            "clinc/clinc_oos",
            ("imbalanced", "full"),
            ("text",),
            "intent",
            "Larson et al. 2019",
            "CC-BY-3.0",
            clinc150_with_domains,
        ),
        DatasetSpec(
            "go_emotions",
            "google-research-datasets/go_emotions",
            ("simplified",),
            ("text",),
            "labels",
            "Demszky et al. 2020",
            "Apache-2.0",
        ),
        DatasetSpec(
            "wnut_17",
            "leondz/wnut_17",
            (None,),
            ("tokens",),
            "ner_tags",
            "Derczynski et al. 2017",
            "CC-BY-4.0",
        ),
        DatasetSpec(
            "broad_twitter_corpus",
            "GateNLP/broad_twitter_corpus",
            (None,),
            ("tokens",),
            "ner_tags",
            "Derczynski et al. 2016",
            "CC-BY-4.0",
        ),
        DatasetSpec(
            "snli",
            "stanfordnlp/snli",
            (None,),
            ("premise", "hypothesis"),
            "label",
            "Bowman et al. 2015",
            "CC-BY-SA-4.0",
            _snli_course_splits,
        ),
        DatasetSpec(
            "support_inbox",
            "",
            ("all", "sentiment", "sentiment_binary", "intent", "tags", "ner", "nli"),
            ("text",),
            "label",
            "this course (data/support_inbox)",
            "Apache-2.0",
        ),
    )
}


class DatasetUnavailable(RuntimeError):
    """A registered dataset could not be found locally nor on the Hub."""


def data_dir() -> Path | None:
    """The folder of real datasets: ``$CLFLIB_DATA_DIR``, else ``../shared/datasets`` beside the
    project; None when neither is a folder (a set variable that names no folder counts as
    missing, it does not fall through to the folder beside the project)."""
    value = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    if value:
        path = Path(value).expanduser()
        return path if path.is_dir() else None
    return SHARED_DATA_BESIDE if SHARED_DATA_BESIDE.is_dir() else None


def get_spec(name: str) -> DatasetSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"Unknown dataset {name!r}. Registered datasets: {', '.join(REGISTRY)}; a file or folder "
            "of your own (CSV, JSON Lines, Parquet, CoNLL) or a Hub id (owner/name) also works in "
            "load_dataset."
        ) from None


def _check_config(spec: DatasetSpec, config: str | None) -> str | None:
    if config is None:
        return spec.configs[0]
    if config not in spec.configs:
        raise ValueError(
            f"Dataset {spec.name!r} has no config {config!r}; choose one of {[c for c in spec.configs if c]}."
        )
    return config


def load_dataset(
    name: str,
    config: str | None = None,
    *,
    task: str | Mapping[str, str] = "single_label",
    columns: Mapping[str, str] | None = None,
    seed: int = 42,
    parameters: Mapping[str, str] | None = None,
    verbose: bool = True,
):
    """A dataset as a ``datasets.DatasetDict``: a registered one by name (in its Hub twin's
    schema), or your own: a file or folder (CSV, JSON Lines, Parquet, CoNLL) or a Hub id.

    For your own data, ``task`` is its shape and ``columns`` maps the shape's column names to
    yours (see :mod:`clflib.data_files`, which checks every row and draws missing splits);
    ``verbose`` prints what was done. ``config`` picks a registered set's configuration (e.g.
    the support inbox's task) or a Hub dataset's; ``seed`` draws the splits a file of your own
    lacks; ``parameters`` names, for each column, the lesson parameter a learner sets for it, so
    an error can say which to change. Raises :class:`DatasetUnavailable`, saying what was tried,
    when a registered set is neither on disk nor on the Hub, and
    :class:`clflib.data_files.DataFileError` for a file that cannot be used as it is.
    """
    if name not in REGISTRY:
        loaded = _load_own(name, config, task, columns, seed, parameters)
        if verbose:
            print("\n".join(loaded.notes))
        return loaded.dataset
    spec = get_spec(name)
    config = _check_config(spec, config)
    if name == "support_inbox":
        return load_support_inbox(config)
    tried = []
    root = data_dir()
    if root is not None:
        folder = spec.local_folder(root, config if len(spec.configs) > 1 else None)
        files = {split: folder / f"{split}.parquet" for split in SPLITS}
        files = {split: str(path) for split, path in files.items() if path.is_file()}
        if files:
            import datasets

            return datasets.load_dataset("parquet", data_files=files)
        tried.append(f"no Parquet files in {folder}")
    else:
        tried.append(f"{DATA_DIR_VARIABLE} is unset or not a folder, and there is no {SHARED_DATA_BESIDE}")

    if offline_mode_is_set():
        tried.append("the Hugging Face Hub is unreachable (offline mode)")
    else:
        import datasets

        try:
            hub = datasets.load_dataset(spec.hub_id, config if config else None)
        except Exception as error:  # the Hub raises many kinds; all mean "not available"
            tried.append(f"the Hub twin {spec.hub_id!r} failed: {error}")
        else:
            return spec.from_hub_splits(hub) if spec.from_hub_splits else hub
    raise DatasetUnavailable(
        f"Dataset {name!r} is not available: " + "; ".join(tried) + ". "
        f"To get it, point {DATA_DIR_VARIABLE} at a folder holding {name}/train.parquet etc. "
        f"(the course's ../shared/datasets), or run where the Hugging Face Hub is reachable."
    )


def _load_own(name, config, task, columns, seed, parameters):
    """A file, folder or Hub id (see :func:`load_dataset`), as :class:`clflib.data_files.LoadedFiles`."""

    if data_files.looks_like_a_path(name):
        return data_files.load_files(name, task, columns, seed=seed, parameters=parameters)
    if offline_mode_is_set():
        raise DatasetUnavailable(
            f"{name!r} is not a registered dataset ({', '.join(REGISTRY)}), not a file or folder "
            f"under {Path.cwd()}, and the Hugging Face Hub is unreachable (offline mode), so it "
            "cannot be read as a Hub id either. Check the spelling, give the path of your file, "
            "or run where the Hub is reachable."
        )
    try:
        return data_files.load_hub(name, task, columns, config, seed=seed, parameters=parameters)
    except data_files.DataFileError:
        raise
    except Exception as error:  # the Hub raises many kinds; all mean "not available"
        raise DatasetUnavailable(
            f"{name!r} is not a registered dataset, not a file or folder under {Path.cwd()}, and "
            f"the Hub could not give it: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
        ) from None


# the notebook parameter that names each column of a lesson's own data, for error messages
LESSON_COLUMN_PARAMETERS = {
    "text": "TEXT_COLUMN",
    "label": "LABEL_COLUMN",
    "intent": "LABEL_COLUMN",
    "domain": "DOMAIN_COLUMN",
    "labels": "LABELS_COLUMN",
    "tokens": "TOKENS_COLUMN",
    "ner_tags": "TAGS_COLUMN",
    "premise": "PREMISE_COLUMN",
    "hypothesis": "HYPOTHESIS_COLUMN",
}


def load_lesson_dataset(
    name: str,
    profile,
    fallback_config: str,
    config: str | None = None,
    *,
    task: str | Mapping[str, str] = "single_label",
    columns: Mapping[str, str] | None = None,
    seed: int = 42,
    parameters: Mapping[str, str] | None = None,
):
    """The dataset a lesson should use under ``profile``, and its name.

    Returns ``(dataset_dict, used_name)``. A file, folder or Hub id of your own is always used,
    in every profile (``config``, ``task``, ``columns``, ``seed`` and ``parameters`` as in
    :func:`load_dataset`; what
    was done is printed), and never replaced by another set: a problem with it is an error. For
    a registered name, the smoke profile uses the support inbox (``fallback_config`` picks its
    task), and when the set can't be had the support inbox is used instead, with a warning
    that says what was tried and how to get the real set.
    """
    if name not in REGISTRY:
        parameters = {
            **{n: LESSON_COLUMN_PARAMETERS.get(n, "") for n in (columns or {})},
            **(parameters or {}),
        }
        loaded = _load_own(name, config, task, columns, seed, {k: v for k, v in parameters.items() if v})
        print("\n".join(loaded.notes))
        return loaded.dataset, loaded.name
    if profile.embedded_data_only or name == "support_inbox":
        return load_support_inbox(fallback_config), "support_inbox"
    try:
        return load_dataset(name, config), name
    except DatasetUnavailable as error:
        banner = "=" * 78
        print(
            f"{banner}\nWARNING: {error}\nFalling back to the course's own support inbox "
            f"(config {fallback_config!r}). Numbers below are NOT those of {name}.\n{banner}"
        )
        import warnings

        warnings.warn(f"{name} unavailable; using support_inbox instead.", stacklevel=2)
        return load_support_inbox(fallback_config), "support_inbox"


# --- the support inbox -------------------------------------------------------------------


def support_inbox_label_names() -> dict[str, list[str]]:
    """Label names of each support inbox field: sentiment, intent and tags."""
    with open(SUPPORT_INBOX_DIR / "labels.json", encoding="utf-8") as handle:
        return json.load(handle)


def read_jsonl(path: str | Path, problem: Callable[[dict], str] | None = None) -> list[dict]:
    """The rows of one of the project's hand-written JSON-lines files, checked row by row.

    ``problem(row)`` says what is wrong with a row ("" when nothing is); a wrong row, or a line
    that is not JSON, stops the load with the file, the line and the row's id.
    """
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: not valid JSON ({error.msg}).") from None
            if not isinstance(row, dict):
                raise ValueError(
                    f"{path}, line {number}: expected one JSON object per line, got {row!r:.60}."
                )
            found = problem(row) if problem else ""
            if found:
                raise ValueError(f"{path}, line {number} ({row.get('id')}): {found}")
            rows.append(row)
    return rows


def _read_inbox_file(name: str, problem: Callable[[dict], str] | None = None) -> list[dict]:
    """The rows of one of the inbox's JSON-lines files (see :func:`read_jsonl`)."""
    return read_jsonl(SUPPORT_INBOX_DIR / name, problem)


def _inbox_splits(rows: list[dict], features):
    """One Dataset per fixed split (each row's ``split``), with the columns of ``features``."""
    import datasets

    return datasets.DatasetDict(
        {
            split: datasets.Dataset.from_dict(
                {column: [row[column] for row in rows if row["split"] == split] for column in features},
                features=features,
            )
            for split in SPLITS
        }
    )


def read_support_inbox_messages() -> list[dict]:
    """Every message as a dict: id, split, text, sentiment, intent, tags."""
    return _read_inbox_file("messages.jsonl")


def load_support_inbox(config: str = "all"):
    """The support inbox as a DatasetDict for one task.

    Configs: "all" (every field), "sentiment" (text, label: 3 classes), "sentiment_binary"
    (negative vs positive, neutral dropped; the schema of rotten_tomatoes), "intent" (text,
    intent, domain: the schema of clinc150; each intent belongs to one of 5 domains), "tags"
    (text, labels: a list, the schema of go_emotions), "ner" (id, tokens, ner_tags: BIO tags over
    whitespace tokens for the 416 hand-tagged messages of ``ner.jsonl``, the schema of wnut_17),
    "nli" (premise, hypothesis, label: entailment / neutral / contradiction, the hand-written pairs
    of ``nli.jsonl``, the schema of snli).
    """
    import datasets

    _check_config(REGISTRY["support_inbox"], config)
    names = support_inbox_label_names()
    if config == "ner":
        return _support_inbox_ner(names["ner_tags"])
    if config == "nli":
        return _support_inbox_nli()
    messages = read_support_inbox_messages()
    sentiment_names = ["negative", "positive"] if config == "sentiment_binary" else names["sentiment"]
    if config == "sentiment_binary":
        messages = [m for m in messages if m["sentiment"] in sentiment_names]
    sentiment = datasets.ClassLabel(names=sentiment_names)
    intent = datasets.ClassLabel(names=names["intent"])
    domain = datasets.ClassLabel(names=names["domain"])
    for message in messages:
        message["domain"] = names["intent_domain"][message["intent"]]
    tags = datasets.List(datasets.ClassLabel(names=names["tags"]))
    columns = {
        "all": {
            "id": datasets.Value("string"),
            "text": datasets.Value("string"),
            "sentiment": sentiment,
            "intent": intent,
            "tags": tags,
        },
        "sentiment": {"text": datasets.Value("string"), "label": sentiment},
        "sentiment_binary": {"text": datasets.Value("string"), "label": sentiment},
        "intent": {"text": datasets.Value("string"), "intent": intent, "domain": domain},
        "tags": {"text": datasets.Value("string"), "labels": tags},
    }[config]
    source = {"label": "sentiment", "labels": "tags"}
    rows = [{"split": m["split"], **{col: m[source.get(col, col)] for col in columns}} for m in messages]
    return _inbox_splits(rows, datasets.Features(columns))


def _support_inbox_ner(tag_names: list[str]):
    """The NER part of the inbox (``ner.jsonl``) in wnut_17's schema, in the inbox's splits."""
    import datasets

    index = {name: i for i, name in enumerate(tag_names)}

    def problem(row: dict) -> str:
        unknown = sorted(set(row["ner_tags"]) - set(index))
        if unknown:
            return f"tags {unknown} are not in labels.json's ner_tags"
        if len(row["tokens"]) != len(row["ner_tags"]):
            return f"{len(row['tokens'])} tokens but {len(row['ner_tags'])} tags"
        return ""

    rows = _read_inbox_file("ner.jsonl", problem)
    for row in rows:
        row["ner_tags"] = [index[tag] for tag in row["ner_tags"]]
    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "tokens": datasets.List(datasets.Value("string")),
            "ner_tags": datasets.List(datasets.ClassLabel(names=tag_names)),
        }
    )
    return _inbox_splits(rows, features)


NLI_LABELS = ("entailment", "neutral", "contradiction")  # snli's names, in snli's order


def _support_inbox_nli():
    """The NLI part of the inbox (``nli.jsonl``) in snli's schema, in the inbox's splits."""
    import datasets

    def problem(row: dict) -> str:
        missing = [key for key in ("split", "premise", "hypothesis", "label") if not row.get(key)]
        if missing:
            return f"missing or empty {missing}"
        if row["label"] not in NLI_LABELS:
            return f"label {row['label']!r} is not one of {NLI_LABELS}"
        if row["split"] not in SPLITS:
            return f"split {row['split']!r} is not one of {SPLITS}"
        return ""

    rows = _read_inbox_file("nli.jsonl", problem)
    for row in rows:
        row["label"] = NLI_LABELS.index(row["label"])
    features = datasets.Features(
        {
            "premise": datasets.Value("string"),
            "hypothesis": datasets.Value("string"),
            "label": datasets.ClassLabel(names=list(NLI_LABELS)),
        }
    )
    return _inbox_splits(rows, features)
