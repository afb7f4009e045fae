"""JSON over HTTP to one tracking server: auth headers, keep-alive, retries, and MLflow error bodies
turned back into keel errors.

Requests are sent as MLflow's client sends them (``mlflow/utils/rest_utils.py``): GET with the
fields in the query string (repeated keys for lists), every other method with a JSON body.
"""

from __future__ import annotations

import base64
import logging
import os
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import orjson

from keel.errors import (
    BadRequest,
    Conflict,
    KeelError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    Unavailable,
    Unsupported,
    error_class_for_code,
)
from keel.store.tracking.retry import INTERNAL_ERROR, RetryPolicy, is_transient_status
from keel.version import __version__

logger = logging.getLogger(__name__)

USER_AGENT = f"keel-python-client/{__version__}"
CONNECT_TIMEOUT_S = 10.0
JSON_HEADERS = {"Content-Type": "application/json"}
# Error codes MLflow may send that keel has no class of its own for: the HTTP status decides.
_CLASS_FOR_STATUS: dict[int, type[KeelError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
    501: Unsupported,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}
_ENDPOINT_NOT_FOUND = "ENDPOINT_NOT_FOUND"

Params = Mapping[str, str | int | float | bool | list[str] | None]


class HttpClient:
    """One ``httpx.Client`` (HTTP/1.1, keep-alive) to ``base_url``, shared by the threads of a store.

    Build it with ``HttpClient.open``; ``with_policy`` gives a twin with other retries over the
    same connections.
    """

    def __init__(
        self, base_url: str, client: httpx.Client, policy: RetryPolicy, sleep: Callable[[float], None]
    ) -> None:
        self.base_url = base_url
        self.policy = policy
        self._client = client
        self._sleep = sleep

    @classmethod
    def open(
        cls,
        base_url: str,
        *,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> HttpClient:
        """A client for ``base_url``, the tracking URI (a path prefix is kept).

        Args:
            base_url: e.g. ``http://mlflow.internal:5000``.
            policy: retries and timeouts; ``RetryPolicy.from_env()`` when omitted.
            transport: replaces the network (``httpx.MockTransport`` in tests).
            sleep: how to wait between attempts.
        """
        base_url = base_url.rstrip("/")
        client = httpx.Client(
            base_url=base_url,
            headers={"User-Agent": USER_AGENT, **auth_headers()},
            transport=transport,
            verify=tls_context(),
            http1=True,
            http2=False,
        )
        return cls(base_url, client, policy or RetryPolicy.from_env(), sleep)

    def with_policy(self, policy: RetryPolicy) -> HttpClient:
        """A client with another retry policy over the same connections."""
        return HttpClient(self.base_url, self._client, policy, self._sleep)

    def get(self, path: str, params: Params) -> dict[str, Any]:
        query = {k: _query_value(v) for k, v in params.items() if v is not None}
        return self.request("GET", path, params=query)

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.send("POST", path, body)

    def send(self, method: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` as JSON (None fields left out), sent with ``method`` (POST, PATCH, DELETE…)."""
        payload = orjson.dumps({k: v for k, v in body.items() if v is not None})
        return self.request(method, path, content=payload)

    def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, content: bytes | None = None
    ) -> dict[str, Any]:
        """Send one request, retrying transient failures; the JSON object answered, or a keel error."""
        policy = self.policy
        # A host that drops packets is noticed within seconds; a slow answer gets the whole timeout.
        timeout = httpx.Timeout(policy.timeout, connect=min(policy.timeout, CONNECT_TIMEOUT_S))
        deadline = time.monotonic() + policy.retry_timeout
        headers = JSON_HEADERS if content is not None else None
        attempt = 0
        while True:
            retry_after = None
            try:
                response = self._client.request(
                    method, path, params=params, content=content, headers=headers, timeout=timeout
                )
            except httpx.TransportError as exc:
                failure: KeelError = Unavailable(
                    f"API request to {self.base_url}{path} failed: {type(exc).__name__}: {exc}"
                )
            else:
                if response.is_success:
                    return _json_object(response, self.base_url + path)
                code, failure = error_from_response(response, method, path, self.base_url)
                if not is_transient_status(response.status_code, code):
                    raise failure
                retry_after = _retry_after(response)
            if attempt >= policy.max_retries:
                raise failure
            delay = policy.delay(attempt, retry_after)
            if time.monotonic() + delay > deadline:
                raise failure
            logger.debug("Retrying %s %s in %.2fs after: %s", method, path, delay, failure)
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        self._client.close()


def auth_headers() -> dict[str, str]:
    """``Authorization`` as MLflow's client sends it: Basic from ``MLFLOW_TRACKING_USERNAME`` and
    ``MLFLOW_TRACKING_PASSWORD``, else Bearer ``MLFLOW_TRACKING_TOKEN``."""
    user = os.environ.get("MLFLOW_TRACKING_USERNAME")
    password = os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if user and password:
        basic = base64.standard_b64encode(f"{user}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {basic}"}
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if token:
        return {"Authorization": f"Bearer {token}"}
    return {}


def tls_context() -> ssl.SSLContext | bool:
    """Certificate checks as MLflow's variables configure them (insecure, custom CA, client cert)."""
    if os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").lower() == "true":
        return False
    ca = os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH")
    client_cert = os.environ.get("MLFLOW_TRACKING_CLIENT_CERT_PATH")
    if not ca and not client_cert:
        return True
    context = ssl.create_default_context(cafile=ca or None)
    if client_cert:
        context.load_cert_chain(client_cert)
    return context


def error_from_response(
    response: httpx.Response, method: str, path: str, base_url: str
) -> tuple[str | None, KeelError]:
    """The error code the server sent (None without an MLflow error body) and the keel error for it."""
    status = response.status_code
    body = _maybe_json(response.content)
    if isinstance(body, dict) and isinstance(body.get("error_code"), str):
        code: str = body["error_code"]
        message = str(body.get("message", ""))
        if code == _ENDPOINT_NOT_FOUND:
            return code, _no_endpoint(method, path, base_url, status)
        cls = error_class_for_code(code)
        if cls is KeelError and code != INTERNAL_ERROR:
            cls = _CLASS_FOR_STATUS.get(status, KeelError)
        return code, cls(message)
    if status == 404:
        return None, _no_endpoint(method, path, base_url, status)
    text = response.text.strip()
    excerpt = f": {text[:200]}" if text else ""
    cls = _CLASS_FOR_STATUS.get(status, KeelError)
    return None, cls(f"API request {method} {base_url}{path} failed with HTTP {status}{excerpt}")


def _no_endpoint(method: str, path: str, base_url: str, status: int) -> Unsupported:
    return Unsupported(
        f"The tracking server at {base_url} has no endpoint {method} {path} (HTTP {status}); "
        "is it an MLflow-compatible server of a recent enough version?"
    )


def _query_value(value: str | int | float | bool | list[str]) -> str | list[str]:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return value
    return str(value)


def _maybe_json(content: bytes) -> Any:
    try:
        return orjson.loads(content) if content.strip() else None
    except orjson.JSONDecodeError:
        return None


def _json_object(response: httpx.Response, url: str) -> dict[str, Any]:
    if not response.content.strip():
        return {}
    body = _maybe_json(response.content)
    if not isinstance(body, dict):
        raise KeelError(
            f"API request to {url} answered HTTP {response.status_code} but not with a JSON object: "
            f"{response.text[:200]!r}"
        )
    return body


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (HTTP dates are ignored: the backoff applies instead)."""
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None
