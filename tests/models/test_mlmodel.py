"""The MLmodel file and the files around it, as MLflow 3.17 writes them."""

from __future__ import annotations

import platform
from pathlib import Path

import mlflow.models
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
import pytest
import yaml
from model_classes import Echo, MlflowEcho
from sklearn.linear_model import LogisticRegression

import keel
from keel.errors import AlreadyExists, NotFound
from keel.models import Model, ModelSignature, infer_signature
from keel.models.environment import installed_version

# Given to mlflow so that it does not infer requirements in a subprocess (seconds per model).
MLFLOW_REQUIREMENTS = ["scikit-learn"]

EXAMPLES = {
    "dataframe": pd.DataFrame({"a": [1.0, np.nan], "s": ["x", None], "n": [1, 2]}),
    "dataframe without column names": pd.DataFrame([[1.0, 2.0]]),
    "ndarray with nan": np.array([[1.0, np.nan], [3.0, 4.0]]),
    "dict of arrays": {"x": np.array([1, 2]), "y": np.array([0.5, np.nan])},
    "json object": {"question": "why?", "k": 3},
    "llm request": {"messages": [{"role": "user", "content": "hi"}]},
    "list": ["a", "b"],
    "scalar": "text",
    "with params": (pd.DataFrame({"a": [1.0]}), {"temperature": 0.5, "stop": ["."]}),
}


@pytest.mark.parametrize("example", list(EXAMPLES.values()), ids=list(EXAMPLES))
def test_input_examples_are_stored_exactly_as_mlflow_stores_them(tmp_path: Path, example: object) -> None:
    signature = ModelSignature(outputs=infer_signature(model_output=[1.0]).outputs)
    mlflow.pyfunc.save_model(
        tmp_path / "mlflow",
        python_model=MlflowEcho(),
        input_example=example,
        signature=mlflow.models.ModelSignature.from_dict(signature.to_dict()),
        pip_requirements=MLFLOW_REQUIREMENTS,
    )
    keel.pyfunc.save_model(tmp_path / "keel", python_model=Echo(), input_example=example, signature=signature)

    for name in ("input_example.json", "serving_input_example.json"):
        assert (tmp_path / "keel" / name).read_text() == (tmp_path / "mlflow" / name).read_text()
    assert (
        Model.load(tmp_path / "keel").saved_input_example_info
        == mlflow.models.Model.load(tmp_path / "mlflow").saved_input_example_info
    )


def test_the_example_reads_back_with_the_signatures_types(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0], "n": np.array([1, 2], dtype="int32")})
    keel.pyfunc.save_model(tmp_path / "m", python_model=Echo(), input_example=frame)

    loaded = keel.pyfunc.load_model(tmp_path / "m")

    pd.testing.assert_frame_equal(loaded.input_example, frame)


def test_sklearn_mlmodel_matches_mlflows_but_for_ids_times_and_versions(
    tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    example = features.head(3)
    mlflow.sklearn.save_model(
        classifier,
        tmp_path / "mlflow",
        serialization_format="cloudpickle",
        input_example=example,
        pip_requirements=MLFLOW_REQUIREMENTS,
    )
    keel.sklearn.save_model(classifier, tmp_path / "keel", input_example=example)

    ours = yaml.safe_load((tmp_path / "keel" / "MLmodel").read_text())
    theirs = yaml.safe_load((tmp_path / "mlflow" / "MLmodel").read_text())

    for key in ("model_uuid", "utc_time_created", "model_size_bytes"):
        assert ours.pop(key)
        assert theirs.pop(key)
    assert theirs.pop("mlflow_version") == mlflow.__version__
    assert theirs.pop("prompts") is None
    assert ours.pop("keel_version") == keel.__version__
    assert ours == theirs


def test_environment_files_pin_the_installed_versions(tmp_path: Path, classifier: LogisticRegression) -> None:
    keel.sklearn.save_model(classifier, tmp_path / "m")

    requirements = (tmp_path / "m" / "requirements.txt").read_text().splitlines()
    conda = yaml.safe_load((tmp_path / "m" / "conda.yaml").read_text())
    python_env = yaml.safe_load((tmp_path / "m" / "python_env.yaml").read_text())

    assert requirements == [
        f"cloudpickle=={installed_version('cloudpickle')}",
        f"numpy=={installed_version('numpy')}",
        f"scikit-learn=={installed_version('scikit-learn')}",
        f"scipy=={installed_version('scipy')}",
    ]
    assert conda == {
        "name": "mlflow-env",
        "channels": ["conda-forge"],
        "dependencies": [
            f"python={platform.python_version()}",
            f"pip<={installed_version('pip')}",
            {"pip": requirements},
        ],
    }
    assert python_env["python"] == platform.python_version()
    assert python_env["dependencies"] == ["-r requirements.txt"]
    assert python_env["build_dependencies"][0] == f"pip=={installed_version('pip')}"


def test_pip_requirements_replace_and_extra_requirements_add(
    tmp_path: Path, classifier: LogisticRegression
) -> None:
    keel.sklearn.save_model(
        classifier, tmp_path / "replaced", pip_requirements=["scikit-learn", "mylib==1.0"]
    )
    keel.sklearn.save_model(classifier, tmp_path / "extended", extra_pip_requirements=["mylib==1.0"])

    assert (tmp_path / "replaced" / "requirements.txt").read_text() == "scikit-learn\nmylib==1.0"
    assert (tmp_path / "extended" / "requirements.txt").read_text().splitlines()[-1] == "mylib==1.0"


def test_mlmodel_written_by_mlflow_round_trips_through_keel_unchanged(
    tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    mlflow.sklearn.save_model(
        classifier,
        tmp_path / "m",
        input_example=features.head(2),
        metadata={"team": "ml"},
        pip_requirements=MLFLOW_REQUIREMENTS,
    )
    original = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())

    model = Model.load(tmp_path / "m")
    model.save(tmp_path / "copy.yaml")

    rewritten = yaml.safe_load((tmp_path / "copy.yaml").read_text())
    assert rewritten.pop("keel_version") == keel.__version__
    assert rewritten == original
    assert model.metadata == {"team": "ml"}
    assert model.signature == ModelSignature.from_dict(original["signature"])


def test_mlmodel_values_read_as_yaml_safe_load_reads_them(tmp_path: Path) -> None:
    text = """flavors:
  python_function: {loader_module: mlflow.sklearn}
metadata:
  date: 2024-01-31
  stamp: 2024-01-31 12:30:00
  word: yes
  octal: 017
  sexagesimal: 1:30
  exponent: 1e3
  infinite: .inf
  nothing: ~
  text: "tab\\there, ünïcode ✓"
  block: |
    two
    lines
  anchored: &items [1, 2]
  aliased: *items
"""
    (tmp_path / "MLmodel").write_text(text, encoding="utf-8")

    assert Model.load(tmp_path).metadata == yaml.safe_load(text)["metadata"]


def test_model_fields_read_back(tmp_path: Path) -> None:
    model = Model(run_id="r1", artifact_path="s3://b/models/m-1/artifacts", model_id="m-1", metadata={"k": 1})
    model.add_flavor("python_function", loader_module="mlflow.sklearn")
    model.save(tmp_path / "MLmodel")

    again = Model.load(tmp_path)

    assert again == model
    assert (again.run_id, again.model_id, again.loader_module) == ("r1", "m-1", "mlflow.sklearn")


def test_saving_into_a_non_empty_directory_is_refused(tmp_path: Path, classifier: LogisticRegression) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "keep.txt").write_text("mine")

    with pytest.raises(AlreadyExists, match="already exists and is not empty"):
        keel.sklearn.save_model(classifier, tmp_path / "m")
    assert [p.name for p in (tmp_path / "m").iterdir()] == ["keep.txt"]


def test_a_directory_without_mlmodel_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="MLmodel"):
        keel.pyfunc.load_model(tmp_path)


def test_an_example_that_does_not_fit_the_given_signature_is_refused(tmp_path: Path) -> None:
    signature = infer_signature(pd.DataFrame({"a": [1.0]}))

    with pytest.raises(
        keel.errors.InvalidParameter, match="Input example does not match the model signature"
    ):
        keel.pyfunc.save_model(
            tmp_path / "m", python_model=Echo(), signature=signature, input_example={"b": 1}
        )


def test_signature_is_inferred_from_the_example_by_running_the_model(
    tmp_path: Path, classifier: LogisticRegression, features: pd.DataFrame
) -> None:
    keel.sklearn.save_model(classifier, tmp_path / "keel", input_example=features.head(3))
    mlflow.sklearn.save_model(
        classifier, tmp_path / "mlflow", input_example=features.head(3), pip_requirements=MLFLOW_REQUIREMENTS
    )

    ours = Model.load(tmp_path / "keel").signature

    assert ours is not None
    assert ours.to_dict() == mlflow.models.Model.load(tmp_path / "mlflow").signature.to_dict()
