from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = [0.25, 0.25]

@test_case(points=None, hidden=False)
def test_q2_values(q2_hypothesis_only_accuracy, q2_majority_accuracy, q2_premise_only_accuracy):
    for name, value in (('q2_hypothesis_only_accuracy', q2_hypothesis_only_accuracy), ('q2_majority_accuracy', q2_majority_accuracy), ('q2_premise_only_accuracy', q2_premise_only_accuracy)):
        assert isinstance(value, float) and 0.0 <= value <= 1.0, f'{name} should be a float in [0, 1], got {value!r}'

@test_case(points=None, hidden=False)
def test_q2_fit_returns_a_classifier(q2_fit_hypothesis_only):
    assert callable(q2_fit_hypothesis_only), 'q2_fit_hypothesis_only should be a function'
    model = q2_fit_hypothesis_only(['the parcel never came', 'it came', 'the parcel came', 'never came'], [2, 0, 0, 2])
    assert hasattr(model, 'predict'), f'q2_fit_hypothesis_only should return a fitted classifier, got {model!r}'
    predicted = list(model.predict(['the parcel never came', 'it came']))
    assert len(predicted) == 2, f'predict should return one label per hypothesis, got {predicted}'

