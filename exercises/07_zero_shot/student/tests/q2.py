from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = [0.25, 0.75]

@test_case(points=None, hidden=False)
def test_q2_follows_the_rules(q2_template, q2_label_texts, intent_names, inbox):
    import re
    assert isinstance(q2_template, str) and q2_template.count('{}') == 1, f'q2_template should be a string with exactly one {{}}, got {q2_template!r}'
    assert isinstance(q2_label_texts, dict), 'q2_label_texts should be a dict from intent name to text'
    missing = sorted(set(intent_names) - set(q2_label_texts))
    extra = sorted(set(q2_label_texts) - set(intent_names))
    assert not missing and (not extra), f'q2_label_texts: missing intents {missing}, unknown keys {extra}'
    texts = [q2_label_texts[name] for name in intent_names]
    assert all((isinstance(text, str) and text.strip() for text in texts)), 'every label text should be a non-empty string'
    assert len(set(texts)) == len(texts), 'the ten label texts should all be different'
    default = [name.replace('_', ' ') for name in intent_names]
    assert not (q2_template == 'This example is {}.' and texts == default), 'q2_template and q2_label_texts are still the default wording: change them'

    def words(text):
        return re.findall("[a-z0-9']+", text.lower())
    runs = set()
    for split in inbox.values():
        for message in split['text']:
            tokens = words(message)
            runs.update((tuple(tokens[i:i + 6]) for i in range(len(tokens) - 5)))
    for name in intent_names:
        tokens = words(q2_label_texts[name])
        assert len(q2_label_texts[name].split()) <= 25, f'{name}: at most 25 words, got {len(q2_label_texts[name].split())}'
        copied = [' '.join(tokens[i:i + 6]) for i in range(len(tokens) - 5) if tuple(tokens[i:i + 6]) in runs]
        assert not copied, f'{name}: {copied[0]!r} is copied from an inbox message; describe the intent in your own words'

@test_case(points=None, hidden=False)
def test_q2_beats_the_default_on_validation(q2_template, q2_label_texts, intent_names, score_wording, default_words):
    from clflib import zeroshot
    default = score_wording(zeroshot.DEFAULT_TEMPLATE, default_words)
    yours = score_wording(q2_template, [q2_label_texts[name] for name in intent_names])
    assert yours >= default + 0.02, f"validation macro-F1 {yours:.3f}: at least 2 points above the default's {default:.3f} expected"

