"""The lightgbm flavor: keel and MLflow load each other's LightGBM models, Boosters in LightGBM's text
format and the scikit-learn API serialized with skops, cloudpickle or pickle."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import lightgbm as lgb
import mlflow
import mlflow.lightgbm
import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

import keel
from keel.errors import InvalidParameter
from keel.models import trust
from keel.models.trust import UntrustedModelWarning

KINDS = ["booster", "classifier", "regressor"]
MLFLOW_REQUIREMENTS = ["lightgbm"]  # so that mlflow does not infer them in a subprocess
# (kind, serialization format) pairs: a Booster is always written as text; the format is for the rest.
CASES = [("booster", "skops"), ("classifier", "skops"), ("regressor", "skops"), ("classifier", "cloudpickle")]
CASE_IDS = [f"{kind}-{fmt}" for kind, fmt in CASES]


def squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A custom objective: a function skops will not load unless told to trust it."""
    return y_pred - y_true, np.ones_like(y_true)


@pytest.fixture(scope="module")
def labels(features: pd.DataFrame) -> pd.Series:
    return (features["a"] + 0.5 * features["b"] - 0.1 * features["n"] > 0).astype(int)


@pytest.fixture(scope="module")
def models(features: pd.DataFrame, labels: pd.Series) -> dict[str, Any]:
    options = {"n_estimators": 4, "min_child_samples": 5, "n_jobs": 1, "verbose": -1}
    return {
        "booster": lgb.train(
            {"objective": "binary", "min_data_in_leaf": 5, "num_threads": 1, "verbose": -1},
            lgb.Dataset(features, labels),
            num_boost_round=4,
        ),
        "classifier": lgb.LGBMClassifier(**options).fit(features, labels),
        "regressor": lgb.LGBMRegressor(**options).fit(features, features["a"]),
    }


def flavor(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((path / "MLmodel").read_text())["flavors"]["lightgbm"])


@pytest.mark.parametrize(("kind", "serialization_format"), CASES, ids=CASE_IDS)
def test_a_saved_model_loads_back_as_its_class_and_predicts_identically(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame, kind: str, serialization_format: str
) -> None:
    model = models[kind]
    keel.lightgbm.save_model(model, tmp_path / "m", serialization_format=serialization_format)

    native = keel.lightgbm.load_model(tmp_path / "m")
    as_pyfunc = keel.pyfunc.load_model(tmp_path / "m")

    assert type(native) is type(model)
    np.testing.assert_array_equal(native.predict(features), model.predict(features))
    np.testing.assert_array_equal(as_pyfunc.predict(features), model.predict(features))
    if kind == "booster":
        assert flavor(tmp_path / "m")["data"] == "model.lgb"
    else:
        assert flavor(tmp_path / "m")["data"] == {"skops": "model.skops"}.get(
            serialization_format, "model.pkl"
        )


@pytest.mark.parametrize(("kind", "serialization_format"), CASES, ids=CASE_IDS)
def test_keel_writes_the_mlmodel_flavors_mlflow_writes(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame, kind: str, serialization_format: str
) -> None:
    for writer, path in ((keel.lightgbm, tmp_path / "keel"), (mlflow.lightgbm, tmp_path / "mlflow")):
        extra = {"pip_requirements": MLFLOW_REQUIREMENTS} if writer is mlflow.lightgbm else {}
        writer.save_model(
            models[kind],
            path,
            serialization_format=serialization_format,
            input_example=features.head(3),
            **extra,
        )

    ours, theirs = flavor(tmp_path / "keel"), flavor(tmp_path / "mlflow")
    # MLflow writes its trusted types in set order; the set is what matters.
    assert set(ours.pop("skops_trusted_types") or ()) == set(theirs.pop("skops_trusted_types") or ())
    assert ours == theirs
    pyfunc = [
        yaml.safe_load((p / "MLmodel").read_text())["flavors"]["python_function"]
        for p in (tmp_path / "keel", tmp_path / "mlflow")
    ]
    assert pyfunc[0] == pyfunc[1]
    assert (
        keel.models.Model.load(tmp_path / "keel").signature
        == keel.models.Model.load(tmp_path / "mlflow").signature
    )
    requirements = (tmp_path / "keel" / "requirements.txt").read_text().splitlines()
    assert f"lightgbm=={lgb.__version__}" in requirements
    assert any(line.startswith(f"{serialization_format}==") for line in requirements) == (kind != "booster")


@pytest.mark.parametrize(
    ("kind", "serialization_format"), [*CASES, ("classifier", "pickle")], ids=[*CASE_IDS, "classifier-pickle"]
)
def test_mlflow_loads_keel_lightgbm_models_and_predicts_identically(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame, kind: str, serialization_format: str
) -> None:
    model = models[kind]
    keel.lightgbm.save_model(
        model, tmp_path / "m", serialization_format=serialization_format, input_example=features.head(3)
    )

    as_pyfunc = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    native = mlflow.lightgbm.load_model(str(tmp_path / "m"))

    np.testing.assert_array_equal(
        as_pyfunc.predict(features), keel.pyfunc.load_model(tmp_path / "m").predict(features)
    )
    np.testing.assert_array_equal(native.predict(features), model.predict(features))


@pytest.mark.parametrize(("kind", "serialization_format"), CASES, ids=CASE_IDS)
def test_keel_loads_mlflow_lightgbm_models_and_predicts_identically(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame, kind: str, serialization_format: str
) -> None:
    model = models[kind]
    mlflow.lightgbm.save_model(
        model,
        tmp_path / "m",
        serialization_format=serialization_format,
        input_example=features.head(3),
        pip_requirements=MLFLOW_REQUIREMENTS,
    )

    as_pyfunc = keel.pyfunc.load_model(tmp_path / "m")
    native = keel.lightgbm.load_model(tmp_path / "m")

    np.testing.assert_array_equal(
        as_pyfunc.predict(features), mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(features)
    )
    np.testing.assert_array_equal(native.predict(features), model.predict(features))
    assert as_pyfunc.loader_module == "mlflow.lightgbm"


def test_skops_models_load_without_a_warning_and_pickled_ones_warn(
    tmp_path: Path, models: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    keel.lightgbm.save_model(models["classifier"], tmp_path / "skops")
    keel.lightgbm.save_model(models["classifier"], tmp_path / "pickle", serialization_format="cloudpickle")
    monkeypatch.setattr(trust, "_warned", False)  # the warning is shown once per process

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keel.lightgbm.load_model(tmp_path / "skops")
    assert not [w for w in caught if issubclass(w.category, UntrustedModelWarning)]
    with pytest.warns(UntrustedModelWarning, match="cloudpickle"):
        keel.lightgbm.load_model(tmp_path / "pickle")


def test_a_skops_mlmodel_trusting_more_than_lightgbm_warns(
    tmp_path: Path, models: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    keel.lightgbm.save_model(models["classifier"], tmp_path / "m")
    mlmodel = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())
    mlmodel["flavors"]["lightgbm"]["skops_trusted_types"].append("builtins.eval")
    (tmp_path / "m" / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    monkeypatch.setattr(trust, "_warned", False)

    with pytest.warns(UntrustedModelWarning, match="builtins.eval"):
        keel.lightgbm.load_model(tmp_path / "m")


def test_a_model_skops_will_not_trust_is_refused_and_cloudpickle_saves_it(
    tmp_path: Path, features: pd.DataFrame
) -> None:
    model = lgb.LGBMRegressor(
        objective=squared_error, n_estimators=3, min_child_samples=5, n_jobs=1, verbose=-1
    )
    model.fit(features, features["a"])

    with pytest.raises(InvalidParameter, match="skops_trusted_types"):
        keel.lightgbm.save_model(model, tmp_path / "skops")
    assert not (tmp_path / "skops").exists()  # a failed save leaves nothing behind
    keel.lightgbm.save_model(model, tmp_path / "cloudpickle", serialization_format="cloudpickle")

    np.testing.assert_array_equal(
        keel.pyfunc.load_model(tmp_path / "cloudpickle").predict(features), model.predict(features)
    )


def test_the_signature_and_input_example_are_saved_and_enforced(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame
) -> None:
    keel.lightgbm.save_model(models["booster"], tmp_path / "m", input_example=features.head(3))
    model = keel.pyfunc.load_model(tmp_path / "m")

    assert model.metadata.get_input_schema().input_names() == ["a", "b", "n"]
    assert model.metadata.get_output_schema().to_dict() == [{"type": "double", "required": True}]
    pd.testing.assert_frame_equal(model.input_example, features.head(3))
    with pytest.raises(InvalidParameter, match="'b' is required"):
        model.predict(features.drop(columns=["b"]))
    np.testing.assert_array_equal(
        model.predict(features[["n", "b", "a"]]), models["booster"].predict(features)
    )


def test_params_in_the_signature_reach_predict(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame
) -> None:
    booster = models["booster"]
    keel.lightgbm.save_model(booster, tmp_path / "m", input_example=(features.head(3), {"raw_score": False}))
    model = keel.pyfunc.load_model(tmp_path / "m")

    raw = model.predict(features, params={"raw_score": True})

    np.testing.assert_array_equal(raw, booster.predict(features, raw_score=True))
    np.testing.assert_array_equal(model.predict(features), booster.predict(features))
    assert not np.array_equal(raw, booster.predict(features))


def test_a_booster_trained_on_arrays_takes_arrays(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    data = rng.normal(size=(40, 3))
    booster = lgb.train(
        {"objective": "regression", "min_data_in_leaf": 5, "num_threads": 1, "verbose": -1},
        lgb.Dataset(data, data[:, 0]),
        num_boost_round=3,
    )
    keel.lightgbm.save_model(booster, tmp_path / "m", input_example=data[:2])

    model = keel.pyfunc.load_model(tmp_path / "m")

    assert model.metadata.get_input_schema().is_tensor_spec()
    np.testing.assert_array_equal(model.predict(data), booster.predict(data))
    np.testing.assert_array_equal(
        mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(data), booster.predict(data)
    )


@pytest.mark.parametrize("uri", ["runs", "models"])
def test_a_logged_model_loads_by_runs_and_models_uris(
    models: dict[str, Any], features: pd.DataFrame, uri: str
) -> None:
    with keel.start_run() as run:
        info = keel.lightgbm.log_model(models["classifier"], name="lgb", input_example=features.head(3))
    model_uri = {"runs": f"runs:/{run.info.run_id}/lgb", "models": info.model_uri}[uri]

    expected = models["classifier"].predict(features)
    np.testing.assert_array_equal(keel.pyfunc.load_model(model_uri).predict(features), expected)
    np.testing.assert_array_equal(
        keel.lightgbm.load_model(model_uri).predict_proba(features),
        models["classifier"].predict_proba(features),
    )
    np.testing.assert_array_equal(mlflow.pyfunc.load_model(info.artifact_path).predict(features), expected)
    assert info.flavors["lightgbm"]["serialization_format"] == "skops"


@pytest.mark.usefixtures("mlflow_tracking")
def test_a_model_logged_by_mlflow_loads_in_keel_and_predicts_identically(
    models: dict[str, Any], features: pd.DataFrame
) -> None:
    with mlflow.start_run():
        info = mlflow.lightgbm.log_model(
            models["booster"],
            name="model",
            input_example=features.head(3),
            pip_requirements=MLFLOW_REQUIREMENTS,
        )
    location = mlflow.MlflowClient().get_logged_model(info.model_id).artifact_location

    as_pyfunc = keel.pyfunc.load_model(location)
    native = keel.lightgbm.load_model(location)

    expected = mlflow.pyfunc.load_model(info.model_uri).predict(features)
    np.testing.assert_array_equal(as_pyfunc.predict(features), expected)
    np.testing.assert_array_equal(native.predict(features), expected)
    assert as_pyfunc.metadata.model_id == info.model_id


def test_an_unknown_serialization_format_is_refused(tmp_path: Path, models: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameter, match="Unrecognized serialization format: joblib"):
        keel.lightgbm.save_model(models["classifier"], tmp_path / "m", serialization_format="joblib")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (LogisticRegression(), "not sklearn.linear_model._logistic.LogisticRegression"),
        ("model.lgb", "not builtins.str"),
        (lgb.LGBMClassifier(), "LGBMClassifier is not fitted"),
    ],
    ids=["scikit-learn estimator", "a path", "unfitted"],
)
def test_what_is_not_a_trained_lightgbm_model_is_refused(tmp_path: Path, model: Any, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        keel.lightgbm.save_model(model, tmp_path / "m")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("data", "../outside.lgb", "not a file in the model directory"),
        ("data", "MLmodel", "not a LightGBM model LightGBM can read"),
        ("serialization_format", "joblib", "Unrecognized serialization format: joblib"),
    ],
)
def test_an_mlmodel_naming_another_file_or_format_is_refused(
    tmp_path: Path, models: dict[str, Any], key: str, value: str, message: str
) -> None:
    model = models["booster"] if key == "data" else models["classifier"]
    keel.lightgbm.save_model(model, tmp_path / "m")
    (tmp_path / "outside.lgb").write_text("tree\n")
    mlmodel = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())
    mlmodel["flavors"]["lightgbm"][key] = value
    (tmp_path / "m" / "MLmodel").write_text(yaml.safe_dump(mlmodel))

    with pytest.raises(InvalidParameter, match=message):
        keel.lightgbm.load_model(tmp_path / "m")
