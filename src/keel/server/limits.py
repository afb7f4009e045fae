"""Request body limits: JSON calls are capped; artifact uploads stream and are exempt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keel.server.errors import PayloadTooLarge
from keel.server.responses import json_response

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

ARTIFACT_UPLOAD_PREFIXES = ("/api/2.0/mlflow-artifacts/", "/ajax-api/2.0/mlflow-artifacts/")


class BodySizeLimit:
    """Answers 413 as soon as a request body (declared or streamed) passes ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ARTIFACT_UPLOAD_PREFIXES):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(self._message())
            return message

        await self.app(scope, counting_receive, send)

    def _message(self) -> str:
        return f"Request body exceeds the limit of {self.max_bytes} bytes"

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = PayloadTooLarge(self._message())
        await json_response(error.to_dict(), error.http_status)(scope, receive, send)
