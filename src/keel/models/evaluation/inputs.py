"""What ``evaluate`` is asked to do, checked before any model is loaded or anything is logged:
the model type, the evaluator config, and the data split into features and targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from keel.errors import InvalidParameter

CLASSIFIER = "classifier"
REGRESSOR = "regressor"
MODEL_TYPES = (CLASSIFIER, REGRESSOR)
MULTICLASS_AVERAGES = ("micro", "macro", "weighted")
DEFAULT_MAX_CLASSES_FOR_CURVES = 10
# MLflow's config keys for features keel does not have (SHAP explanations, calibration plots):
# accepted so MLflow code runs unchanged, and ignored.
IGNORED_CONFIG_PREFIXES = ("log_model_explainability", "explainability_", "log_explainer", "calibration_")
CONFIG_KEYS = (
    "pos_label",
    "label_list",
    "average",
    "sample_weights",
    "metric_prefix",
    "max_classes_for_multiclass_roc_pr",
)


def check_model_type(model_type: str) -> str:
    """The model type, or InvalidParameter naming the ones keel evaluates."""
    if model_type not in MODEL_TYPES:
        raise InvalidParameter(
            f"Unknown model_type '{model_type}': keel evaluates {' and '.join(repr(t) for t in MODEL_TYPES)}"
        )
    return model_type


@dataclass(frozen=True)
class EvaluatorConfig:
    """``evaluator_config``, MLflow's keys: ``pos_label`` and ``label_list`` (classifiers), ``average``
    (multiclass precision, recall, F1 and ROC AUC; ``weighted`` by default), ``sample_weights``,
    ``metric_prefix`` and ``max_classes_for_multiclass_roc_pr``."""

    pos_label: Any = None
    label_list: list[Any] | None = None
    average: str = "weighted"
    sample_weights: np.ndarray[Any, Any] | None = None
    metric_prefix: str = ""
    max_classes_for_multiclass_roc_pr: int = DEFAULT_MAX_CLASSES_FOR_CURVES

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any] | None) -> EvaluatorConfig:
        if config is None:
            return cls()
        if not isinstance(config, Mapping):
            raise InvalidParameter(f"evaluator_config must be a dict, got {type(config).__name__}")
        unknown = [
            k for k in config if k not in CONFIG_KEYS and not str(k).startswith(IGNORED_CONFIG_PREFIXES)
        ]
        if unknown:
            raise InvalidParameter(
                f"Unknown evaluator_config keys {sorted(map(str, unknown))}: keel reads {list(CONFIG_KEYS)}"
            )
        average = config.get("average", "weighted")
        if average not in MULTICLASS_AVERAGES:
            raise InvalidParameter(
                f"evaluator_config 'average' must be one of {list(MULTICLASS_AVERAGES)}, got {average!r}"
            )
        prefix = config.get("metric_prefix") or ""
        if not isinstance(prefix, str):
            raise InvalidParameter(f"evaluator_config 'metric_prefix' must be a string, got {prefix!r}")
        label_list = config.get("label_list")
        pos_label = config.get("pos_label")
        if label_list is not None:
            label_list = list(label_list)
            if pos_label is not None and pos_label not in label_list:
                raise InvalidParameter(f"'pos_label' {pos_label} must exist in 'label_list' {label_list}.")
        weights = config.get("sample_weights")
        max_classes = config.get("max_classes_for_multiclass_roc_pr", DEFAULT_MAX_CLASSES_FOR_CURVES)
        if not isinstance(max_classes, int) or isinstance(max_classes, bool) or max_classes < 1:
            raise InvalidParameter(
                "evaluator_config 'max_classes_for_multiclass_roc_pr' must be a positive int, "
                f"got {max_classes!r}"
            )
        return cls(
            pos_label=pos_label,
            label_list=label_list,
            average=average,
            sample_weights=None if weights is None else np.asarray(weights, dtype=float),
            metric_prefix=prefix,
            max_classes_for_multiclass_roc_pr=max_classes,
        )


@dataclass(frozen=True)
class EvaluationData:
    """The evaluation data as the model sees it (``features``) and the true values (``targets``)."""

    features: pd.DataFrame | np.ndarray[Any, Any]
    targets: np.ndarray[Any, Any]
    targets_name: str | None

    def __len__(self) -> int:
        return len(self.targets)


def split_targets(data: Any, targets: Any, config: EvaluatorConfig | None = None) -> EvaluationData:
    """Features and targets from ``data`` (a DataFrame or 2-D array) and ``targets`` (a column of a
    DataFrame, or an array as long as ``data``).

    Raises:
        InvalidParameter: for other data types, a missing target column, a length mismatch, empty
            data, or sample weights of the wrong length.
    """
    if isinstance(data, pd.DataFrame):
        frame: pd.DataFrame | np.ndarray[Any, Any] = data
    elif isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise InvalidParameter(f"data must be a 2-D array (rows x features), got shape {data.shape}")
        frame = data
    else:
        raise InvalidParameter(f"data must be a pandas DataFrame or a numpy array, got {type(data).__name__}")
    if targets is None:
        raise InvalidParameter("The targets argument must be specified for classifier and regressor models.")
    name: str | None = None
    if isinstance(targets, str):
        if not isinstance(frame, pd.DataFrame):
            raise InvalidParameter(
                f"targets names a column ('{targets}'), but data is an array: pass the targets as an array"
            )
        if targets not in frame.columns:
            raise InvalidParameter(
                f"The targets column '{targets}' is not in the data; its columns are "
                f"{[str(c) for c in frame.columns]}"
            )
        name = targets
        values = frame[targets].to_numpy()
        frame = frame.drop(columns=[targets])
    else:
        values = np.asarray(targets)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values.ravel()
        if values.ndim != 1:
            raise InvalidParameter(f"targets must be one-dimensional, got shape {values.shape}")
        if isinstance(targets, pd.Series) and targets.name is not None:
            name = str(targets.name)
    if len(values) != len(frame):
        raise InvalidParameter(
            f"data has {len(frame)} rows but targets has {len(values)} values: they must be equally long"
        )
    if len(values) == 0:
        raise InvalidParameter("The evaluation data is empty")
    weights = None if config is None else config.sample_weights
    if weights is not None and weights.shape != (len(values),):
        raise InvalidParameter(
            f"evaluator_config 'sample_weights' has shape {weights.shape}; it needs one weight per row "
            f"({len(values)})"
        )
    return EvaluationData(frame, values, name)
