"""Runs: create, get, update, delete, restore, search; their params, metrics, tags, inputs and outputs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from keel.entities import LoggedModelOutput, Metric, Param, RunTag
from keel.errors import InvalidParameter
from keel.server import decode
from keel.server.endpoints import Endpoint
from keel.server.wire import Field, Kind, item, missing

if TYPE_CHECKING:
    from keel.server.state import Stores

RUN_ID = {"run_id": Field(Kind.STRING), "run_uuid": Field(Kind.STRING)}


def run_id_of(f: dict[str, Any]) -> str:
    """``run_id``, or the deprecated ``run_uuid`` older clients send."""
    run_id = f.get("run_id") or f.get("run_uuid")
    if not run_id:
        raise missing("run_id")
    return str(run_id)


def create_run(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    run = stores.tracking.create_run(
        experiment_id=f["experiment_id"] or "0",
        user_id=f["user_id"] or "",
        start_time=f["start_time"],
        tags=decode.tags(f["tags"]),
        run_name=f["run_name"],
    )
    return {"run": run.to_dict(with_outputs=False)}


def get_run(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    return {"run": stores.tracking.get_run(run_id_of(f)).to_dict()}


def update_run(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    info = stores.tracking.update_run_info(run_id_of(f), f["status"], f["end_time"], f["run_name"])
    return {"run_info": info.to_dict()}


def delete_run(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.delete_run(run_id_of(f))
    return {}


def restore_run(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.restore_run(run_id_of(f))
    return {}


def log_metric(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    metric = Metric(f["key"], f["value"], f["timestamp"], f["step"] or 0)
    stores.tracking.log_metric(run_id_of(f), metric)
    return {}


def log_param(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.log_param(run_id_of(f), Param(f["key"], f["value"] or ""))
    return {}


def set_tag(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.set_tag(run_id_of(f), RunTag(f["key"], f["value"] or ""))
    return {}


def delete_tag(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.delete_tag(run_id_of(f), f["key"])
    return {}


def log_batch(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.log_batch(
        run_id_of(f), decode.metrics(f["metrics"]), decode.params(f["params"]), decode.tags(f["tags"])
    )
    return {}


def log_inputs(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    inputs = [decode.dataset_input(d, f"datasets[{i}]") for i, d in enumerate(f["datasets"] or ())]
    stores.tracking.log_inputs(run_id_of(f), inputs)
    return {}


def log_outputs(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    outputs = []
    for i, model in enumerate(f["models"]):
        step = item(model, f"models[{i}]", "step", Kind.INT, required=False)
        outputs.append(LoggedModelOutput(item(model, f"models[{i}]", "model_id", Kind.STRING), step or 0))
    stores.tracking.log_outputs(run_id_of(f), outputs)
    return {}


def log_model(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    """Legacy (MLflow 2) model logging: the MLmodel's summary goes into a run tag."""
    try:
        model = json.loads(f["model_json"])
    except ValueError:
        raise InvalidParameter(
            f"Malformed model info. \n {f['model_json']} \n is not a valid JSON."
        ) from None
    stores.tracking.record_logged_model(run_id_of(f), model)
    return {}


def search_runs(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    page = stores.tracking.search_runs(
        experiment_ids=f["experiment_ids"] or [],
        filter_string=f["filter"],
        run_view_type=f["run_view_type"],
        max_results=1000 if f["max_results"] is None else f["max_results"],
        order_by=f["order_by"],
        page_token=f["page_token"],
    )
    out: dict[str, Any] = {"runs": [r.to_dict() for r in page]}
    if page.token:
        out["next_page_token"] = page.token
    return out


ENDPOINTS = [
    Endpoint(
        "/runs/create",
        ("POST",),
        create_run,
        {
            "experiment_id": Field(Kind.STRING),
            "user_id": Field(Kind.STRING),
            "run_name": Field(Kind.STRING),
            "start_time": Field(Kind.INT),
            "tags": Field(Kind.OBJECT_LIST),
        },
    ),
    Endpoint("/runs/get", ("GET",), get_run, RUN_ID),
    Endpoint(
        "/runs/update",
        ("POST",),
        update_run,
        {**RUN_ID, "status": Field(Kind.STRING), "end_time": Field(Kind.INT), "run_name": Field(Kind.STRING)},
    ),
    Endpoint("/runs/delete", ("POST",), delete_run, RUN_ID),
    Endpoint("/runs/restore", ("POST",), restore_run, RUN_ID),
    Endpoint(
        "/runs/log-metric",
        ("POST",),
        log_metric,
        {
            **RUN_ID,
            "key": Field(Kind.STRING, required=True),
            "value": Field(Kind.DOUBLE, required=True),
            "timestamp": Field(Kind.INT, required=True),
            "step": Field(Kind.INT),
        },
    ),
    Endpoint(
        "/runs/log-parameter",
        ("POST",),
        log_param,
        {**RUN_ID, "key": Field(Kind.STRING, required=True), "value": Field(Kind.STRING)},
    ),
    Endpoint(
        "/runs/set-tag",
        ("POST",),
        set_tag,
        {**RUN_ID, "key": Field(Kind.STRING, required=True), "value": Field(Kind.STRING)},
    ),
    Endpoint("/runs/delete-tag", ("POST",), delete_tag, {**RUN_ID, "key": Field(Kind.STRING, required=True)}),
    Endpoint(
        "/runs/log-batch",
        ("POST",),
        log_batch,
        {
            **RUN_ID,
            "metrics": Field(Kind.OBJECT_LIST),
            "params": Field(Kind.OBJECT_LIST),
            "tags": Field(Kind.OBJECT_LIST),
        },
    ),
    Endpoint("/runs/log-inputs", ("POST",), log_inputs, {**RUN_ID, "datasets": Field(Kind.OBJECT_LIST)}),
    Endpoint(
        "/runs/outputs", ("POST",), log_outputs, {**RUN_ID, "models": Field(Kind.OBJECT_LIST, required=True)}
    ),
    Endpoint(
        "/runs/log-model", ("POST",), log_model, {**RUN_ID, "model_json": Field(Kind.STRING, required=True)}
    ),
    Endpoint(
        "/runs/search",
        ("POST", "GET"),
        search_runs,
        {
            "experiment_ids": Field(Kind.STRING_LIST),
            "filter": Field(Kind.STRING),
            "run_view_type": Field(Kind.STRING),
            "max_results": Field(Kind.INT),
            "order_by": Field(Kind.STRING_LIST),
            "page_token": Field(Kind.STRING),
        },
    ),
]
