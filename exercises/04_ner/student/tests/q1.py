from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=None, hidden=False)
def test_q1_worked_example(q1_align_labels):
    assert callable(q1_align_labels), 'q1_align_labels should be a function'
    names = ['O', 'B-PER', 'I-PER']
    got = q1_align_labels([None, 0, 0, 0, 1, None], [1, 0], names)
    assert got is not None, 'q1_align_labels returned None'
    assert list(got) == [-100, 1, 2, 2, 0, -100], f'a B-PER word in three pieces, then an O word: expected [-100, 1, 2, 2, 0, -100], got {got}'

@test_case(points=None, hidden=False)
def test_q1_inbox_sentence(q1_align_labels, tokenizer, example, tag_names):
    encoding = tokenizer(example['tokens'], is_split_into_words=True)
    got = list(q1_align_labels(encoding.word_ids(), example['ner_tags'], tag_names))
    assert len(got) == len(encoding['input_ids']), f"one label per token expected: {len(encoding['input_ids'])} tokens, got {len(got)} labels"
    assert got[0] == got[-1] == -100, '[CLS] and [SEP] should get -100'
    firsts = [got[i] for i, w in enumerate(encoding.word_ids()) if w is not None and w != encoding.word_ids()[i - 1]]
    assert firsts == list(example['ner_tags']), "the first token of every word should get the word's tag"

