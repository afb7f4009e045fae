"""Registered models: create, get, rename, update, delete, search, latest versions, tags and aliases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keel.server import decode
from keel.server.endpoints import Endpoint
from keel.server.wire import Field, Kind

if TYPE_CHECKING:
    from keel.server.state import Stores

NAME = {"name": Field(Kind.STRING, required=True)}
NAME_ALIAS = {**NAME, "alias": Field(Kind.STRING, required=True)}


def create_registered_model(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    tags = {t.key: t.value for t in decode.tags(f["tags"])}
    model = stores.registry.create_registered_model(f["name"], tags, f["description"])
    return {"registered_model": model.to_dict()}


def get_registered_model(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    return {"registered_model": stores.registry.get_registered_model(f["name"]).to_dict()}


def rename_registered_model(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    model = stores.registry.rename_registered_model(f["name"], f["new_name"])
    return {"registered_model": model.to_dict()}


def update_registered_model(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    model = stores.registry.update_registered_model(f["name"], f["description"])
    return {"registered_model": model.to_dict()}


def delete_registered_model(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.registry.delete_registered_model(f["name"])
    return {}


def search_registered_models(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    page = stores.registry.search_registered_models(
        filter_string=f["filter"],
        max_results=100 if f["max_results"] is None else f["max_results"],
        order_by=f["order_by"],
        page_token=f["page_token"] or None,
    )
    out: dict[str, Any] = {"registered_models": [m.to_dict() for m in page]}
    if page.token:
        out["next_page_token"] = page.token
    return out


def get_latest_versions(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    versions = stores.registry.get_latest_versions(f["name"], f["stages"])
    return {"model_versions": [v.to_dict() for v in versions]}


def set_registered_model_tag(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.registry.set_registered_model_tag(f["name"], f["key"], f["value"])
    return {}


def delete_registered_model_tag(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.registry.delete_registered_model_tag(f["name"], f["key"])
    return {}


def set_alias(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.registry.set_registered_model_alias(f["name"], f["alias"], f["version"])
    return {}


def delete_alias(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    stores.registry.delete_registered_model_alias(f["name"], f["alias"])
    return {}


def get_model_version_by_alias(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    return {"model_version": stores.registry.get_model_version_by_alias(f["name"], f["alias"]).to_dict()}


ENDPOINTS = [
    Endpoint(
        "/registered-models/create",
        ("POST",),
        create_registered_model,
        {**NAME, "tags": Field(Kind.OBJECT_LIST), "description": Field(Kind.STRING)},
    ),
    Endpoint("/registered-models/get", ("GET",), get_registered_model, NAME),
    Endpoint(
        "/registered-models/rename",
        ("POST",),
        rename_registered_model,
        {**NAME, "new_name": Field(Kind.STRING, required=True)},
    ),
    Endpoint(
        "/registered-models/update",
        ("PATCH",),
        update_registered_model,
        {**NAME, "description": Field(Kind.STRING)},
    ),
    Endpoint("/registered-models/delete", ("DELETE",), delete_registered_model, NAME),
    Endpoint(
        "/registered-models/search",
        ("GET",),
        search_registered_models,
        {
            "filter": Field(Kind.STRING),
            "max_results": Field(Kind.INT),
            "order_by": Field(Kind.STRING_LIST),
            "page_token": Field(Kind.STRING),
        },
    ),
    Endpoint(
        "/registered-models/get-latest-versions",
        ("POST", "GET"),
        get_latest_versions,
        {**NAME, "stages": Field(Kind.STRING_LIST)},
    ),
    Endpoint(
        "/registered-models/set-tag",
        ("POST",),
        set_registered_model_tag,
        {**NAME, "key": Field(Kind.STRING, required=True), "value": Field(Kind.STRING, required=True)},
    ),
    Endpoint(
        "/registered-models/delete-tag",
        ("DELETE",),
        delete_registered_model_tag,
        {**NAME, "key": Field(Kind.STRING, required=True)},
    ),
    Endpoint(
        "/registered-models/alias",
        ("POST",),
        set_alias,
        {**NAME_ALIAS, "version": Field(Kind.STRING, required=True)},
    ),
    Endpoint("/registered-models/alias", ("DELETE",), delete_alias, NAME_ALIAS),
    Endpoint("/registered-models/alias", ("GET",), get_model_version_by_alias, NAME_ALIAS),
]
