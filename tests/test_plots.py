import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from clflib import plots


def test_every_plot_returns_a_figure():
    figures = [
        plots.plot_confusion_matrix(np.array([[3, 1], [0, 4]]), ["a", "b"], normalise=True),
        plots.plot_length_histogram([3, 5, 9, 12], suggested_max_length=16),
        plots.plot_label_distribution({"a": 3, "b": 1}),
        plots.plot_learning_curves(
            pd.DataFrame({"epoch": [0.5, 1.0], "loss": [0.7, 0.5]}),
            pd.DataFrame({"epoch": [1.0], "eval_loss": [0.6], "eval_f1": [0.7]}),
        ),
        plots.plot_ranked_counts({"before": [5, 9, 2], "after": [1, 9, 3]}),
        plots.plot_option_comparison(pd.DataFrame({"macro_f1": [0.5, 0.6]}, index=["a", "b"]), ["macro_f1"]),
        plots.plot_rejection_sweep(
            pd.DataFrame(
                {"threshold": [0.1, 0.5], "in_scope_accuracy": [0.9, 0.8], "oos_recall": [0.1, 0.6]}
            ),
            chosen_threshold=0.5,
        ),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    cells = [t.get_text() for t in figures[0].axes[0].texts]
    assert cells == ["0.75", "0.25", "0.00", "1.00"]


def test_multi_label_plots_and_explorer():
    from clflib import multilabel, threshold_explorer, thresholds

    rng = np.random.default_rng(0)
    targets = (rng.random((60, 3)) < 0.4).astype(int)
    scores = np.clip(targets * 0.4 + rng.random(targets.shape) * 0.6, 0, 1)
    figures = [
        plots.plot_cooccurrence(multilabel.cooccurrence(targets, normalise=True), ["a", "b", "c"]),
        plots.plot_pr_curves(
            targets, scores, ["a", "b", "c"], [0, 2], {"0.5": 0.5, "per label": [0.3, 0.6, 0.4]}
        ),
        plots.plot_threshold_curve(thresholds.threshold_curve(targets[:, 1], scores[:, 1]), "b", 0.4),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    assert len(figures[1].axes[0].lines) == 3  # the curve and two operating points
    view = threshold_explorer.explore_label(
        targets, scores, ["a", "b", "c"], [f"text {i}" for i in range(60)], label=1, threshold=0.5, k=3
    )
    assert view.summary.startswith("b at threshold 0.50")
    assert (view.examples.loc[view.examples["side"] == "just above", "score"] >= 0.5).all()
    assert (view.examples.loc[view.examples["side"] == "just below", "score"] < 0.5).all()
    widget = threshold_explorer.threshold_explorer(
        targets, scores, ["a", "b", "c"], [f"text {i}" for i in range(60)], [0.3, 0.5, 0.7]
    )
    assert widget is not None and widget.children[0].children[1].value == 0.3


def test_few_shot_curve_has_a_line_and_error_bars_per_method():
    summary = pd.DataFrame(
        {
            "method": ["setfit", "setfit", "frozen", "frozen"],
            "k": [8, 16, 8, 16],
            "accuracy_mean": [0.8, 0.85, 0.75, 0.8],
            "accuracy_sd": [0.02, 0.01, 0.03, 0.02],
        }
    )
    figure = plots.plot_few_shot_curve(summary)
    assert isinstance(figure, Figure)
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == ["setfit", "frozen"]


def test_embedding_maps_draw_one_panel_per_map_and_check_shapes():
    labels = [0, 0, 1, 2]
    maps = {"before": np.zeros((4, 2)), "after": np.ones((4, 2))}
    figure = plots.plot_embedding_maps(maps, labels, ["a", "b", "c"])
    assert [ax.get_title() for ax in figure.axes] == ["before", "after"]
    assert [t.get_text() for t in figure.axes[1].get_legend().get_texts()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="expected \\(4, 2\\)"):
        plots.plot_embedding_maps({"bad": np.zeros((3, 2))}, labels, ["a", "b", "c"])


def test_noise_curve_has_a_line_per_noise_kind_in_percent():
    summary = pd.DataFrame(
        {
            "kind": ["random", "random", "pairwise", "pairwise"],
            "rate": [0.0, 0.2, 0.0, 0.2],
            "macro_f1_mean": [0.9, 0.85, 0.9, 0.7],
            "macro_f1_sd": [0.0, 0.01, 0.0, 0.02],
        }
    )
    figure = plots.plot_noise_curve(summary)
    axis = figure.axes[0]
    assert [t.get_text() for t in axis.get_legend().get_texts()] == ["random", "pairwise"]
    assert list(axis.lines[0].get_xdata()) == [0.0, 20.0]


def _approach_table():
    from clflib.comparison import MethodRun, approach_table, frontier

    runs = [
        MethodRun("majority", "none", 0, 0, accuracy=0.02, macro_f1=0.001, ms_per_1k=0.0),
        MethodRun("embedding similarity", "zero-shot", 0, 0, accuracy=0.5, macro_f1=0.45, ms_per_1k=300.0),
        *[
            MethodRun("SetFit", "8 per class", 616, s, accuracy=0.8, macro_f1=0.79 + s / 100, ms_per_1k=300.0)
            for s in range(3)
        ],
        MethodRun("tf-idf + LR", "all labels", 9500, 0, accuracy=0.86, macro_f1=0.86, ms_per_1k=15.0),
        MethodRun("full fine-tune", "all labels", 9500, 0, accuracy=0.92, macro_f1=0.92, ms_per_1k=600.0),
    ]
    table = approach_table(runs, cores=2, price_per_core_hour=0.05)
    return table.assign(on_frontier=frontier(table))


def test_approach_plots_place_every_method_and_draw_the_frontier():
    table = _approach_table()
    labels = plots.plot_label_efficiency(table)
    ax = labels.axes[0]
    assert ax.get_xscale() == "log"
    assert {t.get_text() for t in ax.texts} == set(table["method"])
    costs = plots.plot_cost_frontier(table)
    ax = costs.axes[0]
    # the majority class costs nothing: it cannot sit on a log axis, so it is left out of this plot
    assert {t.get_text() for t in ax.texts} == set(table["method"]) - {"majority"}
    frontier_line = [line for line in ax.get_lines() if line.get_label() == "frontier"]
    assert len(frontier_line) == 1 and len(frontier_line[0].get_xdata()) == int(
        (table["on_frontier"] & (table["cost_per_million"] > 0)).sum()
    )
