"""The evaluation plots: a confusion matrix, ROC and precision-recall curves for classifiers,
residuals and predicted-vs-actual for regressors.

Each is a matplotlib ``Figure`` on its own Agg canvas: no pyplot, so no global figure state and no
display needed. matplotlib and scikit-learn are imported when a plot is drawn, not with keel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from keel.models.evaluation.metrics import ClassLabels

Array = np.ndarray[Any, Any]
FIGSIZE = (6.0, 4.0)
DPI = 175  # MLflow's evaluation plots use the same size and resolution
MARGINS = {"left": 0.12, "right": 0.95, "bottom": 0.14, "top": 0.91}
DIAGONAL: dict[str, Any] = {"color": "gray", "alpha": 0.3, "linestyle": "dashed"}


def new_figure() -> tuple[Figure, Axes]:
    """A figure with one axes, drawn by the Agg backend."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    # Fixed margins: a layout engine would measure every label first, doubling the drawing time.
    figure.subplots_adjust(**MARGINS)
    return figure, figure.add_subplot()


def classifier_plots(
    y_true: Array,
    y_pred: Array,
    y_probs: Array | None,
    classes: ClassLabels,
    sample_weights: Array | None = None,
    max_classes_for_curves: int = 10,
) -> dict[str, Figure]:
    """``confusion_matrix``, and with probabilities (for at most ``max_classes_for_curves`` classes)
    ``roc_curve_plot`` and ``precision_recall_curve_plot``: one-vs-rest curves for multiclass."""
    plots = {"confusion_matrix": confusion_matrix_plot(y_true, y_pred, classes.labels, sample_weights)}
    if y_probs is not None and (classes.is_binary or len(classes.labels) <= max_classes_for_curves):
        plots["roc_curve_plot"] = curve_plot("roc", y_true, y_probs, classes, sample_weights)
        plots["precision_recall_curve_plot"] = curve_plot("pr", y_true, y_probs, classes, sample_weights)
    return plots


def regressor_plots(y_true: Array, y_pred: Array) -> dict[str, Figure]:
    """``residuals_plot`` and ``predicted_vs_actual_plot``."""
    return {
        "residuals_plot": residuals_plot(y_true, y_pred),
        "predicted_vs_actual_plot": predicted_vs_actual_plot(y_true, y_pred),
    }


def confusion_matrix_plot(
    y_true: Array, y_pred: Array, labels: Array, sample_weights: Array | None = None
) -> Figure:
    """The confusion matrix normalized over the true classes (each row sums to 1), as MLflow draws it."""
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(y_true, y_pred, labels=labels, normalize="true", sample_weight=sample_weights)
    figure, ax = new_figure()
    image = ax.imshow(matrix, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=ax)
    ticks = np.arange(len(labels))
    names = [str(label) for label in labels]
    ax.set_xticks(ticks, names, rotation=45 if len(labels) > 6 else 0)
    ax.set_yticks(ticks, names)
    font = max(4, min(8, 50 // len(labels)))
    for row in range(len(labels)):
        for col in range(len(labels)):
            value = matrix[row, col]
            color = "white" if value > 0.5 else "black"
            ax.text(col, row, f"{value:.2g}", ha="center", va="center", color=color, fontsize=font)
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    ax.set_title("Normalized confusion matrix")
    return figure


def curve_plot(
    kind: str, y_true: Array, y_probs: Array, classes: ClassLabels, sample_weights: Array | None = None
) -> Figure:
    """A ROC (``kind="roc"``) or precision-recall (``"pr"``) curve: the positive class's for a binary
    classifier, one per class (one-vs-rest) for a multiclass one."""
    if classes.is_binary:
        assert classes.pos_index is not None
        series = [_curve(kind, y_true == classes.pos_label, y_probs[:, classes.pos_index], sample_weights)]
        names = [""]
    else:
        # predict_proba's columns follow the sorted classes, which is ClassLabels' order here.
        series = [
            _curve(kind, y_true == label, y_probs[:, index], sample_weights)
            for index, label in enumerate(classes.labels)
        ]
        names = [f"label={label}," for label in classes.labels]
    figure, ax = new_figure()
    for name, (x, y, summary) in zip(names, series, strict=True):
        ax.plot(x, y, drawstyle="steps-post", linewidth=1, label=f"{name}{summary}")
    suffix = f" (Positive label: {classes.pos_label})" if classes.is_binary else ""
    if kind == "roc":
        ax.plot([0, 1], [0, 1], **DIAGONAL)
        ax.set_xlabel(f"False Positive Rate{suffix}")
        ax.set_ylabel(f"True Positive Rate{suffix}")
        ax.set_title("ROC curve")
    else:
        ax.plot([0, 1], [1, 0], **DIAGONAL)
        ax.set_xlabel(f"Recall{suffix}")
        ax.set_ylabel(f"Precision{suffix}")
        ax.set_title("Precision recall curve")
    if classes.is_binary:
        ax.legend(loc="best")
    else:
        figure.subplots_adjust(right=0.72)  # room for the legend beside the axes
        ax.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize="small")
    return figure


def _curve(
    kind: str, positive: Array, scores: Array, sample_weights: Array | None
) -> tuple[Array, Array, str]:
    from sklearn import metrics as sk

    if kind == "roc":
        fpr, tpr, _ = sk.roc_curve(positive, scores, sample_weight=sample_weights)
        auc = sk.roc_auc_score(positive, scores, sample_weight=sample_weights)
        return fpr, tpr, f"AUC={auc:.3f}"
    precision, recall, _ = sk.precision_recall_curve(positive, scores, sample_weight=sample_weights)
    ap = sk.average_precision_score(positive, scores, sample_weight=sample_weights)
    return recall, precision, f"AP={ap:.3f}"


def residuals_plot(y_true: Array, y_pred: Array) -> Figure:
    """Residuals (actual - predicted) against the predictions, around a zero line."""
    predicted = np.asarray(y_pred, dtype=float)
    residuals = np.asarray(y_true, dtype=float) - predicted
    figure, ax = new_figure()
    ax.scatter(predicted, residuals, s=8, alpha=0.6)
    ax.axhline(0.0, **DIAGONAL)
    ax.set_xlabel("Predicted value")
    ax.set_ylabel("Residual (actual - predicted)")
    ax.set_title("Residuals")
    return figure


def predicted_vs_actual_plot(y_true: Array, y_pred: Array) -> Figure:
    """Predictions against actual values, with the line where they are equal."""
    actual = np.asarray(y_true, dtype=float)
    predicted = np.asarray(y_pred, dtype=float)
    low = float(min(actual.min(), predicted.min()))
    high = float(max(actual.max(), predicted.max()))
    figure, ax = new_figure()
    ax.scatter(actual, predicted, s=8, alpha=0.6)
    ax.plot([low, high], [low, high], **DIAGONAL)
    ax.set_xlabel("Actual value")
    ax.set_ylabel("Predicted value")
    ax.set_title("Predicted vs. actual")
    return figure
