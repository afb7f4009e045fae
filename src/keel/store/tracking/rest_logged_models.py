"""Logged models (MLflow 3) over REST: the calls ``RestTrackingStore`` makes for its logged-model hooks.

Search pages are addressed by offset in keel and by the server's opaque token on the wire: the
token for the next page is remembered, so paging forward costs one request; any other offset is
reached by walking the server's pages from the start.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import orjson

from keel.entities import LoggedModel
from keel.search.ast import Entity
from keel.store.tracking.search_text import field_text, filter_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keel.entities import LoggedModelOutput, LoggedModelStatus, Param, RunTag
    from keel.search.ast import Expr, OrderKey
    from keel.store.tracking.http_client import HttpClient

API = "/api/2.0/mlflow"
PARAMS_PER_REQUEST = 100  # as MLflow's client batches them
_REMEMBERED_PAGES = 256


class LoggedModelCalls:
    """Logged-model requests to one server."""

    def __init__(self, http: HttpClient) -> None:
        self._http = http
        self._next_tokens: OrderedDict[tuple[bytes, int], str] = OrderedDict()
        self._lock = threading.Lock()

    def create(
        self,
        experiment_id: str,
        name: str | None,
        model_type: str | None,
        source_run_id: str | None,
        params: list[Param],
        tags: list[RunTag],
    ) -> LoggedModel:
        body = {
            "experiment_id": experiment_id,
            "name": name,
            "model_type": model_type,
            "source_run_id": source_run_id,
            "params": [p.to_dict() for p in params[:PARAMS_PER_REQUEST]],
            "tags": [t.to_dict() for t in tags],
        }
        model = LoggedModel.from_dict(self._http.post(f"{API}/logged-models", body)["model"])
        if len(params) > PARAMS_PER_REQUEST:
            self.log_params(model.model_id, params[PARAMS_PER_REQUEST:])
            model = self.get(model.model_id, allow_deleted=False)
        return model

    def get(self, model_id: str, allow_deleted: bool) -> LoggedModel:
        query = {"allow_deleted": True} if allow_deleted else {}
        return LoggedModel.from_dict(self._http.get(_path(model_id), query)["model"])

    def finalize(self, model_id: str, status: LoggedModelStatus) -> LoggedModel:
        body = {"model_id": model_id, "status": str(status)}
        return LoggedModel.from_dict(self._http.send("PATCH", _path(model_id), body)["model"])

    def delete(self, model_id: str) -> None:
        self._http.send("DELETE", _path(model_id), {"model_id": model_id})

    def set_tags(self, model_id: str, tags: list[RunTag]) -> None:
        self._http.send("PATCH", f"{_path(model_id)}/tags", {"tags": [t.to_dict() for t in tags]})

    def delete_tag(self, model_id: str, key: str) -> None:
        self._http.send("DELETE", f"{_path(model_id)}/tags/{quote(key, safe='')}", {})

    def log_params(self, model_id: str, params: Sequence[Param]) -> None:
        for start in range(0, len(params), PARAMS_PER_REQUEST):
            batch = [p.to_dict() for p in params[start : start + PARAMS_PER_REQUEST]]
            self._http.post(f"{_path(model_id)}/params", {"model_id": model_id, "params": batch})

    def log_outputs(self, run_id: str, models: list[LoggedModelOutput]) -> None:
        self._http.post(f"{API}/runs/outputs", {"run_id": run_id, "models": [m.to_dict() for m in models]})

    def record(self, run_id: str, summary: dict[str, Any]) -> None:
        body = {"run_id": run_id, "model_json": orjson.dumps(summary).decode()}
        self._http.post(f"{API}/runs/log-model", body)

    def search(
        self,
        experiment_ids: list[str],
        filter_expr: Expr | None,
        max_results: int,
        order_by: list[OrderKey],
        offset: int,
    ) -> tuple[list[LoggedModel], bool]:
        body: dict[str, Any] = {
            "experiment_ids": experiment_ids,
            "filter": filter_text(filter_expr),
            "order_by": [{"field_name": _order_field(k), "ascending": k.ascending} for k in order_by] or None,
        }
        query = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        found, token = self._token_at(query, offset, body)
        if not found:
            return [], False
        answer = self._page(body, max_results, token)
        next_token = answer.get("next_page_token") or None
        if next_token is not None:
            self._remember(query, offset + max_results, next_token)
        models = [LoggedModel.from_dict(m) for m in answer.get("models", ())]
        return models, next_token is not None

    def _page(self, body: dict[str, Any], size: int, token: str | None) -> dict[str, Any]:
        page = {**body, "max_results": size, "page_token": token}
        return self._http.post(f"{API}/logged-models/search", page)

    def _token_at(self, query: bytes, offset: int, body: dict[str, Any]) -> tuple[bool, str | None]:
        """Whether a page starts at ``offset``, and the server's token for it (None: the first page)."""
        if offset == 0:
            return True, None
        with self._lock:
            token = self._next_tokens.get((query, offset))
        if token is not None:
            return True, token
        position, token = 0, None
        while position < offset:
            answer = self._page(body, min(offset - position, 1000), token)
            position += len(answer.get("models", ()))
            token = answer.get("next_page_token") or None
            if token is None:
                return False, None  # fewer models than the offset
        return True, token

    def _remember(self, query: bytes, offset: int, token: str) -> None:
        with self._lock:
            self._next_tokens[(query, offset)] = token
            while len(self._next_tokens) > _REMEMBERED_PAGES:
                self._next_tokens.popitem(last=False)


def _path(model_id: str) -> str:
    return f"{API}/logged-models/{quote(model_id, safe='')}"


def _order_field(key: OrderKey) -> str:
    """MLflow's ``field_name``: the attribute itself, or ``<entity>.<key>`` unquoted."""
    if key.field.entity is Entity.ATTRIBUTE:
        return key.field.key
    return field_text(key.field).replace("`", "")
