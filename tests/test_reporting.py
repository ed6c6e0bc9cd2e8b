import numpy as np
import pytest

from clflib.course.reporting import read_metrics, write_metrics


def test_round_trip_converts_numpy_scalars(tmp_path):
    path = tmp_path / "deep" / "metrics.json"
    written = write_metrics(path, {"acc": np.float32(0.5), "n": np.int64(3), "name": "x"})
    assert read_metrics(path) == written == {"acc": 0.5, "n": 3, "name": "x"}


@pytest.mark.parametrize(
    "value, error", [(float("nan"), ValueError), ({"a": 1}, TypeError), ([1, 2], TypeError)]
)
def test_non_flat_or_nan_metrics_are_refused(tmp_path, value, error):
    with pytest.raises(error):
        write_metrics(tmp_path / "m.json", {"bad": value})
