"""Sentence pairs (NLI): bi-encoder pair features, and the course's own NLI model, made on demand.

Taught in lesson 05 (NLI); lesson 07 (zero-shot) loads the course's NLI model with
:func:`course_nli_model`.

No NLI model ships on PyPI and the Hugging Face Hub may be unreachable, so the course trains its
own 3-way cross-encoder (entailment / neutral / contradiction) from its offline backbone. A
*recipe* (:class:`NliRecipe`) fixes everything that shapes the model; the trained folder is cached
under a key made from the recipe, so a later lesson finds it, or trains it once when it is
missing (and says so). With the Hub, pass ``hub_model`` (for example
``"cross-encoder/nli-deberta-v3-small"``) and that model is used instead.

The saved config's ``id2label`` is ``entailment / neutral / contradiction``: transformers'
``pipeline("zero-shot-classification")`` looks for the label that starts with "entail".

>>> pair_features(np.array([[1.0, 2.0]]), np.array([[3.0, 1.0]])).tolist()
[[1.0, 2.0, 3.0, 1.0, 2.0, 1.0, 3.0, 2.0]]
>>> entailment_index({0: "entailment", 1: "neutral", 2: "contradiction"})
0
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from clflib import data, metrics, models, profiles, sampling, training
from clflib.data import NLI_LABELS, PROJECT_DATA, read_jsonl
from clflib.models import is_model_folder

__all__ = [
    "NLI_LABELS",
    "CACHE_VARIABLE",
    "drop_unlabelled",
    "pair_features",
    "entailment_index",
    "PROBES_PATH",
    "PROBE_CATEGORIES",
    "load_probes",
    "NliRecipe",
    "NLI_RECIPES",
    "cache_dir",
    "train_nli_model",
    "course_nli_model",
]

CACHE_VARIABLE = "CLFLIB_CACHE_DIR"


def drop_unlabelled(splits, label_column: str = "label"):
    """Drop the pairs without a gold label (snli keeps them with label -1, about 2% of each split).

    Returns ``(splits, dropped)``: the filtered DatasetDict and the number dropped per split.
    """
    from datasets import DatasetDict

    kept = DatasetDict(
        {name: split.filter(lambda row: row[label_column] >= 0) for name, split in splits.items()}
    )
    return kept, {name: len(splits[name]) - len(kept[name]) for name in splits}


def pair_features(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The bi-encoder's features of a pair from its two sentence embeddings: ``[u, v, |u-v|, u*v]``.

    Each sentence is embedded on its own (no attention across the pair); the difference and the
    product let a linear classifier compare them (Conneau et al. 2017, InferSent).
    """
    u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    if u.shape != v.shape:
        raise ValueError(f"premise embeddings {u.shape} and hypothesis embeddings {v.shape} differ in shape.")
    return np.concatenate([u, v, np.abs(u - v), u * v], axis=-1)


def entailment_index(id2label: Mapping[int, str]) -> int:
    """The id of the entailment label, found as the zero-shot pipeline finds it (a name
    starting with "entail", any case); a clear error when a model has none."""
    for index, name in id2label.items():
        if str(name).lower().startswith("entail"):
            return int(index)
    raise ValueError(
        f"No entailment label in {dict(id2label)}: save the NLI model with id2label "
        f"{dict(enumerate(NLI_LABELS))} so pipeline('zero-shot-classification') can use it."
    )


PROBES_PATH = PROJECT_DATA / "nli_probes" / "probes.jsonl"
PROBE_CATEGORIES = ("negation", "numbers", "lexical_overlap", "swapped")


def load_probes(path: str | Path = PROBES_PATH, categories: Sequence[str] | None = PROBE_CATEGORIES):
    """The hand-written NLI probes (``data/nli_probes/``) as a DataFrame: id, category, premise,
    hypothesis, label (a name from :data:`NLI_LABELS`), why; a wrong row names its line.
    ``categories`` are the accepted category names (None: any, for probes of your own).

    >>> probes = load_probes()
    >>> sorted(probes["category"].unique()) == sorted(PROBE_CATEGORIES)
    True
    """
    import pandas as pd

    def problem(row: dict) -> str:
        missing = [key for key in ("id", "category", "premise", "hypothesis", "label") if not row.get(key)]
        if missing:
            return f"missing or empty {missing}"
        if row["label"] not in NLI_LABELS:
            return f"label {row['label']!r} is not one of {NLI_LABELS}"
        if categories is not None and row["category"] not in categories:
            return f"category {row['category']!r} is not one of {tuple(categories)} (categories=None accepts any)"
        return ""

    return pd.DataFrame(read_jsonl(path, problem))


@dataclass(frozen=True)
class NliRecipe:
    """Everything that shapes the course's NLI model; its :meth:`key` names the cached folder.

    ``dataset`` is "snli" (real data) or "support_inbox" (the hand-written pairs: they prove code
    paths offline, but 694 pairs are too few to learn NLI).
    """

    dataset: str
    model_name: str
    max_train_samples: int | None
    max_eval_samples: int | None
    num_epochs: float
    learning_rate: float
    head_learning_rate: float | None
    batch_size: int
    max_length: int
    seed: int = 42

    def key(self) -> str:
        """A short hash of the recipe: a changed setting gives another folder, never a stale model."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


# Measured with these recipes (seed 42, 2 cores):
# smoke: 2,000 snli training pairs, 1 epoch at 2e-4: 50 s of training in one thread; its zero-shot
#   pipeline ranks 8 of 8 obvious support-inbox messages right (the test's), with small margins
#   (top score 0.27-0.35 of 4 labels). At 1e-4: 5 of 8; 4,000 pairs at 1e-4: 8 of 8 in 93 s. The
#   inbox's own 694 pairs are too few: no cross-encoder learns them (chance accuracy).
# cpu: all of the local snli training pairs (SNLI's official dev split, 9,842 labelled), lesson
#   05's settings, chosen on validation: 0.763 after one epoch, 0.787 after two (at 5e-5: 0.754,
#   0.778); 312 s of training. Lesson 05 reports its test accuracy (0.791).
NLI_RECIPES: dict[str, NliRecipe] = {
    "smoke": NliRecipe("snli", "minilm", 2000, 300, 1, 2e-4, 1e-2, 32, 128),
    "cpu": NliRecipe("snli", "minilm", None, 1000, 2, 1e-4, 1e-2, 32, 128),
}


def cache_dir() -> Path:
    """Where trained course models are kept: ``$CLFLIB_CACHE_DIR``, else ``~/.cache/clflib``."""
    return Path(os.environ.get(CACHE_VARIABLE) or Path.home() / ".cache" / "clflib")


def train_nli_model(recipe: NliRecipe, output_dir: str | Path, device=None) -> Path:
    """Train the recipe's cross-encoder and save it (weights, tokenizer, ``recipe.json``).

    The same steps as lesson 05: pairs encoded together (``[CLS] premise [SEP] hypothesis
    [SEP]``), a new 3-way head with its own learning rate, the checkpoint with the best
    validation accuracy kept. Returns the folder.
    """
    output_dir = Path(output_dir)
    splits = data.load_dataset(recipe.dataset, None if recipe.dataset == "snli" else "nli")
    splits, _ = drop_unlabelled(splits)
    splits["train"] = sampling.stratified_subsample(
        splits["train"], recipe.max_train_samples, "label", recipe.seed
    )
    splits["validation"] = sampling.stratified_subsample(
        splits["validation"], recipe.max_eval_samples, "label", recipe.seed
    )
    tokenizer = models.load_tokenizer(recipe.model_name)
    encoded = training.tokenize_dataset(
        splits, tokenizer, text_columns=("premise", "hypothesis"), max_length=recipe.max_length
    )
    profile = replace(
        profiles.get_profile("cpu"),
        num_epochs=recipe.num_epochs,
        learning_rate=recipe.learning_rate,
        batch_size=recipe.batch_size,
        max_length=recipe.max_length,
    )
    checkpoints = tempfile.TemporaryDirectory(prefix="clflib-nli-")
    trainer = training.fine_tune(
        recipe.model_name,
        list(NLI_LABELS),
        tokenizer,
        encoded["train"],
        encoded["validation"],
        profile,
        checkpoints.name,
        seed=recipe.seed,
        device=device,
        compute_metrics=metrics.make_compute_metrics(average="macro"),
        metric_for_best_model="accuracy",
        head_learning_rate=recipe.head_learning_rate,
    )
    # written next to the target and renamed at the end: an interrupted run leaves no half model
    staging = output_dir.with_name(output_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    trainer.save_model(str(staging))
    tokenizer.save_pretrained(staging)
    (staging / "recipe.json").write_text(json.dumps(asdict(recipe), indent=2) + "\n")
    checkpoints.cleanup()
    shutil.rmtree(output_dir, ignore_errors=True)
    staging.rename(output_dir)
    return output_dir


def course_nli_model(
    profile: str = "cpu",
    recipe: NliRecipe | None = None,
    *,
    hub_model: str | None = None,
    folder: str | Path | None = None,
    device=None,
) -> str:
    """The folder (or Hub id) of an NLI cross-encoder for lesson 07, trained once when missing.

    ``hub_model`` wins when given (a published model, where the Hub is reachable). Otherwise
    ``folder`` (e.g. lesson 05's saved model) when it holds a model, else the recipe's cached
    folder under :func:`cache_dir`, trained on first use (``recipe`` defaults to
    ``NLI_RECIPES[profile]``; a gpu profile uses the cpu recipe).

    >>> course_nli_model(hub_model="cross-encoder/nli-deberta-v3-small")
    'cross-encoder/nli-deberta-v3-small'
    """
    if hub_model:
        return hub_model
    if folder is not None and is_model_folder(folder):
        return str(folder)
    recipe = recipe or NLI_RECIPES["smoke" if profile == "smoke" else "cpu"]
    target = cache_dir() / "nli" / f"{recipe.model_name}-{recipe.dataset}-{recipe.key()}"
    if not is_model_folder(target):
        print(
            f"The course's NLI model ({recipe.model_name} on {recipe.dataset}, recipe {recipe.key()}) "
            f"is not in {target.parent} yet: training it once, then it is reused (the cpu recipe "
            f"takes minutes on 2 cores; set {CACHE_VARIABLE} to keep it elsewhere)."
        )
        train_nli_model(recipe, target, device=device)
    return str(target)
