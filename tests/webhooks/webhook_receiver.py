"""A real HTTP receiver for webhook tests: a threading ``http.server`` on a free port that records
every POST and answers from a script of statuses, then with a default one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def delivery_id(self) -> str:
        return self.headers["x-mlflow-delivery-id"]

    def signed_with(self, secret: str) -> bool:
        """The signature MLflow's receivers check: ``v1,`` + base64 HMAC-SHA256 of id.timestamp.body."""
        content = f"{self.delivery_id}.{self.headers['x-mlflow-timestamp']}.{self.body.decode()}"
        digest = hmac.new(secret.encode(), content.encode(), hashlib.sha256).digest()
        expected = "v1," + base64.b64encode(digest).decode()
        return hmac.compare_digest(self.headers.get("x-mlflow-signature", ""), expected)


class Receiver:
    """``with Receiver(statuses=[500]) as receiver: receiver.url`` — answers 500, then 200 from then on."""

    def __init__(self, statuses: Iterable[int] = (), default_status: int = 200, body: bytes = b"ok") -> None:
        self._script = list(statuses)
        self._default = default_status
        self._body = body
        self._lock = threading.Lock()
        self._received: list[Received] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                data = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver._record(Received(self.path, headers, data))
                self.send_response(status)
                self.send_header("Content-Length", str(len(receiver._body)))
                self.end_headers()
                self.wfile.write(receiver._body)

            def log_message(self, *_: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def _record(self, received: Received) -> int:
        with self._lock:
            self._received.append(received)
            return self._script.pop(0) if self._script else self._default

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def wait_for(self, count: int) -> list[Received]:
        """The first ``count`` requests, once they have arrived (polled, up to a generous deadline)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"expected {count} requests, got {len(self.received)}"
            time.sleep(0.01)
        return self.received[:count]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
