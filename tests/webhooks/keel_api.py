"""keel's REST API as the webhook tests drive it: registry changes and webhook calls over httpx."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

WAIT_SECONDS = 20.0


class KeelApi:
    """Calls to a live keel server; ``call`` expects success, ``fail`` an error answer."""

    def __init__(self, url: str, user: str = "alice") -> None:
        self.client = httpx.Client(base_url=f"{url}/api/2.0", auth=(user, "secret"), timeout=30)

    def close(self) -> None:
        self.client.close()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        response = self.client.request(method, path, json=body, params=params or None)
        assert response.status_code == 200, response.text
        return response.json()

    def fail(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        response = self.client.request(method, path, json=body)
        assert response.status_code != 200, response.text
        return response.status_code, response.json()

    # Registry

    def register_version(self, name: str) -> str:
        """A new version of ``name`` (created if missing) from a fresh run's ``model`` directory."""
        run = self.call("POST", "/mlflow/runs/create", {"experiment_id": "0"})["run"]["info"]
        run_id = run["run_id"]
        upload = self.client.put(
            f"/mlflow-artifacts/artifacts/0/{run_id}/artifacts/model/MLmodel", content=b"flavors: {}\n"
        )
        assert upload.status_code == 200, upload.text
        found = self.client.get("/mlflow/registered-models/get", params={"name": name})
        if found.status_code == 404:
            self.call("POST", "/mlflow/registered-models/create", {"name": name})
        body = {"name": name, "source": f"runs:/{run_id}/model", "run_id": run_id}
        return str(self.call("POST", "/mlflow/model-versions/create", body)["model_version"]["version"])

    def set_alias(self, name: str, alias: str, version: str) -> None:
        body = {"name": name, "alias": alias, "version": version}
        self.call("POST", "/mlflow/registered-models/alias", body)

    def delete_alias(self, name: str, alias: str) -> None:
        self.call("DELETE", "/mlflow/registered-models/alias", {"name": name, "alias": alias})

    def transition(self, name: str, version: str, stage: str) -> None:
        body = {"name": name, "version": version, "stage": stage, "archive_existing_versions": False}
        self.call("POST", "/mlflow/model-versions/transition-stage", body)

    def set_version_tag(self, name: str, version: str, key: str, value: str) -> None:
        body = {"name": name, "version": version, "key": key, "value": value}
        self.call("POST", "/mlflow/model-versions/set-tag", body)

    # Webhooks

    def create_webhook(
        self, url: str, keel_events: list[str], secret: str | None = None, **extra: Any
    ) -> str:
        """A webhook for ``keel_events`` (``entity.action`` names) and any MLflow-style ``events``."""
        body = {"name": f"hook-{uuid.uuid4().hex[:8]}", "url": url, "keel_events": keel_events, **extra}
        if secret is not None:
            body["secret"] = secret
        return str(self.call("POST", "/mlflow/webhooks", body)["webhook"]["webhook_id"])

    def deliveries(self, webhook_id: str) -> list[dict[str, Any]]:
        answer = self.call("GET", f"/keel/webhooks/{webhook_id}/deliveries")
        found: list[dict[str, Any]] = answer["deliveries"]
        return found

    def wait_for_deliveries(
        self, webhook_id: str, done: Callable[[list[dict[str, Any]]], bool]
    ) -> list[dict[str, Any]]:
        """The webhook's deliveries once ``done`` holds for them (polled, up to a generous deadline)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not done(found := self.deliveries(webhook_id)):
            assert time.monotonic() < deadline, f"deliveries never settled: {found}"
            time.sleep(0.02)
        return found


def settled(count: int) -> Callable[[list[dict[str, Any]]], bool]:
    """``count`` deliveries, none of them still pending."""
    return lambda found: len(found) == count and all(d["status"] != "PENDING" for d in found)
