import datasets
import pytest

from clflib import metrics, profiles, training


@pytest.fixture()
def toy_splits():
    """Label 1 iff the text contains "good": learnable by a tiny model in a few epochs."""
    words = ["good", "bad", "plot", "cast", "film", "scene", "music", "long", "short", "funny"]

    def make(n, offset):
        texts, labels = [], []
        for i in range(n):
            w = [words[(i * 7 + offset + k * 3) % len(words)] for k in range(1 + (i % 5))]
            texts.append(" ".join(w))
            labels.append(int("good" in w))
        return datasets.Dataset.from_dict(
            {"text": texts, "label": labels},
            features=datasets.Features(
                {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["neg", "pos"])}
            ),
        )

    return datasets.DatasetDict(train=make(96, 0), validation=make(32, 1))


def test_tokenize_dataset_renames_labels_and_drops_text(toy_splits, minilm_tokenizer):
    enc = training.tokenize_dataset(toy_splits, minilm_tokenizer, max_length=4)
    assert set(enc["train"].column_names) == {"input_ids", "token_type_ids", "attention_mask", "labels"}
    assert max(len(ids) for ids in enc["train"]["input_ids"]) == 4  # truncated
    assert min(len(ids) for ids in enc["train"]["input_ids"]) < 4  # not padded


def test_tokenize_dataset_sentence_pairs(minilm_tokenizer):
    ds = datasets.Dataset.from_dict(
        {"premise": ["a dog runs"], "hypothesis": ["an animal moves"], "label": [0]}
    )
    enc = training.tokenize_dataset(ds, minilm_tokenizer, ["premise", "hypothesis"])
    assert enc[0]["token_type_ids"].count(1) > 0  # the second segment is marked


def test_tokenize_dataset_missing_column_is_explained(toy_splits, minilm_tokenizer):
    with pytest.raises(KeyError, match="Missing column"):
        training.tokenize_dataset(toy_splits, minilm_tokenizer, ["sentence"])


def test_training_args_follow_the_course_recipe(tmp_path):
    p = profiles.get_profile("cpu")
    args = training.make_training_args(p, tmp_path, train_size=320)
    assert args.eval_strategy == "epoch" and args.save_strategy == "epoch"
    assert args.load_best_model_at_end and args.metric_for_best_model == "f1"
    assert args.train_sampling_strategy == "group_by_length"
    assert args.warmup_steps == pytest.approx(0.1) and args.weight_decay == pytest.approx(0.01)
    assert args.logging_steps == 2  # 10 steps per epoch / 5
    assert args.use_cpu and not args.bf16 and not args.fp16
    assert training.make_training_args(p, tmp_path, num_train_epochs=7).num_train_epochs == 7


def test_the_course_args_are_the_plain_recipe_plus_documented_additions(tmp_path):
    """Lesson 01 writes TrainingArguments by hand the way the transformers docs do, then uses
    make_training_args: every field on which they differ must be one the course explains."""
    from transformers import TrainingArguments

    p = profiles.get_profile("cpu")
    plain = TrainingArguments(
        output_dir=str(tmp_path / "plain"),
        num_train_epochs=p.num_epochs,
        per_device_train_batch_size=p.batch_size,
        per_device_eval_batch_size=p.eval_batch_size,
        learning_rate=p.learning_rate,
        weight_decay=p.weight_decay,
        warmup_steps=p.warmup_ratio,
        eval_strategy="epoch",
        save_strategy="epoch",
        load_best_model_at_end=True,
        metric_for_best_model="f1",
        train_sampling_strategy="group_by_length",
        report_to="none",
        seed=7,
    )
    course = training.make_training_args(p, tmp_path / "course", train_size=320, seed=7)
    differences = training.argument_differences(plain, course)
    assert {"data_seed", "logging_steps", "save_total_limit", "use_cpu"} <= set(differences.index)
    assert set(differences.index) <= set(training.ARGUMENT_REASONS)  # disable_tqdm after setup()
    assert (differences["why"] != "").all()
    assert differences.loc["logging_steps", "course"] == 2 and differences.loc["data_seed", "course"] == 7
    changed = TrainingArguments(output_dir=str(tmp_path / "plain"), seed=7, max_grad_norm=0.5)
    assert differences_without_reason(training.argument_differences(changed, course)) >= {"max_grad_norm"}


def differences_without_reason(table):
    return set(table.index[table["why"] == ""])


def test_trainer_keeps_the_best_checkpoint(tiny_model, minilm_tokenizer, toy_splits, tmp_path):
    enc = training.tokenize_dataset(toy_splits, minilm_tokenizer, max_length=16)
    p = profiles.get_profile("smoke", num_epochs=4, learning_rate=3e-3, batch_size=16)
    trainer = training.make_trainer(
        tiny_model,
        minilm_tokenizer,
        enc["train"],
        enc["validation"],
        p,
        tmp_path,
        compute_metrics=metrics.make_compute_metrics(),
        disable_tqdm=True,
    )
    trainer.train()
    train_log, eval_log = training.training_history(trainer)
    assert len(train_log) > 0 and "eval_f1" in eval_log
    assert trainer.state.best_metric == pytest.approx(eval_log["eval_f1"].max())
    # the model in memory at the end is the best one, not the last one
    assert trainer.evaluate()["eval_f1"] == pytest.approx(trainer.state.best_metric)
    assert eval_log["eval_f1"].max() > 0.5


def test_early_stopping_is_wired_in(tiny_model, minilm_tokenizer, toy_splits, tmp_path):
    from transformers import EarlyStoppingCallback

    enc = training.tokenize_dataset(toy_splits, minilm_tokenizer)
    p = profiles.get_profile("smoke")
    with_stop = training.make_trainer(
        tiny_model, minilm_tokenizer, enc["train"], enc["validation"], p, tmp_path
    )
    without = training.make_trainer(
        tiny_model, minilm_tokenizer, enc["train"], enc["validation"], p, tmp_path, early_stopping=False
    )
    has = lambda t: any(isinstance(c, EarlyStoppingCallback) for c in t.callback_handler.callbacks)
    assert has(with_stop) and not has(without)


def test_predict_keeps_the_dataset_order(tiny_model, minilm_tokenizer, toy_splits, tmp_path):
    """transformers 5 length-groups eval batches under group_by_length; ours must not."""
    import numpy as np

    enc = training.tokenize_dataset(toy_splits, minilm_tokenizer)
    lengths = [len(ids) for ids in enc["validation"]["input_ids"]]
    assert lengths != sorted(lengths)  # the check below would prove nothing on sorted data
    trainer = training.make_trainer(
        tiny_model, minilm_tokenizer, enc["train"], enc["validation"], profiles.get_profile("smoke"), tmp_path
    )
    output = trainer.predict(enc["validation"])
    assert (output.label_ids == np.array(enc["validation"]["labels"])).all()
    single = [trainer.predict(enc["validation"].select([i])).predictions[0] for i in (0, 5, 17)]
    assert np.allclose(output.predictions[[0, 5, 17]], single, atol=1e-5)


def test_progress_bars_stay_on_after_setup(tmp_path):
    import clflib

    clflib.setup(check_hub=False, verbose=False)  # lowers the transformers log level
    assert training.make_training_args(profiles.get_profile("smoke"), tmp_path).disable_tqdm is False


def test_trainer_takes_a_loss_and_a_sampler(tiny_model, minilm_tokenizer, toy_splits, tmp_path):
    import torch

    from clflib import losses, sampling

    enc = training.tokenize_dataset(toy_splits, minilm_tokenizer)
    labels = list(enc["train"]["labels"])
    sampler = sampling.oversampling_sampler(labels, seed=0)
    focal = losses.make_loss("focal", weights=losses.class_weights(losses.class_counts(labels, 2)), gamma=2.0)
    trainer = training.make_trainer(
        tiny_model,
        minilm_tokenizer,
        enc["train"],
        enc["validation"],
        profiles.get_profile("smoke", num_epochs=1),
        tmp_path,
        loss=focal,
        train_sampler=sampler,
        compute_metrics=metrics.make_compute_metrics(),
        disable_tqdm=True,
    )
    assert trainer.get_train_dataloader().batch_sampler.sampler is sampler  # accelerate wraps it
    batch = next(iter(trainer.get_train_dataloader()))
    expected = losses.focal_loss(
        tiny_model(**{k: v for k, v in batch.items() if k != "labels"}).logits,
        batch["labels"],
        2.0,
        focal.weights,
    )
    assert torch.isclose(trainer.compute_loss(tiny_model, dict(batch)), expected, atol=1e-6)
    trainer.train()
    assert trainer.state.global_step == len(trainer.get_train_dataloader())


def test_fine_tune_trains_a_token_classifier_with_padded_labels(
    tiny_ner_model_dir_factory, minilm_tokenizer, tmp_path
):
    """Token classification through the one Trainer builder: labels padded with -100, entity F1."""
    from clflib import ner

    names = ["O", "B-LOC", "I-LOC"]
    cities = ["paris", "lima", "oslo", "cairo"]
    fillers = ["we", "flew", "to", "then", "home", "and", "slept", "there"]

    def sentence(i):
        words = [fillers[(i + k) % len(fillers)] for k in range(2 + i % 4)]
        position = i % len(words)
        words.insert(position, cities[i % len(cities)])
        return words, [1 if k == position else 0 for k in range(len(words))]

    rows = [sentence(i) for i in range(64)]
    split = datasets.Dataset.from_dict({"tokens": [w for w, _ in rows], "ner_tags": [t for _, t in rows]})
    encoded = ner.encode_splits(
        datasets.DatasetDict(train=split, validation=split.select(range(16))),
        minilm_tokenizer,
        "first_subword",
        names,
    )
    p = profiles.get_profile("smoke", num_epochs=6, learning_rate=5e-3, batch_size=8)
    trainer = training.fine_tune(
        str(tiny_ner_model_dir_factory()),
        names,
        minilm_tokenizer,
        encoded["train"],
        encoded["validation"],
        p,
        tmp_path,
        task="token_classification",
        compute_metrics=ner.make_compute_metrics(names),
        disable_tqdm=True,
    )
    assert training.is_token_classifier(trainer.model)
    batch = trainer.data_collator([encoded["train"][0], encoded["train"][3]])
    assert batch["labels"].shape == batch["input_ids"].shape
    assert (batch["labels"][batch["attention_mask"] == 0] == ner.IGNORE_INDEX).all()
    assert trainer.state.best_metric > 0.9, "a tiny model learns to tag four city names"
    with pytest.raises(ValueError, match="task must be"):
        training.fine_tune("minilm", names, minilm_tokenizer, None, None, p, tmp_path, task="ner")


@pytest.mark.parametrize("bad", [5, -1, -100])
def test_labels_the_model_cannot_learn_are_refused_naming_the_row(
    tiny_model, minilm_tokenizer, toy_splits, tmp_path, bad
):
    """Label 5 of 2 or -1 would fail deep inside torch; -100 would silently skip the row."""
    enc = training.tokenize_dataset(toy_splits, minilm_tokenizer, max_length=16)
    labels = list(enc["train"]["labels"])
    labels[7] = bad
    broken = (
        enc["train"]
        .cast_column("labels", datasets.Value("int64"))
        .remove_columns("labels")
        .add_column("labels", labels)
    )
    p = profiles.get_profile("smoke", num_epochs=1)
    with pytest.raises(ValueError) as error:
        training.make_trainer(tiny_model, minilm_tokenizer, broken, enc["validation"], p, tmp_path)
    assert "train_dataset's 'labels' column" in str(error.value)
    assert f"row 7 = {bad}" in str(error.value) and "[0, 2)" in str(error.value)


def test_metrics_never_drop_labels_outside_the_range():
    with pytest.raises(ValueError, match=r"predictions: 1 of 3 values .* row 2 = 3"):
        metrics.confusion([0, 1, 1], [0, 1, 3], num_labels=2)
    with pytest.raises(ValueError, match=r"labels: 1 of 2 values .* row 0 = -1"):
        metrics.per_class_report([-1, 1], [0, 1], ["neg", "pos"])


def test_label_maps_refuse_repeated_names():
    from clflib import data

    with pytest.raises(ValueError, match=r"label names repeat: \['pos'\]"):
        data.label_maps(["neg", "pos", "pos"])


class StopAfterEpochs:
    """A callback that ends training after ``epochs`` epochs, right after the checkpoint is
    saved: what a Colab disconnect does to a run, as far as the disk is concerned."""

    def __new__(cls, epochs):
        from transformers import TrainerCallback

        class Stop(TrainerCallback):
            def on_save(self, args, state, control, **kwargs):
                if state.epoch >= epochs:
                    control.should_training_stop = True

        return Stop()


@pytest.mark.slow
def test_a_resumed_run_ends_where_an_uninterrupted_one_does(
    tiny_model_dir, minilm_tokenizer, toy_splits, tmp_path
):
    """Killed after epoch 1 of 3 and resumed from its checkpoint, a run ends with the same
    validation metrics and weights as one that never stopped (optimizer, scheduler and RNG
    state come back from the checkpoint)."""
    enc = training.tokenize_dataset(toy_splits, minilm_tokenizer, max_length=16)
    p = profiles.get_profile("smoke", num_epochs=3, learning_rate=3e-3, batch_size=16)

    def run(output, callbacks=(), resume=False):
        from transformers import AutoModelForSequenceClassification

        trainer = training.make_trainer(
            AutoModelForSequenceClassification.from_pretrained(tiny_model_dir),
            minilm_tokenizer,
            enc["train"],
            enc["validation"],
            p,
            output,
            compute_metrics=metrics.make_compute_metrics(),
            early_stopping=False,
            callbacks=list(callbacks),
            disable_tqdm=True,
            load_best_model_at_end=False,
        )
        trainer.train(resume_from_checkpoint=resume or None)
        return trainer

    straight = run(tmp_path / "straight")
    run(tmp_path / "cut", callbacks=[StopAfterEpochs(1)])
    checkpoint = sorted((tmp_path / "cut").glob("checkpoint-*"))[-1]
    assert {"optimizer.pt", "scheduler.pt", "rng_state.pth"} <= {f.name for f in checkpoint.iterdir()}
    resumed = run(tmp_path / "cut", resume=True)
    assert resumed.state.global_step == straight.state.global_step
    final = [resumed.evaluate(), straight.evaluate()]
    assert final[0]["eval_f1"] == pytest.approx(final[1]["eval_f1"], abs=1e-6)
    assert final[0]["eval_loss"] == pytest.approx(final[1]["eval_loss"], rel=1e-4)
    difference = max(
        (a - b).abs().max().item()
        for a, b in zip(resumed.model.state_dict().values(), straight.model.state_dict().values())
    )
    assert difference < 1e-4, f"weights differ by {difference} after resuming"
