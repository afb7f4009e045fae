"""The sklearn flavor: keel and MLflow load each other's scikit-learn models, in all three formats."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import keel
from keel.errors import InvalidParameter

FORMATS = ["cloudpickle", "pickle", "skops"]
MLFLOW_REQUIREMENTS = ["scikit-learn"]  # so that mlflow does not infer them in a subprocess


@pytest.mark.parametrize("serialization_format", FORMATS)
def test_mlflow_loads_keel_sklearn_models_and_predicts_identically(
    tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame, serialization_format: str
) -> None:
    keel.sklearn.save_model(
        classifier, tmp_path / "m", serialization_format=serialization_format, input_example=features.head(3)
    )

    as_pyfunc = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    native = mlflow.sklearn.load_model(str(tmp_path / "m"))

    np.testing.assert_array_equal(as_pyfunc.predict(features), classifier.predict(features))
    np.testing.assert_array_equal(native.predict_proba(features), classifier.predict_proba(features))


@pytest.mark.parametrize("serialization_format", FORMATS)
def test_keel_loads_mlflow_sklearn_models_and_predicts_identically(
    tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame, serialization_format: str
) -> None:
    mlflow.sklearn.save_model(
        classifier,
        tmp_path / "m",
        serialization_format=serialization_format,
        input_example=features.head(3),
        pip_requirements=MLFLOW_REQUIREMENTS,
    )

    as_pyfunc = keel.pyfunc.load_model(tmp_path / "m")
    native = keel.sklearn.load_model(tmp_path / "m")

    np.testing.assert_array_equal(as_pyfunc.predict(features), classifier.predict(features))
    np.testing.assert_array_equal(native.coef_, classifier.coef_)
    assert as_pyfunc.loader_module == "mlflow.sklearn"


def test_mlflow_writes_skops_by_default_and_keel_cloudpickle(
    tmp_path: Path, classifier: LogisticRegression
) -> None:
    mlflow.sklearn.save_model(classifier, tmp_path / "mlflow", pip_requirements=MLFLOW_REQUIREMENTS)
    keel.sklearn.save_model(classifier, tmp_path / "keel")

    def flavor(path: Path) -> dict[str, object]:
        return yaml.safe_load((path / "MLmodel").read_text())["flavors"]["sklearn"]

    assert flavor(tmp_path / "mlflow")["serialization_format"] == "skops"
    assert flavor(tmp_path / "keel")["serialization_format"] == "cloudpickle"
    assert (tmp_path / "keel" / "model.pkl").exists()


def test_keel_loads_mlflow_models_without_importing_mlflow(
    tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    mlflow.sklearn.save_model(classifier, tmp_path / "m", pip_requirements=MLFLOW_REQUIREMENTS)
    code = textwrap.dedent(
        f"""
        import json, sys, warnings
        import pandas as pd
        import keel
        warnings.simplefilter("ignore")
        model = keel.pyfunc.load_model({str(tmp_path / "m")!r})
        data = pd.DataFrame({features.head(5).to_dict("list")!r})
        print(json.dumps({{"mlflow": "mlflow" in sys.modules, "predictions": model.predict(data).tolist()}}))
        """
    )

    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120
    )

    result = json.loads(done.stdout)
    assert result == {"mlflow": False, "predictions": classifier.predict(features.head(5)).tolist()}


def test_an_mlflow_2_model_with_a_data_path_loads(
    tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    mlflow.sklearn.save_model(
        classifier, tmp_path / "m", serialization_format="cloudpickle", pip_requirements=MLFLOW_REQUIREMENTS
    )
    mlmodel = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())
    pyfunc = mlmodel["flavors"]["python_function"]
    pyfunc["data"] = pyfunc.pop("model_path")  # how MLflow 2 wrote it
    del pyfunc["predict_fn"]
    (tmp_path / "m" / "MLmodel").write_text(yaml.safe_dump(mlmodel))

    np.testing.assert_array_equal(
        keel.pyfunc.load_model(tmp_path / "m").predict(features), classifier.predict(features)
    )


def test_pyfunc_predict_fn_chooses_what_predict_calls(
    tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    keel.sklearn.save_model(classifier, tmp_path / "m", pyfunc_predict_fn="predict_proba")

    ours = keel.pyfunc.load_model(tmp_path / "m").predict(features)

    np.testing.assert_array_equal(ours, classifier.predict_proba(features))
    np.testing.assert_array_equal(mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(features), ours)


def test_a_pipeline_with_a_lambda_saves_with_cloudpickle_and_is_refused_by_skops(
    tmp_path: Path, features: pd.DataFrame
) -> None:
    labels = (features["a"] > 0).astype(int)
    pipeline = make_pipeline(FunctionTransformer(lambda x: x * 2), StandardScaler(), LogisticRegression())
    pipeline.fit(features, labels)

    keel.sklearn.save_model(pipeline, tmp_path / "cloudpickle")
    with pytest.raises(InvalidParameter, match="skops"):
        keel.sklearn.save_model(pipeline, tmp_path / "skops", serialization_format="skops")
    assert not (tmp_path / "skops").exists()  # a failed save leaves nothing behind

    np.testing.assert_array_equal(
        keel.sklearn.load_model(tmp_path / "cloudpickle").predict(features), pipeline.predict(features)
    )


def test_an_unknown_serialization_format_is_refused(tmp_path: Path, classifier: LogisticRegression) -> None:
    with pytest.raises(InvalidParameter, match="Unrecognized serialization format: joblib"):
        keel.sklearn.save_model(classifier, tmp_path / "m", serialization_format="joblib")
    assert not (tmp_path / "m").exists()


def test_signature_enforcement_applies_to_sklearn_models(
    tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    keel.sklearn.save_model(classifier, tmp_path / "m", input_example=features.head(3))
    model = keel.pyfunc.load_model(tmp_path / "m")

    with pytest.raises(InvalidParameter, match="'b' is required"):
        model.predict(features.drop(columns=["b"]))
    reordered = features[["n", "b", "a"]].assign(extra=1)
    np.testing.assert_array_equal(model.predict(reordered), classifier.predict(features))
