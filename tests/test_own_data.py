"""Your own data through the lessons' door: files of every format and task shape, a Hub id, and
one clear line for every file that cannot be used as it is (no kernel, no model: seconds)."""

from __future__ import annotations

import json

import datasets
import pandas as pd
import pytest

from clflib import data
from clflib.data_files import DataFileError, load_files, looks_like_a_path
from clflib.profiles import get_profile

TEAMS = {"delivery": "where is my parcel number {}", "billing": "I was charged twice on invoice {}",
         "refund": "please refund order {}"}  # fmt: skip


def ticket_rows(n: int = 20) -> list[dict]:
    return [{"message": text.format(i), "team": team} for i in range(n) for team, text in TEAMS.items()]


def write_csv(path, rows: list[dict]) -> None:
    pd.DataFrame(rows).to_csv(path, index=False)


def write_jsonl(path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_one_csv_file_gets_seeded_stratified_splits_and_says_so(tmp_path):
    write_csv(tmp_path / "tickets.csv", ticket_rows(20))
    loaded = load_files(tmp_path / "tickets.csv", "single_label", {"text": "message", "label": "team"})
    sizes = {split: len(rows) for split, rows in loaded.dataset.items()}
    assert sizes == {"train": 48, "validation": 6, "test": 6}
    names = loaded.dataset["train"].features["label"].names
    assert names == ["billing", "delivery", "refund"]
    for split in ("validation", "test"):  # two of each team: stratified
        assert sorted(loaded.dataset[split]["label"]) == [0, 0, 1, 1, 2, 2]
    assert "stratified by label, seed 42" in " ".join(loaded.notes)
    again = load_files(tmp_path / "tickets.csv", "single_label", {"text": "message", "label": "team"})
    assert again.dataset["test"]["text"] == loaded.dataset["test"]["text"], "the same seed, the same split"
    other = load_files(tmp_path / "tickets.csv", "single_label", {"text": "message", "label": "team"}, seed=1)
    assert other.dataset["test"]["text"] != loaded.dataset["test"]["text"]


def test_a_folder_keeps_its_splits_in_any_format(tmp_path):
    rows = ticket_rows(12)
    for suffix, writer in (("jsonl", write_jsonl), ("parquet", lambda p, r: pd.DataFrame(r).to_parquet(p))):
        folder = tmp_path / suffix
        folder.mkdir()
        writer(folder / f"train.{suffix}", rows[:30])
        writer(folder / f"test.{suffix}", rows[30:])
        dataset = data.load_dataset(str(folder), columns={"text": "message", "label": "team"}, verbose=False)
        assert len(dataset["test"]) == 6 and len(dataset["train"]) + len(dataset["validation"]) == 30
        assert dataset["test"]["text"] == [row["message"] for row in rows[30:]], "the test file as it is"
    tsv = tmp_path / "tsv"
    tsv.mkdir()
    pd.DataFrame(rows).to_csv(tsv / "tickets.tsv", sep="\t", index=False)
    assert len(data.load_dataset(str(tsv / "tickets.tsv"), columns={"text": "message", "label": "team"},
                                 verbose=False)["train"]) == 28  # fmt: skip


def test_multi_label_pairs_and_ner_files(tmp_path):
    tags = [{"text": f"late parcel and a refund {i}", "labels": "delivery;refund"} for i in range(12)]
    tags += [{"text": f"thanks for the help {i}", "labels": ""} for i in range(12)]
    write_csv(tmp_path / "tags.csv", tags)
    dataset = data.load_dataset(str(tmp_path / "tags.csv"), task="multi_label", verbose=False)
    names = dataset["train"].features["labels"].feature.names
    assert names == ["delivery", "refund"]
    assert {len(labels) for split in dataset.values() for labels in split["labels"]} == {0, 2}

    pairs = [{"premise": f"the parcel {i} arrived", "hypothesis": f"parcel {i} is here", "label": lab}
             for i, lab in zip(range(30), ["entailment", "contradiction", "neutral"] * 10)]  # fmt: skip
    write_jsonl(tmp_path / "pairs.jsonl", pairs)
    dataset = data.load_dataset(str(tmp_path / "pairs.jsonl"), task="pairs", verbose=False)
    assert dataset["train"].features["label"].names == ["entailment", "neutral", "contradiction"]

    conll = tmp_path / "ner"
    conll.mkdir()
    sentence = "-DOCSTART- O\n\n" + "".join(
        f"Anna\tB-PER\nvisited\tO\nParis\tB-LOC\n{i}\tO\n\n" for i in range(12)
    )
    (conll / "train.conll").write_text(sentence)
    (conll / "test.conll").write_text("Bob B-PER\nleft O\n\n")
    dataset = data.load_dataset(str(conll), task="ner", verbose=False)
    assert dataset["test"]["tokens"] == [["Bob", "left"]]
    assert dataset["train"].features["ner_tags"].feature.names == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    assert len(dataset["validation"]) == 1 and len(dataset["train"]) == 11


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing_column", r"tickets.csv: no column 'message' \(for text\). Its columns are \['text', 'team'\]; set TEXT_COLUMN"),
        ("empty_text", r"tickets.csv, line 5: the 'message' cell is empty"),
        ("unseen_label", r"test.csv, line 3: label 'legal' never appears in the training rows"),
        ("one_class", r"every row has the label 'delivery' in 'team'"),
        ("shared_text", r"test.csv, line 2: 'where is my parcel number 0' is also in the training rows"),
        ("latin1", r"tickets.csv, line 3: byte 0xe9 is not UTF-8 text"),
        ("too_few", r"4 rows are too few to draw validation and test rows"),
        ("no_train", r"test.csv but no train file"),
        ("not_bio", r"train.conll, line 1: tag 'PER' is not BIO"),
        ("no_tag", r"train.conll, line 2: 'visited' has a token but no tag"),
        ("nowhere", r"no such file or folder"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_used_is_one_line_naming_file_row_and_value(tmp_path, case, expected):
    rows, columns, task = ticket_rows(10), {"text": "message", "label": "team"}, "single_label"
    path = tmp_path / "tickets.csv"
    if case == "missing_column":
        rows = [{"text": r["message"], "team": r["team"]} for r in rows]
    if case == "empty_text":
        rows[3]["message"] = "  "
    if case == "one_class":
        rows = [{**r, "team": "delivery"} for r in rows]
    if case in ("unseen_label", "shared_text", "no_train"):
        path = tmp_path / "splits"
        path.mkdir()
        held = [
            {"message": "a new kind of text", "team": "billing"},
            {"message": "legal notice", "team": "legal"},
        ]
        if case == "shared_text":
            held = [rows[0]]
        if case != "no_train":
            write_csv(path / "train.csv", rows)
        write_csv(path / "test.csv", held)
    else:
        write_csv(path, rows[:4] if case == "too_few" else rows)
    if case == "latin1":
        path.write_bytes("message,team\nok,billing\ncaf\xe9,billing\n".encode("latin-1"))
    if case in ("not_bio", "no_tag"):
        path, task, columns = tmp_path / "ner", "ner", None
        path.mkdir()
        text = "Anna PER\nvisited O\n\n" if case == "not_bio" else "Anna B-PER\nvisited\n\n"
        (path / "train.conll").write_text(text * 12)
    if case == "nowhere":
        path = tmp_path / "missing.csv"
    with pytest.raises(DataFileError, match=expected) as caught:
        load_files(path, task, columns, parameters={"text": "TEXT_COLUMN", "label": "LABEL_COLUMN"})
    assert "\n" not in str(caught.value), "one line"


def test_a_drawn_test_row_whose_text_stays_in_training_goes_back(tmp_path):
    rows = ticket_rows(10) + [{"message": "where is my parcel number 0!", "team": "delivery"}] * 5
    write_csv(tmp_path / "tickets.csv", rows)
    loaded = load_files(tmp_path / "tickets.csv", "single_label", {"text": "message", "label": "team"})
    train = {t.lower().strip("!") for t in loaded.dataset["train"]["text"]}
    for split in ("validation", "test"):
        assert not train & {t.lower().strip("!") for t in loaded.dataset[split]["text"]}
    assert sum(map(len, loaded.dataset.values())) == len(rows), "nothing dropped, only moved"


def test_a_lesson_uses_your_files_in_every_profile_and_never_falls_back(tmp_path, capsys):
    write_csv(tmp_path / "tickets.csv", ticket_rows(10))
    columns = {"text": "message", "label": "team"}
    for profile in ("smoke", "cpu"):
        raw, name = data.load_lesson_dataset(
            str(tmp_path / "tickets.csv"), get_profile(profile), "sentiment_binary", columns=columns
        )
        assert name == "tickets.csv" and len(raw["train"]) == 24
    assert "drew validation 3, test 3 rows" in capsys.readouterr().out
    with pytest.raises(DataFileError, match="no such file"):
        data.load_lesson_dataset(str(tmp_path / "tickets.cvs"), get_profile("cpu"), "sentiment_binary")


def test_a_hub_id_is_laid_out_as_files_are(monkeypatch):
    assert not looks_like_a_path("fancyzhx/ag_news") and looks_like_a_path("my/tickets.csv")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(data.DatasetUnavailable, match="Hub is unreachable"):
        data.load_dataset("fancyzhx/ag_news")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    news = datasets.Features(
        {"body": datasets.Value("string"), "topic": datasets.ClassLabel(names=["world", "sport"])}
    )
    rows = {"body": [f"story {i}" for i in range(40)], "topic": [i % 2 for i in range(40)]}
    hub = datasets.DatasetDict(
        train=datasets.Dataset.from_dict(rows, features=news),
        test=datasets.Dataset.from_dict({"body": ["a match", "a summit"], "topic": [1, 0]}, features=news),
    )
    asked = []
    monkeypatch.setattr(datasets, "load_dataset", lambda *args, **kw: asked.append(args) or hub)
    dataset = data.load_dataset("fancyzhx/ag_news", columns={"text": "body", "label": "topic"}, verbose=False)
    assert asked == [("fancyzhx/ag_news", None)]
    assert dataset["test"]["text"] == ["a match", "a summit"] and dataset["test"]["label"] == [1, 0]
    assert dataset["train"].features["label"].names == ["world", "sport"], "the Hub's order kept"
    assert len(dataset["validation"]) == 4
