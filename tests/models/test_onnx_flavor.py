"""The onnx flavor: a PyTorch module exported to ONNX scores as the module does, through onnxruntime,
and keel and MLflow load each other's ONNX models."""

from __future__ import annotations

from pathlib import Path

import mlflow.onnx
import mlflow.pyfunc
import numpy as np
import onnx
import pandas as pd
import pytest
import torch
import yaml
from torch_modules import ROWS, Blend, predict, regressor

import keel
from keel.errors import InvalidParameter, NotFound
from keel.models.schema import Schema, TensorSpec
from keel.models.signature import ModelSignature

MLFLOW_REQUIREMENTS = ["onnx", "onnxruntime"]  # so that mlflow does not infer them in a subprocess
# Float32 matrix products in onnxruntime and in torch may round differently in the last bit.
CLOSE = {"rtol": 1e-5, "atol": 1e-6}


@pytest.fixture(scope="module")
def net() -> torch.nn.Sequential:
    return regressor()


@pytest.fixture(scope="module")
def proto(net: torch.nn.Sequential) -> onnx.ModelProto:
    """The regressor exported from an example of one row: any batch size still scores."""
    return keel.onnx.export_pytorch(net, ROWS[:1], output_names=["score"])


@pytest.fixture(scope="module")
def blend_proto() -> onnx.ModelProto:
    x, y = torch.from_numpy(ROWS[:, 0].copy()), torch.from_numpy(ROWS[:, 1].copy())
    return keel.onnx.export_pytorch(Blend(), (x, y), input_names=["x", "y"], output_names=["blend"])


def copy_of(proto: onnx.ModelProto) -> onnx.ModelProto:
    """What mlflow saves: it moves the weights of the proto it is given out into external files."""
    copy = onnx.ModelProto()
    copy.CopyFrom(proto)
    return copy


def mlmodel(path: Path) -> dict[str, object]:
    return yaml.safe_load((path / "MLmodel").read_text())


def test_a_torch_module_exported_to_onnx_predicts_as_the_module_does(
    tmp_path: Path, net: torch.nn.Sequential, proto: onnx.ModelProto
) -> None:
    keel.onnx.save_model(proto, tmp_path / "m", input_example=ROWS[:3])

    scores = keel.pyfunc.load_model(tmp_path / "m").predict(ROWS)

    assert list(scores) == ["score"]
    np.testing.assert_allclose(scores["score"], predict(net), **CLOSE)


def test_a_saved_model_loads_back_with_its_files_and_mlmodel_as_mlflow_writes_them(
    tmp_path: Path, proto: onnx.ModelProto
) -> None:
    weights = [init.raw_data for init in proto.graph.initializer]

    keel.onnx.save_model(proto, tmp_path / "m")

    loaded = keel.onnx.load_model(tmp_path / "m")
    assert [init.raw_data for init in proto.graph.initializer] == weights  # the caller's copy untouched
    assert [i.name for i in loaded.graph.input] == [i.name for i in proto.graph.input]
    assert [onnx.numpy_helper.to_array(i).tolist() for i in loaded.graph.initializer] == [
        onnx.numpy_helper.to_array(i).tolist() for i in proto.graph.initializer
    ]
    assert len(list(tmp_path.joinpath("m").glob("*"))) > 5  # weights over 1 KB are external data
    flavors = mlmodel(tmp_path / "m")["flavors"]
    assert flavors["onnx"] == {
        "onnx_version": onnx.__version__,
        "data": "model.onnx",
        "providers": ["CUDAExecutionProvider", "CPUExecutionProvider"],
        "onnx_session_options": None,
        "code": None,
    }
    assert flavors["python_function"]["loader_module"] == "mlflow.onnx"
    assert flavors["python_function"]["data"] == "model.onnx"


def test_the_signature_is_inferred_by_running_the_example(tmp_path: Path, proto: onnx.ModelProto) -> None:
    keel.onnx.save_model(proto, tmp_path / "m", input_example=ROWS[:3])

    assert keel.pyfunc.load_model(tmp_path / "m").metadata.signature == ModelSignature(
        Schema([TensorSpec(np.dtype("float32"), (-1, 4))]),
        Schema([TensorSpec(np.dtype("float32"), (-1, 3), "score")]),
    )


def test_inputs_map_to_the_graph_as_in_mlflow(
    tmp_path: Path, net: torch.nn.Sequential, proto: onnx.ModelProto
) -> None:
    keel.onnx.save_model(proto, tmp_path / "m")  # no signature: the flavor's own rules apply
    model = keel.pyfunc.load_model(tmp_path / "m")
    name = proto.graph.input[0].name

    from_frame = model.predict(pd.DataFrame(ROWS.astype(np.float64)))  # float64 is cast to float32
    from_dict = model.predict({name: ROWS})

    assert list(from_frame.columns) == ["score"]
    np.testing.assert_allclose(from_frame["score"].to_numpy(), predict(net).reshape(-1), **CLOSE)
    np.testing.assert_allclose(from_dict["score"], predict(net), **CLOSE)
    theirs = mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(pd.DataFrame(ROWS.astype(np.float64)))
    pd.testing.assert_frame_equal(from_frame, theirs)


def test_a_model_with_two_inputs_takes_columns_or_a_dict_by_name(
    tmp_path: Path, blend_proto: onnx.ModelProto
) -> None:
    keel.onnx.save_model(blend_proto, tmp_path / "m")
    model = keel.pyfunc.load_model(tmp_path / "m")
    x, y = ROWS[:, 0], ROWS[:, 1]
    expected = 0.25 * x + 0.75 * y

    frame = pd.DataFrame({"y": y, "x": x, "other": 1.0})
    np.testing.assert_allclose(model.predict(frame)["blend"], expected, **CLOSE)
    np.testing.assert_allclose(model.predict({"x": x, "y": y})["blend"], expected, **CLOSE)
    with pytest.raises(InvalidParameter, match="single input, but this one has 2"):
        model.predict(ROWS)
    with pytest.raises(InvalidParameter, match=r"lacks the model's inputs \['y'\]"):
        model.predict(frame[["x"]])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([[1.0, 2.0, 3.0, 4.0]], "not a <class 'list'>"),
        (np.ones((2, 5), dtype=np.float32), "Got invalid dimensions"),
        (np.ones((2, 4), dtype=np.int64), "Unexpected input data type"),
        ({"nope": ROWS}, r"has no inputs \['nope'\]"),
        ({}, "missing inputs"),
    ],
    ids=["list", "wrong width", "wrong dtype", "unknown name", "empty dict"],
)
def test_bad_input_is_an_invalid_parameter(
    tmp_path: Path, proto: onnx.ModelProto, data: object, message: str
) -> None:
    keel.onnx.save_model(proto, tmp_path / "m")
    model = keel.pyfunc.load_model(tmp_path / "m")

    with pytest.raises(InvalidParameter, match=message):
        model.predict(data)


@pytest.mark.parametrize(
    ("model", "options", "error", "message"),
    [
        (torch.nn.Linear(2, 2), {}, InvalidParameter, "must be an onnx.ModelProto"),
        ("missing.onnx", {}, NotFound, "No ONNX file"),
        (None, {"onnx_session_options": {"nope": 1}}, InvalidParameter, "not an onnxruntime session option"),
        (None, {"onnx_session_options": {"execution_mode": "eager"}}, InvalidParameter, "'parallel' or"),
    ],
    ids=["torch module", "missing file", "unknown option", "bad execution mode"],
)
def test_what_cannot_be_saved_is_refused_and_leaves_nothing(
    tmp_path: Path,
    proto: onnx.ModelProto,
    model: object,
    options: dict[str, object],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        keel.onnx.save_model(proto if model is None else model, tmp_path / "m", **options)
    assert not (tmp_path / "m").exists()


def test_a_model_file_outside_the_model_directory_is_refused(tmp_path: Path, proto: onnx.ModelProto) -> None:
    keel.onnx.save_model(proto, tmp_path / "m")
    meta = mlmodel(tmp_path / "m")
    meta["flavors"]["onnx"]["data"] = "../net.onnx"
    (tmp_path / "m" / "MLmodel").write_text(yaml.safe_dump(meta))
    onnx.save_model(proto, tmp_path / "net.onnx")

    with pytest.raises(InvalidParameter, match="must lie inside the model directory"):
        keel.onnx.load_model(tmp_path / "m")


def test_providers_and_session_options_reach_onnxruntime_in_keel_and_mlflow(
    tmp_path: Path, proto: onnx.ModelProto
) -> None:
    keel.onnx.save_model(
        proto,
        tmp_path / "m",
        onnx_execution_providers=["CPUExecutionProvider"],
        onnx_session_options={"intra_op_num_threads": 1, "execution_mode": "sequential"},
    )

    for model in (keel.pyfunc.load_model(tmp_path / "m"), mlflow.pyfunc.load_model(str(tmp_path / "m"))):
        session = model.get_raw_model()
        assert session.get_providers() == ["CPUExecutionProvider"]
        assert session.get_session_options().intra_op_num_threads == 1


def test_export_pytorch_writes_a_file_that_saves_as_a_model(
    tmp_path: Path, net: torch.nn.Sequential, proto: onnx.ModelProto
) -> None:
    onnx.save_model(proto, tmp_path / "net.onnx")

    keel.onnx.save_model(tmp_path / "net.onnx", tmp_path / "m")

    scores = keel.pyfunc.load_model(tmp_path / "m").predict(ROWS[:2])
    np.testing.assert_allclose(scores["score"], predict(net, ROWS[:2]), **CLOSE)


def test_a_module_torch_cannot_export_is_an_invalid_parameter() -> None:
    with pytest.raises(InvalidParameter, match=r"torch\.onnx\.export could not export"):
        keel.onnx.export_pytorch(regressor(), np.ones((2, 5), dtype=np.float32))


def test_a_proto_whose_weights_mlflow_moved_out_is_refused_and_its_file_saves(
    tmp_path: Path, net: torch.nn.Sequential, proto: onnx.ModelProto
) -> None:
    moved = copy_of(proto)
    mlflow.onnx.save_model(moved, str(tmp_path / "mlflow"), pip_requirements=MLFLOW_REQUIREMENTS)

    with pytest.raises(InvalidParameter, match="external data files it does not hold"):
        keel.onnx.save_model(moved, tmp_path / "m")
    keel.onnx.save_model(tmp_path / "mlflow" / "model.onnx", tmp_path / "m")

    np.testing.assert_allclose(
        keel.pyfunc.load_model(tmp_path / "m").predict(ROWS)["score"], predict(net), **CLOSE
    )


def test_a_logged_model_loads_by_its_runs_and_models_uris(
    net: torch.nn.Sequential, proto: onnx.ModelProto
) -> None:
    with keel.start_run() as run:
        info = keel.onnx.log_model(proto, name="onnx-net", input_example=ROWS[:3])

    for uri in (info.model_uri, f"runs:/{run.info.run_id}/onnx-net"):
        np.testing.assert_allclose(keel.pyfunc.load_model(uri).predict(ROWS)["score"], predict(net), **CLOSE)
        assert keel.onnx.load_model(uri).graph.output[0].name == "score"
    assert info.flavors["onnx"]["data"] == "model.onnx"


def test_mlflow_loads_keel_models_and_predicts_identically(tmp_path: Path, proto: onnx.ModelProto) -> None:
    keel.onnx.save_model(proto, tmp_path / "m", input_example=ROWS[:3])

    ours = keel.pyfunc.load_model(tmp_path / "m").predict(ROWS)
    theirs = mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(ROWS)
    native = mlflow.onnx.load_model(str(tmp_path / "m"))

    np.testing.assert_array_equal(theirs["score"], ours["score"])
    assert native.graph.output[0].name == "score"


def test_keel_loads_mlflow_models_and_predicts_identically(tmp_path: Path, proto: onnx.ModelProto) -> None:
    mlflow.onnx.save_model(
        copy_of(proto), str(tmp_path / "m"), input_example=ROWS[:3], pip_requirements=MLFLOW_REQUIREMENTS
    )

    ours = keel.pyfunc.load_model(tmp_path / "m")
    theirs = mlflow.pyfunc.load_model(str(tmp_path / "m"))

    np.testing.assert_array_equal(ours.predict(ROWS)["score"], theirs.predict(ROWS)["score"])
    assert ours.loader_module == "mlflow.onnx"
    assert keel.onnx.load_model(tmp_path / "m").graph.output[0].name == "score"


@pytest.mark.usefixtures("mlflow_tracking")
def test_a_model_logged_by_mlflow_loads_in_keel_and_predicts_identically(proto: onnx.ModelProto) -> None:
    with mlflow.start_run():
        info = mlflow.onnx.log_model(
            copy_of(proto), name="model", input_example=ROWS[:3], pip_requirements=MLFLOW_REQUIREMENTS
        )
    location = mlflow.MlflowClient().get_logged_model(info.model_id).artifact_location

    model = keel.pyfunc.load_model(location)

    expected = mlflow.pyfunc.load_model(info.model_uri).predict(ROWS)["score"]
    np.testing.assert_array_equal(model.predict(ROWS)["score"], expected)
    assert model.metadata.model_id == info.model_id


def test_mlflow_loads_a_model_keel_logged(net: torch.nn.Sequential, proto: onnx.ModelProto) -> None:
    with keel.start_run():
        info = keel.onnx.log_model(proto, name="model")

    scores = mlflow.pyfunc.load_model(info.artifact_path).predict(ROWS)

    np.testing.assert_allclose(scores["score"], predict(net), **CLOSE)
