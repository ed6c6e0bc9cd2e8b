"""python -m clflib.serving.predict: chunks, formats, bad rows, refusals, and resuming after a SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from clflib.course import PROJECT_ROOT
from clflib.serving import predict

WORDS = [
    "parcel",
    "refund",
    "late",
    "thanks",
    "broken",
    "invoice",
    "great",
    "terrible",
    "account",
    "password",
    "delivery",
    "order",
    "support",
    "quickly",
    "never",
    "again",
    "love",
    "hate",
    "screen",
    "battery",
]


def make_texts(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(1, 25)))) for _ in range(n)]


@pytest.fixture()
def csv_input(tmp_path):
    texts = make_texts(600)
    texts[5], texts[17] = "", "   "  # an empty cell and a whitespace-only text
    frame = pd.DataFrame(
        {"id": [f"{i:04d}" for i in range(len(texts))], "text": texts, "label": ["gold"] * len(texts)}
    )
    path = tmp_path / "inbox.csv"
    frame.to_csv(path, index=False)
    return path


def run(model_dir, input_path, output, *extra):
    return predict.main(
        [str(model_dir), str(input_path), str(output), "--no-progress", "--threads", "1", *extra]
    )


def test_csv_in_parquet_parts_out(tiny_model_dir, csv_input, tmp_path, capsys):
    from clflib.serving.predictor import Predictor

    assert run(tiny_model_dir, csv_input, tmp_path / "out", "--chunk-size", "128") == 0
    assert "600 rows: 5 chunk(s) written" in capsys.readouterr().err
    parts = sorted(p.name for p in (tmp_path / "out").glob("part-*.parquet"))
    assert parts == [f"part-{i:05d}.parquet" for i in range(5)]
    out = predict.read_output(tmp_path / "out")
    source = pd.read_csv(csv_input, dtype=str, keep_default_na=False)
    assert out["row"].tolist() == list(range(600))
    assert out["id"].tolist() == source["id"].tolist()  # "0007" stays text
    assert out.columns.tolist() == [
        "row",
        "id",
        "text",
        "label",
        "pred_label",
        "pred_score",
        "pred_probabilities",
        "pred_error",
    ]
    assert out.loc[5, "pred_error"] == "missing (NaN)" and out.loc[17, "pred_error"] == "empty or whitespace"
    assert out["pred_error"].notna().sum() == 2 and out.loc[[5, 17], "pred_label"].isna().all()
    # the same predictions as the Predictor on the valid rows, in order
    expected = Predictor.from_folder(tiny_model_dir).predict(source["text"], invalid="null")
    assert out["pred_label"].tolist()[:5] == expected["label"].tolist()[:5]
    assert np.allclose(out["pred_score"].fillna(-1), expected["score"].fillna(-1), atol=1e-6)
    # pandas reads the folder too (the progress file and temporary files are skipped)
    assert pd.read_parquet(tmp_path / "out")["row"].tolist() == list(range(600))


def test_jsonl_and_parquet_give_the_same_predictions(tiny_model_dir, csv_input, tmp_path):
    frame = pd.read_csv(csv_input, dtype=str, keep_default_na=False).iloc[:300]
    frame.to_json(tmp_path / "in.jsonl", orient="records", lines=True)
    frame.to_parquet(tmp_path / "in.parquet", row_group_size=70)  # row groups do not match chunks
    for name in ("in.jsonl", "in.parquet"):
        assert (
            run(
                tiny_model_dir,
                tmp_path / name,
                tmp_path / f"out_{name}",
                "--chunk-size",
                "100",
                "--keep-columns",
                "id",
            )
            == 0
        )
    jsonl = predict.read_output(tmp_path / "out_in.jsonl")
    parquet = predict.read_output(tmp_path / "out_in.parquet")
    assert jsonl.columns.tolist() == [
        "row",
        "id",
        "pred_label",
        "pred_score",
        "pred_probabilities",
        "pred_error",
    ]
    assert jsonl["id"].tolist() == frame["id"].tolist() == parquet["id"].tolist()
    assert jsonl["pred_label"].tolist() == parquet["pred_label"].tolist()
    assert jsonl.loc[5, "pred_error"] == "empty or whitespace"  # "" in JSON is a string, but empty


def test_multilabel_and_ner_outputs(tiny_multilabel_model_dir, tiny_ner_model_dir_factory, tmp_path):
    path = tmp_path / "in.csv"
    pd.DataFrame({"body": ["Ada met Grace", "", "fine thanks"]}).to_csv(path, index=False)
    assert run(tiny_multilabel_model_dir, path, tmp_path / "ml", "--text-column", "body") == 0
    labels = predict.read_output(tmp_path / "ml")["pred_labels"]
    assert labels[1] is None and all(set(row) <= {"joy", "anger", "neutral"} for row in labels[[0, 2]])
    assert (
        run(
            tiny_ner_model_dir_factory("B-PER"),
            path,
            tmp_path / "ner",
            "--text-column",
            "body",
            "--chunk-size",
            "1",
        )
        == 0
    )
    spans = predict.read_output(tmp_path / "ner")["pred_spans"]
    assert [s["text"] for s in spans[0]] == ["Ada", "met", "Grace"]
    assert spans[1] is None and len(spans[2]) == 2


def test_bad_arguments_are_explained(tiny_model_dir, csv_input, tmp_path, capsys):
    assert run(tiny_model_dir, csv_input, tmp_path / "o1", "--text-column", "body") == 1
    assert "no column 'body'" in capsys.readouterr().err
    assert run(tiny_model_dir, tmp_path / "missing.csv", tmp_path / "o2") == 1
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "in.txt").write_text("hello\n")
    assert run(tiny_model_dir, tmp_path / "in.txt", tmp_path / "o3") == 1
    assert "Cannot tell the format" in capsys.readouterr().err
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.md").write_text("mine")
    assert run(tiny_model_dir, csv_input, tmp_path / "busy") == 1
    assert "did not write" in capsys.readouterr().err
    assert run(tmp_path, csv_input, tmp_path / "o4") == 1
    assert "no saved model" in capsys.readouterr().err
    assert run(tiny_model_dir, csv_input, tmp_path / "o5", "--invalid", "raise") == 1
    assert "in chunk 0 (input rows 0 to 599" in (err := capsys.readouterr().err)
    assert "item 5 is float (nan)" in err


def test_settings_must_match_to_resume(tiny_model_dir, csv_input, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(tiny_model_dir, csv_input, out, "--chunk-size", "300") == 0
    assert run(tiny_model_dir, csv_input, out, "--chunk-size", "300") == 0
    assert "already complete" in capsys.readouterr().err
    assert run(tiny_model_dir, csv_input, out, "--chunk-size", "200") == 1
    assert "differs in: chunk_size" in capsys.readouterr().err
    assert run(tiny_model_dir, csv_input, out, "--chunk-size", "200", "--restart") == 0
    assert len(list(out.glob("part-*.parquet"))) == 3
    assert len(predict.read_output(out)) == 600


SLOW_RUN = """
import sys, time
from clflib.serving import predict
write = predict.write_atomically
def slow_write(path, how):  # slow enough that the test can kill us between chunks
    time.sleep(0.15)
    write(path, how)
predict.write_atomically = slow_write
sys.exit(predict.main(sys.argv[1:]))
"""


def test_resume_after_sigkill_loses_and_repeats_nothing(tiny_model_dir, tmp_path):
    texts = make_texts(3000, seed=1)
    texts[1234] = ""
    source = tmp_path / "big.csv"
    pd.DataFrame({"n": range(len(texts)), "text": texts}).to_csv(source, index=False)
    args = [
        str(tiny_model_dir),
        str(source),
        str(tmp_path / "killed"),
        "--chunk-size",
        "150",
        "--no-progress",
        "--threads",
        "1",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, *args],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    progress_file = tmp_path / "killed" / predict.PROGRESS_FILE
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        if progress_file.is_file() and len(json.loads(progress_file.read_text())["chunks"]) >= 4:
            break
        time.sleep(0.05)
    assert process.poll() is None, f"finished before it could be killed: {process.stderr.read()}"
    process.send_signal(signal.SIGKILL)
    process.wait()
    first = json.loads(progress_file.read_text())
    assert not first["complete"] and 4 <= len(first["chunks"]) < 20
    stamps = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "killed").glob("part-*.parquet")}

    # run the same command again (as a process, the way a user would)
    again = subprocess.run(
        [sys.executable, "-m", "clflib.serving.predict", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert f"{len(first['chunks'])} already done, 1 row(s) without a prediction" in again.stderr
    for name, stamp in stamps.items():  # finished chunks were not redone
        if name in {c["file"] for c in first["chunks"].values()}:
            assert (tmp_path / "killed" / name).stat().st_mtime_ns == stamp
    resumed = predict.read_output(tmp_path / "killed")

    assert predict.main([*args[:2], str(tmp_path / "straight"), *args[3:]]) == 0
    straight = predict.read_output(tmp_path / "straight")
    assert resumed["row"].tolist() == resumed["n"].astype(int).tolist() == list(range(3000))
    assert resumed["pred_label"].tolist() == straight["pred_label"].tolist()
    assert np.allclose(resumed["pred_score"].fillna(-1), straight["pred_score"].fillna(-1), atol=1e-6)
    assert resumed.loc[1234, "pred_error"] == "missing (NaN)"
    assert not list((tmp_path / "killed").glob(".*"))  # no temporary files left behind


def test_an_empty_or_undecodable_file_is_named_with_the_fix(tiny_model_dir, tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert run(tiny_model_dir, empty, tmp_path / "o1") == 1
    assert f"INPUT {empty} is empty (0 bytes)" in capsys.readouterr().err
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,text\n1,caf\xe9 cr\xe8me was lovely\n".encode("cp1252"))
    assert run(tiny_model_dir, latin, tmp_path / "o2") == 1
    err = capsys.readouterr().err
    assert f"INPUT {latin} is not utf-8 text" in err and "--encoding cp1252" in err
    assert run(tiny_model_dir, latin, tmp_path / "o3", "--encoding", "cp1252") == 0
    assert predict.read_output(tmp_path / "o3")["text"].tolist() == ["café crème was lovely"]


def test_numbers_and_invisible_texts_get_a_reason_not_a_crash(tiny_model_dir, tmp_path):
    """The README promises pred_error for rows that are not text; a number in JSON Lines and a
    text of zero-width or control characters only are such rows."""
    path = tmp_path / "rows.jsonl"
    rows = [
        {"text": "a fine day"},
        {"text": 42},
        {"text": "\u200b\u200d"},
        {"text": "\x07\x00"},
        {"text": "ok"},
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    assert run(tiny_model_dir, path, tmp_path / "out") == 0
    out = predict.read_output(tmp_path / "out")
    assert out["pred_error"].fillna("fine").tolist() == [
        "fine",
        "not a string (int)",
        "no visible characters (control or zero-width only)",
        "no visible characters (control or zero-width only)",
        "fine",
    ]
    assert out["pred_label"].notna().tolist() == [True, False, False, False, True]


def test_resuming_after_the_tokenizer_changed_is_refused(tiny_model_dir, csv_input, tmp_path, capsys):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    out = tmp_path / "out"
    assert run(model, csv_input, out, "--chunk-size", "300") == 0
    config = json.loads((model / "tokenizer_config.json").read_text())
    config["model_max_length"] = 64
    (model / "tokenizer_config.json").write_text(json.dumps(config))
    assert run(model, csv_input, out, "--chunk-size", "300") == 1
    assert "differs in: model" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["config", "weights"])
def test_a_corrupt_model_folder_is_one_line_naming_it(tiny_model_dir, csv_input, tmp_path, capsys, damage):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    if damage == "config":
        (model / "config.json").write_text("{not json")
    else:
        weights = model / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    assert run(model, csv_input, tmp_path / "out") == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert f"Could not load the model in {model}" in err and "save the model again" in err
