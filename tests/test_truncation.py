"""No silent truncation: clflib.data_checks.truncation_report / warn_if_truncated, and the places
that cut texts at max_length (embed, the Predictor, tokenize_dataset, NER, NLI zero-shot, ...)."""

import warnings

import datasets
import pytest

from clflib import data_checks
from clflib.data_checks import TruncationReport, TruncationWarning, truncation_report, warn_if_truncated

# with the MiniLM tokenizer "word" is one token: "word " * n is n tokens, n + 2 with [CLS] [SEP]
SHORT = "a short text"  # 5 tokens
LONG_20 = "word " * 20  # 22 tokens
LONG_50 = "word " * 50  # 52 tokens


def truncation_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, TruncationWarning)]


@pytest.fixture()
def caught():
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        yield records


def test_lengths_are_what_the_tokenizer_gives(minilm_tokenizer):
    texts = [SHORT, LONG_20, LONG_50, "fine"]
    assert data_checks.count_tokens(minilm_tokenizer, texts).tolist() == [5, 22, 52, 3]
    assert [len(minilm_tokenizer(t)["input_ids"]) for t in texts] == [5, 22, 52, 3]


def test_report_counts_the_texts_longer_than_max_length(minilm_tokenizer):
    report = truncation_report(minilm_tokenizer, [SHORT, LONG_20, LONG_50, "fine"], 16)
    assert (report.total, report.truncated, report.longest, report.max_length) == (4, 2, 52, 16)
    assert report.share == 0.5 and report.unit == "texts" and report.model_limit == 512
    # a text exactly max_length tokens long is not cut
    assert truncation_report(minilm_tokenizer, [LONG_20], 22).truncated == 0
    assert truncation_report(minilm_tokenizer, [LONG_20], 21).truncated == 1


def test_pairs_are_counted_as_pairs(minilm_tokenizer):
    half = "word " * 10  # 12 tokens alone: each half fits 16, the pair (10 + 10 + 3 = 23) does not
    report = truncation_report(minilm_tokenizer, [(half, half), ("hi", "there")], 16)
    assert (report.total, report.truncated, report.longest, report.unit) == (2, 1, 23, "text pairs")
    assert truncation_report(minilm_tokenizer, [half, half], 16).truncated == 0


def test_words_are_counted_as_one_sentence(minilm_tokenizer):
    sentences = [["Ada", "Lovelace", "met"], ["word"] * 30]
    report = truncation_report(minilm_tokenizer, sentences, 16, is_split_into_words=True, unit="sentences")
    assert (report.total, report.truncated, report.longest) == (2, 1, 32)


def test_known_lengths_are_not_tokenized_again():
    class Refuses:
        model_max_length = 512

        def __call__(self, *args, **kwargs):
            raise AssertionError("the lengths were given: no tokenizing")

    report = truncation_report(Refuses(), None, 128, lengths=[10, 311, 129, 128])
    assert (report.total, report.truncated, report.longest) == (4, 2, 311)


def test_message_names_count_share_longest_and_options():
    message = TruncationReport(400, 12, 311, 128, 512).message("embed")
    assert message.startswith(
        "embed: 12 of 400 texts (3.0%) are longer than max_length=128 tokens and were cut; "
        "the longest is 311 tokens. Options:"
    )
    assert "up to the model's limit of 512 tokens (311 keeps every text whole)" in message
    assert "stride=" in message and "chunks" in message
    at_limit = TruncationReport(10, 2, 900, 512, 512).message()
    assert "512 is already the model's limit" in at_limit and "longer max_length, up to" not in at_limit


def test_warns_above_the_threshold_with_the_counts(minilm_tokenizer, caught):
    texts = [SHORT] * 18 + [LONG_20, LONG_50]  # 2 of 20 cut at 16: 10%
    report = warn_if_truncated(minilm_tokenizer, texts, 16, where="here")
    assert report.truncated == 2
    [message] = truncation_warnings(caught)
    assert message.startswith(
        "here: 2 of 20 texts (10.0%) are longer than max_length=16 tokens and were cut; "
        "the longest is 52 tokens."
    )
    assert caught[0].filename == __file__, "the warning points at the caller outside clflib"


def test_quiet_at_or_below_the_threshold_and_when_nothing_is_cut(minilm_tokenizer, caught):
    one_in_twenty = [SHORT] * 19 + [LONG_50]  # 5%: not more than TRUNCATION_WARN_SHARE
    assert data_checks.TRUNCATION_WARN_SHARE == 0.05
    assert warn_if_truncated(minilm_tokenizer, one_in_twenty, 16).truncated == 1
    assert warn_if_truncated(minilm_tokenizer, [SHORT, LONG_50], 64).truncated == 0
    assert warn_if_truncated(minilm_tokenizer, [], 16).total == 0
    assert truncation_warnings(caught) == []
    warn_if_truncated(minilm_tokenizer, one_in_twenty, 16, threshold=0)
    assert (
        truncation_warnings(caught) == [truncation_report(minilm_tokenizer, one_in_twenty, 16).message()]
        and "1 of 20 texts (5.0%)" in truncation_warnings(caught)[0]
    )


def test_truncation_warning_is_a_user_warning():
    assert issubclass(TruncationWarning, UserWarning)
    assert {"TruncationWarning", "truncation_report", "warn_if_truncated"} <= set(data_checks.__all__)


# --- the call sites -------------------------------------------------------------------------


def test_embed_warns_once_per_call_counting_every_text(tiny_model, minilm_tokenizer, caught):
    from clflib.embeddings import embed

    texts = [LONG_50, LONG_50, LONG_20, SHORT]  # duplicates count: 3 of 4 are cut at 16
    vectors = embed(texts, model=tiny_model, tokenizer=minilm_tokenizer, max_length=16, batch_size=1)
    assert vectors.shape == (4, 32)
    [message] = truncation_warnings(caught)
    assert message.startswith("embed: 3 of 4 texts (75.0%) are longer than max_length=16 tokens")
    assert "the longest is 52 tokens" in message
    assert caught[0].filename == __file__
    embed([SHORT, "fine"], model=tiny_model, tokenizer=minilm_tokenizer, max_length=16)
    assert len(truncation_warnings(caught)) == 1, "nothing cut: nothing said"


def test_predictor_warns_once_per_call_not_per_batch(tiny_model, minilm_tokenizer, caught):
    from clflib.serving.predictor import Predictor

    predictor = Predictor(tiny_model, minilm_tokenizer, batch_size=1, max_length=16, device="cpu")
    table = predictor.predict([LONG_50, SHORT, LONG_20, "fine"])
    assert len(table) == 4
    [message] = truncation_warnings(caught)
    assert message.startswith("Predictor: 2 of 4 texts (50.0%) are longer than max_length=16 tokens")
    predictor.predict_proba([LONG_50])
    assert truncation_warnings(caught)[1].startswith("Predictor: 1 of 1 texts (100.0%)")
    predictor.predict([SHORT, "fine"])
    assert len(truncation_warnings(caught)) == 2


def test_predictor_reports_a_dataset_once(tiny_model, minilm_tokenizer, caught):
    from clflib.serving.predictor import Predictor

    predictor = Predictor(tiny_model, minilm_tokenizer, batch_size=2, max_length=16, device="cpu")
    dataset = datasets.Dataset.from_dict({"text": [LONG_50, SHORT, LONG_20, "fine", SHORT, LONG_50]})
    predictor.predict_dataset(dataset, map_batch_size=2)
    assert [m[:60] for m in truncation_warnings(caught)] == [
        "Predictor: 3 of 6 texts (50.0%) are longer than max_length=16 tokens"[:60]
    ]
    predictor.predict([LONG_50])
    assert len(truncation_warnings(caught)) == 2, "the per-call check is back on after predict_dataset"
    with_gaps = datasets.Dataset.from_dict({"text": [LONG_50, None, SHORT, "  "]})
    predictor.predict_dataset(with_gaps, invalid="null", map_batch_size=3)
    assert truncation_warnings(caught)[2].startswith("Predictor: 1 of 2 texts (50.0%)"), "valid texts only"
    predictor.predict_dataset(with_gaps.select([]), invalid="null")
    assert len(truncation_warnings(caught)) == 3


def test_predictor_reading_windows_cuts_nothing(tiny_ner_model_dir_factory, caught):
    from clflib.serving.predictor import Predictor

    predictor = Predictor.from_folder(tiny_ner_model_dir_factory(), max_length=16, device="cpu")
    predictor.predict([LONG_50])
    assert truncation_warnings(caught) == []


def test_tokenize_dataset_warns_once_per_split_that_is_cut(minilm_tokenizer, caught):
    from clflib.training import tokenize_dataset

    splits = datasets.DatasetDict(
        train=datasets.Dataset.from_dict({"text": [LONG_50, SHORT, LONG_20, SHORT], "label": [0, 1, 0, 1]}),
        validation=datasets.Dataset.from_dict({"text": [SHORT, SHORT], "label": [0, 1]}),
    )
    encoded = tokenize_dataset(splits, minilm_tokenizer, max_length=16)
    assert max(len(ids) for ids in encoded["train"]["input_ids"]) == 16
    [message] = truncation_warnings(caught)
    assert message.startswith(
        "tokenize_dataset (split 'train'): 2 of 4 texts (50.0%) are longer than max_length=16 tokens"
    )


def test_tokenize_dataset_counts_pairs(minilm_tokenizer, caught):
    from clflib.training import tokenize_dataset

    half = "word " * 10
    pairs = datasets.Dataset.from_dict({"premise": [half, "a"], "hypothesis": [half, "b"], "label": [0, 1]})
    tokenize_dataset(pairs, minilm_tokenizer, ["premise", "hypothesis"], max_length=16)
    [message] = truncation_warnings(caught)
    assert message.startswith("tokenize_dataset: 1 of 2 text pairs (50.0%)") and "longest is 23" in message


def test_predict_proba_counts_pairs_once_per_call(tiny_model, minilm_tokenizer, caught):
    from clflib.inference import predict_proba

    half = "word " * 10
    predict_proba(tiny_model, minilm_tokenizer, [half, "a", half], text_pairs=[half, "b", "c"], max_length=16)
    [message] = truncation_warnings(caught)
    assert message.startswith("predict_proba: 1 of 3 text pairs (33.3%)")


def test_ner_encode_splits_warns_per_split_not_per_batch(minilm_tokenizer, caught):
    from clflib import ner

    names = ["O", "B-PER", "I-PER"]
    rows = {
        "tokens": [["word"] * 30, ["Ada"], ["word"] * 30, ["met"]],
        "ner_tags": [[0] * 30, [1], [0] * 30, [0]],
    }
    splits = datasets.DatasetDict(train=datasets.Dataset.from_dict(rows))
    ner.encode_splits(splits, minilm_tokenizer, "first_subword", names, max_length=16)
    [message] = truncation_warnings(caught)
    assert message.startswith("encode_splits (split 'train'): 2 of 4 sentences (50.0%)")
    assert "longest is 32 tokens" in message
    ner.tokenize_and_align(rows, minilm_tokenizer, "first_subword", names, max_length=16)
    assert truncation_warnings(caught)[1].startswith("tokenize_and_align: 2 of 4 sentences")


def test_nli_zero_shot_counts_texts_with_their_longest_hypothesis(tiny_nli_model_dir, caught):
    from clflib.zeroshot import NliZeroShot

    route = NliZeroShot.from_pretrained(str(tiny_nli_model_dir), max_length=24, batch_size=1)
    route.predict(["word " * 15, "hi", "word " * 30], ["refund", "a delivery problem"])
    [message] = truncation_warnings(caught)
    # "word " * 15 fits beside "This example is refund." (24 tokens), not beside the longer label (25)
    assert message.startswith("NliZeroShot: 2 of 3 texts (66.7%) are longer than max_length=24 tokens")


def test_two_heads_prediction_warns_once(tiny_model, minilm_tokenizer, caught):
    from clflib import multitask

    model = multitask._build_module()(tiny_model.base_model, 3, 2)
    ids_a, _ = multitask.predict_two_heads(
        model, minilm_tokenizer, [LONG_50, SHORT], batch_size=1, max_length=16
    )
    assert len(ids_a) == 2
    [message] = truncation_warnings(caught)
    assert message.startswith("predict_two_heads: 1 of 2 texts (50.0%)")
