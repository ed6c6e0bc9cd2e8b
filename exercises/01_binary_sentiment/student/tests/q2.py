from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=None, hidden=False)
def test_q2_split(q2_train, q2_validation):
    for name, split in (('q2_train', q2_train), ('q2_validation', q2_validation)):
        assert hasattr(split, 'column_names') and 'text' in split.column_names, f'{name} should be a Dataset with the inbox columns; got {type(split).__name__}'
    assert len(q2_train) == 160, f'q2_train should hold 160 rows (80% of 200), got {len(q2_train)}'
    assert len(q2_validation) == 40, f'q2_validation should hold 40 rows (20% of 200), got {len(q2_validation)}'
    shared = set(q2_train['text']) & set(q2_validation['text'])
    assert not shared, f'{len(shared)} texts are in both q2_train and q2_validation'

@test_case(points=None, hidden=False)
def test_q2_reported_scores_match_predictions(q2_predictions, q2_validation, q2_scores):
    import numpy as np
    from sklearn.metrics import f1_score
    predictions = np.asarray(q2_predictions)
    assert predictions.shape == (len(q2_validation),), f'q2_predictions should hold one label id per validation row, got shape {predictions.shape}'
    assert set(predictions.tolist()) <= {0, 1}, 'q2_predictions should hold label ids 0 and 1'
    truth = np.asarray(list(q2_validation['label']))
    macro_f1 = f1_score(truth, predictions, average='macro', zero_division=0)
    assert isinstance(q2_scores, dict) and 'f1' in q2_scores, 'q2_scores should be the dict returned by metrics.classification_metrics'
    assert abs(q2_scores['f1'] - macro_f1) < 1e-06, f"q2_scores['f1'] is {q2_scores['f1']:.4f} but the predictions give macro-F1 {macro_f1:.4f}"

@test_case(points=None, hidden=False)
def test_q2_beats_the_majority_baseline(q2_predictions, q2_train, q2_validation):
    import numpy as np
    from sklearn.metrics import f1_score
    truth = np.asarray(list(q2_validation['label']))
    predictions = np.asarray(q2_predictions)
    assert predictions.shape == truth.shape, f'q2_predictions should hold one label id per validation row, got shape {predictions.shape}'
    majority = np.bincount(np.asarray(list(q2_train['label']))).argmax()
    baseline = f1_score(truth, np.full(len(truth), majority), average='macro', zero_division=0)
    model = f1_score(truth, predictions, average='macro', zero_division=0)
    assert model >= baseline + 0.2, f'validation macro-F1 {model:.3f} does not beat the majority baseline {baseline:.3f} by 0.20'

