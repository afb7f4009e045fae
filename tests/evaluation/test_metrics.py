"""The metrics ``keel.models.evaluate`` computes: equal to scikit-learn's computed directly, and to
``mlflow.models.evaluate``'s for the same model file and data, names included."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn import metrics as sk

from keel.models import evaluate


def test_binary_classifier_metrics_are_sklearns(binary: Any) -> None:
    y, X, model = binary.targets, binary.features, binary.estimator
    pred, proba = model.predict(X), model.predict_proba(X)[:, 1]
    tn, fp, fn, tp = sk.confusion_matrix(y, pred).ravel()

    result = evaluate(str(binary.path), binary.frame, "label", "classifier")

    assert result.metrics == pytest.approx(
        {
            "example_count": len(y),
            "accuracy_score": sk.accuracy_score(y, pred),
            "precision_score": sk.precision_score(y, pred),
            "recall_score": sk.recall_score(y, pred),
            "f1_score": sk.f1_score(y, pred),
            "log_loss": sk.log_loss(y, model.predict_proba(X)),
            "roc_auc": sk.roc_auc_score(y, proba),
            "precision_recall_auc": sk.average_precision_score(y, proba),
            "true_negatives": tn,
            "false_positives": fp,
            "false_negatives": fn,
            "true_positives": tp,
            "score": model.score(X, y),
        }
    )
    assert 0.5 < result.metrics["accuracy_score"] < 1.0  # a model that is neither trivial nor perfect


def test_pos_label_makes_the_other_class_positive(binary: Any) -> None:
    y, X, model = binary.targets, binary.features, binary.estimator
    pred, proba = model.predict(X), model.predict_proba(X)[:, 0]

    metrics = evaluate(
        str(binary.path), binary.frame, "label", "classifier", evaluator_config={"pos_label": 0}
    ).metrics

    assert metrics["precision_score"] == pytest.approx(sk.precision_score(y, pred, pos_label=0))
    assert metrics["recall_score"] == pytest.approx(sk.recall_score(y, pred, pos_label=0))
    assert metrics["roc_auc"] == pytest.approx(sk.roc_auc_score(y == 0, proba))
    assert metrics["precision_recall_auc"] == pytest.approx(sk.average_precision_score(y, proba, pos_label=0))
    assert metrics["true_positives"] == ((pred == 0) & (y == 0)).sum()


@pytest.mark.parametrize("average", ["weighted", "macro", "micro"])
def test_multiclass_metrics_are_sklearns_averaged(multiclass: Any, average: str) -> None:
    y, X, model = multiclass.targets, multiclass.features, multiclass.estimator
    pred, proba = model.predict(X), model.predict_proba(X)
    expected = {
        "example_count": len(y),
        "accuracy_score": sk.accuracy_score(y, pred),
        "precision_score": sk.precision_score(y, pred, average=average),
        "recall_score": sk.recall_score(y, pred, average=average),
        "f1_score": sk.f1_score(y, pred, average=average),
        "log_loss": sk.log_loss(y, proba),
        "score": model.score(X, y),
    }
    if average != "micro":  # as MLflow: no one-vs-rest ROC AUC for micro averaging
        expected["roc_auc"] = sk.roc_auc_score(y, proba, average=average, multi_class="ovr")

    result = evaluate(
        str(multiclass.path), multiclass.frame, "label", "classifier", evaluator_config={"average": average}
    )

    assert result.metrics == pytest.approx(expected)
    assert set(np.unique(y)) == {0, 1, 2}


def test_regressor_metrics_are_sklearns(regression: Any) -> None:
    y, X, model = regression.targets, regression.features, regression.estimator
    pred = model.predict(X)

    result = evaluate(str(regression.path), regression.frame, "label", "regressor")

    assert result.metrics == pytest.approx(
        {
            "example_count": len(y),
            "mean_absolute_error": sk.mean_absolute_error(y, pred),
            "mean_squared_error": sk.mean_squared_error(y, pred),
            "root_mean_squared_error": sk.root_mean_squared_error(y, pred),
            "r2_score": sk.r2_score(y, pred),
            "max_error": sk.max_error(y, pred),
            "mean_absolute_percentage_error": sk.mean_absolute_percentage_error(y, pred),
            "sum_on_target": y.sum(),
            "mean_on_target": y.mean(),
            "score": model.score(X, y),
        }
    )


def test_sample_weights_weigh_the_metrics(regression: Any) -> None:
    y, X, model = regression.targets, regression.features, regression.estimator
    weights = np.linspace(0.1, 2.0, len(y))
    pred = model.predict(X)

    metrics = evaluate(
        str(regression.path),
        regression.frame,
        "label",
        "regressor",
        evaluator_config={"sample_weights": weights},
    ).metrics

    assert metrics["mean_absolute_error"] == pytest.approx(
        sk.mean_absolute_error(y, pred, sample_weight=weights)
    )
    assert metrics["sum_on_target"] == pytest.approx((y * weights).sum())
    assert metrics["mean_absolute_error"] != pytest.approx(sk.mean_absolute_error(y, pred))


@pytest.mark.parametrize("case_name", ["binary", "multiclass", "regression"])
def test_metrics_equal_mlflows(case_name: str, request: pytest.FixtureRequest, mlflow_evaluate: Any) -> None:
    case = request.getfixturevalue(case_name)

    expected = mlflow_evaluate(case).metrics
    result = evaluate(str(case.path), case.frame, "label", case.model_type)

    assert sorted(result.metrics) == sorted(expected)
    assert result.metrics == pytest.approx({k: float(v) for k, v in expected.items()})
