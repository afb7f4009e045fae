"""Model validation: ``MetricThreshold`` and the checks of a candidate's metrics against absolute
thresholds and a baseline model's metrics, with MLflow's semantics and messages
(``mlflow/models/evaluation/validation.py``).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

from keel.errors import BadRequest, InvalidParameter

# When the baseline is 0 a relative change means nothing: the candidate must merely be better.
ZERO_BASELINE_MARGIN = 1e-10


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class MetricThreshold:
    """What a metric must reach for a model to pass validation.

    Args:
        threshold: the candidate's value must be ``>=`` it (``<=`` when lower is better).
        min_absolute_change: a positive number; the candidate must beat the baseline by at least this.
        min_relative_change: between 0 and 1; the candidate must beat the baseline by at least this
            fraction of the baseline's magnitude (just beat it when the baseline is 0).
        greater_is_better: required: whether a higher value of the metric is better.

    Example:
        >>> MetricThreshold(threshold=0.8, min_absolute_change=0.01, greater_is_better=True)
    """

    threshold: float | None = None
    min_absolute_change: float | None = None
    min_relative_change: float | None = None
    greater_is_better: bool | None = None

    def __post_init__(self) -> None:
        if self.threshold is not None and not _is_number(self.threshold):
            _invalid("`threshold` parameter must be a number.")
        if self.min_absolute_change is not None and (
            not _is_number(self.min_absolute_change) or self.min_absolute_change <= 0
        ):
            _invalid("`min_absolute_change` parameter must be a positive number.")
        if self.min_relative_change is not None and (
            not _is_number(self.min_relative_change) or not 0 <= self.min_relative_change <= 1
        ):
            _invalid("`min_relative_change` parameter must be a number between 0 and 1.")
        if not isinstance(self.greater_is_better, bool):
            _invalid("`greater_is_better` parameter must be defined as a boolean.")
        if self.threshold is None and self.min_absolute_change is None and self.min_relative_change is None:
            _invalid("no threshold was specified.")

    @property
    def compares_to_baseline(self) -> bool:
        return self.min_absolute_change is not None or self.min_relative_change is not None

    def __str__(self) -> str:
        parts = []
        if self.threshold is not None:
            parts.append(f"Threshold: {self.threshold}.")
        if self.min_absolute_change is not None:
            parts.append(f"Minimum Absolute Change: {self.min_absolute_change}.")
        if self.min_relative_change is not None:
            parts.append(f"Minimum Relative Change: {self.min_relative_change}.")
        parts.append("Greater value is better." if self.greater_is_better else "Lower value is better.")
        return " ".join(parts)


def _invalid(reason: str) -> NoReturn:
    raise InvalidParameter(f"Could not instantiate MetricThreshold class: {reason}")


class ModelValidationFailed(BadRequest):
    """The candidate model missed one or more thresholds; ``failures`` maps each such metric to why."""

    def __init__(self, failures: Mapping[str, str]) -> None:
        lines = "\n".join(f"- {reason}" for reason in failures.values())
        super().__init__(f"Model validation failed for {len(failures)} metric(s):\n{lines}")
        self.failures = dict(failures)


def check_thresholds(
    validation_thresholds: Mapping[str, MetricThreshold] | None, has_baseline: bool
) -> dict[str, MetricThreshold]:
    """The thresholds as a dict, checked before anything is evaluated.

    Raises:
        InvalidParameter: when they are not a mapping of metric names to ``MetricThreshold``, or
            compare to a baseline that was not given.
    """
    if validation_thresholds is None:
        return {}
    if not isinstance(validation_thresholds, Mapping) or not all(
        isinstance(k, str) and isinstance(v, MetricThreshold) for k, v in validation_thresholds.items()
    ):
        raise InvalidParameter(
            "The validation thresholds argument must be a dictionary that maps strings to MetricThreshold "
            "objects."
        )
    comparing = sorted(k for k, v in validation_thresholds.items() if v.compares_to_baseline)
    if comparing and not has_baseline:
        raise InvalidParameter(
            f"The thresholds of {comparing} compare the model to a baseline: pass baseline_model as well"
        )
    return dict(validation_thresholds)


def validate_metrics(
    thresholds: Mapping[str, MetricThreshold],
    candidate: Mapping[str, float],
    baseline: Mapping[str, float] | None = None,
) -> None:
    """Check the candidate's metrics against every threshold.

    Raises:
        ModelValidationFailed: listing every metric that failed, and why.
    """
    failures = {}
    for name, limit in thresholds.items():
        reasons = _failures(name, limit, candidate, baseline or {})
        if reasons:
            failures[name] = " ".join(reasons)
    if failures:
        raise ModelValidationFailed(failures)


def _failures(
    name: str, limit: MetricThreshold, candidate: Mapping[str, float], baseline: Mapping[str, float]
) -> list[str]:
    if name not in candidate:
        return [
            f"Metric validation failed: metric {name} was missing from the evaluation result of the "
            "candidate model."
        ]
    value = candidate[name]
    if math.isnan(value):
        return [f"Metric {name} validation failed: candidate model {name} = {value} is not a number."]
    better = operator.ge if limit.greater_is_better else operator.le
    towards = operator.add if limit.greater_is_better else operator.sub
    reasons = []
    if limit.threshold is not None and not better(value, limit.threshold):
        reasons.append(
            f"Metric {name} value threshold check failed: candidate model {name} = {value}, "
            f"{name} threshold = {limit.threshold}."
        )
    if not limit.compares_to_baseline:
        return reasons
    if name not in baseline:
        reasons.append(
            f"Model comparison failed: metric {name} was missing from the evaluation result of the "
            "baseline model."
        )
        return reasons
    base = baseline[name]
    if math.isnan(base):
        reasons.append(f"Model comparison failed: baseline model {name} = {base} is not a number.")
        return reasons
    if limit.min_absolute_change is not None and not better(value, towards(base, limit.min_absolute_change)):
        reasons.append(
            f"Metric {name} minimum absolute change check failed: candidate model {name} = {value}, "
            f"baseline model {name} = {base}, {name} minimum absolute change threshold = "
            f"{limit.min_absolute_change}."
        )
    if limit.min_relative_change is not None:
        if base == 0:
            passed = better(value, towards(base, ZERO_BASELINE_MARGIN))
        else:
            change = (value - base if limit.greater_is_better else base - value) / abs(base)
            passed = change >= limit.min_relative_change
        if not passed:
            reasons.append(
                f"Metric {name} minimum relative change check failed: candidate model {name} = {value}, "
                f"baseline model {name} = {base}, {name} minimum relative change threshold = "
                f"{limit.min_relative_change}."
            )
    return reasons
