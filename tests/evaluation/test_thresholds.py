"""Model validation: ``MetricThreshold``'s checks, verdicts and messages equal to mlflow's
``validate_evaluation_results``, and ``evaluate`` failing a model with ``ModelValidationFailed``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow.exceptions import MlflowException
from sklearn.dummy import DummyClassifier

import keel
import keel.sklearn
from keel.errors import InvalidParameter
from keel.models import MetricThreshold, evaluate
from keel.models.evaluation import ModelValidationFailed, validate_metrics


@pytest.mark.parametrize(
    "arguments",
    [
        {"threshold": "high", "greater_is_better": True},
        {"threshold": True, "greater_is_better": True},
        {"min_absolute_change": 0, "greater_is_better": True},
        {"min_absolute_change": -0.1, "greater_is_better": True},
        {"min_relative_change": 1.5, "greater_is_better": True},
        {"threshold": 0.5},
        {"threshold": 0.5, "greater_is_better": "yes"},
        {"greater_is_better": True},
    ],
)
def test_a_metric_threshold_that_cannot_be_checked_is_invalid(arguments: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameter, match="Could not instantiate MetricThreshold class"):
        MetricThreshold(**arguments)


def test_a_metric_threshold_reads_like_mlflows() -> None:
    limit = MetricThreshold(threshold=0.8, min_relative_change=0.05, greater_is_better=True)
    expected = mlflow.models.MetricThreshold(threshold=0.8, min_relative_change=0.05, greater_is_better=True)
    assert str(limit) == str(expected)


# (threshold arguments, candidate metrics, baseline metrics): passing and failing cases of each check.
VALIDATION_CASES = [
    ({"threshold": 0.8, "greater_is_better": True}, {"m": 0.85}, None),
    ({"threshold": 0.8, "greater_is_better": True}, {"m": 0.75}, None),
    ({"threshold": 0.3, "greater_is_better": False}, {"m": 0.25}, None),
    ({"threshold": 0.3, "greater_is_better": False}, {"m": 0.35}, None),
    ({"min_absolute_change": 0.05, "greater_is_better": True}, {"m": 0.9}, {"m": 0.8}),
    ({"min_absolute_change": 0.05, "greater_is_better": True}, {"m": 0.82}, {"m": 0.8}),
    ({"min_absolute_change": 0.05, "greater_is_better": False}, {"m": 0.7}, {"m": 0.8}),
    ({"min_absolute_change": 0.05, "greater_is_better": False}, {"m": 0.79}, {"m": 0.8}),
    ({"min_relative_change": 0.1, "greater_is_better": True}, {"m": 0.9}, {"m": 0.8}),
    ({"min_relative_change": 0.1, "greater_is_better": True}, {"m": 0.85}, {"m": 0.8}),
    ({"min_relative_change": 0.1, "greater_is_better": True}, {"m": -0.1}, {"m": -0.2}),
    ({"min_relative_change": 0.1, "greater_is_better": True}, {"m": 0.1}, {"m": 0.0}),
    ({"min_relative_change": 0.1, "greater_is_better": True}, {"m": 0.0}, {"m": 0.0}),
    ({"min_relative_change": 0.1, "greater_is_better": False}, {"m": 0.7}, {"m": 0.8}),
    (
        {"threshold": 0.9, "min_absolute_change": 0.1, "min_relative_change": 0.5, "greater_is_better": True},
        {"m": 0.85},
        {"m": 0.8},
    ),
    ({"threshold": 0.8, "greater_is_better": True}, {"other": 0.9}, None),
]


@pytest.mark.parametrize(("arguments", "candidate", "baseline"), VALIDATION_CASES)
def test_verdicts_and_reasons_are_mlflows(
    arguments: dict[str, Any], candidate: dict[str, float], baseline: dict[str, float] | None
) -> None:
    assert _keel_verdict(arguments, candidate, baseline) == _mlflow_verdict(arguments, candidate, baseline)


def test_a_metric_missing_from_the_baseline_fails_the_comparison() -> None:
    # mlflow 3.17 raises KeyError here instead of the message its code spells out for this case.
    arguments = {"min_absolute_change": 0.05, "greater_is_better": True}
    assert _keel_verdict(arguments, {"m": 0.9}, {"other": 0.8}) == (
        "Model comparison failed: metric m was missing from the evaluation result of the baseline model."
    )


NAN = float("nan")


@pytest.mark.parametrize(
    ("arguments", "candidate", "baseline", "reason"),
    [
        (
            {"min_absolute_change": 0.1, "greater_is_better": True},
            {"m": NAN},
            {"m": 0.5},
            "Metric m validation failed: candidate model m = nan is not a number.",
        ),
        (
            {"threshold": 0.5, "min_relative_change": 0.1, "greater_is_better": False},
            {"m": NAN},
            {"m": 0.0},
            "Metric m validation failed: candidate model m = nan is not a number.",
        ),
        (
            {"threshold": 0.5, "greater_is_better": True},
            {"m": NAN},
            None,
            "Metric m validation failed: candidate model m = nan is not a number.",
        ),
        (
            {"min_absolute_change": 0.1, "greater_is_better": True},
            {"m": 0.9},
            {"m": NAN},
            "Model comparison failed: baseline model m = nan is not a number.",
        ),
        (
            {"threshold": 0.95, "min_relative_change": 0.1, "greater_is_better": True},
            {"m": 0.9},
            {"m": NAN},
            "Metric m value threshold check failed: candidate model m = 0.9, m threshold = 0.95. "
            "Model comparison failed: baseline model m = nan is not a number.",
        ),
    ],
    ids=["candidate-absolute", "candidate-relative", "candidate-threshold", "baseline", "baseline-threshold"],
)
def test_a_nan_metric_fails_its_checks_with_a_reason(
    arguments: dict[str, Any], candidate: dict[str, float], baseline: dict[str, float] | None, reason: str
) -> None:
    assert _keel_verdict(arguments, candidate, baseline) == reason


def _keel_verdict(
    arguments: dict[str, Any], candidate: dict[str, float], baseline: dict[str, float] | None
) -> str | None:
    try:
        validate_metrics({"m": MetricThreshold(**arguments)}, candidate, baseline)
    except ModelValidationFailed as exc:
        return exc.failures["m"]
    return None


def _mlflow_verdict(
    arguments: dict[str, Any], candidate: dict[str, float], baseline: dict[str, float] | None
) -> str | None:
    def result(metrics: dict[str, float]) -> Any:
        return mlflow.models.EvaluationResult(metrics=metrics, artifacts={}, run_id="0")

    try:
        mlflow.validate_evaluation_results(
            {"m": mlflow.models.MetricThreshold(**arguments)},
            result(candidate),
            None if baseline is None else result(baseline),
        )
    except MlflowException as exc:
        return str(exc.message)
    return None


@pytest.fixture(scope="module")
def weak_model(tmp_path_factory: pytest.TempPathFactory, binary: Any) -> Path:
    """A classifier guessing at random, in the training labels' proportions."""
    path = tmp_path_factory.mktemp("weak") / "m"
    keel.sklearn.save_model(
        DummyClassifier(strategy="stratified", random_state=0).fit(binary.features, binary.targets), path
    )
    return path


def test_a_model_meeting_its_thresholds_is_returned(binary: Any) -> None:
    thresholds = {
        "accuracy_score": MetricThreshold(threshold=0.6, greater_is_better=True),
        "log_loss": MetricThreshold(threshold=1.0, greater_is_better=False),
    }
    result = evaluate(str(binary.path), binary.frame, "label", "classifier", validation_thresholds=thresholds)

    assert keel.get_run(result.run_id).info.status == "FINISHED"


def test_missed_thresholds_are_each_listed_and_the_run_fails(binary: Any) -> None:
    thresholds = {
        "accuracy_score": MetricThreshold(threshold=0.99, greater_is_better=True),
        "log_loss": MetricThreshold(threshold=0.01, greater_is_better=False),
        "recall_score": MetricThreshold(threshold=0.1, greater_is_better=True),
        "latency": MetricThreshold(threshold=1.0, greater_is_better=False),
    }

    with pytest.raises(ModelValidationFailed) as caught:
        evaluate(str(binary.path), binary.frame, "label", "classifier", validation_thresholds=thresholds)

    assert set(caught.value.failures) == {"accuracy_score", "log_loss", "latency"}
    assert caught.value.error_code == "BAD_REQUEST"  # as mlflow's ModelValidationFailedException
    message = caught.value.message
    assert message.startswith("Model validation failed for 3 metric(s):")
    assert "Metric accuracy_score value threshold check failed" in message
    assert "Metric log_loss value threshold check failed" in message
    assert "metric latency was missing from the evaluation result of the candidate model" in message
    (run,) = keel.search_runs(output_format="list")
    assert run.info.status == "FAILED"
    assert "accuracy_score" in run.data.metrics  # the evidence is logged all the same


def test_a_candidate_beating_its_baseline_passes(binary: Any, weak_model: Path) -> None:
    thresholds = {"accuracy_score": MetricThreshold(min_absolute_change=0.05, greater_is_better=True)}

    result = evaluate(
        str(binary.path),
        binary.frame,
        "label",
        "classifier",
        baseline_model=str(weak_model),
        validation_thresholds=thresholds,
    )

    assert result.baseline_model_metrics is not None
    assert result.metrics["accuracy_score"] > result.baseline_model_metrics["accuracy_score"] + 0.05
    logged = keel.get_run(result.run_id).data.metrics
    assert logged == pytest.approx(result.metrics)  # the baseline's metrics are returned, not logged


def test_a_candidate_worse_than_its_baseline_fails(binary: Any, weak_model: Path) -> None:
    thresholds = {
        "accuracy_score": MetricThreshold(min_absolute_change=0.01, greater_is_better=True),
        "log_loss": MetricThreshold(min_relative_change=0.05, greater_is_better=False),
    }

    with pytest.raises(ModelValidationFailed) as caught:
        evaluate(
            str(weak_model),
            binary.frame,
            "label",
            "classifier",
            baseline_model=str(binary.path),
            validation_thresholds=thresholds,
        )

    assert set(caught.value.failures) == {"accuracy_score", "log_loss"}
    assert "Metric accuracy_score minimum absolute change check failed" in caught.value.message
    assert "Metric log_loss minimum relative change check failed" in caught.value.message
