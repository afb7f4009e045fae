"""Experiments: create, get, get-by-name, search, update, delete, restore and tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keel.entities import RunTag, ViewType
from keel.errors import ExperimentNotFound
from keel.server import decode
from keel.server.endpoints import Endpoint
from keel.server.policy import check_artifact_location
from keel.server.wire import Field, Kind

if TYPE_CHECKING:
    from keel.server.state import Stores

ID = {"experiment_id": Field(Kind.STRING, required=True)}


def create_experiment(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    if f["artifact_location"]:
        check_artifact_location(f["artifact_location"], stores.artifacts_destination)
    experiment_id = stores.tracking.create_experiment(
        f["name"], f["artifact_location"], decode.tags(f["tags"])
    )
    return {"experiment_id": experiment_id}


def get_experiment(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    return {"experiment": stores.tracking.get_experiment(f["experiment_id"]).to_dict()}


def get_experiment_by_name(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    name = f["experiment_name"]
    experiment = stores.tracking.find_experiment_by_name(name)
    if experiment is None:
        raise ExperimentNotFound(f"Could not find experiment with name '{name}'", name=name)
    return {"experiment": experiment.to_dict()}


def search_experiments(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    page = stores.tracking.search_experiments(
        view_type=ViewType.parse(f["view_type"]),
        max_results=f["max_results"] if f["max_results"] is not None else 0,
        filter_string=f["filter"],
        order_by=f["order_by"],
        page_token=f["page_token"],
    )
    out: dict[str, Any] = {"experiments": [e.to_dict() for e in page]}
    if page.token:
        out["next_page_token"] = page.token
    return out


def update_experiment(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.rename_experiment(f["experiment_id"], f["new_name"])
    return {}


def delete_experiment(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.delete_experiment(f["experiment_id"])
    return {}


def restore_experiment(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.restore_experiment(f["experiment_id"])
    return {}


def set_experiment_tag(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.set_experiment_tag(f["experiment_id"], RunTag(f["key"], f["value"] or ""))
    return {}


def delete_experiment_tag(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.delete_experiment_tag(f["experiment_id"], f["key"])
    return {}


SEARCH_FIELDS = {
    "max_results": Field(Kind.INT),
    "page_token": Field(Kind.STRING),
    "filter": Field(Kind.STRING),
    "order_by": Field(Kind.STRING_LIST),
    "view_type": Field(Kind.STRING),
}

ENDPOINTS = [
    Endpoint(
        "/experiments/create",
        ("POST",),
        create_experiment,
        {
            "name": Field(Kind.STRING, required=True),
            "artifact_location": Field(Kind.STRING),
            "tags": Field(Kind.OBJECT_LIST),
        },
    ),
    Endpoint("/experiments/get", ("GET",), get_experiment, ID),
    Endpoint(
        "/experiments/get-by-name",
        ("GET",),
        get_experiment_by_name,
        {"experiment_name": Field(Kind.STRING, required=True)},
    ),
    Endpoint("/experiments/search", ("POST", "GET"), search_experiments, SEARCH_FIELDS),
    Endpoint(
        "/experiments/update",
        ("POST",),
        update_experiment,
        {**ID, "new_name": Field(Kind.STRING, required=True)},
    ),
    Endpoint("/experiments/delete", ("POST",), delete_experiment, ID),
    Endpoint("/experiments/restore", ("POST",), restore_experiment, ID),
    Endpoint(
        "/experiments/set-experiment-tag",
        ("POST",),
        set_experiment_tag,
        {**ID, "key": Field(Kind.STRING, required=True), "value": Field(Kind.STRING)},
    ),
    Endpoint(
        "/experiments/delete-experiment-tag",
        ("POST",),
        delete_experiment_tag,
        {**ID, "key": Field(Kind.STRING, required=True)},
    ),
]
