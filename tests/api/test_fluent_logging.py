"""Params, metrics and tags logged through the fluent API, read back as a user reads them."""

from __future__ import annotations

import math

import numpy as np
import pytest

import keel
from keel.entities import RunStatus
from keel.errors import InvalidParameter, NotFound


def _history(run_id: str, key: str) -> list[tuple[int, int, float]]:
    return [(m.step, m.timestamp, m.value) for m in keel.Client().get_metric_history(run_id, key)]


def test_log_param_returns_the_value_and_stores_it_as_a_string() -> None:
    with keel.start_run() as run:
        returned = keel.log_param("alpha", 0.5)
        keel.log_param("layers", [64, 32])

    assert returned == 0.5
    assert keel.get_run(run.info.run_id).data.params == {"alpha": "0.5", "layers": "[64, 32]"}


def test_logging_the_same_param_value_again_is_allowed() -> None:
    with keel.start_run() as run:
        keel.log_param("alpha", 0.5)
        keel.log_param("alpha", 0.5)
        keel.log_params({"alpha": 0.5})

    assert keel.get_run(run.info.run_id).data.params == {"alpha": "0.5"}


def test_changing_a_param_value_is_refused_and_keeps_the_first_value() -> None:
    with keel.start_run() as run:
        keel.log_param("alpha", 0.5)
        with pytest.raises(InvalidParameter, match="Changing param values is not allowed") as caught:
            keel.log_param("alpha", 0.7)
        with pytest.raises(InvalidParameter):
            keel.log_params({"beta": 1, "alpha": 0.9})

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    # A batch is atomic: "beta" from the refused log_params is not there either.
    assert keel.get_run(run.info.run_id).data.params == {"alpha": "0.5"}


def test_log_params_set_tags_and_log_metrics_above_the_batch_limits_log_everything() -> None:
    params = {f"p{i:03d}": i for i in range(250)}
    tags = {f"t{i:03d}": f"v{i}" for i in range(230)}
    metrics = {f"m{i:04d}": i / 10 for i in range(2_500)}

    with keel.start_run() as run:
        keel.log_params(params)
        keel.set_tags(tags)
        keel.log_metrics(metrics, step=3)

    data = keel.get_run(run.info.run_id).data
    assert data.params == {k: str(v) for k, v in params.items()}
    assert {k: v for k, v in data.tags.items() if not k.startswith("mlflow.")} == tags
    assert data.metrics == metrics
    assert {m.step for m in data.latest_metrics} == {3}


def test_log_metric_records_step_and_timestamp() -> None:
    with keel.start_run() as run:
        keel.log_metric("loss", 0.9, step=0, timestamp=1_000)
        keel.log_metric("loss", 0.5, step=1, timestamp=2_000)
        keel.log_metric("loss", 0.7, step=1, timestamp=1_500)
        keel.log_metric("loss", 0.2, step=5, timestamp=1_200)

    assert _history(run.info.run_id, "loss") == [
        (0, 1_000, 0.9),
        (1, 1_500, 0.7),
        (1, 2_000, 0.5),
        (5, 1_200, 0.2),
    ]
    latest = keel.get_run(run.info.run_id).data.latest_metrics
    assert [(m.key, m.value, m.step, m.timestamp) for m in latest] == [("loss", 0.2, 5, 1_200)]


def test_log_metric_without_step_or_timestamp_uses_step_zero_and_now() -> None:
    with keel.start_run() as run:
        keel.log_metric("acc", 0.8)

    (point,) = keel.Client().get_metric_history(run.info.run_id, "acc")
    stored = keel.get_run(run.info.run_id)
    assert point.step == 0
    assert stored.info.start_time <= point.timestamp <= stored.info.end_time


def test_log_metrics_applies_one_step_and_timestamp_to_every_key() -> None:
    with keel.start_run() as run:
        keel.log_metrics({"precision": 0.8, "recall": 0.6}, step=7, timestamp=123)

    latest = keel.get_run(run.info.run_id).data.latest_metrics
    assert sorted((m.key, m.value, m.step, m.timestamp) for m in latest) == [
        ("precision", 0.8, 7, 123),
        ("recall", 0.6, 7, 123),
    ]


SPECIAL_VALUES = {
    "nan": math.nan,
    "inf": math.inf,
    "neg_inf": -math.inf,
    "zero": 0.0,
    "huge": -1e308,
    "tiny": 5e-324,
}


def test_special_float_values_round_trip() -> None:
    with keel.start_run() as run:
        keel.log_metrics(SPECIAL_VALUES, step=1)

    latest = keel.get_run(run.info.run_id).data.metrics
    for key, value in SPECIAL_VALUES.items():
        (point,) = keel.Client().get_metric_history(run.info.run_id, key)
        for got in (latest[key], point.value):
            assert (math.isnan(got) and math.isnan(value)) or got == value, (key, got)


def test_get_metric_history_returns_every_point_and_nothing_for_an_unknown_key() -> None:
    with keel.start_run() as run:
        for step in range(20):
            keel.log_metric("loss", 1 / (step + 1), step=step, timestamp=10_000 + step)

    client = keel.Client()
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [(m.key, m.step, m.value) for m in history] == [("loss", s, 1 / (s + 1)) for s in range(20)]
    assert {m.run_id for m in history} == {run.info.run_id}
    assert client.get_metric_history(run.info.run_id, "never-logged") == []


def test_numpy_scalars_are_accepted_as_metric_values_and_steps() -> None:
    # MLflow accepts any numbers.Number (np.float32, np.int64 …): metrics often come straight from numpy.
    with keel.start_run() as run:
        keel.log_metric("loss", np.float32(0.25), step=np.int64(1))
        keel.log_metric("count", np.int64(3))
        keel.log_metrics({"acc": np.float64(0.5), "f1": np.float16(0.5)}, step=np.int32(2))

    assert keel.get_run(run.info.run_id).data.metrics == {"loss": 0.25, "count": 3.0, "acc": 0.5, "f1": 0.5}


def test_a_metric_value_that_is_not_a_number_is_refused() -> None:
    with keel.start_run() as run:
        for value in ("0.5", None, True, [1.0]):
            with pytest.raises(InvalidParameter, match="must be a number"):
                keel.log_metric("loss", value)  # type: ignore[arg-type]

    assert keel.get_run(run.info.run_id).data.metrics == {}


def test_invalid_metric_param_and_tag_names_are_refused() -> None:
    with keel.start_run() as run:
        for key in ("", "../escape", "a//b", "bad\nkey", "x" * 251):
            with pytest.raises(InvalidParameter):
                keel.log_metric(key, 1.0)
            with pytest.raises(InvalidParameter):
                keel.log_param(key, 1)
            with pytest.raises(InvalidParameter):
                keel.set_tag(key, "v")

    data = keel.get_run(run.info.run_id).data
    assert data.metrics == {}
    assert data.params == {}
    assert not [key for key in data.tags if not key.startswith("mlflow.")]


def test_set_tag_overwrites_and_delete_tag_removes() -> None:
    with keel.start_run() as run:
        keel.set_tag("stage", "draft")
        keel.set_tag("stage", "final")
        keel.set_tag("owner", "ana")
        keel.delete_tag("owner")
        with pytest.raises(NotFound):
            keel.delete_tag("owner")

    tags = keel.get_run(run.info.run_id).data.tags
    assert tags["stage"] == "final"
    assert "owner" not in tags


def test_setting_the_run_name_tag_renames_the_run() -> None:
    with keel.start_run(run_name="before") as run:
        keel.set_tag("mlflow.runName", "after")

    assert keel.get_run(run.info.run_id).info.run_name == "after"


def test_logging_without_an_active_run_starts_one() -> None:
    keel.log_param("alpha", 1)

    active = keel.active_run()
    assert active is not None
    keel.log_metric("loss", 0.1)
    keel.end_run()
    run = keel.get_run(active.info.run_id)
    assert run.info.status == RunStatus.FINISHED
    assert run.data.params == {"alpha": "1"}
    assert run.data.metrics == {"loss": 0.1}


def test_logging_to_an_ended_run_by_run_id() -> None:
    with keel.start_run() as first:
        pass
    with keel.start_run():
        keel.log_metric("loss", 0.3, run_id=first.info.run_id)
        keel.log_param("p", "v", run_id=first.info.run_id)
        keel.set_tag("t", "v", run_id=first.info.run_id)

    data = keel.get_run(first.info.run_id).data
    assert data.metrics == {"loss": 0.3}
    assert data.params == {"p": "v"}
    assert data.tags["t"] == "v"
