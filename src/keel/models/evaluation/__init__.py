"""Model evaluation: metrics and plots for classifiers and regressors, logged as MLflow logs them,
and validation against thresholds and a baseline model.

Example:
    >>> from keel.models import MetricThreshold, evaluate
    >>> result = evaluate(model_uri, test_df, targets="label", model_type="classifier")
    >>> result.metrics["accuracy_score"]
"""

from keel.models.evaluation.evaluator import EvaluationResult, evaluate
from keel.models.evaluation.thresholds import MetricThreshold, ModelValidationFailed, validate_metrics

__all__ = ["EvaluationResult", "MetricThreshold", "ModelValidationFailed", "evaluate", "validate_metrics"]
