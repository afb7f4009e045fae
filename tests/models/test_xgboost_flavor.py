"""The xgboost flavor: keel and MLflow load each other's XGBoost models, Boosters and the scikit-learn API."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
import mlflow.xgboost
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
import yaml
from sklearn.linear_model import LogisticRegression

import keel
from keel.errors import InvalidParameter

FORMATS = ["ubj", "json"]
KINDS = ["booster", "classifier", "regressor"]
MLFLOW_REQUIREMENTS = ["xgboost"]  # so that mlflow does not infer them in a subprocess


@pytest.fixture(scope="module")
def labels(features: pd.DataFrame) -> pd.Series:
    return (features["a"] + 0.5 * features["b"] - 0.1 * features["n"] > 0).astype(int)


@pytest.fixture(scope="module")
def models(features: pd.DataFrame, labels: pd.Series) -> dict[str, Any]:
    options = {"n_estimators": 4, "max_depth": 2, "n_jobs": 1}
    return {
        "booster": xgb.train(
            {"max_depth": 2, "objective": "binary:logistic", "nthread": 1},
            xgb.DMatrix(features, labels),
            num_boost_round=4,
        ),
        "classifier": xgb.XGBClassifier(**options).fit(features, labels),
        "regressor": xgb.XGBRegressor(**options).fit(features, features["a"]),
    }


def predict(model: Any, data: pd.DataFrame) -> Any:
    if isinstance(model, xgb.Booster):
        return model.predict(xgb.DMatrix(data))
    return model.predict(data)


def flavors(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((path / "MLmodel").read_text())["flavors"])


@pytest.mark.parametrize("model_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_saved_model_loads_back_as_its_class_and_predicts_identically(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame, kind: str, model_format: str
) -> None:
    model = models[kind]
    keel.xgboost.save_model(model, tmp_path / "m", model_format=model_format)

    native = keel.xgboost.load_model(tmp_path / "m")
    as_pyfunc = keel.pyfunc.load_model(tmp_path / "m")

    assert type(native) is type(model)
    assert (tmp_path / "m" / f"model.{model_format}").is_file()
    np.testing.assert_array_equal(predict(native, features), predict(model, features))
    np.testing.assert_array_equal(as_pyfunc.predict(features), predict(model, features))
    assert as_pyfunc.get_raw_model().__class__ is type(model)


@pytest.mark.parametrize("kind", ["booster", "classifier"])
def test_keel_writes_the_mlmodel_flavors_mlflow_writes(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame, kind: str
) -> None:
    keel.xgboost.save_model(models[kind], tmp_path / "keel", input_example=features.head(3))
    mlflow.xgboost.save_model(
        models[kind],
        tmp_path / "mlflow",
        input_example=features.head(3),
        pip_requirements=MLFLOW_REQUIREMENTS,
    )

    assert flavors(tmp_path / "keel") == flavors(tmp_path / "mlflow")
    assert flavors(tmp_path / "keel")["xgboost"]["model_format"] == "ubj"
    assert (
        keel.models.Model.load(tmp_path / "keel").signature
        == keel.models.Model.load(tmp_path / "mlflow").signature
    )
    requirements = (tmp_path / "keel" / "requirements.txt").read_text().splitlines()
    assert f"xgboost=={xgb.__version__}" in requirements
    assert any(line.startswith("scikit-learn==") for line in requirements) == (kind == "classifier")


@pytest.mark.parametrize("model_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_mlflow_loads_keel_xgboost_models_and_predicts_identically(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame, kind: str, model_format: str
) -> None:
    model = models[kind]
    keel.xgboost.save_model(model, tmp_path / "m", model_format=model_format, input_example=features.head(3))

    as_pyfunc = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    native = mlflow.xgboost.load_model(str(tmp_path / "m"))

    np.testing.assert_array_equal(
        as_pyfunc.predict(features), keel.pyfunc.load_model(tmp_path / "m").predict(features)
    )
    np.testing.assert_array_equal(predict(native, features), predict(model, features))


@pytest.mark.parametrize("model_format", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_keel_loads_mlflow_xgboost_models_and_predicts_identically(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame, kind: str, model_format: str
) -> None:
    model = models[kind]
    mlflow.xgboost.save_model(
        model,
        tmp_path / "m",
        model_format=model_format,
        input_example=features.head(3),
        pip_requirements=MLFLOW_REQUIREMENTS,
    )

    as_pyfunc = keel.pyfunc.load_model(tmp_path / "m")
    native = keel.xgboost.load_model(tmp_path / "m")

    np.testing.assert_array_equal(
        as_pyfunc.predict(features), mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(features)
    )
    np.testing.assert_array_equal(predict(native, features), predict(model, features))
    assert as_pyfunc.loader_module == "mlflow.xgboost"


def test_the_signature_and_input_example_are_saved_and_enforced(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame
) -> None:
    keel.xgboost.save_model(models["classifier"], tmp_path / "m", input_example=features.head(3))
    model = keel.pyfunc.load_model(tmp_path / "m")

    assert model.metadata.get_input_schema().input_names() == ["a", "b", "n"]
    assert model.metadata.get_output_schema().to_dict() == [{"type": "long", "required": True}]
    pd.testing.assert_frame_equal(model.input_example, features.head(3))
    with pytest.raises(InvalidParameter, match="'b' is required"):
        model.predict(features.drop(columns=["b"]))
    reordered = features[["n", "b", "a"]]
    np.testing.assert_array_equal(model.predict(reordered), models["classifier"].predict(features))


def test_params_in_the_signature_reach_the_boosters_predict(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame
) -> None:
    booster = models["booster"]
    keel.xgboost.save_model(
        booster, tmp_path / "m", input_example=(features.head(3), {"output_margin": False})
    )

    ours = keel.pyfunc.load_model(tmp_path / "m")
    theirs = mlflow.pyfunc.load_model(str(tmp_path / "m"))

    margins = booster.predict(xgb.DMatrix(features), output_margin=True)
    np.testing.assert_array_equal(ours.predict(features, params={"output_margin": True}), margins)
    np.testing.assert_array_equal(theirs.predict(features, params={"output_margin": True}), margins)
    np.testing.assert_array_equal(ours.predict(features), booster.predict(xgb.DMatrix(features)))


def test_a_model_trained_on_arrays_takes_arrays(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    data = rng.normal(size=(30, 3)).astype(np.float32)
    regressor = xgb.XGBRegressor(n_estimators=3, max_depth=2, n_jobs=1).fit(data, data[:, 0])
    keel.xgboost.save_model(regressor, tmp_path / "m", input_example=data[:2])

    model = keel.pyfunc.load_model(tmp_path / "m")

    assert model.metadata.get_input_schema().is_tensor_spec()
    np.testing.assert_array_equal(model.predict(data), regressor.predict(data))
    np.testing.assert_array_equal(
        mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(data), regressor.predict(data)
    )


@pytest.mark.parametrize("uri", ["runs", "models"])
def test_a_logged_model_loads_by_runs_and_models_uris(
    models: dict[str, Any], features: pd.DataFrame, uri: str
) -> None:
    with keel.start_run() as run:
        info = keel.xgboost.log_model(models["classifier"], name="xgb", input_example=features.head(3))
    model_uri = {"runs": f"runs:/{run.info.run_id}/xgb", "models": info.model_uri}[uri]

    expected = models["classifier"].predict(features)
    np.testing.assert_array_equal(keel.pyfunc.load_model(model_uri).predict(features), expected)
    np.testing.assert_array_equal(keel.xgboost.load_model(model_uri).predict(features), expected)
    np.testing.assert_array_equal(mlflow.pyfunc.load_model(info.artifact_path).predict(features), expected)
    assert info.flavors["xgboost"]["model_class"] == "xgboost.sklearn.XGBClassifier"
    assert info.signature is not None


@pytest.mark.usefixtures("mlflow_tracking")
def test_a_model_logged_by_mlflow_loads_in_keel_and_predicts_identically(
    models: dict[str, Any], features: pd.DataFrame
) -> None:
    with mlflow.start_run():
        info = mlflow.xgboost.log_model(
            models["booster"],
            name="model",
            input_example=features.head(3),
            pip_requirements=MLFLOW_REQUIREMENTS,
        )
    location = mlflow.MlflowClient().get_logged_model(info.model_id).artifact_location

    as_pyfunc = keel.pyfunc.load_model(location)
    native = keel.xgboost.load_model(location)

    expected = mlflow.pyfunc.load_model(info.model_uri).predict(features)
    np.testing.assert_array_equal(as_pyfunc.predict(features), expected)
    np.testing.assert_array_equal(predict(native, features), expected)
    assert as_pyfunc.metadata.model_id == info.model_id


def test_keel_loads_mlflow_xgboost_models_without_importing_mlflow(
    tmp_path: Path, models: dict[str, Any], features: pd.DataFrame
) -> None:
    mlflow.xgboost.save_model(models["classifier"], tmp_path / "m", pip_requirements=MLFLOW_REQUIREMENTS)
    code = textwrap.dedent(
        f"""
        import json, sys
        import pandas as pd
        import keel
        model = keel.pyfunc.load_model({str(tmp_path / "m")!r})
        data = pd.DataFrame({features.head(5).to_dict("list")!r})
        print(json.dumps({{"mlflow": "mlflow" in sys.modules, "predictions": model.predict(data).tolist()}}))
        """
    )

    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120
    )

    result = json.loads(done.stdout)
    assert result == {"mlflow": False, "predictions": models["classifier"].predict(features.head(5)).tolist()}


def test_an_unknown_model_format_is_refused(tmp_path: Path, models: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameter, match=r"Unrecognized model format: pickle.*\['ubj', 'json'\]"):
        keel.xgboost.save_model(models["booster"], tmp_path / "m", model_format="pickle")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (LogisticRegression(), "not sklearn.linear_model._logistic.LogisticRegression"),
        ("model.ubj", "not builtins.str"),
        (xgb.XGBClassifier(), "XGBClassifier is not fitted"),
    ],
    ids=["scikit-learn estimator", "a path", "unfitted"],
)
def test_what_is_not_a_trained_xgboost_model_is_refused(tmp_path: Path, model: Any, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        keel.xgboost.save_model(model, tmp_path / "m")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("model_class", "subprocess.Popen", "not an XGBoost model class"),
        ("model_class", "xgboost.DMatrix", "not an XGBoost model class"),
        ("data", "../outside.ubj", "not a file in the model directory"),
        ("data", "MLmodel", "not an XGBoost model XGBoost can read"),
    ],
)
def test_an_mlmodel_naming_another_class_or_file_is_refused(
    tmp_path: Path, models: dict[str, Any], key: str, value: str, message: str
) -> None:
    keel.xgboost.save_model(models["booster"], tmp_path / "m")
    (tmp_path / "outside.ubj").write_bytes((tmp_path / "m" / "model.ubj").read_bytes())
    mlmodel = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())
    mlmodel["flavors"]["xgboost"][key] = value
    (tmp_path / "m" / "MLmodel").write_text(yaml.safe_dump(mlmodel))

    with pytest.raises(InvalidParameter, match=message):
        keel.xgboost.load_model(tmp_path / "m")


def test_a_subclass_saved_with_its_code_loads_as_that_class(
    tmp_path: Path, features: pd.DataFrame, labels: pd.Series, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The class lives in a module that the loading process finds only in the model's code/ directory.
    source = tmp_path / "src"
    source.mkdir()
    (source / "tagged_xgb.py").write_text(
        "import xgboost\n\nclass TaggedClassifier(xgboost.XGBClassifier):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(source))
    monkeypatch.setitem(sys.modules, "tagged_xgb", importlib.import_module("tagged_xgb"))
    model = sys.modules["tagged_xgb"].TaggedClassifier(n_estimators=3, max_depth=2, n_jobs=1)
    model.fit(features, labels)
    keel.xgboost.save_model(model, tmp_path / "m", code_paths=[source / "tagged_xgb.py"])
    load = textwrap.dedent(
        f"""
        import json, keel
        import pandas as pd
        model = keel.xgboost.load_model({str(tmp_path / "m")!r})
        data = pd.DataFrame({features.head(5).to_dict("list")!r})
        print(json.dumps([type(model).__module__, model.predict(data).tolist()]))
        """
    )

    done = subprocess.run(
        [sys.executable, "-c", load], check=True, capture_output=True, text=True, timeout=120
    )

    assert json.loads(done.stdout) == ["tagged_xgb", model.predict(features.head(5)).tolist()]
    assert flavors(tmp_path / "m")["xgboost"]["model_class"] == "tagged_xgb.TaggedClassifier"
