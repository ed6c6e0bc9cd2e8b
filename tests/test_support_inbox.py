"""The running example's quality: what the course promises about data/support_inbox."""

import collections

import pytest

from clflib import data
from clflib.data_checks import leakage_report, normalise_text


@pytest.fixture(scope="module")
def messages():
    return data.read_support_inbox_messages()


@pytest.fixture(scope="module")
def names():
    return data.support_inbox_label_names()


def test_size_ids_and_splits(messages):
    assert len(messages) >= 600
    assert len({m["id"] for m in messages}) == len(messages)
    splits = collections.Counter(m["split"] for m in messages)
    assert set(splits) == {"train", "validation", "test"}
    assert splits["validation"] >= 60 and splits["test"] >= 60


def test_every_label_is_known(messages, names):
    assert names["sentiment"] == ["negative", "neutral", "positive"]
    for m in messages:
        assert m["sentiment"] in names["sentiment"] and m["intent"] in names["intent"]
        assert set(m["tags"]) <= set(names["tags"]) and len(set(m["tags"])) == len(m["tags"]) <= 3
        assert m["text"].strip()


def test_intents_have_a_deliberate_long_tail(messages, names):
    assert 8 <= len(names["intent"]) <= 10
    counts = collections.Counter(m["intent"] for m in messages)
    assert set(counts) == set(names["intent"])
    rarest = min(counts.values()) / len(messages)
    assert rarest <= 0.03, f"rarest intent is {rarest:.1%} of messages"
    assert max(counts.values()) / min(counts.values()) >= 5


def test_tags_have_none_one_and_several(messages, names):
    assert 5 <= len(names["tags"]) <= 7
    per_message = collections.Counter(len(m["tags"]) for m in messages)
    assert per_message[0] >= 0.1 * len(messages)
    assert per_message[2] + per_message[3] >= 0.15 * len(messages)


def test_varied_lengths(messages):
    words = sorted(len(m["text"].split()) for m in messages)
    assert words[0] <= 3 and words[-1] >= 80
    assert sum(w < 8 for w in words) >= 0.1 * len(words)


def test_no_duplicate_text_within_or_across_splits():
    report = leakage_report(data.load_dataset("support_inbox", "all"))
    assert report["shared"].sum() == 0, report


def test_no_template_like_repetition(messages):
    openings = collections.Counter(" ".join(normalise_text(m["text"]).split()[:4]) for m in messages)
    assert openings.most_common(1)[0][1] <= 5, openings.most_common(3)


def test_labeling_guide_covers_every_label(names):
    guide = (data.SUPPORT_INBOX_DIR / "LABELING_GUIDE.md").read_text(encoding="utf-8")
    for field in ("sentiment", "intent", "tags"):
        for label in names[field]:
            assert label in guide, f"{label} has no rule in the labelling guide"
