"""mlflow.search_runs and mlflow.search_experiments against keel: which rows come back, and in which order."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType

if TYPE_CHECKING:
    from liveserver import LiveServer

pytestmark = pytest.mark.usefixtures("tracking_uri")

T0 = 1_700_000_000_000


@dataclass(frozen=True)
class Leaderboard:
    experiment_id: str
    run_ids: dict[str, str]  # run name -> run id

    def ids(self, *names: str) -> list[str]:
        return [self.run_ids[name] for name in names]


# name -> (start offset ms, model param, history of metric x as (step, value); the last step wins)
RUNS: dict[str, tuple[int, str, list[tuple[int, float]]]] = {
    "train-a": (1, "rf", [(0, 0.9), (1, 0.3)]),
    "train-b": (2, "svm", [(0, 0.8)]),
    "train-c": (3, "rf", [(0, 0.1), (5, 0.5)]),
    "eval-d": (4, "rf", []),
    "train-e": (5, "lin", [(0, 0.8)]),
}


@pytest.fixture(scope="module")
def board(keel_server: LiveServer) -> Leaderboard:
    """Five finished runs with known start times, params and metrics, in an experiment of their own."""
    client = MlflowClient(tracking_uri=keel_server.url)
    experiment_id = client.create_experiment(f"leaderboard-{uuid.uuid4().hex[:8]}")
    run_ids = {}
    for name, (offset, model, history) in RUNS.items():
        run = client.create_run(experiment_id, start_time=T0 + offset, run_name=name)
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("x", value, T0 + 100 + step, step) for step, value in history],
            params=[Param("model", model)],
            tags=[RunTag("group", "search")],
        )
        client.set_terminated(run.info.run_id, end_time=T0 + 1000)
        run_ids[name] = run.info.run_id
    return Leaderboard(experiment_id, run_ids)


def search_ids(board: Leaderboard, filter_string: str = "", order_by: list[str] | None = None) -> list[str]:
    runs = mlflow.search_runs([board.experiment_id], filter_string, order_by=order_by, output_format="list")
    return [run.info.run_id for run in runs]


def test_default_order_is_newest_start_time_first(board: Leaderboard) -> None:
    assert search_ids(board) == board.ids("train-e", "eval-d", "train-c", "train-b", "train-a")


def test_order_by_metric_desc_uses_the_latest_value_then_start_time_and_puts_missing_last(
    board: Leaderboard,
) -> None:
    frame = mlflow.search_runs([board.experiment_id], order_by=["metrics.x DESC"])

    assert list(frame["run_id"]) == board.ids("train-e", "train-b", "train-c", "train-a", "eval-d")
    assert list(frame["metrics.x"])[:4] == [0.8, 0.8, 0.5, 0.3]
    assert math.isnan(frame["metrics.x"].iloc[4])
    assert list(frame["params.model"]) == ["lin", "svm", "rf", "rf", "rf"]
    assert list(frame["tags.mlflow.runName"]) == ["train-e", "train-b", "train-c", "train-a", "eval-d"]
    assert set(frame["status"]) == {"FINISHED"}


def test_order_by_metric_asc_still_puts_missing_last(board: Leaderboard) -> None:
    assert search_ids(board, order_by=["metrics.x ASC"]) == board.ids(
        "train-a", "train-c", "train-e", "train-b", "eval-d"
    )


def test_order_by_param_then_attribute(board: Leaderboard) -> None:
    ordered = search_ids(board, order_by=["params.model ASC", "attributes.start_time ASC"])

    assert ordered == board.ids("train-e", "train-a", "train-c", "eval-d", "train-b")


def test_filter_on_a_param_value(board: Leaderboard) -> None:
    assert search_ids(board, "params.model = 'rf'") == board.ids("eval-d", "train-c", "train-a")


def test_filter_on_the_run_name_tag_with_like(board: Leaderboard) -> None:
    found = search_ids(board, "tags.mlflow.runName LIKE 'train-%'", order_by=["metrics.x DESC"])

    assert found == board.ids("train-e", "train-b", "train-c", "train-a")
    assert search_ids(board, "tags.mlflow.runName LIKE 'TRAIN-%'") == []  # LIKE is case-sensitive
    assert len(search_ids(board, "attributes.run_name ILIKE 'TRAIN-%'")) == 4


def test_filter_conjunction_of_metric_and_param(board: Leaderboard) -> None:
    assert search_ids(board, "metrics.x > 0.4 and params.model = 'rf'") == board.ids("train-c")
    assert search_ids(board, "metrics.x >= 0.8") == board.ids("train-e", "train-b")
    assert search_ids(board, "metrics.x < 0") == []


def test_pages_of_two_add_up_to_the_full_ordered_result(board: Leaderboard) -> None:
    client = MlflowClient()
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = client.search_runs(
            [board.experiment_id], order_by=["metrics.x DESC"], max_results=2, page_token=token
        )
        seen += [run.info.run_id for run in page]
        pages += 1
        token = page.token
        if not token:
            break

    assert seen == board.ids("train-e", "train-b", "train-c", "train-a", "eval-d")
    assert pages == 3


@pytest.fixture(scope="module")
def experiment_family(keel_server: LiveServer) -> tuple[str, dict[str, str]]:
    """A dozen experiments sharing a prefix (so ids cross a digit boundary); the last one deleted."""
    client = MlflowClient(tracking_uri=keel_server.url)
    prefix = f"family-{uuid.uuid4().hex[:8]}"
    ids = {}
    for index in range(12):
        name = f"{prefix}-{index:02d}"
        tags = {"team": "vision" if index % 3 == 0 else "nlp"}
        ids[name] = client.create_experiment(name, tags=tags)
    client.delete_experiment(ids[f"{prefix}-11"])
    return prefix, ids


def test_search_experiments_by_name_ordered_by_name_desc(
    experiment_family: tuple[str, dict[str, str]],
) -> None:
    prefix, _ids = experiment_family

    found = mlflow.search_experiments(filter_string=f"name LIKE '{prefix}-%'", order_by=["name DESC"])

    assert [e.name for e in found] == [f"{prefix}-{i:02d}" for i in range(10, -1, -1)]
    assert all(e.lifecycle_stage == "active" for e in found)


def test_search_experiments_view_types_and_tag_filter(experiment_family: tuple[str, dict[str, str]]) -> None:
    prefix, ids = experiment_family
    name_filter = f"name LIKE '{prefix}-%'"

    deleted = mlflow.search_experiments(view_type=ViewType.DELETED_ONLY, filter_string=name_filter)
    everything = mlflow.search_experiments(view_type=ViewType.ALL, filter_string=name_filter)
    vision = mlflow.search_experiments(
        filter_string=f"{name_filter} and tags.team = 'vision'", order_by=["name ASC"]
    )

    assert [e.name for e in deleted] == [f"{prefix}-11"]
    assert deleted[0].lifecycle_stage == "deleted"
    assert {e.experiment_id for e in everything} == set(ids.values())
    assert [e.name for e in vision] == [f"{prefix}-00", f"{prefix}-03", f"{prefix}-06", f"{prefix}-09"]


def test_search_experiments_orders_ids_as_numbers(experiment_family: tuple[str, dict[str, str]]) -> None:
    prefix, ids = experiment_family

    found = mlflow.search_experiments(
        view_type=ViewType.ALL, filter_string=f"name LIKE '{prefix}-%'", order_by=["experiment_id DESC"]
    )

    numeric = [int(e.experiment_id) for e in found]
    assert numeric == sorted((int(i) for i in ids.values()), reverse=True)
    assert min(numeric) < 10 <= max(numeric)
