"""Every failure as MLflow's error body ``{"error_code", "message"}`` with the matching HTTP status.

keel errors are found along the exception's MRO; anything unexpected becomes a generic
500 and its traceback goes to the log, never to the client.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException

from keel.errors import BadRequest, KeelError
from keel.server.responses import json_response

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

logger = logging.getLogger("keel.server")


class PayloadTooLarge(BadRequest):
    http_status = 413


class EndpointNotFound(KeelError):
    error_code = "ENDPOINT_NOT_FOUND"
    http_status = 404


class MethodNotAllowed(KeelError):
    error_code = "BAD_REQUEST"
    http_status = 405


async def keel_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KeelError)
    return json_response(exc.to_dict(), exc.http_status)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error: KeelError = EndpointNotFound(f"No endpoint {request.method} {request.url.path}")
    elif exc.status_code == 405:
        error = MethodNotAllowed(f"Method {request.method} is not allowed for {request.url.path}")
    else:
        error = BadRequest(str(exc.detail))
        return json_response(error.to_dict(), exc.status_code)
    return json_response(error.to_dict(), error.http_status)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    logger.exception("Unhandled error serving %s %s", request.method, request.url.path, exc_info=exc)
    return json_response({"error_code": "INTERNAL_ERROR", "message": "Internal server error"}, 500)
