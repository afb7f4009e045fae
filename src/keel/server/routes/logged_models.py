"""Logged models (MLflow 3): create, get, finalize, delete, search, tags, params and artifact listings."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

from keel.server import decode
from keel.server.endpoints import Endpoint
from keel.server.proxied_artifacts import proxied_repository
from keel.server.wire import Field, Kind, item
from keel.store.artifacts import validate_relative_path

if TYPE_CHECKING:
    from keel.server.state import Stores


def create_logged_model(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    model = stores.tracking.create_logged_model(
        experiment_id=f["experiment_id"],
        name=f["name"] or None,  # MLflow's server reads an empty name as none given
        model_type=f["model_type"],
        source_run_id=f["source_run_id"] or None,
        params=decode.params(f["params"]),
        tags=decode.tags(f["tags"]),
    )
    return {"model": model.to_dict()}


def get_logged_model(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    model = stores.tracking.get_logged_model(f["model_id"], allow_deleted=bool(f["allow_deleted"]))
    return {"model": model.to_dict()}


def finalize_logged_model(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    return {"model": stores.tracking.finalize_logged_model(f["model_id"], f["status"]).to_dict()}


def delete_logged_model(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.delete_logged_model(f["model_id"])
    return {}


def search_logged_models(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    page = stores.tracking.search_logged_models(
        experiment_ids=f["experiment_ids"],
        filter_string=f["filter"],
        datasets=[_dataset(d, f"datasets[{i}]") for i, d in enumerate(f["datasets"] or ())],
        max_results=f["max_results"],
        order_by=[_order(o, f"order_by[{i}]") for i, o in enumerate(f["order_by"] or ())],
        page_token=f["page_token"] or None,
    )
    out: dict[str, Any] = {"models": [m.to_dict() for m in page]}
    if page.token:
        out["next_page_token"] = page.token
    return out


def _dataset(obj: dict[str, Any], path: str) -> dict[str, Any]:
    return {
        "dataset_name": item(obj, path, "dataset_name", Kind.STRING),
        "dataset_digest": item(obj, path, "dataset_digest", Kind.STRING, required=False),
    }


def _order(obj: dict[str, Any], path: str) -> dict[str, Any]:
    ascending = item(obj, path, "ascending", Kind.BOOL, required=False)
    return {
        "field_name": item(obj, path, "field_name", Kind.STRING),
        "ascending": True if ascending is None else ascending,
        "dataset_name": item(obj, path, "dataset_name", Kind.STRING, required=False),
        "dataset_digest": item(obj, path, "dataset_digest", Kind.STRING, required=False),
    }


def set_logged_model_tags(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.set_logged_model_tags(f["model_id"], decode.tags(f["tags"]))
    return {"model": stores.tracking.get_logged_model(f["model_id"], allow_deleted=True).to_dict()}


def delete_logged_model_tag(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.delete_logged_model_tag(f["model_id"], f["tag_key"])
    return {}


def log_logged_model_params(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.tracking.log_logged_model_params(f["model_id"], decode.params(f["params"]))
    return {}


def list_logged_model_artifacts(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    """Entries under the model's artifact root, with paths relative to that root (as ``/artifacts/list``)."""
    model = stores.tracking.get_logged_model(f["model_id"])
    relative = validate_relative_path(f["artifact_directory_path"])
    repo, base = proxied_repository(stores.artifacts, model.info.artifact_uri)
    listed = repo.list_artifacts(posixpath.join(base, relative) if base else relative or None)
    files = []
    for info in listed:
        entry: dict[str, Any] = {
            "path": info.path[len(base) + 1 :] if base else info.path,
            "is_dir": info.is_dir,
        }
        if not info.is_dir and info.file_size is not None:
            entry["file_size"] = info.file_size
        files.append(entry)
    out: dict[str, Any] = {"root_uri": model.info.artifact_uri}
    if files:
        out["files"] = files
    return out


MODEL_PATH = "/logged-models/{model_id}"

ENDPOINTS = [
    Endpoint(
        "/logged-models",
        ("POST",),
        create_logged_model,
        {
            "experiment_id": Field(Kind.STRING, required=True),
            "name": Field(Kind.STRING),
            "model_type": Field(Kind.STRING),
            "source_run_id": Field(Kind.STRING),
            "params": Field(Kind.OBJECT_LIST),
            "tags": Field(Kind.OBJECT_LIST),
        },
    ),
    Endpoint(
        "/logged-models/search",
        ("POST",),
        search_logged_models,
        {
            "experiment_ids": Field(Kind.STRING_LIST, required=True),
            "filter": Field(Kind.STRING),
            "datasets": Field(Kind.OBJECT_LIST),
            "max_results": Field(Kind.INT),
            "order_by": Field(Kind.OBJECT_LIST),
            "page_token": Field(Kind.STRING),
        },
    ),
    Endpoint(MODEL_PATH, ("GET",), get_logged_model, {"allow_deleted": Field(Kind.BOOL)}),
    Endpoint(MODEL_PATH, ("PATCH",), finalize_logged_model, {"status": Field(Kind.STRING, required=True)}),
    Endpoint(MODEL_PATH, ("DELETE",), delete_logged_model),
    Endpoint(f"{MODEL_PATH}/tags", ("PATCH",), set_logged_model_tags, {"tags": Field(Kind.OBJECT_LIST)}),
    # Tag keys may hold '/', and MLflow's client puts them in the path unquoted.
    Endpoint(f"{MODEL_PATH}/tags/{{tag_key:path}}", ("DELETE",), delete_logged_model_tag),
    Endpoint(f"{MODEL_PATH}/params", ("POST",), log_logged_model_params, {"params": Field(Kind.OBJECT_LIST)}),
    Endpoint(
        f"{MODEL_PATH}/artifacts/directories",
        ("GET",),
        list_logged_model_artifacts,
        {"artifact_directory_path": Field(Kind.STRING), "page_token": Field(Kind.STRING)},
    ),
]
