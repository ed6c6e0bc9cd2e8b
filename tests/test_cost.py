"""The cost arithmetic of lesson 10."""

import pytest

from clflib import cost


def test_cost_per_million_follows_the_arithmetic():
    # 500 ms per 1,000 on 4 cores: 500 s per million = 2,000 core-seconds = 0.5556 core-hours
    assert cost.core_hours_per_million(500.0, 4) == pytest.approx(2000 / 3600)
    assert cost.cost_per_million(500.0, 4, 0.09) == pytest.approx(0.05)
    assert cost.daily_cost(3_000_000, 500.0, 4, 0.09) == pytest.approx(0.15)
    line = cost.cost_arithmetic(500.0, 4, 0.09)
    assert "500 ms per 1,000" in line and "4 cores" in line and line.endswith("$0.0500")


def test_bad_numbers_are_named():
    with pytest.raises(ValueError, match="cores must be at least 1"):
        cost.cost_per_million(1.0, 0)
    with pytest.raises(ValueError, match="ms_per_1k"):
        cost.cost_per_million(float("nan"), 2)
    with pytest.raises(ValueError, match="predictions_per_day"):
        cost.daily_cost(-5, 1.0, 2)


def test_size_on_disk_counts_a_folder(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"x" * 100)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_bytes(b"y" * 20)
    assert cost.size_on_disk(tmp_path) == 120
    assert cost.size_on_disk(tmp_path / "a.bin") == 100
    with pytest.raises(FileNotFoundError, match="save_pretrained"):
        cost.size_on_disk(tmp_path / "missing")


def test_large_and_tiny_numbers_read_plainly():
    line = cost.cost_arithmetic(40_000.0, 2, 0.05)
    assert "40,000 ms per 1,000 = 40,000 s" in line and "e+" not in line
    assert cost.cost_arithmetic(0.01, 2, 0.05).endswith("$2.8e-07")
