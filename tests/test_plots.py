import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from clflib import plots  # noqa: E402


def test_every_plot_returns_a_figure():
    figures = [
        plots.plot_confusion_matrix(np.array([[3, 1], [0, 4]]), ["a", "b"], normalise=True),
        plots.plot_length_histogram([3, 5, 9, 12], suggested_max_length=16),
        plots.plot_label_distribution({"a": 3, "b": 1}),
        plots.plot_learning_curves(
            pd.DataFrame({"epoch": [0.5, 1.0], "loss": [0.7, 0.5]}),
            pd.DataFrame({"epoch": [1.0], "eval_loss": [0.6], "eval_f1": [0.7]})),
        plots.plot_ranked_counts({"before": [5, 9, 2], "after": [1, 9, 3]}),
        plots.plot_option_comparison(pd.DataFrame({"macro_f1": [0.5, 0.6]}, index=["a", "b"]), ["macro_f1"]),
        plots.plot_rejection_sweep(pd.DataFrame({"threshold": [0.1, 0.5], "in_scope_accuracy": [0.9, 0.8],
                                                 "oos_recall": [0.1, 0.6]}), chosen_threshold=0.5),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    cells = [t.get_text() for t in figures[0].axes[0].texts]
    assert cells == ["0.75", "0.25", "0.00", "1.00"]
