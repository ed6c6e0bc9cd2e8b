from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=None, hidden=False)
def test_q3_model_is_an_intent_classifier(q3_model):
    assert hasattr(q3_model, 'config') and callable(q3_model), 'q3_model should be the trained model (a transformers sequence classifier)'
    assert q3_model.config.num_labels == 10, f'q3_model should score the 10 intents, it has {q3_model.config.num_labels} outputs'

@test_case(points=None, hidden=False)
def test_q3_beats_the_baseline_on_validation(q3_model):
    import numpy as np
    from clflib import data, inference, metrics, models
    q3_baseline_validation_f1 = 0.346
    assert hasattr(q3_model, 'config'), 'q3_model should be the trained model'
    validation = data.load_dataset('support_inbox', 'intent')['validation']
    labels = np.asarray(validation['intent'])
    keep = labels != data.label_names(validation, 'intent').index('feedback')
    texts = [text for text, kept in zip(validation['text'], keep) if kept]
    predictions = inference.predict_proba(q3_model, models.load_tokenizer('minilm'), texts, max_length=64).argmax(axis=1)
    f1 = metrics.classification_metrics(labels[keep], predictions, average='macro')['f1']
    assert f1 >= q3_baseline_validation_f1 + 0.03, f"validation macro-F1 {f1:.4f} does not beat the baseline's {q3_baseline_validation_f1:.4f} by 0.03"

