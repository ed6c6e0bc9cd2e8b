"""Latency statistics for a predictor: p50, p95, p99 and throughput, in bounded memory.

Taught in lesson 08 (the Predictor's p50/p99).

A mean hides the slow requests users notice; percentiles show them. :class:`LatencyStats`
keeps the most recent ``window`` timings (a ring buffer, so a predictor that runs for days does
not grow) and the running totals for throughput.

>>> stats = LatencyStats()
>>> for ms in range(1, 101):
...     stats.record(ms / 1000, texts=2)
>>> summary = stats.summary()
>>> summary["p50_ms"], summary["p99_ms"], summary["texts"], round(summary["texts_per_second"], 1)
(50.5, 99.01, 200, 39.6)
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = ["LatencyStats"]


class LatencyStats:
    """Record how long each call took and how many texts it handled; summarise on demand."""

    def __init__(self, window: int = 10_000) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1 timing, got {window}.")
        self._seconds: deque[float] = deque(maxlen=window)
        self.calls = 0
        self.texts = 0
        self.total_seconds = 0.0

    def record(self, seconds: float, texts: int) -> None:
        """Add one timing: ``seconds`` spent on ``texts`` texts."""
        self._seconds.append(float(seconds))
        self.calls += 1
        self.texts += int(texts)
        self.total_seconds += float(seconds)

    def reset(self) -> None:
        """Forget every timing (e.g. after a warm-up call)."""
        self._seconds.clear()
        self.calls = self.texts = 0
        self.total_seconds = 0.0

    def summary(self) -> dict[str, float | int | None]:
        """Percentiles (milliseconds, over the recent window) and throughput (over everything).

        Percentiles are None before the first timing.
        """
        timings = np.asarray(self._seconds, dtype=float) * 1000
        p50, p95, p99 = (
            np.percentile(timings, [50, 95, 99]).round(3).tolist() if len(timings) else (None, None, None)
        )
        return {
            "calls": self.calls,
            "texts": self.texts,
            "seconds": round(self.total_seconds, 6),
            "p50_ms": p50,
            "p95_ms": p95,
            "p99_ms": p99,
            "texts_per_second": self.texts / self.total_seconds if self.total_seconds else 0.0,
        }
