"""The pytorch flavor: keel and MLflow load each other's PyTorch models, pickled and exported (pt2)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import mlflow.pyfunc
import mlflow.pytorch
import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from torch_modules import ROWS, Blend, Pair, Scaled, predict, regressor

import keel
from keel.errors import InvalidParameter, Unsupported
from keel.models import trust
from keel.models.schema import Schema, TensorSpec
from keel.models.signature import ModelSignature
from keel.models.trust import UntrustedModelWarning
from keel.store.artifacts import local_path_from_uri

FORMATS = ["pickle", "pt2"]
MLFLOW_REQUIREMENTS = ["torch"]  # so that mlflow does not infer them in a subprocess
ALLOW_PICKLE = "MLFLOW_ALLOW_PICKLE_DESERIALIZATION"  # MLflow 3.17 refuses pickled models without it
COLUMNS = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def net() -> torch.nn.Sequential:
    return regressor()


def mlmodel(path: Path) -> dict[str, object]:
    return yaml.safe_load((path / "MLmodel").read_text())


@pytest.mark.parametrize("serialization_format", FORMATS)
def test_a_saved_model_loads_back_and_predicts_identically(
    tmp_path: Path, net: torch.nn.Sequential, serialization_format: str
) -> None:
    keel.pytorch.save_model(net, tmp_path / "m", serialization_format, input_example=ROWS[:3])

    native = keel.pytorch.load_model(tmp_path / "m")
    as_pyfunc = keel.pyfunc.load_model(tmp_path / "m")

    np.testing.assert_array_equal(predict(native), predict(net))
    np.testing.assert_array_equal(as_pyfunc.predict(ROWS), predict(net))
    assert as_pyfunc.loader_module == "mlflow.pytorch"
    on_cpu = keel.pyfunc.load_model(tmp_path / "m", model_config={"device": "cpu"})
    np.testing.assert_array_equal(on_cpu.predict(ROWS), predict(net))


def test_files_and_mlmodel_are_written_as_mlflow_writes_them(
    tmp_path: Path, net: torch.nn.Sequential
) -> None:
    keel.pytorch.save_model(net, tmp_path / "pickle", "pickle")
    keel.pytorch.save_model(net, tmp_path / "pt2", "pt2", input_example=ROWS[:3])

    assert (tmp_path / "pickle/data/pickle_module_info.txt").read_text() == "mlflow.pytorch.pickle_module"
    assert (tmp_path / "pickle/data/model.pth").is_file()
    assert sorted(p.name for p in (tmp_path / "pt2/data").iterdir()) == ["model.pt2"]
    for path in (tmp_path / "pickle", tmp_path / "pt2"):
        flavors = mlmodel(path)["flavors"]
        assert flavors["pytorch"] == {
            "model_data": "data",
            "pytorch_version": torch.__version__,
            "code": None,
        }
        pyfunc = flavors["python_function"]
        assert pyfunc["loader_module"] == "mlflow.pytorch"
        assert pyfunc["pickle_module_name"] == "mlflow.pytorch.pickle_module"
        assert pyfunc["config"] == {"device": None}
        assert pyfunc["data"] == "data"
    assert (tmp_path / "pt2/requirements.txt").read_text().startswith("cloudpickle==")


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        (ROWS[:3], "pt2"),
        (torch.from_numpy(ROWS[:3]), "pt2"),
        (None, "pickle"),
        (pd.DataFrame(ROWS[:3]), "pickle"),
    ],
    ids=["array", "tensor", "no example", "dataframe"],
)
def test_pt2_is_the_default_when_the_example_is_an_array_or_tensor(
    tmp_path: Path, net: torch.nn.Sequential, example: object, expected: str
) -> None:
    keel.pytorch.save_model(net, tmp_path / "m", input_example=example)

    files = {p.name for p in (tmp_path / "m/data").iterdir()}
    assert ("model.pt2" in files) == (expected == "pt2")


def test_the_signature_is_inferred_from_an_array_or_a_dataframe(
    tmp_path: Path, net: torch.nn.Sequential
) -> None:
    frame = pd.DataFrame(ROWS, columns=COLUMNS, index=range(10, 18))
    keel.pytorch.save_model(net, tmp_path / "array", input_example=ROWS[:3])
    keel.pytorch.save_model(net, tmp_path / "frame", input_example=frame.head(3))

    array_model = keel.pyfunc.load_model(tmp_path / "array")
    frame_model = keel.pyfunc.load_model(tmp_path / "frame")

    assert array_model.metadata.signature == ModelSignature(
        Schema([TensorSpec(np.dtype("float32"), (-1, 4))]), Schema([TensorSpec(np.dtype("float32"), (-1, 3))])
    )
    assert frame_model.metadata.get_input_schema().input_names() == COLUMNS
    scores = frame_model.predict(frame[["d", "c", "b", "a"]])  # columns found by name
    assert isinstance(scores, pd.DataFrame)
    assert list(scores.index) == list(frame.index)
    np.testing.assert_allclose(scores.to_numpy(), predict(net), rtol=1e-6, atol=1e-7)


def test_a_logged_model_loads_by_its_runs_and_models_uris(net: torch.nn.Sequential) -> None:
    with keel.start_run() as run:
        info = keel.pytorch.log_model(net, name="net", input_example=ROWS[:3])

    assert info.model_uri == f"models:/{info.model_id}"
    for uri in (info.model_uri, f"runs:/{run.info.run_id}/net"):
        np.testing.assert_array_equal(keel.pyfunc.load_model(uri).predict(ROWS), predict(net))
        np.testing.assert_array_equal(predict(keel.pytorch.load_model(uri)), predict(net))
    assert keel.pyfunc.load_model(info.model_uri).model_id == info.model_id


@pytest.mark.parametrize("serialization_format", FORMATS)
def test_mlflow_loads_keel_models_and_predicts_identically(
    tmp_path: Path, net: torch.nn.Sequential, serialization_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if serialization_format == "pickle":
        monkeypatch.setenv(ALLOW_PICKLE, "true")
    keel.pytorch.save_model(net, tmp_path / "m", serialization_format, input_example=ROWS[:3])

    as_pyfunc = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    native = mlflow.pytorch.load_model(str(tmp_path / "m"))

    np.testing.assert_array_equal(
        as_pyfunc.predict(ROWS), keel.pyfunc.load_model(tmp_path / "m").predict(ROWS)
    )
    np.testing.assert_array_equal(predict(native), predict(net))


@pytest.mark.parametrize("serialization_format", FORMATS)
def test_keel_loads_mlflow_models_and_predicts_identically(
    tmp_path: Path, net: torch.nn.Sequential, serialization_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ALLOW_PICKLE, "true")  # mlflow runs the pickled model on its example
    mlflow.pytorch.save_model(
        net,
        tmp_path / "m",
        serialization_format=serialization_format,
        input_example=ROWS[:3],
        pip_requirements=MLFLOW_REQUIREMENTS,
    )

    as_pyfunc = keel.pyfunc.load_model(tmp_path / "m")
    native = keel.pytorch.load_model(tmp_path / "m")

    np.testing.assert_array_equal(
        as_pyfunc.predict(ROWS), mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(ROWS)
    )
    np.testing.assert_array_equal(predict(native), predict(net))
    assert as_pyfunc.metadata.signature is not None


@pytest.mark.usefixtures("mlflow_tracking")
def test_a_model_logged_by_mlflow_loads_in_keel_and_predicts_identically(net: torch.nn.Sequential) -> None:
    with mlflow.start_run():
        info = mlflow.pytorch.log_model(
            net, name="model", input_example=ROWS[:3], pip_requirements=MLFLOW_REQUIREMENTS
        )
    location = mlflow.MlflowClient().get_logged_model(info.model_id).artifact_location

    model = keel.pyfunc.load_model(location)

    np.testing.assert_array_equal(model.predict(ROWS), mlflow.pyfunc.load_model(info.model_uri).predict(ROWS))
    np.testing.assert_array_equal(predict(keel.pytorch.load_model(location)), predict(net))
    assert model.metadata.model_id == info.model_id


def test_mlflow_loads_a_model_keel_logged(net: torch.nn.Sequential) -> None:
    with keel.start_run():
        info = keel.pytorch.log_model(net, name="model", input_example=ROWS[:3])

    np.testing.assert_array_equal(mlflow.pyfunc.load_model(info.artifact_path).predict(ROWS), predict(net))


def test_keel_loads_mlflow_pt2_models_without_importing_mlflow(
    tmp_path: Path, net: torch.nn.Sequential
) -> None:
    mlflow.pytorch.save_model(
        net, tmp_path / "m", input_example=ROWS[:3], pip_requirements=MLFLOW_REQUIREMENTS
    )
    code = textwrap.dedent(
        f"""
        import json, sys, warnings
        import numpy as np
        import keel
        warnings.simplefilter("ignore")
        model = keel.pyfunc.load_model({str(tmp_path / "m")!r})
        scores = model.predict(np.array({ROWS.tolist()!r}, dtype=np.float32))
        print(json.dumps({{"mlflow": "mlflow" in sys.modules, "scores": scores.tolist()}}))
        """
    )

    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120
    )

    result = json.loads(done.stdout)
    assert result["mlflow"] is False
    np.testing.assert_array_equal(np.array(result["scores"], dtype=np.float32), predict(net))


def test_params_reach_forward(tmp_path: Path) -> None:
    module = Scaled()
    keel.pytorch.save_model(module, tmp_path / "m", input_example=(ROWS[:2], {"scale": 1.0}))
    model = keel.pyfunc.load_model(tmp_path / "m")

    np.testing.assert_allclose(model.predict(ROWS, params={"scale": 3.0}), predict(module) * 3, rtol=1e-6)
    np.testing.assert_allclose(model.predict(ROWS), predict(module), rtol=1e-6)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([[1.0, 2.0, 3.0, 4.0]], "not a list"),
        (np.ones((2, 5), dtype=np.float32), "could not score the input"),
        (pd.DataFrame({"a": ["x", "y"]}), "could not be made a float32 tensor"),
        (np.array([["x"] * 4], dtype=object), "dtype object cannot be made a tensor"),
    ],
    ids=["list", "wrong width", "strings", "objects"],
)
def test_bad_input_is_an_invalid_parameter(
    tmp_path: Path, net: torch.nn.Sequential, data: object, message: str
) -> None:
    keel.pytorch.save_model(net, tmp_path / "m")  # no signature: the flavor itself sees the input
    model = keel.pyfunc.load_model(tmp_path / "m")

    with pytest.raises(InvalidParameter, match=message):
        model.predict(data)


def test_the_signature_refuses_input_of_the_wrong_shape(tmp_path: Path, net: torch.nn.Sequential) -> None:
    keel.pytorch.save_model(net, tmp_path / "m", input_example=ROWS[:3])

    with pytest.raises(InvalidParameter, match="Shape of input"):
        keel.pyfunc.load_model(tmp_path / "m").predict(np.ones((2, 5), dtype=np.float32))


@pytest.mark.parametrize(
    ("model", "options", "message"),
    [
        ("not a module", {}, "should be a torch.nn.Module"),
        (regressor(), {"serialization_format": "joblib"}, "Unrecognized serialization format: joblib"),
        (regressor(), {"serialization_format": "pt2"}, "traces the model with input_example"),
        (
            regressor(),
            {"serialization_format": "pt2", "input_example": pd.DataFrame(ROWS)},
            "traces the model with input_example",
        ),
    ],
    ids=["not a module", "unknown format", "pt2 without example", "pt2 with a dataframe"],
)
def test_what_cannot_be_saved_is_refused_and_leaves_nothing(
    tmp_path: Path, model: object, options: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidParameter, match=message):
        keel.pytorch.save_model(model, tmp_path / "m", **options)
    assert not (tmp_path / "m").exists()


def test_model_data_outside_the_model_directory_is_refused(tmp_path: Path, net: torch.nn.Sequential) -> None:
    keel.pytorch.save_model(net, tmp_path / "elsewhere")
    keel.pytorch.save_model(net, tmp_path / "m")
    meta = mlmodel(tmp_path / "m")
    meta["flavors"]["pytorch"]["model_data"] = "../elsewhere/data"
    (tmp_path / "m" / "MLmodel").write_text(yaml.safe_dump(meta))

    with pytest.raises(InvalidParameter, match="must lie inside the model directory"):
        keel.pytorch.load_model(tmp_path / "m")


def test_a_module_returning_a_tuple_cannot_be_scored_by_pyfunc(tmp_path: Path) -> None:
    keel.pytorch.save_model(Pair(), tmp_path / "m")

    with pytest.raises(Unsupported, match="single tensor, but got 'tuple'"):
        keel.pyfunc.load_model(tmp_path / "m").predict(ROWS)


def test_a_multi_input_exported_model_has_no_pyfunc_flavor_as_in_mlflow(tmp_path: Path) -> None:
    module = Blend()

    def column(name: str | None = None) -> TensorSpec:
        return TensorSpec(np.dtype("float32"), (-1,), name)

    signature = ModelSignature(Schema([column("x"), column("y")]), Schema([column()]))
    x, y = ROWS[:, 0].copy(), ROWS[:, 1].copy()

    keel.pytorch.save_model(module, tmp_path / "m", "pt2", signature=signature, input_example=(x, y))

    assert set(mlmodel(tmp_path / "m")["flavors"]) == {"pytorch"}
    loaded = keel.pytorch.load_model(tmp_path / "m")
    with torch.no_grad():
        expected = module(torch.from_numpy(x), torch.from_numpy(y))
        assert torch.equal(loaded(torch.from_numpy(x), torch.from_numpy(y)), expected)


def test_a_torchscript_module_saves_as_pickle_and_loads_in_keel_and_mlflow(
    tmp_path: Path, net: torch.nn.Sequential, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ALLOW_PICKLE, "true")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch 2.13 deprecates torch.jit
        # mlflow loads the archive with torch.load, which says it hands over to torch.jit.load
        warnings.filterwarnings("ignore", ".*looks like a TorchScript archive", UserWarning)
        keel.pytorch.save_model(torch.jit.script(net), tmp_path / "m")
        ours = keel.pyfunc.load_model(tmp_path / "m").predict(ROWS)
        theirs = mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(ROWS)

    np.testing.assert_array_equal(ours, predict(net))
    np.testing.assert_array_equal(theirs, predict(net))


@pytest.mark.parametrize("serialization_format", FORMATS)
def test_loading_either_format_warns_that_it_trusts_the_file(
    tmp_path: Path, net: torch.nn.Sequential, serialization_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    keel.pytorch.save_model(net, tmp_path / "m", serialization_format, input_example=ROWS[:3])
    monkeypatch.setattr(trust, "_warned", False)  # the warning is shown once per process

    with pytest.warns(UntrustedModelWarning, match=serialization_format):
        keel.pytorch.load_model(tmp_path / "m")


def test_state_dicts_round_trip_with_keel_and_mlflow_without_a_warning(
    tmp_path: Path, net: torch.nn.Sequential, monkeypatch: pytest.MonkeyPatch
) -> None:
    with keel.start_run() as run:
        keel.pytorch.log_state_dict(net.state_dict(), "weights")
    mlflow.pytorch.save_state_dict(net.state_dict(), str(tmp_path / "mlflow"))
    monkeypatch.setattr(trust, "_warned", False)
    monkeypatch.setenv(ALLOW_PICKLE, "true")

    with warnings.catch_warnings():
        warnings.simplefilter("error", UntrustedModelWarning)  # weights_only loads run no code
        ours = keel.pytorch.load_state_dict(f"runs:/{run.info.run_id}/weights")
        theirs = keel.pytorch.load_state_dict(tmp_path / "mlflow")
    fresh, other = regressor(seed=5), regressor(seed=6)
    fresh.load_state_dict(ours)
    other.load_state_dict(theirs)

    np.testing.assert_array_equal(predict(fresh), predict(net))
    np.testing.assert_array_equal(predict(other), predict(net))
    artifacts = local_path_from_uri(keel.get_run(run.info.run_id).info.artifact_uri)
    assert mlflow.pytorch.load_state_dict(str(artifacts / "weights")).keys() == net.state_dict().keys()


def test_a_state_dict_must_be_a_dict(tmp_path: Path, net: torch.nn.Sequential) -> None:
    with pytest.raises(InvalidParameter, match="state_dict must be a dict"):
        keel.pytorch.save_state_dict(net, tmp_path / "weights")
