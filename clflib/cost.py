"""What predictions cost: CPU time per million predictions, money per day, size on disk (lesson 10).

The arithmetic is simple and worth seeing once: a model that needs ``ms_per_1k`` milliseconds of
wall time on ``cores`` cores for 1,000 predictions needs ``ms_per_1k`` seconds for a million,
which is ``ms_per_1k * cores / 3600`` core-hours.

>>> round(cost_per_million(ms_per_1k=360.0, cores=2, price_per_core_hour=0.05), 4)
0.01
>>> print(cost_arithmetic(ms_per_1k=360.0, cores=2, price_per_core_hour=0.05))
1,000,000 predictions x 360 ms per 1,000 = 360 s on 2 cores = 0.2 core-hours x $0.05 = $0.0100
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "PRICE_PER_CORE_HOUR",
    "core_hours_per_million",
    "cost_per_million",
    "cost_arithmetic",
    "daily_cost",
    "size_on_disk",
]

# An assumed on-demand price for one cloud vCPU-hour, in US dollars; pass your own. Cloud
# general-purpose instances list at a few US cents per vCPU-hour; the course states its
# assumption instead of quoting a provider's price list, which changes.
PRICE_PER_CORE_HOUR = 0.05


def _check(ms_per_1k: float, cores: int, price_per_core_hour: float) -> None:
    if not ms_per_1k >= 0:
        raise ValueError(f"ms_per_1k must be a time in milliseconds (0 or more), got {ms_per_1k!r}.")
    if cores < 1:
        raise ValueError(f"cores must be at least 1, got {cores}.")
    if not price_per_core_hour >= 0:
        raise ValueError(f"price_per_core_hour must be 0 or more, got {price_per_core_hour!r}.")


def core_hours_per_million(ms_per_1k: float, cores: int) -> float:
    """Core-hours a million predictions take at ``ms_per_1k`` ms (wall) per 1,000 on ``cores``."""
    _check(ms_per_1k, cores, 0.0)
    return ms_per_1k * cores / 3600


def cost_per_million(ms_per_1k: float, cores: int, price_per_core_hour: float = PRICE_PER_CORE_HOUR) -> float:
    """Dollars for a million predictions at ``price_per_core_hour``."""
    _check(ms_per_1k, cores, price_per_core_hour)
    return core_hours_per_million(ms_per_1k, cores) * price_per_core_hour


def cost_arithmetic(ms_per_1k: float, cores: int, price_per_core_hour: float = PRICE_PER_CORE_HOUR) -> str:
    """The calculation of :func:`cost_per_million` written out, one line."""
    hours = core_hours_per_million(ms_per_1k, cores)
    dollars = cost_per_million(ms_per_1k, cores, price_per_core_hour)
    return (
        f"1,000,000 predictions x {_number(ms_per_1k)} ms per 1,000 = {_number(ms_per_1k)} s on {cores} cores = "
        f"{_number(hours)} core-hours x ${price_per_core_hour:g} = ${_money(dollars)}"
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _money(dollars: float) -> str:
    return (
        f"{dollars:,.2f}" if dollars >= 100 else (f"{dollars:.4f}" if dollars >= 0.001 else f"{dollars:.2g}")
    )


def daily_cost(
    predictions_per_day: float, ms_per_1k: float, cores: int, price_per_core_hour: float = PRICE_PER_CORE_HOUR
) -> float:
    """Dollars of CPU per day for ``predictions_per_day`` (busy time only: an always-on server costs
    its whole day whatever the volume).

    >>> round(daily_cost(2_000_000, ms_per_1k=360.0, cores=2, price_per_core_hour=0.05), 4)
    0.02
    """
    if not predictions_per_day >= 0:
        raise ValueError(f"predictions_per_day must be 0 or more, got {predictions_per_day!r}.")
    return predictions_per_day / 1e6 * cost_per_million(ms_per_1k, cores, price_per_core_hour)


def size_on_disk(path: str | Path) -> int:
    """Bytes of a file, or of every file under a folder (a saved model: point it at the folder
    ``save_pretrained`` wrote, not a Trainer's output folder with its checkpoints)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    if not path.is_dir():
        raise FileNotFoundError(f"{path} does not exist: save the model there first (save_pretrained).")
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
