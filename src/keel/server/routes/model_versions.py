"""Model versions: create, get, update, delete, search, stage transitions, tags and download URIs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keel.server import decode
from keel.server.endpoints import Endpoint
from keel.server.wire import Field, Kind

if TYPE_CHECKING:
    from keel.server.state import Stores

VERSION = {"name": Field(Kind.STRING, required=True), "version": Field(Kind.STRING, required=True)}


def create_model_version(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    version = stores.registry.create_model_version(
        name=f["name"],
        source=f["source"],
        run_id=f["run_id"] or None,
        tags={t.key: t.value for t in decode.tags(f["tags"])},
        run_link=f["run_link"] or None,
        description=f["description"],
        model_id=f["model_id"] or None,
    )
    return {"model_version": version.to_dict()}


def get_model_version(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    return {"model_version": stores.registry.get_model_version(f["name"], f["version"]).to_dict()}


def update_model_version(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    version = stores.registry.update_model_version(f["name"], f["version"], f["description"])
    return {"model_version": version.to_dict()}


def delete_model_version(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.registry.delete_model_version(f["name"], f["version"])
    return {}


def search_model_versions(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    page = stores.registry.search_model_versions(
        filter_string=f["filter"],
        max_results=10_000 if f["max_results"] is None else f["max_results"],
        order_by=f["order_by"],
        page_token=f["page_token"] or None,
    )
    out: dict[str, Any] = {"model_versions": [v.to_dict() for v in page]}
    if page.token:
        out["next_page_token"] = page.token
    return out


def transition_stage(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    version = stores.registry.transition_model_version_stage(
        f["name"], f["version"], f["stage"], bool(f["archive_existing_versions"])
    )
    return {"model_version": version.to_dict()}


def set_model_version_tag(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.registry.set_model_version_tag(f["name"], f["version"], f["key"], f["value"])
    return {}


def delete_model_version_tag(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.registry.delete_model_version_tag(f["name"], f["version"], f["key"])
    return {}


def get_download_uri(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    return {"artifact_uri": stores.registry.get_model_version_download_uri(f["name"], f["version"])}


ENDPOINTS = [
    Endpoint(
        "/model-versions/create",
        ("POST",),
        create_model_version,
        {
            "name": Field(Kind.STRING, required=True),
            "source": Field(Kind.STRING, required=True),
            "run_id": Field(Kind.STRING),
            "tags": Field(Kind.OBJECT_LIST),
            "run_link": Field(Kind.STRING),
            "description": Field(Kind.STRING),
            "model_id": Field(Kind.STRING),
        },
    ),
    Endpoint("/model-versions/get", ("GET",), get_model_version, VERSION),
    Endpoint(
        "/model-versions/update",
        ("PATCH",),
        update_model_version,
        {**VERSION, "description": Field(Kind.STRING)},
    ),
    Endpoint("/model-versions/delete", ("DELETE",), delete_model_version, VERSION),
    Endpoint(
        "/model-versions/search",
        ("GET",),
        search_model_versions,
        {
            "filter": Field(Kind.STRING),
            "max_results": Field(Kind.INT),
            "order_by": Field(Kind.STRING_LIST),
            "page_token": Field(Kind.STRING),
        },
    ),
    Endpoint(
        "/model-versions/transition-stage",
        ("POST",),
        transition_stage,
        {
            **VERSION,
            "stage": Field(Kind.STRING, required=True),
            "archive_existing_versions": Field(Kind.BOOL),
        },
    ),
    Endpoint(
        "/model-versions/set-tag",
        ("POST",),
        set_model_version_tag,
        {**VERSION, "key": Field(Kind.STRING, required=True), "value": Field(Kind.STRING, required=True)},
    ),
    Endpoint(
        "/model-versions/delete-tag",
        ("DELETE",),
        delete_model_version_tag,
        {**VERSION, "key": Field(Kind.STRING, required=True)},
    ),
    Endpoint("/model-versions/get-download-uri", ("GET",), get_download_uri, VERSION),
]
