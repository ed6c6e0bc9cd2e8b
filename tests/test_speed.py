"""clflib.serving.speed: what the inference comparison measures (not how fast this machine is)."""

import time

import numpy as np
import pytest

from clflib.serving import speed


def test_forward_flops_match_the_models_linear_layers(tiny_model):
    """2 FLOPs per weight of every encoder linear layer per token, plus attention and the head."""
    import torch

    config = tiny_model.config
    encoder_weights = sum(
        m.weight.numel()
        for name, m in tiny_model.named_modules()
        if isinstance(m, torch.nn.Linear) and ".encoder." in f".{name}."
    )
    head_weights = sum(
        m.weight.numel()
        for name, m in tiny_model.named_modules()
        if isinstance(m, torch.nn.Linear) and ".encoder." not in f".{name}."
    )
    length = 10
    attention = 2 * 2 * length * length * config.hidden_size * config.num_hidden_layers
    expected = 2 * encoder_weights * length + attention + 2 * head_weights
    assert speed.forward_flops(config, length) == expected


def test_forward_flops_need_an_encoder_config():
    with pytest.raises(ValueError, match="BERT-like encoder"):
        speed.forward_flops(object(), 10)


def test_distilbert_style_configs_are_understood():
    from transformers import DistilBertConfig

    assert speed.encoder_shapes(DistilBertConfig(n_layers=2, dim=64, hidden_dim=128, n_heads=2)) == (
        2,
        64,
        128,
    )


def test_compare_reports_accuracy_throughput_and_latency():
    texts = [f"text {i}" for i in range(20)]
    gold = ["a"] * 15 + ["b"] * 5
    calls = []

    def constant(batch):
        calls.append(len(batch))
        return ["a"] * len(batch)

    result = speed.compare(
        {"constant": constant}, texts, gold, latency_texts=5, repeats=2, warm_up_texts=4
    ).loc["constant"]
    assert result["accuracy"] == 0.75 and result["texts"] == 20
    assert result["texts_per_second"] > 0 and 0 < result["p50_ms"] <= result["p99_ms"]
    assert calls == [4, 20, 20, 1, 1, 1, 1, 1]  # warm-up, two timed rounds, five single texts


def test_compare_puts_the_baseline_at_one_and_finds_the_slow_configuration():
    texts, gold = ["x"] * 10, ["a"] * 10

    def slow(batch):
        time.sleep(0.002 * len(batch))
        return ["a"] * len(batch)

    table = speed.compare(
        {"fast": lambda b: ["a"] * len(b), "slow": slow, "wrong": lambda b: ["b"] * len(b)},
        texts,
        gold,
        latency_texts=2,
    )
    assert table.loc["fast", "speedup"] == 1.0
    assert table.loc["slow", "speedup"] < 0.5
    assert table.loc["wrong", "accuracy_change"] == -100.0


def test_a_configuration_that_drops_texts_is_an_error():
    with pytest.raises(ValueError, match="'short' returned 1 labels for 3 texts"):
        speed.compare({"short": lambda batch: ["a"]}, ["x", "y", "z"], ["a", "a", "a"])
    with pytest.raises(ValueError, match="one gold label per text"):
        speed.compare({"ok": lambda batch: ["a"] * len(batch)}, ["x", "y"], ["a"])


def test_pipeline_and_predictor_configurations_agree_on_the_same_model(tiny_model_dir):
    from transformers import pipeline

    from clflib.serving.predictor import Predictor

    texts = ["a short one", "a somewhat longer text to batch with the others", "mid length text"] * 4
    pipe = pipeline("text-classification", model=str(tiny_model_dir), device=-1)
    expected = speed.pipeline_labels(pipe)(texts)
    assert speed.pipeline_labels(pipe, batch_size=4)(texts) == expected
    assert speed.predictor_labels(Predictor.from_folder(tiny_model_dir, batch_size=4))(texts) == expected
    sweep = speed.throughput_by_batch_size(
        lambda b: speed.predictor_labels(Predictor.from_folder(tiny_model_dir, batch_size=b)),
        texts,
        [1, 4],
        "predictor",
    )
    assert sweep["batch_size"].tolist() == [1, 4] and (sweep["texts_per_second"] > 0).all()
    assert (sweep["ms_per_batch"] > 0).all()
    from transformers import AutoTokenizer

    lengths = speed.token_lengths(AutoTokenizer.from_pretrained(tiny_model_dir), ["a b c", "word " * 50], 16)
    assert lengths == [5, 16]  # [CLS] a b c [SEP]; the long text truncated to max_length


def test_hardware_share_is_useful_flops_over_the_measured_peak(tiny_model):
    config = tiny_model.config
    peak = speed.matmul_gflops(config, tokens=64, repeats=3)
    assert np.isfinite(peak) and peak > 0
    import pandas as pd

    table = pd.DataFrame({"texts_per_second": [1000.0]}, index=["x"])
    shared = speed.add_hardware_share(table, config, [10, 20], peak_gflops=2.0)
    expected = (speed.forward_flops(config, 10) + speed.forward_flops(config, 20)) / 2 * 1000 / 1e9
    assert shared.loc["x", "useful_gflops"] == pytest.approx(expected)
    assert shared.loc["x", "hardware_share"] == pytest.approx(expected / 2.0)


def test_speed_change_says_slower_when_it_is_slower():
    from clflib.serving.speed import speed_change

    assert speed_change(2.04) == "2.0x faster"
    assert speed_change(1.3) == "1.3x faster"
    assert speed_change(0.8) == "1.25x slower" and speed_change(0.25) == "4.0x slower"
    assert speed_change(0.97).startswith("about as fast")
    assert speed_change(float("nan")).startswith("not measurable") and speed_change(0).startswith(
        "not measurable"
    )
