"""``evaluate``: score a model on labelled data, log the metrics, plots and dataset to a run, and
validate the model against thresholds and a baseline.

Everything that can be wrong with the arguments is checked, the models are loaded and every metric
is computed before a run is touched, so a bad call logs nothing.
"""

from __future__ import annotations

import logging
import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from keel.data import from_numpy, from_pandas
from keel.errors import BadRequest, InvalidParameter, KeelError
from keel.models.evaluation.inputs import (
    CLASSIFIER,
    EvaluationData,
    EvaluatorConfig,
    check_model_type,
    split_targets,
)
from keel.models.evaluation.metrics import (
    check_probabilities,
    class_labels,
    classifier_metrics,
    regressor_metrics,
)
from keel.models.evaluation.plots import classifier_plots, regressor_plots
from keel.models.evaluation.thresholds import check_thresholds, validate_metrics
from keel.models.pyfunc import PyFuncModel, load_model
from keel.tracking import fluent

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from matplotlib.figure import Figure

    from keel.entities import Dataset
    from keel.models.evaluation.thresholds import MetricThreshold

logger = logging.getLogger(__name__)

ModelLike = str | os.PathLike[str] | PyFuncModel
# As MLflow does, these models are scored through the estimator itself: its predict (scikit-learn
# only) and its predict_proba, which the pyfunc interface does not expose.
RAW_PREDICT_LOADERS = ("mlflow.sklearn",)
RAW_PROBA_LOADERS = ("mlflow.sklearn", "mlflow.xgboost", "mlflow.catboost")


@dataclass(frozen=True)
class EvaluationResult:
    """What ``evaluate`` returns.

    Attributes:
        metrics: metric name -> value, as logged to the run.
        artifacts: artifact name (``confusion_matrix``, ``roc_curve_plot`` …) -> its artifact URI.
        baseline_model_metrics: the baseline model's metrics (not logged), when one was given.
        run_id: the run the results were logged to.
    """

    metrics: dict[str, float]
    artifacts: dict[str, str] = field(default_factory=dict)
    baseline_model_metrics: dict[str, float] | None = None
    run_id: str | None = None


@dataclass(frozen=True)
class _Scores:
    metrics: dict[str, float]
    figures: dict[str, Figure]


def evaluate(
    model: ModelLike,
    data: pd.DataFrame | np.ndarray[Any, Any],
    targets: str | Any,
    model_type: str,
    *,
    evaluator_config: Mapping[str, Any] | None = None,
    baseline_model: ModelLike | None = None,
    validation_thresholds: Mapping[str, MetricThreshold] | None = None,
) -> EvaluationResult:
    """Evaluate a classifier or regressor on labelled data and log the results to the active run
    (a new run, ended afterwards, when none is active), with MLflow's metric names.

    Needs scikit-learn (metrics) and matplotlib (plots).

    Args:
        model: a model URI (``runs:/<run_id>/model``, ``models:/m-…``, a path) or a loaded ``PyFuncModel``.
        data: a DataFrame or 2-D array of features (and, in a DataFrame, the targets column).
        targets: the name of the targets column in ``data``, or an array of true values.
        model_type: ``"classifier"`` or ``"regressor"``.
        evaluator_config: MLflow's keys: ``pos_label``, ``label_list``, ``average`` (multiclass,
            ``"weighted"`` by default), ``sample_weights``, ``metric_prefix``,
            ``max_classes_for_multiclass_roc_pr``.
        baseline_model: a model to compare with; its metrics are returned, not logged.
        validation_thresholds: metric name -> ``MetricThreshold`` the model must meet.

    Returns:
        The metrics, the logged plots' URIs, the baseline's metrics and the run id.

    Raises:
        InvalidParameter: for a bad argument, before anything is loaded or logged.
        ModelValidationFailed: when a threshold is missed (after the results are logged; a run
            ``evaluate`` started is then marked FAILED).

    Example:
        >>> result = keel.models.evaluate(
        ...     f"runs:/{run_id}/model", test_df, targets="label", model_type="classifier",
        ...     validation_thresholds={"accuracy_score": MetricThreshold(0.9, greater_is_better=True)},
        ... )
        >>> result.metrics["f1_score"]
    """
    model_type = check_model_type(model_type)
    config = EvaluatorConfig.from_mapping(evaluator_config)
    thresholds = check_thresholds(validation_thresholds, has_baseline=baseline_model is not None)
    evaluation_data = split_targets(data, targets, config)
    candidate = _load(model, "model")
    baseline = None if baseline_model is None else _load(baseline_model, "baseline_model")
    scores = _score(candidate, evaluation_data, model_type, config, with_plots=True)
    baseline_metrics = (
        None
        if baseline is None
        else _score(baseline, evaluation_data, model_type, config, with_plots=False).metrics
    )
    active = fluent.active_run()
    with nullcontext(active) if active is not None else fluent.start_run() as run:
        run_id = str(run.info.run_id)
        fluent.log_metrics(scores.metrics, step=0, run_id=run_id)
        fluent.log_input(_dataset(data, evaluation_data), context=config.metric_prefix or None, run_id=run_id)
        root = fluent.get_artifact_uri(run_id=run_id).rstrip("/")
        artifacts = {}
        for name, figure in scores.figures.items():
            artifact_file = f"{config.metric_prefix}{name}.png"
            fluent.log_figure(figure, artifact_file, run_id=run_id)
            artifacts[name] = f"{root}/{artifact_file}"
        if thresholds:
            validate_metrics(thresholds, scores.metrics, baseline_metrics)
    return EvaluationResult(scores.metrics, artifacts, baseline_metrics, run_id)


def _load(model: Any, argument: str) -> PyFuncModel:
    if isinstance(model, PyFuncModel):
        return model
    if isinstance(model, str | os.PathLike):
        return load_model(model)
    raise InvalidParameter(
        f"{argument} must be a model URI (runs:/…, models:/…, a path) or a PyFuncModel, "
        f"got {type(model).__name__}"
    )


def _score(
    model: PyFuncModel, data: EvaluationData, model_type: str, config: EvaluatorConfig, with_plots: bool
) -> _Scores:
    predict, predict_proba, estimator = _predictors(model)
    y_true, weights = data.targets, config.sample_weights
    y_pred = _one_column(_call(predict, data.features, "predict"), len(data))
    figures: dict[str, Figure] = {}
    if model_type == CLASSIFIER:
        classes = class_labels(y_true, y_pred, config.label_list, config.pos_label)
        raw_probs = None if predict_proba is None else _call(predict_proba, data.features, "predict_proba")
        probs = check_probabilities(raw_probs, classes)
        metrics = classifier_metrics(y_true, y_pred, probs, classes, config.average, weights)
        if with_plots:
            figures = classifier_plots(
                y_true, y_pred, probs, classes, weights, config.max_classes_for_multiclass_roc_pr
            )
    else:
        metrics = regressor_metrics(y_true, y_pred, weights)
        if with_plots:
            figures = regressor_plots(y_true, y_pred)
    score = _estimator_score(estimator, data, weights)
    if score is not None:
        metrics["score"] = score
    return _Scores({f"{config.metric_prefix}{k}": v for k, v in metrics.items()}, figures)


def _predictors(model: PyFuncModel) -> tuple[Callable[[Any], Any], Callable[[Any], Any] | None, Any]:
    """predict, predict_proba (or None) and the scikit-learn estimator (or None)."""
    loader = model.loader_module
    raw = model.get_raw_model() if loader in RAW_PROBA_LOADERS else None
    predict_proba = getattr(raw, "predict_proba", None)
    if raw is not None and loader in RAW_PREDICT_LOADERS and hasattr(raw, "predict"):
        return raw.predict, predict_proba, raw
    return model.predict, predict_proba, None


def _call(function: Callable[[Any], Any], features: Any, name: str) -> Any:
    try:
        return function(features)
    except KeelError:
        raise
    except Exception as exc:  # the model's library raised: report it as keel's error, in one line
        raise BadRequest(
            f"The model's {name} failed on the evaluation data: {type(exc).__name__}: {exc}"
        ) from exc


def _one_column(predictions: Any, rows: int) -> np.ndarray[Any, Any]:
    if isinstance(predictions, pd.DataFrame):
        if predictions.shape[1] != 1:
            raise InvalidParameter(
                f"The model returned {predictions.shape[1]} columns {list(predictions.columns)}; "
                "evaluation needs one prediction per row"
            )
        predictions = predictions.iloc[:, 0]
    values = np.asarray(predictions)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values.ravel()
    if values.ndim != 1 or len(values) != rows:
        raise InvalidParameter(
            f"The model returned predictions of shape {values.shape} for {rows} rows; "
            "evaluation needs one prediction per row"
        )
    return values


def _estimator_score(estimator: Any, data: EvaluationData, weights: Any) -> float | None:
    """The estimator's own ``score`` (accuracy, R²…), which MLflow logs as ``score``."""
    if estimator is None or not hasattr(estimator, "score"):
        return None
    try:
        return float(estimator.score(data.features, data.targets, sample_weight=weights))
    except Exception as exc:  # as MLflow: a model whose score fails is still evaluated
        logger.warning("Computing the model's score failed: %r", exc)
        return None


def _dataset(data: Any, evaluation_data: EvaluationData) -> Dataset:
    if isinstance(data, pd.DataFrame):
        return from_pandas(data, targets=evaluation_data.targets_name)
    return from_numpy(np.asarray(data))
