"""The built-in metrics of classifiers and regressors, named and computed as MLflow's default
evaluator computes them (``mlflow/models/evaluation/evaluators/{classifier,regressor}.py``).

scikit-learn computes them; it is imported when a metric is first computed, not with keel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from keel.errors import InvalidParameter

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class ClassLabels:
    """The classes of an evaluation, in MLflow's order: sorted, and for two classes the positive one
    last. ``pos_index`` is the positive class's column in ``predict_proba``'s (sorted) output."""

    labels: Array
    pos_label: Any = None
    pos_index: int | None = None

    @property
    def is_binary(self) -> bool:
        return len(self.labels) == 2


def class_labels(
    y_true: Array, y_pred: Array, label_list: list[Any] | None = None, pos_label: Any = None
) -> ClassLabels:
    """The classes: ``label_list``, else every value in the targets and predictions.

    Raises:
        InvalidParameter: for fewer than two classes, or a ``pos_label`` that is not one of them.
    """
    labels = np.unique(np.concatenate([y_true, y_pred])) if label_list is None else np.array(label_list)
    if len(labels) < 2:
        raise InvalidParameter(
            "Evaluation dataset for classification must contain at least two unique labels, but only "
            f"{len(labels)} unique labels were found. Pass evaluator_config={{'label_list': [...]}} "
            "with every class."
        )
    labels = np.sort(labels)
    if len(labels) != 2:
        return ClassLabels(labels)
    if pos_label is None:
        return ClassLabels(labels, labels[-1], 1)
    if pos_label not in labels:
        raise InvalidParameter(f"pos_label {pos_label!r} is not one of the classes {labels.tolist()}")
    pos_index = int(np.where(labels == pos_label)[0][0])
    ordered = np.append(np.delete(labels, pos_index), pos_label)
    return ClassLabels(ordered, pos_label, pos_index)


def check_probabilities(y_probs: Array | None, classes: ClassLabels) -> Array | None:
    """``predict_proba``'s output as a 2-D array, one column per class.

    Raises:
        InvalidParameter: when it has another shape.
    """
    if y_probs is None:
        return None
    probs = np.asarray(y_probs, dtype=float)
    if probs.ndim != 2 or probs.shape[1] != len(classes.labels):
        raise InvalidParameter(
            f"predict_proba returned shape {probs.shape}, but there are {len(classes.labels)} classes "
            f"{classes.labels.tolist()}: pass evaluator_config={{'label_list': [...]}} with the model's "
            "classes"
        )
    return probs


def classifier_metrics(
    y_true: Array,
    y_pred: Array,
    y_probs: Array | None,
    classes: ClassLabels,
    average: str = "weighted",
    sample_weights: Array | None = None,
) -> dict[str, float]:
    """``example_count``, ``accuracy_score``, ``precision_score``, ``recall_score``, ``f1_score``,
    and with probabilities ``log_loss`` and ``roc_auc``; binary: also the four confusion counts
    (``true_negatives`` …) and ``precision_recall_auc``. Multiclass scores are ``average``d."""
    from sklearn import metrics as sk

    binary = classes.is_binary
    kwargs: dict[str, Any] = {
        "average": "binary" if binary else average,
        "pos_label": classes.pos_label if binary else None,
        "sample_weight": sample_weights,
    }
    out: dict[str, float] = {}
    if binary:
        tn, fp, fn, tp = sk.confusion_matrix(y_true, y_pred, labels=classes.labels).ravel()
        out.update(true_negatives=tn, false_positives=fp, false_negatives=fn, true_positives=tp)
    out.update(
        example_count=len(y_true),
        accuracy_score=sk.accuracy_score(y_true, y_pred, sample_weight=sample_weights),
        recall_score=sk.recall_score(y_true, y_pred, **kwargs),
        precision_score=sk.precision_score(y_true, y_pred, **kwargs),
        f1_score=sk.f1_score(y_true, y_pred, **kwargs),
    )
    if y_probs is not None:
        # predict_proba's columns follow the sorted classes, whatever order ClassLabels keeps.
        sorted_labels = np.sort(classes.labels)
        out["log_loss"] = sk.log_loss(y_true, y_probs, labels=sorted_labels, sample_weight=sample_weights)
        if binary:
            assert classes.pos_index is not None
            positive = y_probs[:, classes.pos_index]
            out["roc_auc"] = sk.roc_auc_score(
                np.asarray(y_true) == classes.pos_label, positive, sample_weight=sample_weights
            )
            # MLflow reports average precision as the area under the precision-recall curve.
            out["precision_recall_auc"] = sk.average_precision_score(
                y_true, positive, pos_label=classes.pos_label, sample_weight=sample_weights
            )
        elif average in ("macro", "weighted"):
            out["roc_auc"] = sk.roc_auc_score(
                y_true, y_probs, average=average, multi_class="ovr", sample_weight=sample_weights
            )
    return {k: float(v) for k, v in out.items()}


def regressor_metrics(y_true: Array, y_pred: Array, sample_weights: Array | None = None) -> dict[str, float]:
    """``example_count``, ``mean_absolute_error``, ``mean_squared_error``, ``root_mean_squared_error``,
    ``sum_on_target``, ``mean_on_target``, ``r2_score``, ``max_error`` and
    ``mean_absolute_percentage_error``."""
    from sklearn import metrics as sk

    try:
        y = np.asarray(y_true, dtype=float)
        pred = np.asarray(y_pred, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(f"A regressor's targets and predictions must be numbers: {exc}") from None
    total = float((y * sample_weights).sum() if sample_weights is not None else y.sum())
    out = {
        "example_count": len(y),
        "mean_absolute_error": sk.mean_absolute_error(y, pred, sample_weight=sample_weights),
        "mean_squared_error": sk.mean_squared_error(y, pred, sample_weight=sample_weights),
        "root_mean_squared_error": sk.root_mean_squared_error(y, pred, sample_weight=sample_weights),
        "sum_on_target": total,
        "mean_on_target": total / len(y),
        "r2_score": sk.r2_score(y, pred, sample_weight=sample_weights),
        "max_error": sk.max_error(y, pred),
        "mean_absolute_percentage_error": sk.mean_absolute_percentage_error(
            y, pred, sample_weight=sample_weights
        ),
    }
    return {k: float(v) for k, v in out.items()}
