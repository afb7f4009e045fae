"""scikit-learn autologging: what one ``fit`` logs, and how searches become parent and child runs."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from sklearn.cluster import KMeans
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import keel
import keel.sklearn
from keel.flavors.autologging import sklearn as sklearn_autolog
from keel.models import Model


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(3)
    features = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    labels = (features["a"] - features["b"] > 0).astype(int).rename("label")
    return features, labels


def only_run() -> keel.Run:
    runs = keel.search_runs(output_format="list")
    assert len(runs) == 1
    return runs[0]


def logged_model_ids(run: keel.Run) -> list[str]:
    return [output.model_id for output in run.outputs.model_outputs]


def test_fit_logs_params_metrics_tags_and_a_loadable_model(
    data: tuple[pd.DataFrame, pd.Series], autolog_warnings: Callable[[], list[str]]
) -> None:
    features, labels = data
    sklearn_autolog.autolog()

    model = LogisticRegression(C=0.5, max_iter=50).fit(features, labels)

    assert keel.active_run() is None  # the run autologging started is ended again
    run = only_run()
    assert run.info.status == "FINISHED"
    assert run.data.params["C"] == "0.5"
    assert run.data.params["max_iter"] == "50"
    assert run.data.tags["estimator_name"] == "LogisticRegression"
    assert run.data.tags["estimator_class"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert run.data.tags["mlflow.autologging"] == "sklearn"
    assert run.data.metrics["training_score"] == pytest.approx(model.score(features, labels))
    expected = {
        "accuracy_score",
        "precision_score",
        "recall_score",
        "f1_score",
        "log_loss",
        "roc_auc",
        "score",
    }
    assert {f"training_{name}" for name in expected} <= set(run.data.metrics)
    [model_id] = logged_model_ids(run)
    loaded = keel.sklearn.load_model(f"models:/{model_id}")
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    assert autolog_warnings() == []


def test_regressor_metrics_and_the_training_dataset(data: tuple[pd.DataFrame, pd.Series]) -> None:
    features, _ = data
    target = features["a"] * 2.0 + 1.0
    sklearn_autolog.autolog()

    LinearRegression().fit(features, target)

    run = only_run()
    names = ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "r2_score", "score")
    assert {f"training_{name}" for name in names} <= set(run.data.metrics)
    assert run.data.metrics["training_r2_score"] == pytest.approx(1.0)
    [dataset_input] = run.inputs.dataset_inputs
    assert dataset_input.tags[0].value == "train"
    assert '"num_rows":40' in dataset_input.dataset.profile


def one_per_row(rows: int, columns: int) -> scipy.sparse.csr_matrix:
    """A matrix with one value per row, cycling through the columns."""
    values = np.random.default_rng(11).normal(size=rows)
    return scipy.sparse.csr_matrix((values, np.arange(rows) % columns, np.arange(rows + 1)), (rows, columns))


def test_a_sparse_training_set_is_described_as_its_dense_array_would_be() -> None:
    matrix = one_per_row(12_000, 5)  # more rows than the description hashes
    sklearn_autolog.autolog(log_models=False)

    LinearRegression().fit(matrix, matrix.sum(axis=1).A1)

    [logged] = only_run().inputs.dataset_inputs
    dense = keel.data.from_numpy(matrix.toarray())
    assert (logged.dataset.digest, logged.dataset.schema, logged.dataset.profile) == (
        dense.digest,
        dense.schema,
        dense.profile,
    )


def test_a_large_sparse_training_set_is_logged_without_being_made_dense(
    autolog_warnings: Callable[[], list[str]],
) -> None:
    matrix = one_per_row(500_000, 200)  # 800 MB dense
    target = matrix.sum(axis=1).A1
    sklearn_autolog.autolog(log_models=False)

    tracemalloc.start()
    try:
        LinearRegression().fit(matrix, target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 200 * 2**20
    [logged] = only_run().inputs.dataset_inputs
    assert '"num_rows":500000' in logged.dataset.profile
    assert autolog_warnings() == []


def test_input_example_and_signature_when_asked(data: tuple[pd.DataFrame, pd.Series]) -> None:
    features, labels = data
    sklearn_autolog.autolog(log_input_examples=True, log_datasets=False)

    LogisticRegression().fit(features, labels)

    run = only_run()
    assert run.inputs.dataset_inputs == ()
    [model_id] = logged_model_ids(run)
    directory = keel.Client().store.get_logged_model(model_id).info.artifact_uri
    mlmodel = Model.load(directory.removeprefix("file://"))
    assert [spec["name"] for spec in mlmodel.signature.inputs.to_dict()] == ["a", "b", "c"]
    assert mlmodel.saved_input_example_info is not None


def test_signature_without_input_example_by_default(data: tuple[pd.DataFrame, pd.Series]) -> None:
    features, labels = data
    sklearn_autolog.autolog()

    LogisticRegression().fit(features, labels)

    [model_id] = logged_model_ids(only_run())
    directory = keel.Client().store.get_logged_model(model_id).info.artifact_uri
    mlmodel = Model.load(directory.removeprefix("file://"))
    assert mlmodel.signature is not None
    assert mlmodel.saved_input_example_info is None


def test_log_models_false_logs_no_model(data: tuple[pd.DataFrame, pd.Series]) -> None:
    features, labels = data
    sklearn_autolog.autolog(log_models=False)

    LogisticRegression().fit(features, labels)

    run = only_run()
    assert logged_model_ids(run) == []
    assert "training_score" in run.data.metrics


def test_a_pipeline_is_one_run_with_the_params_of_its_steps(data: tuple[pd.DataFrame, pd.Series]) -> None:
    features, labels = data
    sklearn_autolog.autolog()

    make_pipeline(StandardScaler(), LogisticRegression(C=2.0)).fit(features, labels)

    run = only_run()  # the steps' own fits are not logged as runs of their own
    assert run.data.tags["estimator_name"] == "Pipeline"
    assert run.data.params["logisticregression__C"] == "2.0"
    assert run.data.params["standardscaler__with_mean"] == "True"
    assert len(logged_model_ids(run)) == 1


def test_fit_predict_without_labels_logs_params_and_model(data: tuple[pd.DataFrame, pd.Series]) -> None:
    features, _ = data
    sklearn_autolog.autolog()

    KMeans(n_clusters=2, n_init=1, random_state=0).fit_predict(features)

    run = only_run()
    assert run.data.params["n_clusters"] == "2"
    assert not any(key.startswith("training_") for key in run.data.metrics)
    assert len(logged_model_ids(run)) == 1


def test_grid_search_logs_a_parent_run_and_a_child_run_per_candidate(
    data: tuple[pd.DataFrame, pd.Series], autolog_warnings: Callable[[], list[str]]
) -> None:
    features, labels = data
    sklearn_autolog.autolog()

    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0, 10.0]}, cv=2).fit(features, labels)

    runs = keel.search_runs(output_format="list")
    [parent] = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(runs) == 4
    assert len(children) == 3
    assert parent.data.params["cv"] == "2"
    assert parent.data.params["best_C"] == str(search.best_params_["C"])
    assert parent.data.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    assert "training_score" in parent.data.metrics
    assert sorted(child.data.params["C"] for child in children) == ["0.1", "1.0", "10.0"]
    for child in children:
        assert child.info.status == "FINISHED"
        assert child.data.params["max_iter"] == "100"  # the seed's params fill in the rest
        assert {"mean_test_score", "std_test_score", "rank_test_score", "mean_fit_time"} <= set(
            child.data.metrics
        )
        assert not any(key.startswith(("split", "param")) for key in child.data.metrics)
    artifacts = [f.path for f in keel.Client().list_artifacts(parent.info.run_id)]
    assert "cv_results.csv" in artifacts
    model_names = {keel.Client().store.get_logged_model(m).info.name for m in logged_model_ids(parent)}
    assert model_names == {"model", "best_estimator"}
    assert autolog_warnings() == []


def test_max_tuning_runs_keeps_the_best_candidates(data: tuple[pd.DataFrame, pd.Series]) -> None:
    features, labels = data
    sklearn_autolog.autolog(max_tuning_runs=2, log_models=False)

    search = RandomizedSearchCV(
        LogisticRegression(), {"C": [0.01, 0.1, 1.0, 10.0]}, n_iter=4, cv=2, random_state=0
    ).fit(features, labels)

    children = keel.search_runs(filter_string="tags.mlflow.parentRunId != ''", output_format="list")
    ranks = sorted(c.data.metrics["rank_test_score"] for c in children)
    assert ranks == sorted(float(r) for r in search.cv_results_["rank_test_score"])[:2]


def test_negative_max_tuning_runs_is_refused() -> None:
    with pytest.raises(keel.KeelError, match="max_tuning_runs"):
        sklearn_autolog.autolog(max_tuning_runs=-1)
