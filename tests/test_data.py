import datasets
import pytest

from clflib import data
from clflib.profiles import get_profile


@pytest.fixture()
def fake_data_dir(tmp_path, monkeypatch):
    """A CLFLIB_DATA_DIR with a tiny rotten_tomatoes in the Hub twin's schema."""
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["neg", "pos"])}
    )
    folder = tmp_path / "rotten_tomatoes"
    folder.mkdir()
    for split, n in (("train", 8), ("validation", 4), ("test", 4)):
        rows = {"text": [f"{split} review {i}" for i in range(n)], "label": [i % 2 for i in range(n)]}
        datasets.Dataset.from_dict(rows, features=features).to_parquet(str(folder / f"{split}.parquet"))
    monkeypatch.setenv("CLFLIB_DATA_DIR", str(tmp_path))
    return tmp_path


def test_loads_parquet_from_the_data_dir_with_class_labels(fake_data_dir):
    ds = data.load_dataset("rotten_tomatoes")
    assert {k: len(v) for k, v in ds.items()} == {"train": 8, "validation": 4, "test": 4}
    assert data.label_names(ds["train"], "label") == ["neg", "pos"]


def test_the_shared_folder_beside_the_project_is_found_without_the_variable(fake_data_dir, monkeypatch):
    # jupyter lab and python -m clflib.course run without make, so without CLFLIB_DATA_DIR
    monkeypatch.delenv("CLFLIB_DATA_DIR")
    monkeypatch.setattr(data, "SHARED_DATA_BESIDE", fake_data_dir)
    assert data.data_dir() == fake_data_dir
    assert len(data.load_dataset("rotten_tomatoes")["train"]) == 8
    # a variable that names no folder is a mistake to report, not a reason to look elsewhere
    monkeypatch.setenv("CLFLIB_DATA_DIR", str(fake_data_dir / "typo"))
    assert data.data_dir() is None


def test_missing_dataset_says_what_was_tried(no_data_dir):
    with pytest.raises(data.DatasetUnavailable) as error:
        data.load_dataset("go_emotions")
    message = str(error.value)
    assert "CLFLIB_DATA_DIR" in message and "offline" in message and "go_emotions" in message


def test_unknown_names_and_configs_are_refused(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # offline, an unknown name cannot be a Hub id
    with pytest.raises(data.DatasetUnavailable, match="not a registered dataset .*rotten_tomatoes.*offline"):
        data.load_dataset("imdb")
    with pytest.raises(ValueError, match="Registered datasets: rotten_tomatoes"):
        data.get_spec("imdb")
    with pytest.raises(ValueError, match="no config"):
        data.load_dataset("clinc150", "small")


def test_lesson_dataset_falls_back_to_the_inbox_with_a_warning(no_data_dir, capsys):
    with pytest.warns(UserWarning, match="unavailable"):
        ds, used = data.load_lesson_dataset("rotten_tomatoes", get_profile("cpu"), "sentiment_binary")
    assert used == "support_inbox"
    assert "WARNING" in capsys.readouterr().out
    assert data.label_names(ds["train"], "label") == ["negative", "positive"]


def test_smoke_profile_always_uses_the_inbox(fake_data_dir):
    _, used = data.load_lesson_dataset("rotten_tomatoes", get_profile("smoke"), "sentiment_binary")
    assert used == "support_inbox"
    _, used = data.load_lesson_dataset("rotten_tomatoes", get_profile("cpu"), "sentiment_binary")
    assert used == "rotten_tomatoes"


@pytest.mark.parametrize(
    "config, columns",
    [
        ("sentiment", ["text", "label"]),
        ("sentiment_binary", ["text", "label"]),
        ("intent", ["text", "intent", "domain"]),
        ("tags", ["text", "labels"]),
        ("all", ["id", "text", "sentiment", "intent", "tags"]),
    ],
)
def test_support_inbox_configs_mirror_the_real_schemas(config, columns):
    ds = data.load_dataset("support_inbox", config)
    assert list(ds) == ["train", "validation", "test"]
    assert ds["train"].column_names == columns
    label_column = {
        "sentiment": "label",
        "sentiment_binary": "label",
        "intent": "intent",
        "tags": "labels",
        "all": "intent",
    }[config]
    assert len(data.label_names(ds["train"], label_column)) >= 2


def test_binary_inbox_drops_neutral():
    full = data.load_dataset("support_inbox", "sentiment")
    binary = data.load_dataset("support_inbox", "sentiment_binary")
    neutral = sum(1 for y in full["train"]["label"] if y == 1)
    assert len(binary["train"]) == len(full["train"]) - neutral


def test_real_rotten_tomatoes_schema(real_data_dir):
    ds = data.load_dataset("rotten_tomatoes")
    assert {k: len(v) for k, v in ds.items()} == {"train": 8528, "validation": 1066, "test": 1068}
    assert data.label_names(ds["test"], "label") == ["neg", "pos"]


def test_label_names_of_a_non_class_label_column_explains_the_fix():
    ds = datasets.Dataset.from_dict({"text": ["a"], "label": ["x"]})
    with pytest.raises(TypeError, match="class_encode_column"):
        data.label_names(ds, "label")
    with pytest.raises(KeyError):
        data.label_names(ds, "nope")


def test_support_inbox_ner_config_has_wnut_17s_schema_and_the_inbox_splits():
    ner = data.load_dataset("support_inbox", "ner")
    names = data.label_names(ner["train"], "ner_tags")
    assert names[0] == "O" and {"B-ORDER_ID", "I-PERSON", "B-COURIER"} <= set(names)
    assert [len(ner[split]) for split in ("train", "validation", "test")] == [309, 52, 55]
    messages = {m["id"]: m for m in data.read_support_inbox_messages()}
    first = ner["validation"][0]
    assert messages[first["id"]]["split"] == "validation"
    assert first["tokens"] == messages[first["id"]]["text"].split()
    assert len(first["tokens"]) == len(first["ner_tags"])


def test_snli_from_the_hub_is_laid_out_as_the_local_copy():
    import datasets

    from clflib.data import get_spec

    def split(n, offset=0):
        return datasets.Dataset.from_dict(
            {"premise": [f"p{offset + i}" for i in range(n)], "hypothesis": ["h"] * n, "label": [0] * n}
        )

    hub = datasets.DatasetDict(train=split(50), validation=split(10, 100), test=split(8, 200))
    course = get_spec("snli").from_hub_splits(hub)
    assert {name: len(course[name]) for name in course} == {"train": 10, "validation": 4, "test": 4}
    assert course["train"]["premise"][0] == "p100", "SNLI's dev split is the course's training split"
    assert course["validation"]["premise"] == ["p200", "p201", "p202", "p203"]
    assert course["test"]["premise"][-1] == "p207"


def test_clinc150_from_the_hub_gets_the_domains_of_the_course_copy(real_data_dir):
    """The Hub's clinc/clinc_oos has no domain column and its own intent order: rebuilt here."""
    course = data.load_dataset("clinc150", "imbalanced")
    names = data.label_names(course["train"], "intent")
    hub_order = sorted(names, key=lambda n: (len(n), n[::-1]))  # any order other than the course's
    hub_features = datasets.Features(
        {"text": datasets.Value("string"), "intent": datasets.ClassLabel(names=hub_order)}
    )
    hub = datasets.DatasetDict(
        {
            split: datasets.Dataset.from_dict(
                {"text": rows["text"], "intent": [hub_order.index(names[i]) for i in rows["intent"]]},
                features=hub_features,
            )
            for split, rows in ((s, course[s].select(range(300)).to_dict()) for s in ("train", "test"))
        }
    )
    rebuilt = data.clinc150_with_domains(hub)
    for split in ("train", "test"):
        expected = course[split].select(range(300))
        assert rebuilt[split].features == expected.features
        assert (
            rebuilt[split]["domain"] == expected["domain"] and rebuilt[split]["intent"] == expected["intent"]
        )
    assert data.get_spec("clinc150").from_hub_splits is data.clinc150_with_domains


def test_clinc150_hub_intents_missing_from_the_domain_table_are_named():
    features = datasets.Features(
        {"text": datasets.Value("string"), "intent": datasets.ClassLabel(names=["teleport"])}
    )
    hub = datasets.DatasetDict(
        train=datasets.Dataset.from_dict({"text": ["beam me up"], "intent": [0]}, features=features)
    )
    with pytest.raises(data.DatasetUnavailable, match="teleport"):
        data.clinc150_with_domains(hub)
