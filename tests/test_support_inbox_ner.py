"""The support inbox's NER part: what the course promises about data/support_inbox/ner.jsonl."""

import collections
import json
from pathlib import Path

import pytest

from clflib import data

SUPPORT_INBOX = Path(__file__).resolve().parent.parent / "data" / "support_inbox"
TYPES = ("PRODUCT", "ORDER_ID", "PERSON", "LOCATION", "DATE", "COURIER")
SPLITS = ("train", "validation", "test")


@pytest.fixture(scope="module")
def messages():
    return {m["id"]: m for m in data.read_support_inbox_messages()}


@pytest.fixture(scope="module")
def rows():
    text = (SUPPORT_INBOX / "ner.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _entity_types(tags):
    return [tag[2:] for tag in tags if tag.startswith("B-")]


def test_rows_are_existing_messages_in_their_split_and_order(rows, messages):
    assert len(rows) >= 300
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids), "an id appears twice"
    position = {message_id: i for i, message_id in enumerate(messages)}
    assert ids == sorted(ids, key=lambda i: position.get(i, -1)), "keep messages.jsonl's order"
    for r in rows:
        assert set(r) == {"id", "split", "tokens", "ner_tags"}, r["id"]
        assert r["id"] in messages, r["id"]
        assert r["split"] == messages[r["id"]]["split"], r["id"]


def test_tokens_are_the_whitespace_split_text(rows, messages):
    for r in rows:
        assert r["tokens"] == messages[r["id"]]["text"].split(), r["id"]
        assert len(r["tokens"]) == len(r["ner_tags"]), r["id"]


def test_tags_are_strict_bio_of_known_types(rows):
    allowed = {"O"} | {f"{p}-{t}" for t in TYPES for p in "BI"}
    for r in rows:
        previous = "O"
        for i, tag in enumerate(r["ner_tags"]):
            assert tag in allowed, (r["id"], i, tag)
            if tag.startswith("I-"):
                assert previous in (f"B-{tag[2:]}", tag), f"{r['id']} token {i}: {tag} after {previous}"
            previous = tag


def test_every_type_is_frequent_and_in_every_split(rows):
    counts = collections.Counter((t, r["split"]) for r in rows for t in _entity_types(r["ner_tags"]))
    for t in TYPES:
        assert sum(counts[(t, s)] for s in SPLITS) >= 25, t
        for s in SPLITS:
            assert counts[(t, s)] >= 1, f"no {t} in {s}"


def test_realistic_share_of_lines_without_entities(rows):
    empty = sum(not _entity_types(r["ner_tags"]) for r in rows)
    assert 0.2 <= empty / len(rows) <= 0.3, empty / len(rows)


def test_guide_defines_every_type():
    guide = (SUPPORT_INBOX / "NER_GUIDE.md").read_text(encoding="utf-8")
    for t in TYPES:
        assert t in guide, f"{t} has no definition in NER_GUIDE.md"
