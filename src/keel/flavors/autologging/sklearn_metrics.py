"""Training metrics of a fitted scikit-learn estimator, named and computed as MLflow's autologging does.

Classifiers get ``training_{precision_score,recall_score,f1_score,accuracy_score}`` (weighted averages
unless ``pos_label`` is given), plus ``training_log_loss`` and ``training_roc_auc`` when they have
``predict_proba``; regressors ``training_{mean_squared_error,root_mean_squared_error,
mean_absolute_error,r2_score}``; every estimator with ``score`` gets ``training_score``.
"""

from __future__ import annotations

import inspect
import math
from typing import TYPE_CHECKING, Any

from keel.flavors.autologging import patching

if TYPE_CHECKING:
    from collections.abc import Callable

TRAINING_PREFIX = "training_"
SAMPLE_WEIGHT = "sample_weight"


def training_metrics(
    integration: str, estimator: Any, features: Any, labels: Any, weights: Any, pos_label: Any = None
) -> dict[str, float]:
    """The metrics of ``estimator`` on its training data; empty without labels. A metric that fails
    is left out with a warning."""
    if labels is None:
        return {}
    from sklearn.base import is_classifier, is_regressor

    computed: dict[str, Callable[[], Any]] = {}
    if is_classifier(estimator):
        computed.update(_classifier_metrics(estimator, features, labels, weights, pos_label))
    elif is_regressor(estimator):
        computed.update(_regressor_metrics(estimator, features, labels, weights))
    if hasattr(estimator, "score"):
        computed["score"] = lambda: _score(estimator, features, labels, weights)
    values: dict[str, float] = {}
    for name, compute in computed.items():
        with patching.guarded(integration, f"compute the training metric '{name}'"):
            values[TRAINING_PREFIX + name] = float(compute())
    if "mean_squared_error" in computed and f"{TRAINING_PREFIX}mean_squared_error" in values:
        values[f"{TRAINING_PREFIX}root_mean_squared_error"] = math.sqrt(
            values[f"{TRAINING_PREFIX}mean_squared_error"]
        )
    return values


def _classifier_metrics(
    estimator: Any, features: Any, labels: Any, weights: Any, pos_label: Any
) -> dict[str, Callable[[], Any]]:
    from sklearn import metrics

    average = "weighted" if pos_label is None else "binary"
    predicted = estimator.predict(features)
    per_label = {"pos_label": pos_label, "average": average, "sample_weight": weights}
    found: dict[str, Callable[[], Any]] = {
        "precision_score": lambda: metrics.precision_score(labels, predicted, **per_label),
        "recall_score": lambda: metrics.recall_score(labels, predicted, **per_label),
        "f1_score": lambda: metrics.f1_score(labels, predicted, **per_label),
        "accuracy_score": lambda: metrics.accuracy_score(labels, predicted, sample_weight=weights),
    }
    if hasattr(estimator, "predict_proba"):
        probabilities = estimator.predict_proba(features)
        found["log_loss"] = lambda: metrics.log_loss(
            labels, probabilities, sample_weight=weights, labels=getattr(estimator, "classes_", None)
        )
        # Binary: the score of the class with the greater label, as roc_auc_score expects.
        scores = probabilities[:, 1] if probabilities.shape[1] == 2 else probabilities
        found["roc_auc"] = lambda: metrics.roc_auc_score(
            labels, scores, average="weighted", sample_weight=weights, multi_class="ovo"
        )
    return found


def _regressor_metrics(
    estimator: Any, features: Any, labels: Any, weights: Any
) -> dict[str, Callable[[], Any]]:
    from sklearn import metrics

    predicted = estimator.predict(features)
    common = {"sample_weight": weights, "multioutput": "uniform_average"}
    return {
        "mean_squared_error": lambda: metrics.mean_squared_error(labels, predicted, **common),
        "mean_absolute_error": lambda: metrics.mean_absolute_error(labels, predicted, **common),
        "r2_score": lambda: metrics.r2_score(labels, predicted, **common),
    }


def _score(estimator: Any, features: Any, labels: Any, weights: Any) -> Any:
    try:
        takes_weights = SAMPLE_WEIGHT in inspect.signature(estimator.score).parameters
    except (TypeError, ValueError):
        takes_weights = False
    if takes_weights and weights is not None:
        return estimator.score(features, labels, sample_weight=weights)
    return estimator.score(features, labels)
