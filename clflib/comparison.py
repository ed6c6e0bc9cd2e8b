"""One table of every approach: quality against labels used, training time, prediction cost (lesson 10).

Each trained (or zero-shot) method gives one :class:`MethodRun` per seed; :func:`approach_table`
averages the seeds (mean and sd of accuracy and macro-F1), adds the CPU cost per million
predictions, and :func:`frontier` marks the methods on the quality/cost frontier: no other
method is at least as good on both and better on one. :func:`decision_rows` names the best
method for each amount of labelled data.

>>> runs = [MethodRun("majority", "none", 0, 0, accuracy=0.1, macro_f1=0.01, ms_per_1k=0.01),
...         MethodRun("tf-idf + LR", "all labels", 9000, 0, accuracy=0.8, macro_f1=0.79, ms_per_1k=20.0),
...         MethodRun("fine-tuned", "all labels", 9000, 0, accuracy=0.9, macro_f1=0.9, ms_per_1k=900.0)]
>>> table = approach_table(runs, cores=2, price_per_core_hour=0.05)
>>> table.loc[frontier(table), "method"].tolist()
['majority', 'tf-idf + LR', 'fine-tuned']
>>> decision_rows(table)
{'all labels': 'fine-tuned'}
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from clflib.cost import cost_per_million

__all__ = [
    "LABEL_REGIMES",
    "MethodRun",
    "ms_per_1k",
    "approach_table",
    "frontier",
    "decision_ties",
    "decision_rows",
]

# How much labelled data a method used, from none to all: the table's groups, in this order.
LABEL_REGIMES = ("none", "zero-shot", "8 per class", "all labels")


@dataclass
class MethodRun:
    """One method, one seed: its test scores and what it cost."""

    method: str
    regime: str
    labels_used: int
    seed: int
    accuracy: float
    macro_f1: float
    trainable_params: int = 0
    train_seconds: float = 0.0
    ms_per_1k: float = float("nan")
    size_bytes: int = 0
    test_texts: int = 0
    note: str = ""

    def __post_init__(self) -> None:
        if self.regime not in LABEL_REGIMES:
            raise ValueError(f"{self.method}: regime must be one of {LABEL_REGIMES}, got {self.regime!r}.")
        for name in ("accuracy", "macro_f1"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{self.method}: {name} must be a share between 0 and 1, got {value!r}.")


def ms_per_1k(predict: Callable[[list[str]], Sequence], texts: Sequence[str], warm_up: int = 32) -> float:
    """Wall milliseconds per 1,000 predictions of ``predict`` over ``texts`` (after a warm-up call
    on the first ``warm_up`` texts, so one-off loading is not counted)."""
    texts = list(texts)
    if not texts:
        raise ValueError("ms_per_1k needs at least one text to time.")
    if warm_up:
        predict(texts[:warm_up])
    started = time.perf_counter()
    predict(texts)
    return (time.perf_counter() - started) * 1000 * 1000 / len(texts)


def approach_table(runs: Sequence[MethodRun], *, cores: int, price_per_core_hour: float) -> pd.DataFrame:
    """One row per method: seeds averaged (``*_sd`` is 0 for a single seed), in regime order, with
    ``cost_per_million`` in dollars (:func:`clflib.cost.cost_per_million`)."""

    if not runs:
        raise ValueError("approach_table needs at least one MethodRun.")
    frame = pd.DataFrame([asdict(run) for run in runs])
    grouped = frame.groupby(["regime", "method"], sort=False)
    table = grouped.agg(
        labels_used=("labels_used", "max"),
        seeds=("seed", "nunique"),
        accuracy=("accuracy", "mean"),
        accuracy_sd=("accuracy", "std"),
        macro_f1=("macro_f1", "mean"),
        macro_f1_sd=("macro_f1", "std"),
        trainable_params=("trainable_params", "max"),
        train_seconds=("train_seconds", "mean"),
        ms_per_1k=("ms_per_1k", "mean"),
        size_bytes=("size_bytes", "max"),
        test_texts=("test_texts", "max"),
        note=("note", "first"),
    ).reset_index()
    table[["accuracy_sd", "macro_f1_sd"]] = table[["accuracy_sd", "macro_f1_sd"]].fillna(0.0)
    table["cost_per_million"] = [
        cost_per_million(ms, cores, price_per_core_hour) if np.isfinite(ms) else np.nan
        for ms in table["ms_per_1k"]
    ]
    order = {regime: i for i, regime in enumerate(LABEL_REGIMES)}
    table = table.sort_values(["regime", "macro_f1"], key=lambda c: c.map(order) if c.name == "regime" else c)
    return table.reset_index(drop=True)


def frontier(table: pd.DataFrame, quality: str = "macro_f1", cost: str = "cost_per_million") -> np.ndarray:
    """True for the rows no other row beats: none is at least as good and at most as costly, and
    strictly better in one of the two. Rows without a cost are never on the frontier."""
    q, c = table[quality].to_numpy(float), table[cost].to_numpy(float)
    known = np.isfinite(q) & np.isfinite(c)
    on = np.zeros(len(table), dtype=bool)
    for i in np.flatnonzero(known):
        others = known & (np.arange(len(table)) != i)
        dominated = others & (q >= q[i]) & (c <= c[i]) & ((q > q[i]) | (c < c[i]))
        on[i] = not dominated.any()
    return on


def decision_ties(
    table: pd.DataFrame, quality: str = "macro_f1", tolerance: float = 0.0
) -> dict[str, list[str]]:
    """Per labelled-data regime (majority class left out), the methods whose ``quality`` is within
    ``tolerance`` of the regime's best, best first. A seeded best row widens the band to its own
    standard deviation when that is larger: a gap inside the noise names no winner.

    >>> table = pd.DataFrame({"regime": ["all labels"] * 3, "method": ["a", "b", "c"],
    ...                       "macro_f1": [0.930, 0.926, 0.90], "macro_f1_sd": [0.0, 0.0, 0.0],
    ...                       "cost_per_million": [9.0, 1.0, 0.1]})
    >>> decision_ties(table, tolerance=0.015)
    {'all labels': ['a', 'b']}
    """
    ties = {}
    for regime in LABEL_REGIMES[1:]:
        rows = table[table["regime"] == regime].dropna(subset=[quality])
        if not len(rows):
            continue
        rows = rows.sort_values([quality, "cost_per_million"], ascending=[False, True], na_position="last")
        best = rows.iloc[0]
        band = max(tolerance, float(best.get(f"{quality}_sd", 0.0) or 0.0))
        ties[regime] = [str(m) for m in rows.loc[rows[quality] >= best[quality] - band - 1e-12, "method"]]
    return ties


def decision_rows(table: pd.DataFrame, quality: str = "macro_f1", tolerance: float = 0.0) -> dict[str, str]:
    """The method to choose within each labelled-data regime that has labels to learn from or a
    zero-shot route (the "none" regime, the majority class, is the floor, not a choice): of the
    methods tied for best (:func:`decision_ties`, within ``tolerance``), the cheapest to run.
    With ``tolerance=0`` that is simply the best, ties on quality going to the cheaper method."""
    best = {}
    for regime, tied in decision_ties(table, quality, tolerance).items():
        rows = table[table["method"].isin(tied) & (table["regime"] == regime)]
        cheapest_first = rows.sort_values(
            ["cost_per_million", quality], ascending=[True, False], na_position="last"
        )
        best[regime] = str(cheapest_first["method"].iloc[0])
    return best
