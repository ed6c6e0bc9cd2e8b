"""The Predictor: three task types, input order, thresholds, bad inputs, backends, statistics."""

import importlib.util
import shutil

import numpy as np
import pandas as pd
import pytest

from clflib import inference
from clflib.models import detect_task
from clflib.serving.predictor import Predictor

TEXTS = [
    "a much longer text than the others, by quite a few words indeed",
    "hi",
    "medium sized text here",
    "ok then",
    "where is my parcel",
    "x",
]


@pytest.fixture(autouse=True)
def one_thread():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_single_label_order_is_restored(tiny_model_dir, tiny_model, minilm_tokenizer):
    predictor = Predictor.from_folder(tiny_model_dir, batch_size=2)
    assert predictor.task == "single_label" and predictor.label_names == ["neg", "pos"]
    table = predictor.predict(TEXTS)
    one_by_one = np.vstack([inference.predict_proba(tiny_model, minilm_tokenizer, [t]) for t in TEXTS])
    probabilities = np.array(table["probabilities"].tolist())
    assert np.allclose(probabilities, one_by_one, atol=1e-5)
    assert table["label"].tolist() == [["neg", "pos"][i] for i in one_by_one.argmax(axis=1)]
    assert np.allclose(table["score"], one_by_one.max(axis=1), atol=1e-5)
    assert table.columns.tolist() == ["label", "score", "probabilities"]
    assert np.allclose(predictor.predict_proba(TEXTS), one_by_one, atol=1e-5)


def test_a_series_keeps_its_index(tiny_model_dir):
    predictor = Predictor.from_folder(tiny_model_dir)
    series = pd.Series(TEXTS[:3], index=[30, 10, 20])
    table = predictor.predict(series)
    assert table.index.tolist() == [30, 10, 20]
    assert table.loc[10, "label"] == predictor.predict([TEXTS[1]])["label"][0]


def test_multi_label_applies_the_saved_thresholds(tiny_multilabel_model_dir, tmp_path):
    from clflib.thresholds import apply_thresholds, save_thresholds

    folder = shutil.copytree(tiny_multilabel_model_dir, tmp_path / "model")
    scores = Predictor.from_folder(folder).predict_proba(TEXTS)
    assert not np.allclose(scores.sum(axis=1), 1.0)  # sigmoids, not a softmax
    cut = np.median(scores, axis=0)  # each label passes for about half the texts
    save_thresholds(folder, cut, ["joy", "anger", "neutral"])
    predictor = Predictor.from_folder(folder)
    assert predictor.task == "multi_label"
    table = predictor.predict(TEXTS)
    expected = apply_thresholds(scores, cut)
    assert table["labels"].tolist() == [
        [n for n, on in zip(["joy", "anger", "neutral"], row) if on] for row in expected
    ]
    assert 0 < sum(map(len, table["labels"])) < 3 * len(TEXTS)
    # nothing passes, "neutral" is the fallback: every text gets exactly ["neutral"]
    save_thresholds(folder, [1.0, 1.0, 1.0], ["joy", "anger", "neutral"], fallback="neutral")
    assert Predictor.from_folder(folder).predict(TEXTS)["labels"].tolist() == [["neutral"]] * len(TEXTS)


def test_multi_label_without_thresholds_is_refused(tiny_multilabel_model_dir, tmp_path):
    from transformers import AutoModelForSequenceClassification

    folder = shutil.copytree(tiny_multilabel_model_dir, tmp_path / "model")
    (folder / "thresholds.json").unlink()
    with pytest.raises(FileNotFoundError, match="no thresholds.json"):
        Predictor.from_folder(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    with pytest.raises(ValueError, match="needs its thresholds"):
        Predictor(model, None)


def test_token_classification_spans_have_character_offsets(tiny_ner_model_dir_factory):
    texts = ["Ada Lovelace met Charles Babbage in London", "hello", "Grace Hopper"]
    # every token tagged I-PER: one span per text, from its first to its last character
    one_span = Predictor.from_folder(tiny_ner_model_dir_factory("I-PER")).predict(texts)
    assert one_span.columns.tolist() == ["spans"]
    for text, spans in zip(texts, one_span["spans"]):
        assert [(s["label"], s["start"], s["end"], s["text"]) for s in spans] == [("PER", 0, len(text), text)]
        assert spans[0]["score"] > 0.99
    # every token tagged B-LOC: one span per word, sub-words joined (Lovelace, Babbage)
    per_word = Predictor.from_folder(tiny_ner_model_dir_factory("B-LOC")).predict(texts[:1])
    assert [s["text"] for s in per_word["spans"][0]] == texts[0].split()
    assert all(texts[0][s["start"] : s["end"]] == s["text"] for s in per_word["spans"][0])
    # everything O: no spans
    assert Predictor.from_folder(tiny_ner_model_dir_factory("O")).predict(texts)["spans"].tolist() == [[]] * 3


def test_token_classification_order_is_restored(tiny_ner_model_dir_factory):
    predictor = Predictor.from_folder(tiny_ner_model_dir_factory(), batch_size=2)
    assert predictor.task == "token_classification"
    batched = predictor.predict(TEXTS)["spans"].tolist()
    one_by_one = [predictor.predict([t])["spans"][0] for t in TEXTS]
    assert [[(s["label"], s["start"], s["end"]) for s in spans] for spans in batched] == [
        [(s["label"], s["start"], s["end"]) for s in spans] for spans in one_by_one
    ]
    with pytest.raises(ValueError, match="use predict"):
        predictor.predict_proba(TEXTS)


@pytest.mark.parametrize(
    "texts, error, match",
    [
        ("just one string", TypeError, "list of texts"),
        ([], ValueError, "empty list"),
        (["fine", None], TypeError, "item 1 is NoneType"),
        (["fine", 3.5], TypeError, "not strings"),
        (["fine", ""], ValueError, "empty or whitespace"),
        (["fine", "   "], ValueError, "empty or whitespace"),
    ],
)
def test_bad_inputs_get_clear_errors(tiny_model_dir, texts, error, match):
    with pytest.raises(error, match=match):
        Predictor.from_folder(tiny_model_dir).predict(texts)


def test_bad_rows_can_be_marked_instead(tiny_model_dir):
    predictor = Predictor.from_folder(tiny_model_dir)
    texts = pd.Series(["fine", None, float("nan"), 7, "", "  ", "also fine"])
    table = predictor.predict(texts, invalid="null")
    assert table["error"].tolist() == [
        None,
        "missing (None)",
        "missing (NaN)",
        "not a string (int)",
        "empty or whitespace",
        "empty or whitespace",
        None,
    ]
    assert table["label"].isna().tolist() == [False] + [True] * 5 + [False]
    assert table.loc[6, "label"] == predictor.predict(["also fine"])["label"][0]
    empty = predictor.predict([], invalid="null")
    assert len(empty) == 0 and empty.columns.tolist() == ["label", "score", "probabilities", "error"]
    with pytest.raises(ValueError, match="invalid must be one of"):
        predictor.predict(["fine"], invalid="skip")


def test_latency_statistics(tiny_model_dir):
    predictor = Predictor.from_folder(tiny_model_dir, batch_size=2)
    predictor.warm_up()
    assert predictor.stats()["per_call"]["calls"] == 0
    for _ in range(3):
        predictor.predict(TEXTS)
    stats = predictor.stats()
    assert stats["per_call"]["calls"] == 3 and stats["per_call"]["texts"] == 3 * len(TEXTS)
    assert stats["per_batch"]["calls"] == 3 * 3  # 6 texts in batches of 2
    for kind in ("per_call", "per_batch"):
        s = stats[kind]
        assert 0 < s["p50_ms"] <= s["p95_ms"] <= s["p99_ms"] and s["texts_per_second"] > 0


def test_frames_and_datasets(tiny_model_dir, tiny_ner_model_dir_factory):
    from datasets import Dataset

    predictor = Predictor.from_folder(tiny_model_dir)
    frame = pd.DataFrame({"id": [1, 2, 3], "text": ["good", None, "bad"]})
    out = predictor.predict_frame(frame)
    assert out.columns.tolist() == [
        "id",
        "text",
        "pred_label",
        "pred_score",
        "pred_probabilities",
        "pred_error",
    ]
    assert out["pred_error"].notna().tolist() == [False, True, False]
    with pytest.raises(ValueError, match="already has column"):
        predictor.predict_frame(out)
    with pytest.raises(KeyError, match="no text column 'body'"):
        predictor.predict_frame(frame, text_column="body")
    dataset = Dataset.from_dict({"text": TEXTS, "id": list(range(len(TEXTS)))})
    predicted = predictor.predict_dataset(dataset, map_batch_size=4)
    assert predicted["pred_label"] == predictor.predict(TEXTS)["label"].tolist()
    ner = Predictor.from_folder(tiny_ner_model_dir_factory("B-PER")).predict_dataset(dataset, prefix="")
    assert [s["text"] for s in ner["spans"][0]] == TEXTS[0].split()  # whitespace words


def test_int8_quantisation_replaces_linear_layers(tiny_model_dir):
    import torch

    full = Predictor.from_folder(tiny_model_dir)
    quantised = Predictor.from_folder(tiny_model_dir, backend="int8")
    kinds = {type(m).__module__ for m in quantised.model.modules() if "Linear" in type(m).__name__}
    assert kinds and all("quantized" in k for k in kinds)
    assert not any(type(m) is torch.nn.Linear for m in quantised.model.modules())
    assert np.allclose(quantised.predict_proba(TEXTS), full.predict_proba(TEXTS), atol=0.05)


def test_half_precision_needs_a_gpu(tiny_model_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="on a GPU"):
        Predictor.from_folder(tiny_model_dir, precision="bf16")
    with pytest.raises(ValueError, match="no CUDA GPU"):
        Predictor.from_folder(tiny_model_dir, device="cuda")
    with pytest.raises(ValueError, match="runs on the CPU"):
        Predictor.from_folder(tiny_model_dir, backend="int8", device="cuda")
    assert Predictor.from_folder(tiny_model_dir, precision="auto").dtype == torch.float32


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_half_precision_on_a_gpu(tiny_model_dir, precision):
    full = Predictor.from_folder(tiny_model_dir, device="cpu").predict_proba(TEXTS)
    half = Predictor.from_folder(tiny_model_dir, device="cuda", precision=precision)
    assert str(next(half.model.parameters()).dtype).endswith("bfloat16" if precision == "bf16" else "float16")
    assert np.allclose(half.predict_proba(TEXTS), full, atol=0.02)


needs_onnx = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("onnx", "onnxscript", "onnxruntime")),
    reason="the ONNX backend needs onnx, onnxscript and onnxruntime (pip install -e '.[inference]')",
)


@needs_onnx
def test_onnx_export_matches_torch(tiny_model_dir, tmp_path):
    folder = shutil.copytree(tiny_model_dir, tmp_path / "model")
    onnx = Predictor.from_folder(folder, backend="onnx", batch_size=4)
    exported = folder / "onnx" / "model.onnx"
    assert exported.is_file()
    assert np.allclose(
        onnx.predict_proba(TEXTS), Predictor.from_folder(folder).predict_proba(TEXTS), atol=1e-4
    )
    stamp = exported.stat().st_mtime_ns
    Predictor.from_folder(folder, backend="onnx")  # the second load reuses the export
    assert exported.stat().st_mtime_ns == stamp


@needs_onnx
def test_onnx_export_of_other_weights_is_replaced(tiny_model_dir, tmp_path):
    """A model retrained into the same folder must not be served from the old export."""
    import torch
    from transformers import AutoModelForSequenceClassification

    folder = shutil.copytree(tiny_model_dir, tmp_path / "model")
    Predictor.from_folder(folder, backend="onnx")
    retrained = AutoModelForSequenceClassification.from_pretrained(folder)
    with torch.no_grad():
        retrained.classifier.bias += 3.0
    retrained.save_pretrained(folder)
    served = Predictor.from_folder(folder, backend="onnx").predict_proba(TEXTS)
    assert np.allclose(served, Predictor.from_folder(folder).predict_proba(TEXTS), atol=1e-4)


@needs_onnx
def test_onnx_token_classification(tiny_ner_model_dir_factory, tmp_path):
    folder = shutil.copytree(tiny_ner_model_dir_factory(), tmp_path / "ner")
    spans = Predictor.from_folder(folder, backend="onnx").predict(TEXTS)["spans"].tolist()
    expected = Predictor.from_folder(folder).predict(TEXTS)["spans"].tolist()
    assert [[(s["label"], s["start"], s["end"]) for s in row] for row in spans] == [
        [(s["label"], s["start"], s["end"]) for s in row] for row in expected
    ]


def test_options_are_checked(tiny_model_dir, tmp_path):
    with pytest.raises(ValueError, match="backend must be one of"):
        Predictor.from_folder(tiny_model_dir, backend="tensorrt")
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        Predictor.from_folder(tiny_model_dir, batch_size=0)
    with pytest.raises(FileNotFoundError, match="no saved model"):
        Predictor.from_folder(tmp_path)


def test_detect_task_from_config(tiny_model_dir, tiny_multilabel_model_dir, tiny_ner_model_dir_factory):
    from transformers import AutoConfig

    assert [
        detect_task(AutoConfig.from_pretrained(d))
        for d in (tiny_model_dir, tiny_multilabel_model_dir, tiny_ner_model_dir_factory())
    ] == ["single_label", "multi_label", "token_classification"]


def test_temperature_softens_probabilities_without_changing_labels(tiny_model_dir):
    from clflib.calibration import softmax_with_temperature

    plain = Predictor.from_folder(tiny_model_dir, batch_size=3)
    logits = plain.predict_logits(TEXTS)
    assert np.allclose(softmax_with_temperature(logits), plain.predict_proba(TEXTS), atol=1e-6)
    warm = Predictor.from_folder(tiny_model_dir, batch_size=3, temperature=4.0)
    assert np.allclose(warm.predict_proba(TEXTS), softmax_with_temperature(logits, 4.0), atol=1e-6)
    assert warm.predict(TEXTS)["label"].tolist() == plain.predict(TEXTS)["label"].tolist()
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        Predictor.from_folder(tiny_model_dir, temperature=0)


def test_temperature_is_refused_for_multi_label_models(tiny_multilabel_model_dir):
    with pytest.raises(ValueError, match="single-label"):
        Predictor.from_folder(tiny_multilabel_model_dir, temperature=2.0)


def test_a_long_text_is_read_in_windows_so_no_entity_past_the_cut_is_lost(tiny_ner_model_dir_factory):
    """600 words, a 64-token window: every word, the last one included, comes back as a span."""
    words = [f"place{i}" if i % 2 else "Lovelace" for i in range(600)]
    text = " ".join(words)
    predictor = Predictor.from_folder(tiny_ner_model_dir_factory("B-LOC"), max_length=64, stride=16)
    spans = predictor.predict([text, "Ada"])["spans"].tolist()
    assert [s["text"] for s in spans[0]] == words, "one span per word, across every window"
    last = spans[0][-1]
    assert text[last["start"] : last["end"]] == words[-1] and last["start"] > 512
    assert [s["text"] for s in spans[1]] == ["Ada"]
    with pytest.raises(ValueError, match="stride must be an integer from 0 to 61"):
        Predictor.from_folder(tiny_ner_model_dir_factory("B-LOC"), max_length=64, stride=62)


def test_token_classification_words_are_whitespace_chunks(tiny_ner_model_dir_factory):
    """As in the training data, "BL-80027," is one word: one span, never three."""
    predictor = Predictor.from_folder(tiny_ner_model_dir_factory("B-PER"))
    found = predictor.predict(["order BL-80027, please"])["spans"][0]
    assert [s["text"] for s in found] == ["order", "BL-80027,", "please"]
