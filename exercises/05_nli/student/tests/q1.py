from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = [0.25, 0.25]

@test_case(points=None, hidden=False)
def test_q1_worked_example(q1_encode, q1_hypothesis_tokens):
    assert callable(q1_encode) and callable(q1_hypothesis_tokens), 'q1_encode and q1_hypothesis_tokens should be functions'
    encoded = q1_encode('My order arrived late and the box was crushed, so I would like my money back. ' * 3, 'It is about a refund.', 12)
    assert encoded is not None, 'q1_encode returned None'
    assert len(encoded['input_ids']) <= 12, f"at most 12 tokens expected, got {len(encoded['input_ids'])}"
    got = q1_hypothesis_tokens(encoded)
    assert list(got) == ['it', 'is', 'about', 'a', 'ref', '##und', '.'], f'the whole hypothesis should survive, got {got}'

@test_case(points=None, hidden=False)
def test_q1_short_pair_is_left_alone(q1_encode, tokenizer, example):
    encoded = q1_encode(example['premise'], example['hypothesis'], 128)
    full = tokenizer(example['premise'], example['hypothesis'])
    assert list(encoded['input_ids']) == full['input_ids'], 'a pair that fits should not be cut at all'
    assert list(encoded['token_type_ids']) == full['token_type_ids'], 'token_type_ids should come with the encoding'

