"""The support inbox's NLI part: what the course promises about data/support_inbox/nli.jsonl."""

import collections
import json
from pathlib import Path

import pytest

from clflib import data

SUPPORT_INBOX = Path(__file__).resolve().parent.parent / "data" / "support_inbox"


@pytest.fixture(scope="module")
def messages():
    return {m["id"]: m for m in data.read_support_inbox_messages()}


@pytest.fixture(scope="module")
def rows():
    text = (SUPPORT_INBOX / "nli.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_pairs_come_from_messages_and_keep_their_split(rows, messages):
    assert len(rows) >= 300
    assert [r["id"] for r in rows] == [f"nli-{i:04d}" for i in range(1, len(rows) + 1)]
    for r in rows:
        assert set(r) == {"id", "message_id", "split", "premise", "hypothesis", "label"}, r["id"]
        message = messages[r["message_id"]]
        assert r["split"] == message["split"], f"{r['id']}: a pair keeps its message's split"
        assert r["premise"] in message["text"], f"{r['id']}: the premise is (part of) the message"
        assert r["label"] in data.NLI_LABELS and r["hypothesis"].strip(), r["id"]


def test_no_premise_or_pair_crosses_splits(rows):
    splits_of = collections.defaultdict(set)
    for r in rows:
        splits_of[r["premise"]].add(r["split"])
    assert all(len(s) == 1 for s in splits_of.values()), "a premise appears in two splits"
    pairs = [(r["premise"], r["hypothesis"]) for r in rows]
    assert len(set(pairs)) == len(pairs), "a pair appears twice"


def test_labels_are_balanced_in_every_split(rows):
    for split in data.SPLITS:
        counts = collections.Counter(r["label"] for r in rows if r["split"] == split)
        assert sum(counts.values()) >= 45, f"{split}: too few pairs to score"
        assert min(counts.values()) >= 0.25 * sum(counts.values()), f"{split}: labels unbalanced {counts}"


def test_the_loader_gives_snli_s_schema(rows):
    inbox = data.load_support_inbox("nli")
    assert inbox["train"].features["label"].names == ["entailment", "neutral", "contradiction"]
    assert inbox["train"].column_names == ["premise", "hypothesis", "label"]
    assert sum(len(split) for split in inbox.values()) == len(rows)
    first = next(r for r in rows if r["split"] == "train")
    assert inbox["train"][0]["hypothesis"] == first["hypothesis"]
    assert data.NLI_LABELS[inbox["train"][0]["label"]] == first["label"]


def test_a_bad_label_names_the_line(tmp_path, monkeypatch, rows):
    broken = dict(rows[0], label="entails")
    (tmp_path / "nli.jsonl").write_text(json.dumps(broken) + "\n", encoding="utf-8")
    (tmp_path / "labels.json").write_text((SUPPORT_INBOX / "labels.json").read_text(encoding="utf-8"))
    monkeypatch.setattr(data, "SUPPORT_INBOX_DIR", tmp_path)
    with pytest.raises(ValueError, match=r"nli.jsonl, line 1 \(nli-0001\): label 'entails' is not one of"):
        data.load_support_inbox("nli")
