"""An interactive threshold explorer (ipywidgets), with a static figure where widgets can't run.

Taught in lesson 03.

Pick a label, move its threshold, and watch precision, recall, F1 and the texts that flip
change. In a headless run (papermill, CI, a rendered page) there is no one to move a slider and
no widget to draw, so :func:`threshold_explorer` first draws a static snapshot of the first label
at its chosen threshold, titled as such: it does not follow the slider, whose own live figure
sits under it.

>>> import numpy as np
>>> view = explore_label(np.array([[1], [0]]), np.array([[0.8], [0.3]]), ["joy"], ["yay", "meh"],
...                      label=0, threshold=0.5)
>>> view.summary
'joy at threshold 0.50: precision 1.00, recall 1.00, F1 1.00 (1 predicted, 1 true)'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from clflib import plots
from clflib.thresholds import threshold_curve

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LabelView", "explore_label", "threshold_explorer"]


@dataclass
class LabelView:
    """What the explorer shows for one label at one threshold."""

    summary: str
    examples: pd.DataFrame


def explore_label(
    targets: np.ndarray,
    scores: np.ndarray,
    label_names: Sequence[str],
    texts: Sequence[str],
    label: int,
    threshold: float,
    k: int = 4,
) -> LabelView:
    """Metrics of ``label`` at ``threshold`` and the texts nearest the cut on either side.

    The examples are the ``k`` highest-scoring texts just below the threshold and the ``k``
    lowest just above it, with whether each truly carries the label: the decisions a small
    move of the slider flips.
    """
    import pandas as pd

    truth = np.asarray(targets)[:, label].astype(bool)
    score = np.asarray(scores, dtype=float)[:, label]
    predicted = score >= threshold
    point = threshold_curve(truth, score, grid=[threshold]).iloc[0]
    summary = (
        f"{label_names[label]} at threshold {threshold:.2f}: precision {point['precision']:.2f}, "
        f"recall {point['recall']:.2f}, F1 {point['f1']:.2f} ({int(point['predicted'])} predicted, "
        f"{int(truth.sum())} true)"
    )
    above = np.flatnonzero(predicted)[np.argsort(score[predicted])][:k]
    below = np.flatnonzero(~predicted)[np.argsort(-score[~predicted])][:k]
    rows = [
        {"side": side, "score": round(float(score[i]), 3), "has label": bool(truth[i]), "text": texts[i]}
        for side, ids in (("just above", above), ("just below", below))
        for i in ids
    ]
    return LabelView(summary, pd.DataFrame(rows, columns=["side", "score", "has label", "text"]))


def _show_snapshot(targets: np.ndarray, scores: np.ndarray, name: str, threshold: float) -> None:
    """The first label's curve as a static figure: what a reader sees without a live kernel."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    static = plots.plot_threshold_curve(
        threshold_curve(targets, scores),
        name,
        threshold,
        title=f"{name}: snapshot at {threshold:.2f} (static; the live figure is below)",
    )
    display(static)
    plt.close(static)  # shown once: the inline backend would draw an open figure again


def threshold_explorer(
    targets: np.ndarray,
    scores: np.ndarray,
    label_names: Sequence[str],
    texts: Sequence[str],
    thresholds: Sequence[float],
):
    """A label dropdown and a threshold slider over (``targets``, ``scores``) of one split.

    Starts at each label's ``thresholds`` value. Returns the widget (display it), or None when
    ipywidgets is not installed; the static curve of the first label is always drawn.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    targets, scores = np.asarray(targets), np.asarray(scores, dtype=float)
    thresholds = np.broadcast_to(np.asarray(thresholds, dtype=float), (targets.shape[1],))
    _show_snapshot(targets[:, 0], scores[:, 0], label_names[0], float(thresholds[0]))
    try:
        import ipywidgets as widgets
    except ImportError:
        return None

    label = widgets.Dropdown(
        options=[(name, i) for i, name in enumerate(label_names)], value=0, description="label"
    )
    threshold = widgets.FloatSlider(
        value=float(thresholds[0]),
        min=0.01,
        max=0.99,
        step=0.01,
        description="threshold",
        continuous_update=False,
    )
    output = widgets.Output()

    def redraw(*_):
        with output:
            output.clear_output(wait=True)
            view = explore_label(targets, scores, label_names, texts, label.value, threshold.value)
            print(view.summary)
            figure = plots.plot_threshold_curve(
                threshold_curve(targets[:, label.value], scores[:, label.value]),
                label_names[label.value],
                threshold.value,
            )
            display(figure)
            plt.close(figure)
            display(view.examples)

    def reset_threshold(change):
        threshold.value = float(thresholds[change["new"]])
        redraw()

    label.observe(reset_threshold, names="value")
    threshold.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([label, threshold]), output])
