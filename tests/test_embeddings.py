"""clflib.embeddings: mean pooling without padding, each distinct text once, order kept."""

import numpy as np
import pytest
import torch

from clflib import embeddings


def test_mean_pool_leaves_padding_out():
    vectors = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert embeddings.mean_pool(vectors, mask).tolist() == [[2.0, 3.0]]


def test_embed_keeps_order_normalises_and_matches_one_by_one(minilm_tokenizer):
    from clflib.models import load_encoder

    encoder = load_encoder("minilm-l2")
    texts = ["A much longer sentence about a dog running across a green field.", "Hi.", "A dog runs.", "Hi."]
    together = embeddings.embed(texts, model=encoder, tokenizer=minilm_tokenizer, batch_size=2)
    alone = np.vstack([embeddings.embed([t], model=encoder, tokenizer=minilm_tokenizer) for t in texts])
    assert together.shape == (4, encoder.config.hidden_size) and together.dtype == np.float32
    assert np.allclose(together, alone, atol=1e-5), "batching and padding must not change an embedding"
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(together[1], together[3])
    raw = embeddings.embed(texts[:1], model=encoder, tokenizer=minilm_tokenizer, normalize=False)
    assert not np.isclose(np.linalg.norm(raw), 1.0)


def test_the_sentence_embedder_puts_paraphrases_close():
    """all-MiniLM-L6-v2 as trained: a paraphrase is nearer than an unrelated sentence."""
    vectors = embeddings.embed(
        ["A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell sharply today."]
    )
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.2


@pytest.mark.parametrize(
    "texts, match", [([], "empty list"), (["fine", None], "item 1"), (["ok", " "], "empty")]
)
def test_bad_texts_are_named(texts, match, minilm_tokenizer):
    with pytest.raises((TypeError, ValueError), match=match):
        embeddings.embed(texts, "minilm-l2", tokenizer=minilm_tokenizer)
