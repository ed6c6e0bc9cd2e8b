"""Shared fixtures: offline mode, a tiny random BERT for fast code-path tests, data folders."""

from __future__ import annotations

import os
from pathlib import Path

# The tests never use the network: a Hub miss would cost ~45 s of retries.
for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ[_name] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def minilm_tokenizer():
    from clflib.resources import load_tokenizer

    return load_tokenizer("minilm")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, minilm_tokenizer) -> Path:
    """A 2-layer, 32-wide random BERT with the MiniLM tokenizer, saved as a model folder."""
    import torch
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    config = _tiny_bert_config(minilm_tokenizer, ["neg", "pos"])
    folder = tmp_path_factory.mktemp("tiny_bert")
    BertForSequenceClassification(config).save_pretrained(folder)
    minilm_tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture()
def tiny_model(tiny_model_dir):
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real datasets folder (CLFLIB_DATA_DIR); tests that need it skip without it."""
    from clflib.data import data_dir

    folder = data_dir()
    if folder is None:
        pytest.skip("CLFLIB_DATA_DIR is not set to the real datasets folder")
    return folder


@pytest.fixture()
def no_data_dir(monkeypatch):
    monkeypatch.delenv("CLFLIB_DATA_DIR", raising=False)


def _tiny_bert_config(tokenizer, names, **extra):
    from transformers import BertConfig

    return BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                      num_attention_heads=2, intermediate_size=64, max_position_embeddings=128,
                      num_labels=len(names), id2label=dict(enumerate(names)),
                      label2id={n: i for i, n in enumerate(names)}, **extra)


@pytest.fixture(scope="session")
def tiny_multilabel_model_dir(tmp_path_factory, minilm_tokenizer) -> Path:
    """A tiny random 3-label multi-label BERT saved with thresholds 0.5 (copy it to change them)."""
    import torch
    from transformers import BertForSequenceClassification

    from clflib.thresholds import save_thresholds

    torch.manual_seed(1)
    names = ["joy", "anger", "neutral"]
    folder = tmp_path_factory.mktemp("tiny_multilabel")
    config = _tiny_bert_config(minilm_tokenizer, names, problem_type="multi_label_classification")
    BertForSequenceClassification(config).save_pretrained(folder)
    minilm_tokenizer.save_pretrained(folder)
    save_thresholds(folder, [0.5, 0.5, 0.5], names)
    return folder


NER_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


@pytest.fixture(scope="session")
def tiny_ner_model_dir_factory(tmp_path_factory, minilm_tokenizer):
    """``make(force_tag=None)``: a tiny BertForTokenClassification folder tagging with NER_TAGS.

    With ``force_tag`` (e.g. "I-PER") the classifier's weights are zeroed and that tag's bias
    set high, so every token gets that tag: spans become predictable.
    """
    import torch
    from transformers import BertForTokenClassification

    made: dict = {}

    def make(force_tag: str | None = None) -> Path:
        if force_tag not in made:
            torch.manual_seed(2)
            model = BertForTokenClassification(_tiny_bert_config(minilm_tokenizer, NER_TAGS))
            if force_tag is not None:
                with torch.no_grad():
                    model.classifier.weight.zero_()
                    model.classifier.bias.zero_()
                    model.classifier.bias[NER_TAGS.index(force_tag)] = 10.0
            folder = tmp_path_factory.mktemp(f"tiny_ner_{force_tag or 'random'}")
            model.save_pretrained(folder)
            minilm_tokenizer.save_pretrained(folder)
            made[force_tag] = folder
        return made[force_tag]

    return make
