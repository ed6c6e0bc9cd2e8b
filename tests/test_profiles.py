import pytest

from clflib import profiles


def test_overrides_win_and_none_keeps_the_profile_value():
    p = profiles.get_profile("cpu", max_train_samples=123, num_epochs=None, learning_rate=3e-5)
    base = profiles.PROFILES["cpu"]
    assert (p.max_train_samples, p.num_epochs, p.learning_rate) == (123, base.num_epochs, 3e-5)


def test_auto_picks_cpu_without_cuda_and_gpu_with_it(monkeypatch):
    monkeypatch.setattr(profiles, "cuda_is_available", lambda: False)
    assert profiles.get_profile("auto").name == "cpu"
    monkeypatch.setattr(profiles, "cuda_is_available", lambda: True)
    assert profiles.get_profile("AUTO").name == "gpu"


def test_smoke_uses_the_embedded_data_and_the_others_do_not():
    assert profiles.get_profile("smoke").embedded_data_only
    assert not profiles.get_profile("cpu").embedded_data_only
    assert profiles.get_profile("gpu").max_train_samples is None  # full data


def test_unknown_profile_and_misspelt_setting_are_refused():
    with pytest.raises(ValueError, match="Unknown PROFILE"):
        profiles.get_profile("laptop")
    with pytest.raises(TypeError, match="num_epoch"):
        profiles.get_profile("cpu", num_epoch=2)


@pytest.mark.parametrize(
    "setting",
    [{"batch_size": 0}, {"learning_rate": -1.0}, {"max_train_samples": 0}, {"max_train_samples": 2.5}],
)
def test_invalid_values_are_refused(setting):
    with pytest.raises(ValueError):
        profiles.get_profile("cpu", **setting)
    with pytest.raises(ValueError):  # the same values as a lesson's default
        profiles.get_profile("cpu", {"cpu": setting})


def test_a_lesson_default_may_ask_for_the_whole_split():
    profile = profiles.get_profile("cpu", {"cpu": {"max_train_samples": None}})
    assert profile.max_train_samples is None  # None: every training row, not the cpu cap
    assert (
        profiles.get_profile(
            "cpu", {"cpu": {"max_train_samples": None}}, max_train_samples=500
        ).max_train_samples
        == 500
    )


def test_cpu_runs_stay_fp32(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert profiles.resolve_precision(profiles.get_profile("gpu")) == "fp32"


def test_lesson_defaults_sit_between_the_profile_and_explicit_values():
    lesson = {"cpu": {"num_epochs": 5, "learning_rate": 2e-4}, "smoke": {"num_epochs": 1}}
    p = profiles.get_profile("cpu", lesson, learning_rate=3e-4, batch_size=None)
    assert (p.num_epochs, p.learning_rate, p.batch_size) == (5, 3e-4, profiles.PROFILES["cpu"].batch_size)
    assert profiles.get_profile("gpu", lesson).num_epochs == profiles.PROFILES["gpu"].num_epochs
    with pytest.raises(TypeError, match="epochs"):
        profiles.get_profile("cpu", {"cpu": {"epochs": 3}})
