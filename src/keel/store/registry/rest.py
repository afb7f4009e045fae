"""RestRegistryStore: the model registry of a keel or MLflow server, over its REST API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keel.entities import ModelVersion, PagedList, RegisteredModel, RegistryEvent
from keel.store.pagination import encode_offset_token
from keel.store.registry.base import RegistryStore
from keel.store.tracking.search_text import filter_text, order_by_text

if TYPE_CHECKING:
    from keel.entities import ModelVersionStage
    from keel.search.ast import Expr, OrderKey
    from keel.store.tracking.http_client import HttpClient

API = "/api/2.0/mlflow"
KEEL_API = "/api/2.0/keel"


class RestRegistryStore(RegistryStore):
    """Registry calls to the server behind ``http`` (shared with the tracking store of the same URI).

    Search pages are addressed by offset in keel and by the server's token on the wire: the server's
    tokens are walked from the start to reach an offset (one request for the first page).
    """

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.http.get(API + path, params)

    def _send(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.http.send(method, API + path, body)

    # Registered models

    def _create_registered_model(
        self, name: str, tags: dict[str, str], description: str | None
    ) -> RegisteredModel:
        body = {"name": name, "tags": _tags(tags), "description": description}
        return RegisteredModel.from_dict(
            self._send("POST", "/registered-models/create", body)["registered_model"]
        )

    def _get_registered_model(self, name: str) -> RegisteredModel:
        return RegisteredModel.from_dict(
            self._get("/registered-models/get", {"name": name})["registered_model"]
        )

    def _rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        answer = self._send("POST", "/registered-models/rename", {"name": name, "new_name": new_name})
        return RegisteredModel.from_dict(answer["registered_model"])

    def _update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        answer = self._send("PATCH", "/registered-models/update", {"name": name, "description": description})
        return RegisteredModel.from_dict(answer["registered_model"])

    def _delete_registered_model(self, name: str) -> None:
        self._send("DELETE", "/registered-models/delete", {"name": name})

    def _search_registered_models(
        self, filter_expr: Expr | None, max_results: int, order_by: list[OrderKey], offset: int
    ) -> PagedList[RegisteredModel]:
        answer = self._page("/registered-models/search", filter_expr, max_results, order_by, offset)
        models = [RegisteredModel.from_dict(m) for m in answer.get("registered_models", ())]
        return PagedList(models, _next(answer, offset, max_results))

    def _get_latest_versions(self, name: str, stages: list[ModelVersionStage]) -> list[ModelVersion]:
        body = {"name": name, "stages": [s.value for s in stages]}
        answer = self._send("POST", "/registered-models/get-latest-versions", body)
        return [ModelVersion.from_dict(v) for v in answer.get("model_versions", ())]

    def _set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        self._send("POST", "/registered-models/set-tag", {"name": name, "key": key, "value": value})

    def _delete_registered_model_tag(self, name: str, key: str) -> None:
        self._send("DELETE", "/registered-models/delete-tag", {"name": name, "key": key})

    # Aliases

    def _set_registered_model_alias(self, name: str, alias: str, version: int) -> None:
        body = {"name": name, "alias": alias, "version": str(version)}
        self._send("POST", "/registered-models/alias", body)

    def _delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._send("DELETE", "/registered-models/alias", {"name": name, "alias": alias})

    def _get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        answer = self._get("/registered-models/alias", {"name": name, "alias": alias})
        return ModelVersion.from_dict(answer["model_version"])

    # Model versions

    def _create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None,
        tags: dict[str, str],
        run_link: str | None,
        description: str | None,
        model_id: str | None,
    ) -> ModelVersion:
        body = {
            "name": name,
            "source": source,
            "run_id": run_id,
            "tags": _tags(tags),
            "run_link": run_link,
            "description": description,
            "model_id": model_id,
        }
        return ModelVersion.from_dict(self._send("POST", "/model-versions/create", body)["model_version"])

    def _get_model_version(self, name: str, version: int) -> ModelVersion:
        answer = self._get("/model-versions/get", {"name": name, "version": str(version)})
        return ModelVersion.from_dict(answer["model_version"])

    def _update_model_version(self, name: str, version: int, description: str | None) -> ModelVersion:
        body = {"name": name, "version": str(version), "description": description}
        return ModelVersion.from_dict(self._send("PATCH", "/model-versions/update", body)["model_version"])

    def _delete_model_version(self, name: str, version: int) -> None:
        self._send("DELETE", "/model-versions/delete", {"name": name, "version": str(version)})

    def _search_model_versions(
        self, filter_expr: Expr | None, max_results: int, order_by: list[OrderKey], offset: int
    ) -> PagedList[ModelVersion]:
        answer = self._page("/model-versions/search", filter_expr, max_results, order_by, offset)
        versions = [ModelVersion.from_dict(v) for v in answer.get("model_versions", ())]
        return PagedList(versions, _next(answer, offset, max_results))

    def _transition_model_version_stage(
        self, name: str, version: int, stage: ModelVersionStage, archive_existing_versions: bool
    ) -> ModelVersion:
        body = {
            "name": name,
            "version": str(version),
            "stage": stage.value,
            "archive_existing_versions": archive_existing_versions,
        }
        answer = self._send("POST", "/model-versions/transition-stage", body)
        return ModelVersion.from_dict(answer["model_version"])

    def _set_model_version_tag(self, name: str, version: int, key: str, value: str) -> None:
        body = {"name": name, "version": str(version), "key": key, "value": value}
        self._send("POST", "/model-versions/set-tag", body)

    def _delete_model_version_tag(self, name: str, version: int, key: str) -> None:
        body = {"name": name, "version": str(version), "key": key}
        self._send("DELETE", "/model-versions/delete-tag", body)

    def _get_model_version_download_uri(self, name: str, version: int) -> str:
        answer = self._get("/model-versions/get-download-uri", {"name": name, "version": str(version)})
        return str(answer["artifact_uri"])

    # History (keel's own endpoint)

    def _get_registry_history(
        self, name: str | None, max_results: int, offset: int, newest_first: bool
    ) -> PagedList[RegistryEvent]:
        params: dict[str, Any] = {"name": name, "max_results": max_results, "newest_first": newest_first}
        if offset:
            params["page_token"] = encode_offset_token(offset)
        answer = self.http.get(f"{KEEL_API}/registry/history", params)
        events = [RegistryEvent.from_dict(e) for e in answer.get("events", ())]
        return PagedList(events, answer.get("next_page_token"))

    def _page(
        self, path: str, filter_expr: Expr | None, max_results: int, order_by: list[OrderKey], offset: int
    ) -> dict[str, Any]:
        """The page at ``offset``, reached by walking the server's own page tokens."""
        params: dict[str, Any] = {
            "filter": filter_text(filter_expr),
            "order_by": order_by_text(order_by),
            "max_results": max_results,
        }
        if offset % max_results:  # not on a page boundary: one larger page, cut
            return _tail(self._get(path, {**params, "max_results": offset + max_results}), offset)
        for _ in range(offset // max_results):
            token = self._get(path, params).get("next_page_token")
            if not token:
                return {}
            params["page_token"] = token
        return self._get(path, params)


def _tail(answer: dict[str, Any], offset: int) -> dict[str, Any]:
    return {key: value[offset:] if isinstance(value, list) else value for key, value in answer.items()}


def _next(answer: dict[str, Any], offset: int, max_results: int) -> str | None:
    return encode_offset_token(offset + max_results) if answer.get("next_page_token") else None


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in tags.items()]
