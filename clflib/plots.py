"""Plots a learner would rather look at than read. Each returns the matplotlib Figure.

Used by every lesson.

>>> import numpy as np
>>> fig = plot_confusion_matrix(np.array([[5, 1], [2, 7]]), ["neg", "pos"])
>>> len(fig.axes) >= 1
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clflib.thresholds import threshold_curve

__all__ = [
    "plot_confusion_matrix",
    "plot_length_histogram",
    "plot_label_distribution",
    "plot_learning_curves",
    "plot_ranked_counts",
    "plot_option_comparison",
    "plot_rejection_sweep",
    "plot_cooccurrence",
    "plot_pr_curves",
    "plot_threshold_curve",
    "plot_reliability_diagram",
    "plot_throughput_by_batch_size",
    "plot_few_shot_curve",
    "plot_embedding_maps",
    "plot_noise_curve",
    "plot_label_efficiency",
    "plot_cost_frontier",
]


def _figure(width: float = 5.0, height: float = 4.0):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height), layout="constrained")


def plot_confusion_matrix(
    matrix: np.ndarray, label_names: Sequence[str], normalise: bool = False, title: str = "Confusion matrix"
):
    """Rows are true labels, columns predicted; counts (or row shares) written in each cell."""
    matrix = np.asarray(matrix, dtype=float)
    shown = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalise else matrix
    size = max(4.0, 0.5 * len(label_names) + 2)
    fig, ax = _figure(size + 1, size)
    image = ax.imshow(shown, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ticks = np.arange(len(label_names))
    ax.set_xticks(ticks, label_names, rotation=45, ha="right")
    ax.set_yticks(ticks, label_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    if len(label_names) <= 20:
        threshold = shown.max() / 2 if shown.size else 0
        for (i, j), value in np.ndenumerate(shown):
            text = f"{value:.2f}" if normalise else f"{int(value)}"
            ax.text(j, i, text, ha="center", va="center", color="white" if value > threshold else "black")
    return fig


def plot_length_histogram(
    lengths: Sequence[int], suggested_max_length: int | None = None, title: str = "Text length in tokens"
):
    """Histogram of token lengths, with the suggested max_length marked."""
    fig, ax = _figure(6, 3.5)
    ax.hist(lengths, bins=40, color="tab:blue", alpha=0.8)
    if suggested_max_length:
        ax.axvline(
            suggested_max_length,
            color="tab:red",
            linestyle="--",
            label=f"suggested max_length = {suggested_max_length}",
        )
        ax.legend()
    ax.set_xlabel("tokens (special tokens included)")
    ax.set_ylabel("texts")
    ax.set_title(title)
    return fig


def plot_label_distribution(counts: dict[str, int], title: str = "Examples per label"):
    """Horizontal bars of examples per label, most frequent on top."""
    items = sorted(counts.items(), key=lambda kv: kv[1])
    fig, ax = _figure(6, max(2.5, 0.3 * len(items) + 1))
    ax.barh([k for k, _ in items], [v for _, v in items], color="tab:blue")
    ax.set_xlabel("examples")
    ax.set_title(title)
    return fig


def plot_learning_curves(train_log, eval_log, metric: str = "eval_f1"):
    """Training loss by step and validation loss and ``metric`` by epoch, side by side.

    ``train_log`` and ``eval_log`` come from :func:`clflib.training.training_history`.
    """
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
    if len(train_log):
        left.plot(train_log["epoch"], train_log["loss"], label="training loss", color="tab:blue")
    if len(eval_log):
        left.plot(eval_log["epoch"], eval_log["eval_loss"], "o-", label="validation loss", color="tab:orange")
        if metric in eval_log:
            right.plot(eval_log["epoch"], eval_log[metric], "o-", color="tab:green")
    left.set_xlabel("epoch")
    left.set_ylabel("loss")
    left.legend()
    right.set_xlabel("epoch")
    right.set_ylabel(metric.removeprefix("eval_"))
    right.set_title(f"validation {metric.removeprefix('eval_')}")
    return fig


def plot_ranked_counts(series: dict[str, Sequence[int]], title: str = "Examples per class, ranked"):
    """Class sizes sorted from largest to smallest, one line per set, on a log scale.

    With many classes, names don't fit on an axis; the shape of the curve (flat, or a long tail)
    is what matters.
    """
    fig, ax = _figure(6, 3.5)
    for name, counts in series.items():
        ranked = np.sort(np.asarray(counts))[::-1]
        ax.plot(np.arange(1, len(ranked) + 1), ranked, marker=".", label=name)
    ax.set_yscale("log")
    ax.set_xlabel("class rank")
    ax.set_ylabel("training examples")
    ax.set_title(title)
    ax.legend()
    return fig


def plot_option_comparison(
    table, columns: Sequence[str], title: str = "Options compared", xlim: tuple[float, float] | None = (0, 1)
):
    """Grouped horizontal bars: one group per option (table index), one bar per column.

    ``xlim=None`` fits the axis to the values (for quantities that are not shares).
    """
    fig, ax = _figure(7, max(3.0, 0.6 * len(table) + 1))
    height = 0.8 / len(columns)
    positions = np.arange(len(table))
    for i, column in enumerate(columns):
        ax.barh(positions + i * height, table[column], height=height, label=column)
    ax.set_yticks(positions + height * (len(columns) - 1) / 2, list(table.index))
    ax.invert_yaxis()
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_title(title)
    ax.legend(loc="lower right")
    return fig


def plot_rejection_sweep(sweep, chosen_threshold: float | None = None, title: str = "Out-of-scope rejection"):
    """In-scope accuracy and out-of-scope recall as the confidence threshold moves."""
    fig, ax = _figure(6, 3.5)
    ax.plot(sweep["threshold"], sweep["in_scope_accuracy"], label="in-scope accuracy")
    ax.plot(sweep["threshold"], sweep["oos_recall"], label="out-of-scope recall")
    if chosen_threshold is not None:
        ax.axvline(
            chosen_threshold,
            color="grey",
            linestyle="--",
            label=f"chosen on validation: {chosen_threshold:.2f}",
        )
    ax.set_xlabel("threshold on the top softmax probability")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend()
    return fig


def plot_cooccurrence(
    conditional: np.ndarray, label_names: Sequence[str], title: str = "P(column label | row label)"
):
    """Heatmap of label co-occurrence as conditional shares (the diagonal, always 1, is blanked)."""
    shown = np.array(conditional, dtype=float)
    np.fill_diagonal(shown, np.nan)
    size = max(5.0, 0.3 * len(label_names) + 2)
    fig, ax = _figure(size + 1.5, size)
    image = ax.imshow(shown, cmap="magma_r", vmin=0)
    fig.colorbar(image, ax=ax, shrink=0.8, label="share of the row label's texts")
    ticks = np.arange(len(label_names))
    ax.set_xticks(ticks, label_names, rotation=90, fontsize=8)
    ax.set_yticks(ticks, label_names, fontsize=8)
    ax.set_title(title)
    return fig


def plot_pr_curves(
    targets: np.ndarray,
    scores: np.ndarray,
    label_names: Sequence[str],
    labels: Sequence[int],
    operating_points: dict[str, Sequence[float]] | None = None,
    title: str = "Precision-recall curves",
):
    """One precision-recall curve per label in ``labels`` (ids), with chosen thresholds marked.

    ``operating_points`` maps a strategy name to its thresholds (one per label, or a single
    value): each is drawn as a marker at the precision and recall it gives on this data.
    """
    from sklearn.metrics import precision_recall_curve

    targets, scores = np.asarray(targets), np.asarray(scores, dtype=float)
    columns = min(3, len(labels))
    rows = int(np.ceil(len(labels) / columns))
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        rows, columns, figsize=(4 * columns, 3.4 * rows), squeeze=False, layout="constrained"
    )
    markers = ["o", "s", "^", "D", "v"]
    for ax, label in zip(axes.flat, labels):
        precision, recall, _ = precision_recall_curve(targets[:, label], scores[:, label])
        ax.plot(recall, precision, color="tab:blue")
        for k, (name, values) in enumerate((operating_points or {}).items()):
            cut = float(np.broadcast_to(np.asarray(values, dtype=float), (targets.shape[1],))[label])
            point = threshold_curve(targets[:, label], scores[:, label], grid=[cut]).iloc[0]
            ax.plot(
                point["recall"],
                point["precision"],
                markers[k % len(markers)],
                markersize=8,
                label=f"{name} ({cut:.2f})",
            )
        ax.set_title(f"{label_names[label]} (support {int(targets[:, label].sum())})")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        if operating_points:
            ax.legend(fontsize=7, loc="lower left")
    for ax in list(axes.flat)[len(labels) :]:
        ax.axis("off")
    fig.suptitle(title)
    return fig


def plot_threshold_curve(curve, label_name: str, threshold: float | None = None, title: str | None = None):
    """Precision, recall and F1 of one label against its threshold (see thresholds.threshold_curve).
    ``title`` replaces the default "<label>: moving the threshold"."""
    fig, ax = _figure(6, 3.5)
    for column in ("precision", "recall", "f1"):
        ax.plot(curve["threshold"], curve[column], label=column)
    if threshold is not None:
        ax.axvline(threshold, color="grey", linestyle="--", label=f"threshold {threshold:.2f}")
    ax.set_xlabel("threshold on the label's sigmoid score")
    ax.set_ylim(0, 1.02)
    ax.set_title(title or f"{label_name}: moving the threshold")
    ax.legend()
    return fig


def plot_reliability_diagram(tables: dict, title: str = "Reliability diagram"):
    """Accuracy against confidence per bin, one line per set of probabilities; the diagonal is honest.

    ``tables`` maps a name to a :func:`clflib.calibration.reliability_table`. Points below the
    diagonal are over-confident bins; marker areas follow the number of texts in the bin.
    """
    fig, ax = _figure(5, 5)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfectly calibrated")
    for name, table in tables.items():
        sizes = 200 * table["count"] / table["count"].sum() + 10
        ax.plot(table["confidence"], table["accuracy"], marker="", label=name)
        ax.scatter(table["confidence"], table["accuracy"], s=sizes, alpha=0.6)
    ax.set_xlabel("mean top probability in the bin (confidence)")
    ax.set_ylabel("accuracy in the bin")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend(loc="upper left")
    return fig


def plot_throughput_by_batch_size(table, title: str = "Throughput against batch size"):
    """Texts per second (log scale) against batch size, one line per configuration.

    ``table`` has columns ``configuration``, ``batch_size`` and ``texts_per_second`` (see
    :func:`clflib.serving.speed.throughput_by_batch_size`).
    """
    fig, ax = _figure(6, 4)
    for name, rows in table.groupby("configuration", sort=False):
        ax.plot(rows["batch_size"], rows["texts_per_second"], marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("batch size")
    ax.set_ylabel("texts per second")
    ax.set_title(title)
    ax.legend()
    return fig


def _lines_with_spread(ax, summary, by: str, x: str, metric: str, x_scale: float = 1.0) -> None:
    """One line per value of ``by`` over ``x``: ``{metric}_mean``, with ``{metric}_sd`` (the
    seed-to-seed spread) as error bars."""
    for name, rows in summary.groupby(by, sort=False):
        rows = rows.sort_values(x)
        ax.errorbar(
            x_scale * rows[x],
            rows[f"{metric}_mean"],
            yerr=rows[f"{metric}_sd"],
            marker="o",
            capsize=3,
            label=name,
        )


def plot_few_shot_curve(
    summary, metric: str = "accuracy", title: str = "Accuracy against examples per class"
):
    """One line per method over K (examples per class, log scale), with the seed-to-seed standard
    deviation as error bars; ``summary`` comes from :func:`clflib.fewshot.summarise_curve`."""
    fig, ax = _figure(6.0, 4.0)
    _lines_with_spread(ax, summary, "method", "k", metric)
    ax.set_xscale("log", base=2)
    ks = sorted(summary["k"].unique())
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel("labelled examples per class (K)")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(title)
    ax.legend()
    return fig


def plot_embedding_maps(
    maps: dict[str, np.ndarray], labels: Sequence[int], label_names: Sequence[str], title: str = "Test texts"
):
    """Side-by-side 2-D maps of the same texts (e.g. before and after contrastive training), one
    point per text coloured by its class; ``maps`` holds one (n, 2) array per panel title."""
    import matplotlib.pyplot as plt

    labels = np.asarray(labels)
    fig, axes = plt.subplots(
        1, len(maps), figsize=(4.2 * len(maps), 4.2), layout="constrained", squeeze=False
    )
    colours = plt.get_cmap("tab10" if len(set(labels.tolist())) <= 10 else "tab20")
    for ax, (panel, points) in zip(axes[0], maps.items()):
        points = np.asarray(points)
        if points.shape != (len(labels), 2):
            raise ValueError(
                f"map {panel!r} has shape {points.shape}; expected ({len(labels)}, 2), one row per label."
            )
        for index, label in enumerate(sorted(set(labels.tolist()))):
            chosen = labels == label
            ax.scatter(
                points[chosen, 0],
                points[chosen, 1],
                s=12,
                color=colours(index % colours.N),
                label=label_names[label],
            )
        ax.set_title(panel)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0][-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(title)
    return fig


def plot_noise_curve(summary, metric: str = "macro_f1", title: str = "Test macro-F1 against label noise"):
    """One line per noise kind over the share of flipped training labels, with the seed-to-seed
    standard deviation as error bars. ``summary`` has columns ``kind``, ``rate``,
    ``{metric}_mean`` and ``{metric}_sd`` (lesson 09)."""
    fig, ax = _figure(6.0, 4.0)
    _lines_with_spread(ax, summary, "kind", "rate", metric, x_scale=100)
    ax.set_xlabel("training labels flipped (%)")
    ax.set_ylabel(metric.replace("_", " ") + " (test labels untouched)")
    ax.set_title(title)
    ax.legend(title="noise")
    return fig


def _scatter_methods(ax, table, x: str, metric: str) -> None:
    """One point per method (error bars: the seed-to-seed sd), labelled with its name."""
    for regime, rows in table.groupby("regime", sort=False):
        ax.errorbar(rows[x], rows[metric], yerr=rows[f"{metric}_sd"], fmt="o", capsize=3, label=regime)
        for row in rows.itertuples():
            ax.annotate(
                row.method,
                (getattr(row, x), getattr(row, metric)),
                fontsize=7,
                xytext=(4, 3),
                textcoords="offset points",
            )


def plot_label_efficiency(table, metric: str = "macro_f1", title: str = "Macro-F1 against labels used"):
    """Each method of lesson 10's table at the number of labelled examples it used (log scale;
    methods that used none are drawn at 1)."""
    fig, ax = _figure(7.0, 4.5)
    _scatter_methods(
        ax, table.assign(labels_plotted=table["labels_used"].clip(lower=1)), "labels_plotted", metric
    )
    ax.set_xscale("log")
    ax.set_xlabel("labelled training examples used (log scale; 1 = none)")
    ax.set_ylabel(metric.replace("_", "-").replace("macro-f1", "macro-F1") + " (test)")
    ax.set_title(title)
    ax.legend(title="labels", fontsize=8)
    return fig


def plot_cost_frontier(table, metric: str = "macro_f1", title: str = "Macro-F1 against prediction cost"):
    """Each method at its CPU cost per million predictions (log scale), the frontier (the methods no
    other beats on both) joined by a line. ``table`` has ``on_frontier`` (see
    :func:`clflib.comparison.frontier`)."""
    fig, ax = _figure(7.0, 4.5)
    costed = table[np.isfinite(table["cost_per_million"].astype(float)) & (table["cost_per_million"] > 0)]
    _scatter_methods(ax, costed, "cost_per_million", metric)
    best = costed[costed["on_frontier"]].sort_values("cost_per_million")
    ax.plot(
        best["cost_per_million"], best[metric], color="grey", linestyle="--", linewidth=1, label="frontier"
    )
    ax.set_xscale("log")
    ax.set_xlabel("US$ per million predictions on this CPU (log scale)")
    ax.set_ylabel(metric.replace("_", "-").replace("macro-f1", "macro-F1") + " (test)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig
