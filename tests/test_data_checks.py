import datasets
import numpy as np
import pytest

from clflib import data_checks


def test_normalisation_ignores_case_space_and_punctuation():
    assert data_checks.normalise_text("Hello,   WORLD!!") == data_checks.normalise_text("hello world")
    assert data_checks.text_fingerprint("a", "b") != data_checks.text_fingerprint("a b")


def test_leakage_report_finds_shared_and_duplicate_texts():
    dd = datasets.DatasetDict(
        train=datasets.Dataset.from_dict({"text": ["Great film.", "great film", "meh", "ok"]}),
        validation=datasets.Dataset.from_dict({"text": ["MEH!", "new"]}),
        test=datasets.Dataset.from_dict({"text": ["fine", "Great film"]}),
    )
    report = data_checks.leakage_report(dd).set_index("splits")
    assert report.loc["train", "shared"] == 1  # duplicate inside train
    assert report.loc["train & validation", "shared"] == 1
    assert report.loc["train & test", "shared"] == 1
    assert report.loc["train & test", "share"] == pytest.approx(0.5)
    assert report.loc["train & test", "example"] == "Great film"
    assert report.loc["validation & test", "shared"] == 0


def test_leakage_report_on_sentence_pairs_uses_both_columns():
    dd = datasets.DatasetDict(
        train=datasets.Dataset.from_dict({"premise": ["a", "a"], "hypothesis": ["x", "y"]}),
        test=datasets.Dataset.from_dict({"premise": ["a"], "hypothesis": ["z"]}),
    )
    report = data_checks.leakage_report(dd, ["premise", "hypothesis"]).set_index("splits")
    assert report.loc["train & test", "shared"] == 0


def test_token_length_stats_suggest_p95_rounded_to_8(minilm_tokenizer):
    texts = ["word " * n for n in range(1, 101)]  # 3 .. 102 tokens
    stats = data_checks.token_length_stats(texts, minilm_tokenizer)
    lengths = np.array([len(minilm_tokenizer(t)["input_ids"]) for t in texts])
    assert (stats.lengths == lengths).all()
    assert stats.suggested_max_length % 8 == 0
    assert stats.suggested_max_length >= np.percentile(lengths, 95)
    assert stats.suggested_max_length - 8 < np.percentile(lengths, 95)
    assert stats.truncated_share == pytest.approx((lengths > stats.suggested_max_length).mean())
    assert stats.summary()["max"] == lengths.max()


def test_token_length_stats_of_pairs_and_empty_input(minilm_tokenizer):
    stats = data_checks.token_length_stats([("a b", "c"), ("d", "e f g")], minilm_tokenizer)
    assert stats.lengths.tolist() == [6, 7]  # [CLS] a [SEP] ... [SEP]
    with pytest.raises(ValueError):
        data_checks.token_length_stats([], minilm_tokenizer)


def test_leakage_summary_by_size_of_the_overlap():
    import pandas as pd

    small = pd.DataFrame({"splits": ["train", "train & test"], "shared": [3, 1], "share": [0.0, 0.001]})
    large = pd.DataFrame({"splits": ["train & test"], "shared": [40], "share": [0.04]})
    assert "rounding error" in data_checks.leakage_summary(small) and "**1**" in data_checks.leakage_summary(
        small
    )
    assert "inflate" in data_checks.leakage_summary(large)


def test_drop_shared_texts_removes_normalised_matches_only():
    from datasets import Dataset

    from clflib.data_checks import drop_shared_texts

    evaluation = Dataset.from_dict(
        {"text": ["Great film!", "great  FILM", "a new text", "other"], "label": [1, 1, 0, 0]}
    )
    train = Dataset.from_dict({"text": ["great film", "something else"]})
    kept, dropped = drop_shared_texts(evaluation, train)
    assert dropped == 2 and list(kept["text"]) == ["a new text", "other"]
    assert list(kept["label"]) == [0, 0]
