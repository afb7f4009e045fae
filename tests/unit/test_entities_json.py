import math

from keel.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    InputTag,
    LifecycleStage,
    Metric,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunStatus,
)
from keel.errors import (
    AlreadyExists,
    InvalidParameter,
    InvalidState,
    KeelError,
    NotFound,
    RunNotFound,
    error_class_for_code,
)


def test_non_finite_metric_values_travel_as_mlflow_strings():
    for value, wire in ((math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity")):
        encoded = Metric("m", value, 1, 2).to_dict()
        assert encoded["value"] == wire
        decoded = Metric.from_dict(encoded)
        assert (math.isnan(decoded.value) and math.isnan(value)) or decoded.value == value


def test_run_round_trips_through_mlflow_json():
    run = Run(
        info=RunInfo(
            "abc", "1", "name", "me", RunStatus.FINISHED, 10, 20, "file:///a", LifecycleStage.ACTIVE
        ),
        data=RunData((Metric("loss", 0.5, 3, 4),), {"lr": "0.1"}, {"t": "v"}),
        inputs=RunInputs((DatasetInput(Dataset("d", "123", "local", "{}"), (InputTag("k", "v"),)),)),
    )
    wire = run.to_dict()
    assert wire["info"]["run_uuid"] == wire["info"]["run_id"] == "abc"
    assert wire["data"]["params"] == [{"key": "lr", "value": "0.1"}]
    assert Run.from_dict(wire) == run


def test_experiment_round_trips_and_omits_empty_tags():
    exp = Experiment("7", "e", "file:///x/7", LifecycleStage.DELETED, 1, 2, {"a": "b"})
    assert Experiment.from_dict(exp.to_dict()) == exp
    assert "tags" not in Experiment("8", "f", "loc").to_dict()


def test_errors_carry_mlflow_codes_and_statuses():
    assert (InvalidParameter.error_code, InvalidParameter.http_status) == ("INVALID_PARAMETER_VALUE", 400)
    assert (AlreadyExists.error_code, AlreadyExists.http_status) == ("RESOURCE_ALREADY_EXISTS", 400)
    assert (NotFound.error_code, NotFound.http_status) == ("RESOURCE_DOES_NOT_EXIST", 404)
    assert (InvalidState.error_code, InvalidState.http_status) == ("INVALID_STATE", 500)
    error = RunNotFound("r1")
    assert isinstance(error, NotFound)
    assert error.to_dict() == {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run with id=r1 not found"}


def test_error_codes_map_back_to_classes():
    assert error_class_for_code("RESOURCE_DOES_NOT_EXIST") is NotFound
    assert error_class_for_code("SOMETHING_NEW") is KeelError
