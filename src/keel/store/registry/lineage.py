"""A model version's lineage: the chain data -> run -> (logged model) -> version, as a small graph.

Nodes carry what a reviewer asks about (a dataset's digest and source, the run's git commit and
entry point, the version's stage and aliases); edges say how each step led to the next. It is
read through the stores' public methods, so it works on every backend, an MLflow server included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keel.errors import NotFound

if TYPE_CHECKING:
    from keel.entities import ModelVersion, Run
    from keel.store.registry.base import RegistryStore
    from keel.store.tracking.base import TrackingStore

GIT_COMMIT_TAG = "mlflow.source.git.commit"
SOURCE_NAME_TAG = "mlflow.source.name"
DATASET_CONTEXT_TAG = "mlflow.data.context"


def version_lineage(
    registry: RegistryStore, tracking: TrackingStore, name: str, version: str | int
) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [{"from", "to", "relation"}]}`` for one model version.

    A run or logged model deleted since keeps its node, marked ``"missing": true``.
    """
    mv = registry.get_model_version(name, version)
    version_id = f"model_version:{mv.name}/{mv.version}"
    nodes: list[dict[str, Any]] = [_version_node(version_id, mv)]
    edges: list[dict[str, str]] = []
    upstream = version_id
    if mv.model_id:
        model_node = _logged_model_node(tracking, mv.model_id)
        nodes.append(model_node)
        edges.append({"from": model_node["id"], "to": version_id, "relation": "registered_as"})
        upstream = model_node["id"]
    if mv.run_id:
        run_id = f"run:{mv.run_id}"
        try:
            run = tracking.get_run(mv.run_id)
        except NotFound:
            nodes.append({"id": run_id, "type": "run", "run_id": mv.run_id, "missing": True})
        else:
            nodes.append(_run_node(run_id, run))
            nodes_and_edges = _dataset_nodes(run, run_id)
            nodes += [n for n, _ in nodes_and_edges]
            edges += [e for _, e in nodes_and_edges]
        relation = "produced" if upstream != version_id else "registered_as"
        edges.append({"from": run_id, "to": upstream, "relation": relation})
    return {"nodes": nodes, "edges": edges}


def _version_node(node_id: str, mv: ModelVersion) -> dict[str, Any]:
    node = {
        "id": node_id,
        "type": "model_version",
        "name": mv.name,
        "version": mv.version,
        "source": mv.source,
        "current_stage": mv.current_stage,
        "aliases": list(mv.aliases),
        "creation_timestamp": mv.creation_timestamp,
        "user_id": mv.user_id,
    }
    return {key: value for key, value in node.items() if value is not None}


def _logged_model_node(tracking: TrackingStore, model_id: str) -> dict[str, Any]:
    node: dict[str, Any] = {"id": f"logged_model:{model_id}", "type": "logged_model", "model_id": model_id}
    try:
        model = tracking.get_logged_model(model_id, allow_deleted=True)
    except NotFound:
        return {**node, "missing": True}
    return {
        **node,
        "name": model.info.name,
        "artifact_uri": model.info.artifact_uri,
        "experiment_id": model.info.experiment_id,
        "source_run_id": model.info.source_run_id,
    }


def _run_node(node_id: str, run: Run) -> dict[str, Any]:
    tags = run.data.tags
    return {
        "id": node_id,
        "type": "run",
        "run_id": run.info.run_id,
        "run_name": run.info.run_name,
        "experiment_id": run.info.experiment_id,
        "status": str(run.info.status),
        "start_time": run.info.start_time,
        "git_commit": tags.get(GIT_COMMIT_TAG),
        "source_name": tags.get(SOURCE_NAME_TAG),
        "params": dict(run.data.params),
    }


def _dataset_nodes(run: Run, run_node: str) -> list[tuple[dict[str, Any], dict[str, str]]]:
    out: list[tuple[dict[str, Any], dict[str, str]]] = []
    for dataset_input in run.inputs.dataset_inputs:
        dataset = dataset_input.dataset
        context = next((t.value for t in dataset_input.tags if t.key == DATASET_CONTEXT_TAG), None)
        node: dict[str, Any] = {
            "id": f"dataset:{dataset.name}@{dataset.digest}",
            "type": "dataset",
            "name": dataset.name,
            "digest": dataset.digest,
            "source_type": dataset.source_type,
            "source": dataset.source,
            "context": context,
        }
        out.append((node, {"from": str(node["id"]), "to": run_node, "relation": "input"}))
    return out
