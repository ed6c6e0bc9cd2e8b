"""Which weights train under each adaptation (lesson 10), on a tiny random BERT."""

import pytest
import torch

from clflib import adaptation


def _trainable(model):
    return {name for name, p in model.named_parameters() if p.requires_grad}


def test_head_only_trains_the_classifier_and_pooler(tiny_model):
    names = _trainable(adaptation.adapt(tiny_model, "head"))
    assert names == {
        "bert.pooler.dense.weight",
        "bert.pooler.dense.bias",
        "classifier.weight",
        "classifier.bias",
    }


def test_top_layers_train_above_the_frozen_ones(tiny_model):
    depth = adaptation.encoder_layer_count(tiny_model)
    names = _trainable(adaptation.adapt(tiny_model, "top-1"))
    assert any(f"encoder.layer.{depth - 1}." in n for n in names)
    assert not any(f"encoder.layer.{depth - 2}." in n or "embeddings" in n for n in names)
    counts = adaptation.count_parameters(tiny_model)
    assert 0 < counts["trainable"] < counts["total"]


def test_full_trains_everything_and_bad_choices_are_named(tiny_model):
    assert adaptation.count_parameters(adaptation.adapt(tiny_model, "full"))["share"] == 1.0
    with pytest.raises(ValueError, match="'top-<k>'"):
        adaptation.adapt(tiny_model, "top2")
    with pytest.raises(ValueError, match="between 0 and 2"):
        adaptation.adapt(tiny_model, "top-5")
    with pytest.raises(ValueError, match="BERT-style"):
        adaptation.encoder_layer_count(torch.nn.Linear(2, 2))


def test_lora_trains_adapters_and_the_head_and_merges_back(tiny_model):
    inputs = {
        "input_ids": torch.tensor([[101, 2023, 2003, 102]]),
        "attention_mask": torch.ones(1, 4, dtype=torch.long),
    }
    before = tiny_model(**inputs).logits.detach()
    lora = adaptation.adapt(tiny_model, "lora")
    names = _trainable(lora)
    assert any("lora_A" in n for n in names) and any("classifier" in n for n in names)
    assert not any("word_embeddings" in n or ("query.base_layer" in n) for n in names)
    counts = adaptation.count_parameters(lora)
    assert counts["trainable"] < counts["total"] / 2
    # LoRA's B starts at zero: before training, the wrapped model computes what the plain one did
    lora.eval()
    torch.testing.assert_close(lora(**inputs).logits, before)
    with torch.no_grad():  # a trained adapter changes the output, and merging keeps the change
        for name, p in lora.named_parameters():
            if "lora_B" in name:
                p.fill_(0.05)
    adapted = lora(**inputs).logits.detach()
    plain = adaptation.merged(lora)
    assert not any("lora" in n for n, _ in plain.named_parameters())
    torch.testing.assert_close(plain(**inputs).logits, adapted, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(adapted, before)


def test_fine_tune_trains_only_what_prepare_left_trainable(tiny_model_dir, minilm_tokenizer, tmp_path):
    import datasets

    from clflib import metrics, profiles, training

    texts = ["good", "great", "fine day", "bad", "awful", "sad day"] * 4
    split = datasets.Dataset.from_dict({"text": texts, "label": [1, 1, 1, 0, 0, 0] * 4})
    encoded = training.tokenize_dataset(datasets.DatasetDict(train=split, validation=split), minilm_tokenizer)
    from transformers import AutoModelForSequenceClassification

    start = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir).state_dict()
    p = profiles.get_profile("smoke", num_epochs=2, learning_rate=1e-2, batch_size=8)
    trainer = training.fine_tune(
        str(tiny_model_dir),
        ["neg", "pos"],
        minilm_tokenizer,
        encoded["train"],
        encoded["validation"],
        p,
        tmp_path,
        prepare=lambda model: adaptation.adapt(model, "top-1"),
        early_stopping=False,
        disable_tqdm=True,
        compute_metrics=metrics.make_compute_metrics("macro"),
    )
    after = trainer.model.state_dict()
    assert torch.equal(
        after["bert.encoder.layer.0.attention.self.query.weight"],
        start["bert.encoder.layer.0.attention.self.query.weight"],
    )
    assert torch.equal(
        after["bert.embeddings.word_embeddings.weight"], start["bert.embeddings.word_embeddings.weight"]
    )
    assert not torch.equal(
        after["bert.encoder.layer.1.attention.self.query.weight"],
        start["bert.encoder.layer.1.attention.self.query.weight"],
    )
    assert not torch.equal(after["classifier.weight"], start["classifier.weight"])


def test_the_lora_head_keeps_its_own_learning_rate(tiny_model):
    from clflib.training import is_head_parameter

    lora = adaptation.adapt(tiny_model, "lora")
    heads = [n for n, p in lora.named_parameters() if p.requires_grad and is_head_parameter(n)]
    assert heads and all("classifier" in n for n in heads)
    assert not any(is_head_parameter(n) for n, _ in lora.named_parameters() if "lora_" in n)


def test_a_model_without_a_known_head_is_refused(tiny_model):
    tiny_model.classifier = torch.nn.Identity()  # no head parameters left
    with pytest.raises(ValueError, match="no head parameters"):
        adaptation.freeze_below(tiny_model, 1)


def test_merging_gives_a_fully_trainable_plain_model(tiny_model):
    plain = adaptation.merged(adaptation.adapt(tiny_model, "lora"))
    assert adaptation.count_parameters(plain)["share"] == 1.0
