"""Custom Python models: saved by keel and loaded by MLflow, saved by MLflow and loaded by keel."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
from model_classes import Echo, MlflowDouble, MlflowUpper, NoContext, Scale

import keel
from keel.errors import InvalidParameter, NotFound

FRAME = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1, 2, 3]})


@pytest.fixture
def factor_file(tmp_path: Path) -> Path:
    path = tmp_path / "factor.txt"
    path.write_text("3")
    return path


@pytest.fixture
def scale_model(tmp_path: Path, factor_file: Path) -> Path:
    path = tmp_path / "scale"
    keel.pyfunc.save_model(
        path,
        python_model=Scale(),
        artifacts={"factor": str(factor_file)},
        input_example=(FRAME, {"mult": 1.0}),
    )
    return path


def test_context_artifacts_are_copied_into_the_model_and_given_to_load_context(
    scale_model: Path, factor_file: Path
) -> None:
    factor_file.write_text("100")  # the model keeps its own copy

    model = keel.pyfunc.load_model(scale_model)

    assert model.predict(FRAME)["scaled"].tolist() == [3.0, 6.0, 9.0]
    assert (scale_model / "artifacts" / "factor.txt").read_text() == "3"


def test_params_with_defaults_are_inferred_from_the_example_and_reach_predict(scale_model: Path) -> None:
    model = keel.pyfunc.load_model(scale_model)

    assert model.metadata.get_params_schema().to_dict() == [
        {"name": "mult", "default": 1.0, "shape": None, "type": "double"}
    ]
    assert model.predict(FRAME, params={"mult": 2})["scaled"].tolist() == [6.0, 12.0, 18.0]


def test_mlflow_loads_a_keel_custom_model_and_predicts_identically(scale_model: Path) -> None:
    ours = keel.pyfunc.load_model(scale_model)
    theirs = mlflow.pyfunc.load_model(str(scale_model))

    pd.testing.assert_frame_equal(
        theirs.predict(FRAME, params={"mult": 2}), ours.predict(FRAME, params={"mult": 2})
    )
    assert theirs.metadata.get_params_schema().to_dict() == ours.metadata.get_params_schema().to_dict()


def test_keel_loads_an_mlflow_custom_model_and_predicts_identically(tmp_path: Path) -> None:
    mlflow.pyfunc.save_model(
        tmp_path / "m", python_model=MlflowDouble(), input_example=FRAME, pip_requirements=[]
    )

    ours = keel.pyfunc.load_model(tmp_path / "m")

    pd.testing.assert_frame_equal(
        ours.predict(FRAME), mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(FRAME)
    )
    assert ours.unwrap_python_model().loaded is True


@pytest.mark.parametrize(
    "data",
    [FRAME, FRAME.to_numpy(), {"a": [1.0], "b": [2.0]}, [[1.0, 2.0]], [{"a": 1.0}]],
    ids=["dataframe", "ndarray", "dict", "list of lists", "list of dicts"],
)
def test_a_model_without_signature_gets_its_input_unchanged(tmp_path: Path, data: object) -> None:
    keel.pyfunc.save_model(tmp_path / "m", python_model=Echo())

    seen = keel.pyfunc.load_model(tmp_path / "m").predict(data)

    assert seen is data


def test_predict_without_a_context_argument_is_supported(tmp_path: Path) -> None:
    keel.pyfunc.save_model(tmp_path / "m", python_model=NoContext())

    assert keel.pyfunc.load_model(tmp_path / "m").predict([1, 2, 3]) == [3]
    assert mlflow.pyfunc.load_model(str(tmp_path / "m")).predict([1, 2, 3]) == [3]


def test_models_load_from_a_file_uri(scale_model: Path) -> None:
    model = keel.pyfunc.load_model(scale_model.as_uri())

    assert model.predict(FRAME)["scaled"].tolist() == [3.0, 6.0, 9.0]


def test_code_paths_are_saved_with_the_model_and_importable_when_it_loads(tmp_path: Path) -> None:
    # The class lives in a module that exists only inside the model's code/ directory.
    source = tmp_path / "src"
    source.mkdir()
    (source / "triple_model.py").write_text(
        textwrap.dedent(
            """
            import keel

            class Triple(keel.pyfunc.PythonModel):
                def predict(self, context, model_input, params=None):
                    return [x * 3 for x in model_input]
            """
        )
    )
    save = textwrap.dedent(
        f"""
        import sys, keel
        sys.path.insert(0, {str(source)!r})
        from triple_model import Triple
        keel.pyfunc.save_model({str(tmp_path / "m")!r}, python_model=Triple(),
                               code_paths=[{str(source / "triple_model.py")!r}])
        """
    )
    subprocess.run([sys.executable, "-c", save], check=True, timeout=120)
    load = textwrap.dedent(
        f"""
        import warnings, keel
        warnings.simplefilter("ignore")
        print(keel.pyfunc.load_model({str(tmp_path / "m")!r}).predict([1, 2]))
        """
    )

    done = subprocess.run(
        [sys.executable, "-c", load], check=True, capture_output=True, text=True, timeout=120
    )

    assert done.stdout.strip() == "[3, 6]"
    assert (tmp_path / "m" / "code" / "triple_model.py").exists()


def test_loading_a_pickled_model_warns_once_per_process(scale_model: Path) -> None:
    code = textwrap.dedent(
        f"""
        import warnings, keel
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            keel.pyfunc.load_model({str(scale_model)!r})
            keel.pyfunc.load_model({str(scale_model)!r})
        kinds = [w.category.__name__ for w in caught if "arbitrary code" in str(w.message)]
        print(kinds)
        """
    )

    here = Path(__file__).parent  # where the model's class can be imported from
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=here, check=True, capture_output=True, text=True, timeout=120
    )

    assert done.stdout.strip() == "['UntrustedModelWarning']"


def test_a_model_without_the_pyfunc_flavor_is_refused(tmp_path: Path) -> None:
    keel.models.Model(flavors={"custom": {"data": "x"}}).save(tmp_path / "MLmodel")

    with pytest.raises(InvalidParameter, match='does not have the "python_function" flavor'):
        keel.pyfunc.load_model(tmp_path)


def test_a_missing_local_model_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        keel.pyfunc.load_model(tmp_path / "nothing")


def test_registered_model_uris_resolve_through_the_registry(classifier, features) -> None:
    import keel.sklearn

    with keel.start_run() as run:
        keel.sklearn.log_model(classifier, name="model")
    client = keel.Client()
    for _ in range(2):
        keel.register_model(f"runs:/{run.info.run_id}/model", "clf")
    client.set_registered_model_alias("clf", "champion", 1)
    client.transition_model_version_stage("clf", 2, "Staging")
    expected = classifier.predict(features)
    for uri in ("models:/clf/1", "models:/clf@champion", "models:/clf/Staging", "models:/clf/latest"):
        np.testing.assert_array_equal(keel.pyfunc.load_model(uri).predict(features), expected)
    with pytest.raises(NotFound, match="No version of registered model 'clf' is in 'Production'"):
        keel.pyfunc.load_model("models:/clf/Production")
    with pytest.raises(NotFound):
        keel.pyfunc.load_model("models:/ghost/1")
    with pytest.raises(InvalidParameter, match="alias"):
        keel.pyfunc.load_model("models:/clf@nobody")


def test_save_model_refuses_objects_that_are_not_python_models(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameter, match="PythonModel"):
        keel.pyfunc.save_model(tmp_path / "m", python_model=np.mean)


def test_an_mlflow_model_typed_by_its_type_hints_predicts_as_in_mlflow(tmp_path: Path) -> None:
    mlflow.pyfunc.save_model(
        tmp_path / "m", python_model=MlflowUpper(), input_example=["a"], pip_requirements=[]
    )

    ours = keel.pyfunc.load_model(tmp_path / "m")

    assert ours.metadata.extra["is_signature_from_type_hint"] is True
    assert (
        ours.predict(["x", "y"])
        == mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(["x", "y"])
        == ["X", "Y"]
    )
