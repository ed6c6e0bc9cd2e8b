"""Zero-shot classification: candidate labels chosen at prediction time, no labelled examples.

Taught in lesson 07. Three routes behind one small interface, ``predict_proba(texts, labels)``
(one row per text, one column per label) and ``predict(texts, labels)`` (label strings):

- :class:`NliZeroShot`: an NLI cross-encoder reads each (text, hypothesis) pair, the hypothesis
  being the label inside a template ("This example is {}."); the entailment logit scores the
  label. The same numbers as transformers' ``pipeline("zero-shot-classification")``, but every
  text-label pair of a call goes through the model in length-sorted batches instead of one text
  at a time. Costs one forward pass per text *and label*: :func:`nli_forward_passes`.
- :class:`EmbeddingZeroShot`: one sentence embedding per text and per label description; the
  cosine similarity scores the label. One forward pass per text, whatever the number of labels.
- SetFit on synthetic examples (:func:`templated_examples`, then
  :func:`clflib.fewshot.train_setfit`): sentences written from templates per label stand in for
  labelled data.

>>> nli_forward_passes(num_texts=1000, num_labels=77)
77000
>>> hypotheses(["refund", "delivery"], "This message is about {}.")
['This message is about refund.', 'This message is about delivery.']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from clflib.data_checks import count_tokens, warn_if_truncated
from clflib.embeddings import embed
from clflib.inference import check_texts, in_length_order
from clflib.models import load_encoder, load_tokenizer

__all__ = [
    "DEFAULT_TEMPLATE",
    "nli_forward_passes",
    "hypotheses",
    "NliZeroShot",
    "EmbeddingZeroShot",
    "templated_examples",
]

DEFAULT_TEMPLATE = "This example is {}."  # transformers' zero-shot pipeline's default


def nli_forward_passes(num_texts: int, num_labels: int) -> int:
    """How many (text, hypothesis) pairs NLI zero-shot runs through the model: one per text and
    candidate label. Embedding similarity needs ``num_texts`` (plus one per label, once)."""
    if num_texts < 0 or num_labels < 1:
        raise ValueError(f"need num_texts >= 0 and num_labels >= 1, got {num_texts} and {num_labels}.")
    return int(num_texts) * int(num_labels)


def _check_labels(labels: Sequence[str]) -> list[str]:
    if isinstance(labels, str):
        raise TypeError(f"labels must be a list of label strings, got the single string {labels!r}.")
    labels = list(labels)
    if not labels:
        raise ValueError("no candidate labels: give at least one.")
    for position, label in enumerate(labels):
        if not isinstance(label, str) or not label.strip():
            raise ValueError(
                f"candidate label {position} is {label!r}: every label must be a non-empty string."
            )
    if len(set(labels)) != len(labels):
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        raise ValueError(f"candidate labels repeat: {repeated}; give each label once.")
    return labels


def hypotheses(labels: Sequence[str], template: str = DEFAULT_TEMPLATE) -> list[str]:
    """Each label inside ``template`` (which must hold one ``{}``)."""
    labels = _check_labels(labels)
    if template.count("{}") != 1:
        raise ValueError(
            f"template {template!r} must contain exactly one {{}} where the label goes, "
            'e.g. "This example is {}."'
        )
    return [template.format(label) for label in labels]


def _softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = logits - logits.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)


@dataclass
class NliZeroShot:
    """Zero-shot with an NLI cross-encoder (``model`` with an "entailment" label in
    ``config.label2id``, and its ``tokenizer``).

    ``multi_label=False``: a softmax over the labels' entailment logits (one label per text).
    ``multi_label=True``: for each label on its own, a softmax over (contradiction, entailment).
    Texts longer than ``max_length`` tokens lose their end (the hypothesis is never cut); when
    more than 5% of the texts do, a :class:`clflib.data_checks.TruncationWarning` says how many,
    once per call.

    >>> route = NliZeroShot.from_pretrained("runs/nli_model")  # doctest: +SKIP
    >>> route.predict(["where is my parcel?"], ["delivery", "refund"])  # doctest: +SKIP
    ['delivery']
    """

    model: object
    tokenizer: object
    template: str = DEFAULT_TEMPLATE
    multi_label: bool = False
    batch_size: int = 64
    max_length: int = 256
    show_progress: bool | None = None
    entailment_id: int = field(init=False)
    contradiction_id: int = field(init=False)

    def __post_init__(self) -> None:
        label2id = {str(name).lower(): int(i) for name, i in self.model.config.label2id.items()}
        found = [i for name, i in label2id.items() if name.startswith("entail")]
        if not found:
            raise ValueError(
                f"the model's config.label2id {self.model.config.label2id} has no label starting with "
                "'entail': zero-shot needs an NLI model whose labels name entailment (save it with "
                "id2label entailment / neutral / contradiction)."
            )
        self.entailment_id = found[0]
        # as transformers' pipeline: the contradiction logit is the last one, or the first when
        # entailment is last
        self.contradiction_id = -1 if self.entailment_id == 0 else 0

    @classmethod
    def from_pretrained(cls, name_or_path: str, device=None, **options) -> NliZeroShot:
        """Load an NLI model folder (e.g. :func:`clflib.nli.course_nli_model`'s) or Hub id."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        model = AutoModelForSequenceClassification.from_pretrained(name_or_path)
        if device is not None:
            model = model.to(device)
        return cls(model.eval(), AutoTokenizer.from_pretrained(name_or_path), **options)

    def pair_logits(self, texts: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        """The model's logits for every (text, hypothesis) pair: shape (texts, labels, NLI classes)."""
        import torch

        texts = check_texts(texts)
        claims = hypotheses(labels, self.template)
        pairs = [(t, h) for t in texts for h in claims]
        # a text is cut when it is too long beside at least one hypothesis (only the text is cut)
        longest_pair = count_tokens(self.tokenizer, pairs).reshape(len(texts), len(claims)).max(axis=1)
        warn_if_truncated(
            self.tokenizer,
            texts,
            self.max_length,
            lengths=longest_pair,
            where="NliZeroShot",
            hint="Each length is the text with its longest hypothesis; the hypothesis is never cut.",
        )
        device = next(self.model.parameters()).device
        self.model.eval()

        def predict_batch(batch: list[tuple[str, str]]) -> np.ndarray:
            encoded = self.tokenizer(
                [premise for premise, _ in batch],
                [hypothesis for _, hypothesis in batch],
                padding=True,
                truncation="only_first",
                max_length=self.max_length,
                return_tensors="pt",
            ).to(device)
            with torch.inference_mode():
                return self.model(**encoded).logits.float().cpu().numpy()

        lengths = [len(t) + len(h) for t, h in pairs]
        logits = in_length_order(
            pairs,
            self.batch_size,
            predict_batch,
            self.show_progress,
            desc="Text-label pairs",
            lengths=lengths,
        )
        return logits.reshape(len(texts), len(claims), -1)

    def predict_proba(self, texts: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        """One score per text and label: rows sum to 1 unless ``multi_label``."""
        logits = self.pair_logits(texts, labels)
        if self.multi_label or logits.shape[1] == 1:
            pair = logits[..., [self.contradiction_id, self.entailment_id]]
            return _softmax(pair)[..., 1]
        return _softmax(logits[..., self.entailment_id], axis=1)

    def predict(self, texts: Sequence[str], labels: Sequence[str]) -> list[str]:
        """The best-scoring label of each text."""
        labels = _check_labels(labels)
        return [labels[i] for i in self.predict_proba(texts, labels).argmax(axis=1)]


@dataclass
class EmbeddingZeroShot:
    """Zero-shot by embedding similarity: each text goes to the label whose description is
    nearest (cosine similarity of sentence embeddings, ``clflib.embeddings.embed``).

    ``template`` wraps each label before it is embedded ("{}" uses it as it is). Probabilities
    are a softmax of the similarities divided by ``temperature``: similarities of unit vectors
    differ by hundredths, so a plain softmax would be almost flat; the ranking does not depend
    on it.

    With ``reuse_vectors=True`` each distinct text is embedded once per route: trying another
    template or other label wordings on the same texts embeds only the new label descriptions
    (``embedded_texts`` counts what has been embedded so far). Leave it off where you time the
    route: a text seen before then costs a lookup, not a forward pass.

    A text longer than ``max_length`` tokens is embedded from its start; :func:`clflib.embeddings.embed`
    warns (:class:`clflib.data_checks.TruncationWarning`) when more than 5% of the texts are cut.

    >>> route = EmbeddingZeroShot("minilm")  # doctest: +SKIP
    >>> route.predict(["where is my parcel?"], ["delivery", "refund"])  # doctest: +SKIP
    ['delivery']
    """

    model_name: str = "minilm"
    template: str = "{}"
    temperature: float = 0.05
    max_length: int = 128
    batch_size: int = 128
    device: object = None
    show_progress: bool | None = None
    reuse_vectors: bool = False

    def __post_init__(self) -> None:
        if self.temperature <= 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}.")
        self._tokenizer = load_tokenizer(self.model_name)
        self._model = load_encoder(self.model_name)
        if self.device is not None:
            self._model = self._model.to(self.device)
        self._vectors: dict[tuple, np.ndarray] = {}  # (model, max_length, text) -> unit vector

    @property
    def embedded_texts(self) -> int:
        """How many distinct texts (label descriptions included) this route keeps vectors of."""
        return len(self._vectors)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts``; with ``reuse_vectors``, only texts not seen before are
        embedded (in one batch run, checked as :func:`clflib.embeddings.embed` checks them)."""

        settings = {
            "model": self._model,
            "tokenizer": self._tokenizer,
            "max_length": self.max_length,
            "batch_size": self.batch_size,
            "show_progress": self.show_progress,
        }
        if not self.reuse_vectors:
            return embed(texts, **settings)
        texts = check_texts(texts)  # errors name positions in the caller's list
        key = (id(self._model), self.max_length)
        missing = list(dict.fromkeys(t for t in texts if (*key, t) not in self._vectors))
        if missing:
            self._vectors.update(((*key, t), v) for t, v in zip(missing, embed(missing, **settings)))
        return np.stack([self._vectors[(*key, t)] for t in texts])

    def similarities(self, texts: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        """Cosine similarity of every text to every label description: shape (texts, labels)."""
        return self._embed(texts) @ self._embed(hypotheses(labels, self.template)).T

    def predict_proba(self, texts: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        return _softmax(self.similarities(texts, labels) / self.temperature, axis=1)

    def predict(self, texts: Sequence[str], labels: Sequence[str]) -> list[str]:
        labels = _check_labels(labels)
        return [labels[i] for i in self.similarities(texts, labels).argmax(axis=1)]


def templated_examples(
    labels: Sequence[str], templates: Sequence[str], text_column: str = "text", label_column: str = "label"
):
    """Synthetic training examples: every template filled with every label, labelled with the
    label's index. A ``datasets.Dataset`` for :func:`clflib.fewshot.train_setfit`.

    >>> data = templated_examples(["refund", "delivery"], ["I want a {}.", "Question about {}."])
    >>> list(data["text"]), list(data["label"])
    (['I want a refund.', 'Question about refund.', 'I want a delivery.', 'Question about delivery.'], [0, 0, 1, 1])
    """
    from datasets import ClassLabel, Dataset, Features, Value

    labels = _check_labels(labels)
    if not templates:
        raise ValueError("no templates: give at least one sentence with {} where the label goes.")
    rows_text: list[str] = []
    rows_label: list[int] = []
    for index, label in enumerate(labels):
        for template in templates:
            rows_text.append(hypotheses([label], template)[0])
            rows_label.append(index)
    features = Features({text_column: Value("string"), label_column: ClassLabel(names=labels)})
    return Dataset.from_dict({text_column: rows_text, label_column: rows_label}, features=features)
