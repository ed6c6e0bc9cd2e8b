from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=None, hidden=False)
def test_q1_label_maps(id2label, label2id):
    assert id2label == {0: 'neg', 1: 'pos'}, f"id2label should map 0 to 'neg' and 1 to 'pos'; got {id2label!r}"
    assert label2id == {'neg': 0, 'pos': 1}, f"label2id should map 'neg' to 0 and 'pos' to 1; got {label2id!r}"

@test_case(points=None, hidden=False)
def test_q1_shapes_and_labels(q1_features):
    import numpy as np
    assert hasattr(q1_features, 'keys'), f'q1_features should be what the tokenizer returns; got {type(q1_features).__name__}'
    for key in ('input_ids', 'attention_mask', 'labels'):
        assert key in q1_features, f'q1_features has no {key!r} entry'
    shape = np.asarray(q1_features['input_ids']).shape
    assert shape == (2, 16), f'input_ids should have shape (2, 16), got {shape}'
    assert np.asarray(q1_features['attention_mask']).shape == (2, 16), 'attention_mask should have the shape of input_ids'
    from clflib.models import load_tokenizer
    ids = np.asarray(q1_features['input_ids'])
    assert (ids[:, 0] == load_tokenizer('minilm').cls_token_id).all(), 'every row should start with [CLS]: let the tokenizer add its special tokens'
    labels = np.asarray(q1_features['labels']).tolist()
    assert labels == [1, 0], f'labels should be [1, 0] (pos, neg), got {labels}'

