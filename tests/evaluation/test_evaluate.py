"""``keel.models.evaluate`` end to end: what it logs to which run, the plots it writes, the model
and data forms it takes, and bad calls rejected before anything is logged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sklearn.linear_model import LinearRegression

import keel
import keel.pyfunc
import keel.sklearn
from keel.errors import InvalidParameter, NotFound
from keel.models import EvaluationResult, MetricThreshold, evaluate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _runs() -> list[Any]:
    return list(keel.search_runs(search_all_experiments=True, output_format="list"))


def _png_size(run_id: str, artifact_file: str, tmp_path: Path) -> tuple[int, int]:
    destination = tmp_path / "download"
    destination.mkdir(exist_ok=True)
    local = Path(keel.Client().download_artifacts(run_id, artifact_file, destination))
    assert local.read_bytes().startswith(PNG_SIGNATURE)
    with Image.open(local) as image:
        image.verify()
        return image.size


def test_without_an_active_run_evaluate_logs_to_a_new_run_and_ends_it(binary: Any) -> None:
    result = evaluate(str(binary.path), binary.frame, "label", "classifier")

    assert isinstance(result, EvaluationResult)
    assert keel.active_run() is None
    run = keel.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.metrics == pytest.approx(result.metrics)
    (dataset_input,) = run.inputs.dataset_inputs
    assert '"targets": "label"' in dataset_input.dataset.profile.replace(":", ": ")


def test_inside_an_active_run_evaluate_logs_to_it_and_leaves_it_active(binary: Any) -> None:
    with keel.start_run() as active:
        result = evaluate(str(binary.path), binary.frame, "label", "classifier")
        assert keel.active_run() is not None

    assert result.run_id == active.info.run_id
    assert keel.get_run(active.info.run_id).data.metrics["accuracy_score"] == result.metrics["accuracy_score"]
    assert len(_runs()) == 1


def test_classifier_plots_are_pngs_in_the_run(binary: Any, tmp_path: Path) -> None:
    result = evaluate(str(binary.path), binary.frame, "label", "classifier")

    names = {"confusion_matrix", "roc_curve_plot", "precision_recall_curve_plot"}
    assert set(result.artifacts) == names
    logged = {f.path for f in keel.Client().list_artifacts(result.run_id)}
    assert logged == {f"{name}.png" for name in names}
    for name, uri in result.artifacts.items():
        assert uri.endswith(f"/{name}.png")
        assert _png_size(result.run_id, f"{name}.png", tmp_path) == (1050, 700)


def test_multiclass_plots_draw_a_curve_per_class(multiclass: Any, tmp_path: Path) -> None:
    result = evaluate(str(multiclass.path), multiclass.frame, "label", "classifier")
    assert set(result.artifacts) == {"confusion_matrix", "roc_curve_plot", "precision_recall_curve_plot"}

    few = evaluate(
        str(multiclass.path),
        multiclass.frame,
        "label",
        "classifier",
        evaluator_config={"max_classes_for_multiclass_roc_pr": 2},
    )
    assert set(few.artifacts) == {"confusion_matrix"}


def test_regressor_plots_are_residuals_and_predicted_vs_actual(regression: Any, tmp_path: Path) -> None:
    result = evaluate(str(regression.path), regression.frame, "label", "regressor")

    assert set(result.artifacts) == {"residuals_plot", "predicted_vs_actual_plot"}
    for name in result.artifacts:
        assert _png_size(result.run_id, f"{name}.png", tmp_path) == (1050, 700)


def test_metric_prefix_names_metrics_and_plot_files(binary: Any) -> None:
    result = evaluate(
        str(binary.path), binary.frame, "label", "classifier", evaluator_config={"metric_prefix": "val_"}
    )

    assert result.metrics
    assert all(name.startswith("val_") for name in result.metrics)
    logged = {f.path for f in keel.Client().list_artifacts(result.run_id)}
    assert "val_confusion_matrix.png" in logged


def test_a_runs_uri_a_loaded_model_and_a_path_give_the_same_metrics(binary: Any) -> None:
    with keel.start_run():
        info = keel.sklearn.log_model(binary.estimator, name="model")
    uri = f"runs:/{info.run_id}/model"

    by_uri = evaluate(uri, binary.frame, "label", "classifier").metrics
    by_model = evaluate(keel.pyfunc.load_model(uri), binary.frame, "label", "classifier").metrics
    by_path = evaluate(binary.path, binary.frame, "label", "classifier").metrics

    assert by_uri == by_model == by_path


def test_an_array_with_an_array_of_targets_is_evaluated(regression: Any, tmp_path: Path) -> None:
    X, y = regression.features.to_numpy(), regression.targets.to_numpy()
    keel.sklearn.save_model(LinearRegression().fit(X, y), tmp_path / "numpy-model")

    result = evaluate(str(tmp_path / "numpy-model"), X, y, "regressor")

    assert result.metrics["example_count"] == len(y)
    assert result.metrics["r2_score"] == pytest.approx(regression.estimator.score(regression.features, y))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model_type": "clustering"}, "Unknown model_type 'clustering'"),
        ({"targets": "price"}, "The targets column 'price' is not in the data"),
        ({"targets": np.zeros(3)}, "data has 80 rows but targets has 3 values"),
        ({"data": "a.csv"}, "data must be a pandas DataFrame or a numpy array"),
        ({"model": 42}, "model must be a model URI"),
        ({"evaluator_config": {"averge": "macro"}}, "Unknown evaluator_config keys ['averge']"),
        ({"evaluator_config": {"sample_weights": [1.0, 2.0]}}, "one weight per row"),
        (
            {
                "validation_thresholds": {
                    "f1_score": MetricThreshold(min_absolute_change=0.1, greater_is_better=True)
                }
            },
            "pass baseline_model as well",
        ),
    ],
)
def test_bad_arguments_are_invalid_before_anything_is_logged(
    binary: Any, change: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {
        "model": str(binary.path),
        "data": binary.frame,
        "targets": "label",
        "model_type": "classifier",
        **change,
    }

    with pytest.raises(InvalidParameter) as caught:
        evaluate(**arguments)

    assert message in caught.value.message
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert keel.active_run() is None
    assert _runs() == []


def test_targets_named_for_an_array_are_invalid(regression: Any) -> None:
    with pytest.raises(InvalidParameter, match="data is an array"):
        evaluate(str(regression.path), regression.features.to_numpy(), "label", "regressor")
    assert _runs() == []


def test_a_missing_model_is_not_found_and_nothing_is_logged(tmp_path: Path, binary: Any) -> None:
    with pytest.raises(NotFound):
        evaluate(str(tmp_path / "no-model"), binary.frame, "label", "classifier")
    assert _runs() == []


def test_importing_keel_models_imports_neither_sklearn_nor_matplotlib() -> None:
    code = (
        "import sys, keel.models\n"
        "loaded = lambda: {m.split('.')[0] for m in sys.modules} & {'sklearn', 'matplotlib'}\n"
        "assert not loaded(), loaded()\n"
        "from keel.models import EvaluationResult, MetricThreshold, evaluate\n"
        "import keel.models.evaluation as evaluation\n"
        "assert evaluate is evaluation.evaluate and MetricThreshold is evaluation.MetricThreshold\n"
        "assert not loaded(), loaded()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
