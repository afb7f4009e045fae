"""XGBoost autologging: ``xgboost.train`` and the scikit-learn API log params, per-iteration metrics,
feature importance and a model that loads back."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import xgboost

import keel
import keel.xgboost
from keel.flavors.autologging import xgboost as xgboost_autolog

PARAMS = {"objective": "binary:logistic", "max_depth": 2, "eta": 0.5}


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(5)
    features = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    labels = (features["a"] + features["c"] > 0).astype(int)
    return features, labels


def only_run() -> keel.Run:
    [run] = keel.search_runs(output_format="list")
    return run


def history(run: keel.Run, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in keel.Client().get_metric_history(run.info.run_id, key)]


def test_train_logs_params_metrics_per_iteration_importance_and_the_booster(
    data: tuple[pd.DataFrame, pd.Series], tmp_path: Path, autolog_warnings: Callable[[], list[str]]
) -> None:
    features, labels = data
    train, valid = xgboost.DMatrix(features, labels), xgboost.DMatrix(features[:20], labels[:20])
    xgboost_autolog.autolog()
    evals_result: dict[str, dict[str, list[float]]] = {}

    booster = xgboost.train(
        PARAMS, train, 4, evals=[(valid, "valid")], evals_result=evals_result, verbose_eval=False
    )

    run = only_run()
    assert run.info.status == "FINISHED"
    assert run.data.params["max_depth"] == "2"
    assert run.data.params["objective"] == "binary:logistic"
    assert run.data.params["num_boost_round"] == "4"
    assert "evals" not in run.data.params
    logged = history(run, "valid-logloss")
    assert [step for step, _ in logged] == [0, 1, 2, 3]
    assert [value for _, value in logged] == pytest.approx(evals_result["valid"]["logloss"])
    client = keel.Client()
    path = client.download_artifacts(run.info.run_id, "feature_importance_weight.json", tmp_path)
    assert json.loads(Path(path).read_text()) == pytest.approx(booster.get_score(importance_type="weight"))
    contexts = sorted(i.tags[0].value for i in run.inputs.dataset_inputs)
    assert contexts == ["eval", "train"]
    [output] = run.outputs.model_outputs
    loaded = keel.xgboost.load_model(f"models:/{output.model_id}")
    np.testing.assert_allclose(loaded.predict(valid), booster.predict(valid))
    assert autolog_warnings() == []


def test_early_stopping_logs_the_best_iteration(data: tuple[pd.DataFrame, pd.Series]) -> None:
    features, labels = data
    train = xgboost.DMatrix(features, labels)
    xgboost_autolog.autolog(log_models=False, log_datasets=False)

    booster = xgboost.train(
        PARAMS, train, 30, evals=[(train, "train")], early_stopping_rounds=2, verbose_eval=False
    )

    run = only_run()
    assert run.data.metrics["best_iteration"] == booster.best_iteration
    steps = history(run, "train-logloss")
    last_step = steps[-2][0]
    assert run.data.metrics["stopped_iteration"] == last_step
    assert steps[-1] == (last_step + 1, pytest.approx(steps[booster.best_iteration][1]))


def test_sklearn_api_is_one_run_with_the_estimator_as_model(
    data: tuple[pd.DataFrame, pd.Series], autolog_warnings: Callable[[], list[str]]
) -> None:
    features, labels = data
    xgboost_autolog.autolog(importance_types=["gain"], log_input_examples=True)

    model = xgboost.XGBClassifier(n_estimators=3, max_depth=2).fit(
        features, labels, eval_set=[(features[:20], labels[:20])], verbose=False
    )

    run = only_run()
    assert run.data.params["max_depth"] == "2"
    assert run.data.params["num_boost_round"] == "3"
    assert [step for step, _ in history(run, "validation_0-logloss")] == [0, 1, 2]
    artifacts = [f.path for f in keel.Client().list_artifacts(run.info.run_id)]
    assert artifacts == ["feature_importance_gain.json"]
    [output] = run.outputs.model_outputs  # the estimator, not the booster inside it
    loaded = keel.xgboost.load_model(f"models:/{output.model_id}")
    assert isinstance(loaded, xgboost.XGBClassifier)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    assert autolog_warnings() == []


def test_a_failing_logger_does_not_break_training(
    data: tuple[pd.DataFrame, pd.Series], autolog_warnings: Callable[[], list[str]]
) -> None:
    features, labels = data
    train = xgboost.DMatrix(features, labels)
    xgboost_autolog.autolog(log_models=False)

    with keel.start_run():
        keel.log_param("max_depth", "9")  # logging max_depth=2 will fail
        booster = xgboost.train(PARAMS, train, 3, evals=[(train, "train")], verbose_eval=False)

    assert booster.num_boosted_rounds() == 3
    run = only_run()
    assert run.data.params["max_depth"] == "9"
    assert len(history(run, "train-logloss")) == 3
    assert autolog_warnings() != []


def test_disable_restores_train_and_fit() -> None:
    train, sklearn_train, fit = xgboost.train, xgboost.sklearn.train, vars(xgboost.XGBClassifier)["fit"]

    xgboost_autolog.autolog()
    assert xgboost.train is not train
    xgboost_autolog.autolog(disable=True)

    assert xgboost.train is train
    assert xgboost.sklearn.train is sklearn_train
    assert vars(xgboost.XGBClassifier)["fit"] is fit


def one_per_row(rows: int, columns: int) -> scipy.sparse.csr_matrix:
    """A float32 matrix with one value per row, cycling through the columns."""
    values = np.random.default_rng(11).normal(size=rows).astype(np.float32)
    return scipy.sparse.csr_matrix((values, np.arange(rows) % columns, np.arange(rows + 1)), (rows, columns))


def test_a_sparse_dmatrix_is_described_as_its_dense_frame_would_be() -> None:
    matrix = one_per_row(12_000, 5)  # more rows than the description hashes
    names = [f"f{i}" for i in range(5)]
    labels = (matrix.sum(axis=1).A1 > 0).astype(int)
    xgboost_autolog.autolog(log_models=False)

    xgboost.train(PARAMS, xgboost.DMatrix(matrix, labels, feature_names=names), 1)

    [logged] = only_run().inputs.dataset_inputs
    dense = keel.data.from_pandas(pd.DataFrame(matrix.toarray(), columns=names))
    assert (logged.dataset.digest, logged.dataset.schema, logged.dataset.profile) == (
        dense.digest,
        dense.schema,
        dense.profile,
    )


def test_a_large_sparse_dmatrix_is_logged_without_being_made_dense(
    autolog_warnings: Callable[[], list[str]],
) -> None:
    matrix = one_per_row(500_000, 200)  # 400 MB dense
    labels = (matrix.sum(axis=1).A1 > 0).astype(int)
    train = xgboost.DMatrix(matrix, labels, feature_names=[f"f{i}" for i in range(200)])
    xgboost_autolog.autolog(log_models=False)

    tracemalloc.start()
    try:
        xgboost.train(PARAMS, train, 1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 100 * 2**20
    [logged] = only_run().inputs.dataset_inputs
    assert '"num_rows":500000' in logged.dataset.profile
    assert autolog_warnings() == []
