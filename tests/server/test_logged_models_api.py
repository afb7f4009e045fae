"""Logged models over HTTP: MLflow's wire format for every logged-model route, run outputs, the legacy
log-model call, and the real ``mlflow`` client logging a pyfunc model and loading it back both ways."""

from __future__ import annotations

import json
import re
import warnings
from typing import TYPE_CHECKING

import httpx
import mlflow
import pytest

from keel.server.settings import ServerSettings
from liveserver import LiveServer

with warnings.catch_warnings():
    # mlflow.pyfunc warns about type hints in its own modules as it imports them.
    warnings.simplefilter("ignore", UserWarning)
    import mlflow.pyfunc

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

API = "/api/2.0/mlflow"
PROXY = "/api/2.0/mlflow-artifacts/artifacts"
MODEL_ID = re.compile(r"^m-[0-9a-f]{32}$")


class Doubler(mlflow.pyfunc.PythonModel):
    """The smallest useful model: every input doubled."""

    def predict(
        self, context: object, model_input: list[int], params: dict[str, object] | None = None
    ) -> list[int]:
        return [2 * x for x in model_input]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(ServerSettings.embedded(tmp_path / "keel")) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def _ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    return body["message"]


def _experiment(client: httpx.Client, name: str = "exp") -> str:
    return _ok(client.post(f"{API}/experiments/create", json={"name": name}))["experiment_id"]


def _run(client: httpx.Client, experiment_id: str) -> str:
    return _ok(client.post(f"{API}/runs/create", json={"experiment_id": experiment_id}))["run"]["info"][
        "run_id"
    ]


def _model(client: httpx.Client, experiment_id: str, **fields: object) -> dict:
    return _ok(client.post(f"{API}/logged-models", json={"experiment_id": experiment_id, **fields}))["model"]


def test_create_and_get_a_logged_model(client):
    experiment_id = _experiment(client)
    run_id = _run(client, experiment_id)

    model = _model(
        client,
        experiment_id,
        name="clf",
        modelType="sklearn",  # protobuf JSON accepts camelCase too
        source_run_id=run_id,
        params=[{"key": "alpha", "value": "0.5"}],
        tags=[{"key": "team", "value": "core"}],
    )

    info = model["info"]
    assert MODEL_ID.match(info["model_id"])
    assert info["experiment_id"] == experiment_id
    assert info["name"] == "clf"
    assert info["model_type"] == "sklearn"
    assert info["source_run_id"] == run_id
    assert info["status"] == "LOGGED_MODEL_PENDING"
    assert info["artifact_uri"] == f"mlflow-artifacts:/{experiment_id}/models/{info['model_id']}/artifacts"
    assert isinstance(info["creation_timestamp_ms"], int)
    assert info["last_updated_timestamp_ms"] == info["creation_timestamp_ms"]
    assert info["tags"] == [{"key": "team", "value": "core"}]
    assert model["data"] == {"params": [{"key": "alpha", "value": "0.5"}]}
    assert _ok(client.get(f"{API}/logged-models/{info['model_id']}")) == {"model": model}
    assert _ok(client.get(f"/ajax-api/2.0/mlflow/logged-models/{info['model_id']}")) == {"model": model}


def test_an_empty_name_gets_a_generated_one_and_a_bad_name_is_rejected(client):
    generated = _model(client, "0", name="")["info"]["name"]

    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{1,3}", generated)
    message = _error(
        client.post(f"{API}/logged-models", json={"experiment_id": "0", "name": "a/b"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    assert "a/b" in message
    _error(client.post(f"{API}/logged-models", json={"name": "x"}), 400, "INVALID_PARAMETER_VALUE")
    _error(client.post(f"{API}/logged-models", json={"experiment_id": "999"}), 404, "RESOURCE_DOES_NOT_EXIST")


def test_finalize_tags_params_and_delete(client):
    model_id = _model(client, "0", name="m", tags=[{"key": "a", "value": "1"}])["info"]["model_id"]
    url = f"{API}/logged-models/{model_id}"

    finalized = _ok(client.patch(url, json={"model_id": model_id, "status": "LOGGED_MODEL_READY"}))["model"]
    assert finalized["info"]["status"] == "LOGGED_MODEL_READY"
    assert (
        _ok(client.patch(url, json={"status": 3}))["model"]["info"]["status"] == "LOGGED_MODEL_UPLOAD_FAILED"
    )
    _error(client.patch(url, json={}), 400, "INVALID_PARAMETER_VALUE")
    _error(client.patch(url, json={"status": "LOGGED_MODEL_PENDING"}), 400, "INVALID_PARAMETER_VALUE")

    tagged = _ok(
        client.patch(f"{url}/tags", json={"tags": [{"key": "b", "value": "2"}, {"key": "x/y", "value": "3"}]})
    )
    assert tagged["model"]["info"]["tags"] == [
        {"key": "a", "value": "1"},
        {"key": "b", "value": "2"},
        {"key": "x/y", "value": "3"},
    ]
    assert _ok(client.delete(f"{url}/tags/a")) == {}
    assert _ok(client.delete(f"{url}/tags/x/y")) == {}  # MLflow's client sends keys unquoted
    _error(client.delete(f"{url}/tags/a"), 404, "RESOURCE_DOES_NOT_EXIST")

    assert (
        _ok(client.post(f"{url}/params", json={"model_id": model_id, "params": [{"key": "p", "value": "v"}]}))
        == {}
    )
    stored = _ok(client.get(url))["model"]
    assert stored["info"]["tags"] == [{"key": "b", "value": "2"}]
    assert stored["data"]["params"] == [{"key": "p", "value": "v"}]

    assert _ok(client.request("DELETE", url, json={"model_id": model_id})) == {}
    _error(client.get(url), 404, "RESOURCE_DOES_NOT_EXIST")
    assert _ok(client.get(url, params={"allow_deleted": "true"}))["model"]["info"]["name"] == "m"
    _error(client.get(f"{API}/logged-models/m-nope"), 404, "RESOURCE_DOES_NOT_EXIST")


def test_search_logged_models_filters_orders_and_pages(client):
    experiment_id = _experiment(client)
    run_id = _run(client, experiment_id)
    for name in ("a", "b", "c"):
        _model(client, experiment_id, name=name, source_run_id=run_id)
    _model(client, experiment_id, name="model")
    url = f"{API}/logged-models/search"

    found = _ok(
        client.post(
            url,
            json={"experiment_ids": [experiment_id], "filter": f"name = 'b' AND source_run_id = '{run_id}'"},
        )
    )
    assert [m["info"]["name"] for m in found["models"]] == ["b"]
    assert "next_page_token" not in found

    order = [{"field_name": "name", "ascending": True}]
    first = _ok(
        client.post(url, json={"experiment_ids": [experiment_id], "max_results": 2, "order_by": order})
    )
    assert [m["info"]["name"] for m in first["models"]] == ["a", "b"]
    second = _ok(
        client.post(
            url,
            json={
                "experiment_ids": [experiment_id],
                "max_results": 2,
                "order_by": order,
                "page_token": first["next_page_token"],
            },
        )
    )
    assert [m["info"]["name"] for m in second["models"]] == ["c", "model"]
    assert "next_page_token" not in second

    _error(
        client.post(url, json={"experiment_ids": [experiment_id], "filter": "metrics.acc > 1"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    _error(client.post(url, json={"filter": "name = 'a'"}), 400, "INVALID_PARAMETER_VALUE")
    assert _ok(client.post(url, json={"experiment_ids": ["0"]})) == {"models": []}


def test_run_outputs_appear_on_the_run(client):
    run_id = _run(client, "0")
    model_id = _model(client, "0", source_run_id=run_id)["info"]["model_id"]

    assert (
        _ok(
            client.post(
                f"{API}/runs/outputs", json={"run_id": run_id, "models": [{"model_id": model_id, "step": 4}]}
            )
        )
        == {}
    )

    run = _ok(client.get(f"{API}/runs/get", params={"run_id": run_id}))["run"]
    assert run["outputs"] == {"model_outputs": [{"model_id": model_id, "step": 4}]}
    searched = _ok(client.post(f"{API}/runs/search", json={"experiment_ids": ["0"]}))["runs"]
    assert searched[0]["outputs"] == run["outputs"]
    _error(client.post(f"{API}/runs/outputs", json={"run_id": run_id}), 400, "INVALID_PARAMETER_VALUE")
    _error(
        client.post(
            f"{API}/runs/outputs", json={"run_id": run_id, "models": [{"model_id": "m-nope", "step": 0}]}
        ),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    other = _ok(client.get(f"{API}/runs/get", params={"run_id": _run(client, "0")}))["run"]
    assert other["outputs"] == {}  # MLflow sends an empty outputs object on every run read


def test_legacy_log_model_appends_to_the_run_history_tag(client):
    run_id = _run(client, "0")
    mlmodel = {
        "artifact_path": "model",
        "flavors": {"python_function": {}},
        "utc_time_created": "now",
        "run_id": run_id,
    }

    for _ in range(2):
        assert (
            _ok(
                client.post(
                    f"{API}/runs/log-model", json={"run_id": run_id, "model_json": json.dumps(mlmodel)}
                )
            )
            == {}
        )

    tags = _ok(client.get(f"{API}/runs/get", params={"run_id": run_id}))["run"]["data"]["tags"]
    history = json.loads(next(t["value"] for t in tags if t["key"] == "mlflow.log-model.history"))
    assert [entry["artifact_path"] for entry in history] == ["model", "model"]
    _error(
        client.post(f"{API}/runs/log-model", json={"run_id": run_id, "model_json": "{not json"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    del mlmodel["flavors"]
    _error(
        client.post(f"{API}/runs/log-model", json={"run_id": run_id, "model_json": json.dumps(mlmodel)}),
        400,
        "INVALID_PARAMETER_VALUE",
    )


def test_list_logged_model_artifacts_through_the_proxy(client):
    info = _model(client, "0")["info"]
    root = info["artifact_uri"].removeprefix("mlflow-artifacts:/")
    assert client.put(f"{PROXY}/{root}/MLmodel", content=b"flavors: {}\n").status_code == 200
    assert client.put(f"{PROXY}/{root}/data/model.pkl", content=b"12345").status_code == 200
    url = f"{API}/logged-models/{info['model_id']}/artifacts/directories"

    listed = _ok(client.get(url))
    assert listed["root_uri"] == info["artifact_uri"]
    assert sorted(listed["files"], key=lambda f: f["path"]) == [
        {"path": "MLmodel", "is_dir": False, "file_size": 12},
        {"path": "data", "is_dir": True},
    ]
    assert _ok(client.get(url, params={"artifact_directory_path": "data"}))["files"] == [
        {"path": "data/model.pkl", "is_dir": False, "file_size": 5}
    ]
    _error(client.get(url, params={"artifact_directory_path": "../other"}), 400, "INVALID_PARAMETER_VALUE")


def test_the_mlflow_client_logs_a_pyfunc_model_and_loads_it_back(server, monkeypatch):
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    for name in ("MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    mlflow.set_tracking_uri(server.url)
    try:
        with mlflow.start_run(experiment_id="0") as run:
            info = mlflow.pyfunc.log_model(
                name="model", python_model=Doubler(), pip_requirements=["cloudpickle"]
            )
        run_id = run.info.run_id

        by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/model").predict([1, 2, 3])
        by_id = mlflow.pyfunc.load_model(f"models:/{info.model_id}").predict([1, 2, 3])

        assert by_run == by_id == [2, 4, 6]
        client = mlflow.MlflowClient()
        model = client.get_logged_model(info.model_id)
        assert model.status == "READY"
        assert model.source_run_id == run_id
        assert [o.model_id for o in client.get_run(run_id).outputs.model_outputs] == [info.model_id]
        assert client.list_artifacts(run_id) == []  # the model lives with the logged model, not the run
        model_files = {f.path for f in client.list_artifacts(run_id, "model")}
        assert {"model/MLmodel", "model/python_model.pkl"} <= model_files
    finally:
        mlflow.set_tracking_uri(None)
