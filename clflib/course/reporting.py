"""Write a lesson's key metrics as a flat JSON object (read by the tests and ``make course``).

Used by every lesson's last cell.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "m.json")
>>> write_metrics(path, {"test_accuracy": 0.8125, "dataset": "rotten_tomatoes"})["test_accuracy"]
0.8125
>>> read_metrics(path)["dataset"]
'rotten_tomatoes'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from numbers import Number
from pathlib import Path
from typing import Any

__all__ = ["write_metrics", "read_metrics"]


def _plain(key: str, value: Any) -> float | int | str | bool:
    if isinstance(value, (str, bool)):
        return value
    if hasattr(value, "item"):  # numpy and torch scalars
        value = value.item()
    if isinstance(value, Number):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"Metric {key!r} is {value}: a lesson must not report NaN or inf.")
        return value
    raise TypeError(
        f"Metric {key!r} must be a number or a string (a flat JSON object), got {type(value).__name__}."
    )


def write_metrics(path: str | Path, metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``metrics`` to ``path`` (folders created) and return the plain dict written."""
    plain = {str(key): _plain(str(key), value) for key, value in metrics.items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(plain, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return plain


def read_metrics(path: str | Path) -> dict[str, Any]:
    """The metrics a lesson wrote."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
