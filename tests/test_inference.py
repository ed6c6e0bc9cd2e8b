import numpy as np
import pytest

from clflib import inference


def test_order_is_restored_and_rows_sum_to_one(tiny_model, minilm_tokenizer):
    texts = ["a much longer text than the others by quite a bit", "hi", "medium sized text", "ok then"]
    batched = inference.predict_proba(tiny_model, minilm_tokenizer, texts, batch_size=2)
    one_by_one = np.vstack([inference.predict_proba(tiny_model, minilm_tokenizer, [t]) for t in texts])
    assert np.allclose(batched, one_by_one, atol=1e-5)
    assert np.allclose(batched.sum(axis=1), 1.0)
    assert inference.predict_labels(tiny_model, minilm_tokenizer, texts[:1])[0] in {"neg", "pos"}


@pytest.mark.parametrize("texts, error, match", [
    ("just one string", TypeError, "list of texts"),
    ([], ValueError, "empty list"),
    (["fine", None], TypeError, "item 1 is NoneType"),
    (["fine", 3.5], TypeError, "not strings"),
    (["fine", "   "], ValueError, "empty or whitespace"),
])
def test_bad_inputs_get_clear_errors(tiny_model, minilm_tokenizer, texts, error, match):
    with pytest.raises(error, match=match):
        inference.predict_proba(tiny_model, minilm_tokenizer, texts)
