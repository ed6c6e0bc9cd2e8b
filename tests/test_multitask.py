"""The two-head model's mixed-batch loss and training (lesson 10)."""

import math

import pytest
import torch

from clflib import multitask


def test_each_head_averages_over_its_own_labelled_rows():
    logits_a = torch.tensor([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    logits_b = torch.tensor([[0.0, 0.0, 0.0]] * 3)
    labels_a = torch.tensor([0, -100, 1])
    labels_b = torch.tensor([-100, 2, -100])
    ce = torch.nn.functional.cross_entropy
    expected_a = ce(logits_a[[0, 2]], labels_a[[0, 2]])
    expected_b = math.log(3)
    loss = multitask.two_head_loss(logits_a, logits_b, labels_a, labels_b, weight_a=0.25)
    assert loss.item() == pytest.approx(0.25 * expected_a.item() + 0.75 * expected_b, rel=1e-6)


def test_a_batch_without_labels_for_a_task_gives_no_nan_and_keeps_gradients():
    logits_a = torch.zeros(2, 3, requires_grad=True)
    logits_b = torch.zeros(2, 2, requires_grad=True)
    loss = multitask.two_head_loss(logits_a, logits_b, torch.tensor([1, 2]), torch.tensor([-100, -100]))
    loss.backward()
    assert torch.isfinite(loss) and logits_a.grad.abs().sum() > 0 and logits_b.grad.abs().sum() == 0
    with pytest.raises(ValueError, match="weight_a"):
        multitask.two_head_loss(logits_a, logits_b, torch.tensor([1, 2]), torch.tensor([0, 1]), weight_a=2)
    with pytest.raises(ValueError, match="one label per row"):
        multitask.two_head_loss(logits_a, logits_b, torch.tensor([1]), torch.tensor([0, 1]))


def test_two_heads_learn_two_tasks_from_partly_labelled_rows(minilm_tokenizer):
    texts = ["great, thanks", "awful, broken", "love it", "terrible service"] * 4
    sentiment = [1, 0, 1, 0] * 4
    urgency = [0, 1, 0, 1] * 4
    # half the rows carry only one of the two labels
    labels_a = [s if i % 4 != 3 else -100 for i, s in enumerate(sentiment)]
    labels_b = [u if i % 4 != 0 else -100 for i, u in enumerate(urgency)]
    torch.manual_seed(0)
    model = multitask.TwoHeadClassifier("minilm-l2", 2, 2)
    history = multitask.train_two_heads(
        model, minilm_tokenizer, texts, labels_a, labels_b, epochs=8, learning_rate=1e-3, batch_size=8
    )
    assert history[-1] < history[0]
    pred_a, pred_b = multitask.predict_two_heads(model, minilm_tokenizer, texts[:4])
    assert pred_a.tolist() == sentiment[:4] and pred_b.tolist() == urgency[:4]
    with pytest.raises(ValueError, match="differ in length"):
        multitask.train_two_heads(model, minilm_tokenizer, texts, labels_a[:3], labels_b)


def test_rows_pair_by_position_even_for_a_shuffled_series(minilm_tokenizer):
    import pandas as pd

    texts = pd.Series(["great", "awful", "fine"], index=[2, 0, 1])
    model = multitask.TwoHeadClassifier("minilm-l2", 2, 2)
    a, b = multitask.predict_two_heads(model, minilm_tokenizer, texts)
    a_list, _ = multitask.predict_two_heads(model, minilm_tokenizer, list(texts))
    assert a.tolist() == a_list.tolist() and len(b) == 3
    empty_a, empty_b = multitask.predict_two_heads(model, minilm_tokenizer, [])
    assert len(empty_a) == len(empty_b) == 0


def test_length_grouped_epochs_see_every_row_once_with_less_padding():
    import numpy as np

    rng = np.random.default_rng(0)
    # token counts spread like the support inbox's: median about 30, a long tail up to 128
    lengths = np.minimum(128, rng.lognormal(3.4, 0.6, size=466)).astype(int) + 2

    def padded(order, batch_size=32):
        return sum(
            int(lengths[order[k : k + batch_size]].max()) * len(order[k : k + batch_size])
            for k in range(0, len(order), batch_size)
        )

    first, second = multitask.epoch_order(lengths, 32, rng), multitask.epoch_order(lengths, 32, rng)
    assert sorted(first.tolist()) == list(range(466)) == sorted(second.tolist())
    assert first.tolist() != second.tolist()  # a new order each epoch
    assert padded(first) < 0.5 * padded(rng.permutation(466))
    assert multitask.epoch_order([], 32, rng).tolist() == []
