from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = [1]

@test_case(points=None, hidden=False)
def test_q3_the_batch_loss(q3_loss, BATCH_INTENT_LOGITS, BATCH_SENTIMENT_LOGITS, BATCH_INTENTS, BATCH_SENTIMENTS):
    import torch
    ce = torch.nn.functional.cross_entropy
    rows_a, rows_b = ([0, 2, 3], [1, 2, 4])
    expected = 0.7 * ce(BATCH_INTENT_LOGITS[rows_a], BATCH_INTENTS[rows_a]) + 0.3 * ce(BATCH_SENTIMENT_LOGITS[rows_b], BATCH_SENTIMENTS[rows_b])
    assert torch.is_tensor(q3_loss) and q3_loss.dim() == 0, 'q3_loss should be a 0-dimensional tensor'
    assert torch.isclose(q3_loss, expected, atol=1e-06), f'q3_loss should be {expected.item():.4f} (each head averaged over its own labelled rows), got {q3_loss.item():.4f}'

