import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from clflib import losses

LOGITS = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3], [-0.5, 1.5, 0.0], [1.0, 1.0, 3.0]])
LABELS = torch.tensor([0, 2, 1, 0])


@pytest.mark.parametrize("strategy", losses.WEIGHT_STRATEGIES)
def test_a_balanced_set_gets_weight_one_everywhere(strategy):
    assert np.allclose(losses.class_weights([40, 40, 40, 40], strategy), 1.0)


def test_weights_by_hand():
    counts = [100, 25, 4]
    inverse = np.array([1 / 100, 1 / 25, 1 / 4])
    assert np.allclose(losses.class_weights(counts, "inverse"), inverse / inverse.mean())
    sqrt = np.array([1 / 10, 1 / 5, 1 / 2])
    assert np.allclose(losses.class_weights(counts, "sqrt_inverse"), sqrt / sqrt.mean())
    beta = 0.99
    effective = np.array([(1 - beta) / (1 - beta**n) for n in counts])
    assert np.allclose(losses.class_weights(counts, "effective_number", beta), effective / effective.mean())
    for strategy in losses.WEIGHT_STRATEGIES:  # rarer classes always weigh more, mean 1
        w = losses.class_weights(counts, strategy)
        assert w.mean() == pytest.approx(1.0) and w[0] < w[1] < w[2]


def test_effective_number_sits_between_none_and_inverse():
    counts = [1000, 10]
    ratio = lambda w: w[1] / w[0]
    assert (
        1
        < ratio(losses.class_weights(counts, "effective_number", 0.99))
        < ratio(losses.class_weights(counts, "inverse"))
    )


def test_missing_classes_and_bad_input():
    w = losses.class_weights([10, 0, 30], "inverse")
    assert w[1] == 0 and w[[0, 2]].mean() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="Unknown strategy"):
        losses.class_weights([1, 2], "log")
    with pytest.raises(ValueError):
        losses.class_weights([0, 0])
    with pytest.raises(ValueError, match="labels must lie"):
        losses.class_counts([0, 3], 3)


def test_weighted_cross_entropy_by_hand():
    weights = torch.tensor([1.0, 2.0, 0.5])
    per_example = -F.log_softmax(LOGITS, dim=1)[torch.arange(4), LABELS]
    w = weights[LABELS]
    expected = (w * per_example).sum() / w.sum()
    assert torch.isclose(losses.weighted_cross_entropy(LOGITS, LABELS, weights), expected)


def test_focal_with_gamma_zero_is_cross_entropy():
    assert torch.isclose(losses.focal_loss(LOGITS, LABELS, gamma=0.0), F.cross_entropy(LOGITS, LABELS))
    alpha = torch.tensor([1.0, 2.0, 0.5])
    assert torch.isclose(
        losses.focal_loss(LOGITS, LABELS, gamma=0.0, alpha=alpha),
        F.cross_entropy(LOGITS, LABELS, weight=alpha),
    )


def test_focal_by_hand_for_one_example():
    logits, label = torch.tensor([[2.0, 0.0]]), torch.tensor([0])
    p = math.exp(2) / (math.exp(2) + 1)
    expected = -((1 - p) ** 2) * math.log(p)
    assert losses.focal_loss(logits, label, gamma=2.0).item() == pytest.approx(expected, rel=1e-5)
    assert losses.focal_loss(logits, label, gamma=2.0) < F.cross_entropy(logits, label)
    with pytest.raises(ValueError):
        losses.focal_loss(logits, label, gamma=-1)


def test_make_loss_works_on_model_outputs():
    from transformers.modeling_outputs import SequenceClassifierOutput

    outputs = SequenceClassifierOutput(logits=LOGITS)
    plain = losses.make_loss("cross_entropy")
    assert torch.isclose(plain(outputs, LABELS), F.cross_entropy(LOGITS, LABELS))
    focal = losses.make_loss("focal", weights=[1.0, 2.0, 0.5], gamma=1.0)
    assert torch.isclose(
        focal(outputs, LABELS), losses.focal_loss(LOGITS, LABELS, 1.0, torch.tensor([1.0, 2.0, 0.5]))
    )
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.make_loss("hinge")


# --- multi-label: focal binary loss ----------------------------------------------------------

ML_LOGITS = torch.tensor([[2.0, -1.0, 0.3], [-0.5, 1.5, -3.0], [4.0, 0.0, 1.0]])
ML_TARGETS = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def test_focal_binary_with_gamma_zero_is_bce():
    expected = F.binary_cross_entropy_with_logits(ML_LOGITS, ML_TARGETS)
    assert torch.isclose(losses.focal_binary_loss(ML_LOGITS, ML_TARGETS, gamma=0.0), expected)


def test_focal_binary_by_hand():
    z, y = 1.0, 1.0  # one positive term: p = sigmoid(1)
    p = 1 / (1 + math.exp(-z))
    expected = -((1 - p) ** 2) * math.log(p)
    got = losses.focal_binary_loss(torch.tensor([[z]]), torch.tensor([[y]]), gamma=2.0)
    assert got.item() == pytest.approx(expected, rel=1e-6)
    negative = -(p**2) * math.log(1 - p) * (1 - 0.25)  # a negative term, alpha 0.25
    got = losses.focal_binary_loss(torch.tensor([[z]]), torch.tensor([[0.0]]), gamma=2.0, alpha=0.25)
    assert got.item() == pytest.approx(negative, rel=1e-6)


def test_focal_binary_down_weights_easy_terms_and_survives_large_logits():
    easy = losses.focal_binary_loss(torch.tensor([[6.0]]), torch.tensor([[1.0]]), gamma=2.0)
    bce = F.binary_cross_entropy_with_logits(torch.tensor([[6.0]]), torch.tensor([[1.0]]))
    assert easy < bce / 100
    logits = torch.tensor([[200.0, -200.0]], requires_grad=True)
    loss = losses.focal_binary_loss(logits, torch.tensor([[0.0, 1.0]]), gamma=2.0)
    loss.backward()
    assert torch.isfinite(loss) and loss.item() == pytest.approx(200.0, rel=1e-3)
    assert torch.isfinite(logits.grad).all()


def test_multi_label_make_loss_and_bad_input():
    outputs = {"logits": ML_LOGITS}
    bce = losses.make_loss("bce")(outputs, ML_TARGETS)
    assert torch.isclose(bce, F.binary_cross_entropy_with_logits(ML_LOGITS, ML_TARGETS))
    focal = losses.make_loss("focal_bce", gamma=2.0)(outputs, ML_TARGETS)
    assert torch.isclose(focal, losses.focal_binary_loss(ML_LOGITS, ML_TARGETS, gamma=2.0))
    with pytest.raises(ValueError, match="same shape"):
        losses.focal_binary_loss(ML_LOGITS, ML_TARGETS[:, :2])
    with pytest.raises(ValueError, match="alpha"):
        losses.focal_binary_loss(ML_LOGITS, ML_TARGETS, alpha=1.5)
    with pytest.raises(ValueError, match="scalar alpha"):
        losses.make_loss("focal_bce", weights=[1.0, 2.0, 3.0])
