"""LightGBM autologging: ``lightgbm.train`` and the scikit-learn API log params, per-iteration
metrics, feature importance and a model that loads back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
import pytest

import keel
import keel.lightgbm
from keel.flavors.autologging import lightgbm as lightgbm_autolog

PARAMS = {"objective": "binary", "num_leaves": 4, "min_data_in_leaf": 5, "verbose": -1}


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(9)
    features = pd.DataFrame(rng.normal(size=(80, 3)), columns=["a", "b", "c"])
    labels = (features["a"] - features["c"] > 0).astype(int)
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
    train = lightgbm.Dataset(features, labels)
    valid = lightgbm.Dataset(features[:30], labels[:30], reference=train)
    lightgbm_autolog.autolog()
    evals_result: dict[str, dict[str, list[float]]] = {}

    booster = lightgbm.train(
        PARAMS,
        train,
        4,
        valid_sets=[valid],
        valid_names=["valid"],
        callbacks=[lightgbm.record_evaluation(evals_result)],
    )

    run = only_run()
    assert run.data.params["num_leaves"] == "4"
    assert run.data.params["num_boost_round"] == "4"
    assert "valid_sets" not in run.data.params
    logged = history(run, "valid-binary_logloss")
    assert [step for step, _ in logged] == [0, 1, 2, 3]
    assert [value for _, value in logged] == pytest.approx(evals_result["valid"]["binary_logloss"])
    client = keel.Client()
    for kind in ("split", "gain"):
        path = client.download_artifacts(run.info.run_id, f"feature_importance_{kind}.json", tmp_path)
        importance = booster.feature_importance(importance_type=kind).tolist()
        expected = dict(zip(["a", "b", "c"], importance, strict=True))
        assert json.loads(Path(path).read_text()) == pytest.approx(expected)
    inputs = {i.dataset.name: i.tags[0].value for i in run.inputs.dataset_inputs}
    assert inputs == {"dataset": "train", "valid": "eval"}
    [output] = run.outputs.model_outputs
    loaded = keel.lightgbm.load_model(f"models:/{output.model_id}")
    np.testing.assert_allclose(loaded.predict(features), booster.predict(features))
    assert autolog_warnings() == []


def test_early_stopping_logs_the_best_iteration(data: tuple[pd.DataFrame, pd.Series]) -> None:
    features, labels = data
    train = lightgbm.Dataset(features, labels)
    valid = lightgbm.Dataset(features[:30], labels[:30], reference=train)
    lightgbm_autolog.autolog(log_models=False, log_datasets=False)

    booster = lightgbm.train(
        PARAMS, train, 30, valid_sets=[valid], callbacks=[lightgbm.early_stopping(2, verbose=False)]
    )

    run = only_run()
    assert run.data.metrics["best_iteration"] == booster.best_iteration
    steps = history(run, "valid_0-binary_logloss")
    assert run.data.metrics["stopped_iteration"] == len(steps) - 1
    assert steps[-1] == (len(steps) - 1, pytest.approx(steps[booster.best_iteration - 1][1]))


def test_sklearn_api_is_one_run_with_the_estimator_as_model(
    data: tuple[pd.DataFrame, pd.Series], autolog_warnings: Callable[[], list[str]]
) -> None:
    features, labels = data
    lightgbm_autolog.autolog(importance_types=["split"])

    model = lightgbm.LGBMClassifier(n_estimators=3, num_leaves=4, min_child_samples=5, verbose=-1).fit(
        features, labels, eval_X=(features[:20],), eval_y=(labels[:20],)
    )

    run = only_run()
    assert run.data.params["num_leaves"] == "4"
    assert [step for step, _ in history(run, "valid_0-binary_logloss")] == [0, 1, 2]
    artifacts = [f.path for f in keel.Client().list_artifacts(run.info.run_id)]
    assert artifacts == ["feature_importance_split.json"]
    [output] = run.outputs.model_outputs
    loaded = keel.lightgbm.load_model(f"models:/{output.model_id}")
    assert isinstance(loaded, lightgbm.LGBMClassifier)
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))
    assert autolog_warnings() == []


def test_disable_restores_train_and_fit() -> None:
    train, fit = lightgbm.train, vars(lightgbm.LGBMClassifier)["fit"]

    lightgbm_autolog.autolog()
    assert lightgbm.train is not train
    lightgbm_autolog.autolog(disable=True)

    assert lightgbm.train is train
    assert lightgbm.sklearn.train is train
    assert vars(lightgbm.LGBMClassifier)["fit"] is fit
