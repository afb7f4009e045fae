"""keel's Client against a real ``mlflow server`` (3.17, in a subprocess): the same wire format both ways.

Starting MLflow takes a while (imports, then every Alembic migration on a new SQLite file), so one
server serves the whole module.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

import keel
from keel.entities import (
    Dataset,
    DatasetInput,
    InputTag,
    LifecycleStage,
    LoggedModelOutput,
    LoggedModelStatus,
    Metric,
    Param,
    RunStatus,
    RunTag,
)
from keel.errors import AlreadyExists, ExperimentNotFound, InvalidParameter, NotFound, RunNotFound
from mlflowserver import running_mlflow_server


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m mlflow server`` over a fresh SQLite file, polled on /health until it answers."""
    with running_mlflow_server(tmp_path_factory.mktemp("mlflow-server")) as url:
        yield url


def test_experiments_runs_batches_search_and_history_against_mlflow(mlflow_server: str) -> None:
    client = keel.Client(mlflow_server)

    experiment_id = client.create_experiment("keel-on-mlflow", tags={"team": "ml"})
    experiment = client.get_experiment(experiment_id)
    assert (experiment.name, experiment.tags, experiment.lifecycle_stage) == (
        "keel-on-mlflow",
        {"team": "ml"},
        LifecycleStage.ACTIVE,
    )
    assert client.get_experiment_by_name("keel-on-mlflow") == experiment
    assert client.get_experiment_by_name("no-such-experiment") is None

    runs = {}
    for name, loss in (("a", 0.3), ("b", 0.1), ("c", 0.2)):
        run = client.create_run(experiment_id, run_name=name, tags={"mlflow.user": "ada"})
        client.log_batch(
            run.info.run_id,
            metrics=[
                Metric("loss", loss + 1, 1_000, 0),
                Metric("loss", loss, 1_001, 1),
                Metric("nan", math.nan, 1, 0),
            ],
            params=[Param("model", "tree" if name != "c" else "linear")],
            tags=[RunTag("stage", "dev")],
        )
        runs[name] = run.info.run_id
    assert runs["a"] != runs["b"]

    stored = client.get_run(runs["a"])
    assert stored.info.run_name == "a"
    assert stored.info.start_time > 0
    assert stored.data.params == {"model": "tree"}
    assert stored.data.metrics["loss"] == 0.3
    assert math.isnan(stored.data.metrics["nan"])
    assert stored.data.tags["stage"] == "dev"

    history = client.get_metric_history(runs["a"], "loss")
    assert [(m.step, m.timestamp, m.value, m.run_id) for m in history] == [
        (0, 1_000, 1.3, runs["a"]),
        (1, 1_001, 0.3, runs["a"]),
    ]

    found = client.search_runs(
        experiment_id, "params.model = 'tree' and metrics.loss < 0.5", order_by=["metrics.loss"]
    )
    assert [r.info.run_name for r in found] == ["b", "a"]
    first = client.search_runs(experiment_id, order_by=["attributes.run_name DESC"], max_results=2)
    rest = client.search_runs(
        experiment_id, order_by=["attributes.run_name DESC"], max_results=2, page_token=first.token
    )
    assert [r.info.run_name for r in first] + [r.info.run_name for r in rest] == ["c", "b", "a"]
    assert [r.info.run_name for r in client.search_runs(experiment_id, "tags.mlflow.user = 'ada'")] == [
        "c",
        "b",
        "a",
    ]
    client.create_experiment("keel-on-mlflow-2")
    found_experiments = client.search_experiments(
        filter_string="name LIKE 'keel-%' AND tags.team = 'ml'", order_by=["name DESC"]
    )
    assert [e.name for e in found_experiments] == ["keel-on-mlflow"]
    ordered = client.search_experiments(filter_string="name LIKE 'keel-%'", order_by=["name DESC"])
    assert [e.name for e in ordered] == ["keel-on-mlflow-2", "keel-on-mlflow"]


def test_run_lifecycle_and_inputs_against_mlflow(mlflow_server: str) -> None:
    client = keel.Client(mlflow_server)
    run_id = client.create_run("0").info.run_id

    client.log_param(run_id, "lr", 0.01)
    client.set_tag(run_id, "gone", "soon")
    client.delete_tag(run_id, "gone")
    dataset = Dataset("iris", "abc123", "local", '{"uri": "/data/iris.csv"}')
    client.log_inputs(run_id, [DatasetInput(dataset, (InputTag("mlflow.data.context", "training"),))])
    client.update_run(run_id, name="renamed")
    ended = client.set_terminated(run_id, RunStatus.KILLED)
    assert ended.status == RunStatus.KILLED

    stored = client.get_run(run_id)
    assert stored.info.run_name == "renamed"
    assert stored.info.end_time is not None
    assert "gone" not in stored.data.tags
    assert [(i.dataset.name, i.context) for i in stored.inputs.dataset_inputs] == [("iris", "training")]
    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == LifecycleStage.DELETED
    client.restore_run(run_id)


def test_mlflows_errors_map_to_the_same_keel_classes(mlflow_server: str) -> None:
    client = keel.Client(mlflow_server)
    run_id = client.create_run("0").info.run_id
    client.log_param(run_id, "p", "1")
    client.create_experiment("dup")

    with pytest.raises(RunNotFound, match="Run with id=0123456789abcdef not found"):
        client.get_run("0123456789abcdef")
    with pytest.raises(ExperimentNotFound):
        client.get_experiment("987654")
    with pytest.raises(AlreadyExists):
        client.create_experiment("dup")
    with pytest.raises(InvalidParameter, match="Changing param values is not allowed"):
        client.log_param(run_id, "p", "2")
    with pytest.raises(NotFound):
        client.delete_tag(run_id, "missing")
    # keel's grammar has OR, MLflow's has not
    with pytest.raises(InvalidParameter, match=r"(?i)invalid clause"):
        client.search_runs("0", "params.p = '1' OR params.p = '2'")


def test_non_blocking_logging_reaches_mlflow(mlflow_server: str) -> None:
    client = keel.Client(mlflow_server)
    run_id = client.create_run("0").info.run_id

    for step in range(1_500):
        client.log_metric(run_id, "acc", step / 1_500, timestamp=10 + step, step=step, synchronous=False)
    client.set_terminated(run_id)

    assert [m.step for m in client.get_metric_history(run_id, "acc")] == list(range(1_500))
    assert client.get_run(run_id).info.status == RunStatus.FINISHED


def test_logged_models_against_mlflow(mlflow_server: str) -> None:
    store = keel.Client(mlflow_server).store
    run_id = store.create_run("0").info.run_id

    created = store.create_logged_model(
        "0", name="clf", model_type="sklearn", source_run_id=run_id, params=[Param("alpha", "0.1")]
    )
    store.set_logged_model_tags(created.model_id, [RunTag("team", "ml")])
    store.finalize_logged_model(created.model_id, LoggedModelStatus.READY)
    store.log_outputs(run_id, [LoggedModelOutput(created.model_id, step=1)])
    for i in range(4):
        store.create_logged_model("0", name=f"other-{i}")

    stored = store.get_logged_model(created.model_id)
    assert stored.info.status == LoggedModelStatus.READY
    assert (stored.info.tags, stored.data.params) == ({"team": "ml"}, {"alpha": "0.1"})
    found = store.search_logged_models(["0"], f"name = 'clf' AND source_run_id = '{run_id}'")
    assert [m.model_id for m in found] == [created.model_id]
    order = [{"field_name": "name", "ascending": False}]
    first = store.search_logged_models(["0"], max_results=3, order_by=order)
    rest = store.search_logged_models(["0"], max_results=3, order_by=order, page_token=first.token)
    assert [m.info.name for m in [*first, *rest]] == ["other-3", "other-2", "other-1", "other-0", "clf"]
    assert store.get_run(run_id).outputs.model_outputs == (LoggedModelOutput(created.model_id, 1),)


@pytest.mark.filterwarnings("ignore::keel.models.trust.UntrustedModelWarning")
def test_registry_against_mlflow(mlflow_server: str) -> None:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    import keel.sklearn

    features = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    model = LinearRegression().fit(features, [1.0, 3.0, 5.0, 7.0])
    keel.set_tracking_uri(mlflow_server)
    with keel.start_run() as run:
        keel.sklearn.log_model(model, name="model")
    client = keel.Client()

    first = keel.register_model(f"runs:/{run.info.run_id}/model", "keel-on-mlflow")
    second = keel.register_model(f"runs:/{run.info.run_id}/model", "keel-on-mlflow", tags={"k": "v"})
    assert (first.version, second.version, second.tags) == ("1", "2", {"k": "v"})
    assert first.run_id == run.info.run_id
    client.set_registered_model_alias("keel-on-mlflow", "champion", 2)
    assert client.get_model_version_by_alias("keel-on-mlflow", "champion").version == "2"
    client.transition_model_version_stage("keel-on-mlflow", 1, "staging")
    assert [v.version for v in client.get_latest_versions("keel-on-mlflow", ["Staging"])] == ["1"]
    assert [v.version for v in client.search_model_versions("name = 'keel-on-mlflow' AND tags.k = 'v'")] == [
        "2"
    ]
    assert [m.name for m in client.search_registered_models("name LIKE 'keel-on-%'")] == ["keel-on-mlflow"]
    for uri in (
        "models:/keel-on-mlflow@champion",
        "models:/keel-on-mlflow/Staging",
        "models:/keel-on-mlflow/2",
    ):
        np.testing.assert_allclose(keel.pyfunc.load_model(uri).predict(features), model.predict(features))
    with pytest.raises(AlreadyExists):
        client.create_registered_model("keel-on-mlflow")
    with pytest.raises(NotFound):
        client.get_model_version("keel-on-mlflow", 9)
    with pytest.raises(InvalidParameter):
        client.set_registered_model_alias("keel-on-mlflow", "latest", 1)
