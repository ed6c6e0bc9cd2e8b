from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2

@test_case(points=None, hidden=False)
def test_q2_gamma_zero_is_cross_entropy(q2_focal_loss):
    import torch
    import torch.nn.functional as F
    assert callable(q2_focal_loss), 'q2_focal_loss should be a function'
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3], [-1.0, 3.0, 0.0], [0.0, 0.0, 0.0]])
    labels = torch.tensor([0, 2, 1, 1])
    loss = q2_focal_loss(logits, labels, gamma=0.0)
    assert isinstance(loss, torch.Tensor) and loss.dim() == 0, f'q2_focal_loss should return a 0-dimensional tensor, got {loss!r}'
    expected = F.cross_entropy(logits, labels)
    assert torch.isclose(loss, expected, atol=1e-06), f'with gamma=0 focal loss is cross-entropy, {expected.item():.6f}; got {loss.item():.6f}'

@test_case(points=None, hidden=False)
def test_q2_matches_the_course_at_gamma_2(q2_focal_loss):
    import torch
    from clflib.losses import focal_loss
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3], [-1.0, 3.0, 0.0], [0.0, 0.0, 0.0]])
    labels = torch.tensor([0, 2, 1, 1])
    loss = q2_focal_loss(logits, labels, gamma=2.0)
    expected = focal_loss(logits, labels, gamma=2.0)
    assert isinstance(loss, torch.Tensor) and torch.isclose(loss, expected, atol=1e-06), f'focal loss with gamma=2 should be {expected.item():.6f} on these logits, got {loss!r}'

