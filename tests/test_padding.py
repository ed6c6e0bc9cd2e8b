import numpy as np
import pytest
import torch

from clflib import padding


@pytest.mark.parametrize("strategy", padding.STRATEGIES)
def test_every_strategy_uses_every_example_once(strategy):
    lengths = np.random.default_rng(0).integers(3, 60, 100)
    batches = padding.batch_shapes(lengths, 16, 48, strategy)
    seen = np.concatenate([idx for idx, _ in batches])
    assert sorted(seen.tolist()) == list(range(100)) and len(batches) == 7
    for idx, width in batches:
        assert width >= np.minimum(lengths[idx], 48).max()
        assert width == 48 if strategy == "max_length" else width <= 48


def test_grouping_pads_less_than_random_batches_and_fixed_length():
    lengths = np.random.default_rng(1).integers(3, 60, 256)
    tokens = {
        s: sum(len(i) * w for i, w in padding.batch_shapes(lengths, 32, 64, s)) for s in padding.STRATEGIES
    }
    assert tokens["dynamic + length-grouped"] < tokens["dynamic"] < tokens["max_length"]


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="Unknown strategy"):
        padding.batch_shapes([1, 2], 1, 8, "bucket")


def test_padding_cost_table_and_weights_untouched(tiny_model, minilm_tokenizer):
    texts = [
        "short",
        "a somewhat longer sentence here",
        "tiny",
        "the longest sentence of them all by far",
    ] * 4
    before = [p.detach().clone() for p in tiny_model.parameters()]
    table = padding.padding_cost(tiny_model, minilm_tokenizer, texts, [0, 1] * 8, batch_size=4, max_length=32)
    assert table["strategy"].tolist() == list(padding.STRATEGIES)
    assert table["tokens_processed"].is_monotonic_decreasing
    assert table.loc[0, "padding_share"] > table.loc[2, "padding_share"] >= 0
    assert table.loc[0, "speedup_vs_max_length"] == 1.0
    assert all(torch.equal(a, b) for a, b in zip(before, tiny_model.parameters()))
