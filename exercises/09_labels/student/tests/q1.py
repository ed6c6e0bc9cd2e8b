from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = [0.5]

@test_case(points=None, hidden=False)
def test_q1_one_label_per_message(q1_labels, Q1_MESSAGES, Q1_LABELS):
    assert isinstance(q1_labels, list), f'q1_labels should be a list of strings, got {type(q1_labels).__name__}'
    assert len(q1_labels) == len(Q1_MESSAGES), f'q1_labels should hold one label per message ({len(Q1_MESSAGES)}), got {len(q1_labels)}'
    unknown = sorted({label for label in q1_labels if label not in Q1_LABELS}, key=str)
    assert not unknown, f"each label should be 'billing' or 'refund_return'; got {unknown}"

