"""Endpoint: one REST call — its path, methods, request fields and the handler that answers it.

Handlers are plain functions of (stores, fields) returning the response object; they run in
a worker thread so a slow query never blocks the event loop. Route modules list their
endpoints; ``app.py`` mounts them under both ``/api/<v>/mlflow`` and ``/ajax-api/<v>/mlflow``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from keel.errors import InvalidParameter
from keel.server.responses import json_response
from keel.server.state import Stores
from keel.server.wire import Spec, decode_json_body, query_to_dict, read_fields
from keel.store.registry.actor import acting_user

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

Handler = Callable[[Stores, dict[str, Any]], dict[str, Any]]
JSON_CONTENT_TYPE = "application/json"
# keel's own endpoints, beside MLflow's under /api/<v>.0/mlflow.
KEEL_API_PREFIXES = ("/api/2.0/keel", "/ajax-api/2.0/keel")


@dataclass(frozen=True)
class Endpoint:
    path: str
    methods: tuple[str, ...]
    handler: Handler
    fields: Spec = field(default_factory=dict)
    version: int = 2


async def read_payload(request: Request, spec: Spec) -> dict[str, Any]:
    if request.method == "GET":
        if request.query_params:
            return read_fields(query_to_dict(request.query_params, spec), spec, from_query=True)
        body = await request.body()  # old clients send a JSON body with GET
        return read_fields(decode_json_body(body), spec, from_query=False)
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if body and content_type.split(";")[0].strip().lower() != JSON_CONTENT_TYPE:
        raise InvalidParameter(f"Bad Request. Content-Type must be one of ['{JSON_CONTENT_TYPE}']")
    raw = decode_json_body(body)
    return read_fields({**query_to_dict(request.query_params, spec), **raw}, spec, from_query=False)


def request_user(request: Request) -> str:
    """The user a request names: its HTTP Basic user name (MLflow's clients send
    ``MLFLOW_TRACKING_USERNAME`` so), else ``""`` for anonymous."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        user, _, _password = base64.b64decode(credentials, validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return ""
    return user[:256]


def asgi_endpoint(endpoint: Endpoint) -> Callable[[Request], Any]:
    async def respond(request: Request) -> Response:
        fields = await read_payload(request, endpoint.fields)
        fields.update(request.path_params)
        stores: Stores = request.app.state.stores
        token = acting_user.set(request_user(request))
        try:
            result = await run_in_threadpool(endpoint.handler, stores, fields)
        finally:
            acting_user.reset(token)
        return json_response(result)

    respond.__name__ = endpoint.handler.__name__
    return respond
