"""``keel.search_runs`` (MLflow's DataFrame or a list) and ``keel.search_experiments``."""

from __future__ import annotations

import pandas as pd
import pytest

import keel
from keel.entities import Run, RunStatus, ViewType
from keel.errors import InvalidParameter, SearchSyntaxError


def _log_run(name: str, acc: float, model: str, experiment_id: str | None = None) -> str:
    with keel.start_run(run_name=name, experiment_id=experiment_id) as run:
        keel.log_metric("acc", acc)
        keel.log_param("model", model)
        keel.set_tag("owner", name.upper())
    return str(run.info.run_id)


def test_search_runs_returns_mlflow_columns_with_utc_datetimes() -> None:
    run_id = _log_run("a", 0.9, "tree")

    frame = keel.search_runs()

    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns[:6]) == [
        "run_id",
        "experiment_id",
        "status",
        "artifact_uri",
        "start_time",
        "end_time",
    ]
    assert {"metrics.acc", "params.model", "tags.owner", "tags.mlflow.runName"} <= set(frame.columns)
    prefixes = [column.split(".")[0] for column in frame.columns[6:]]
    assert prefixes == sorted(prefixes, key=["metrics", "params", "tags"].index)
    row = frame.iloc[0]
    run = keel.get_run(run_id)
    assert row["run_id"] == run_id
    assert row["experiment_id"] == "0"
    assert row["status"] == "FINISHED"
    assert row["artifact_uri"] == run.info.artifact_uri
    for column in ("start_time", "end_time"):
        assert str(frame[column].dtype) in ("datetime64[ns, UTC]", "datetime64[ms, UTC]")
    assert row["start_time"] == pd.Timestamp(run.info.start_time, unit="ms", tz="UTC")
    assert row["end_time"] == pd.Timestamp(run.info.end_time, unit="ms", tz="UTC")
    assert frame["metrics.acc"].dtype == "float64"
    assert row["metrics.acc"] == 0.9
    assert row["params.model"] == "tree"
    assert row["tags.owner"] == "A"


def test_search_runs_fills_missing_values_and_shows_a_running_run_without_end_time() -> None:
    with keel.start_run() as first:
        keel.log_metric("only_first", 1.0)
        keel.log_param("p_first", "x")
    keel.start_run()

    frame = keel.search_runs().set_index("run_id")

    running = frame.drop(index=first.info.run_id).iloc[0]
    assert running["status"] == "RUNNING"
    assert pd.isna(running["end_time"])
    assert pd.isna(running["metrics.only_first"])
    assert running["params.p_first"] is None
    assert frame.loc[first.info.run_id, "metrics.only_first"] == 1.0


def test_search_runs_with_no_runs_is_an_empty_frame_with_the_info_columns() -> None:
    frame = keel.search_runs()

    assert frame.empty
    assert list(frame.columns) == [
        "run_id",
        "experiment_id",
        "status",
        "artifact_uri",
        "start_time",
        "end_time",
    ]


def test_order_by_is_respected() -> None:
    ids = {name: _log_run(name, acc, "m") for name, acc in [("low", 0.1), ("high", 0.9), ("mid", 0.5)]}

    descending = keel.search_runs(order_by=["metrics.acc DESC"])
    ascending = keel.search_runs(order_by=["metrics.acc ASC"], output_format="list")
    by_name = keel.search_runs(order_by=["attributes.run_name ASC"], output_format="list")

    assert list(descending["run_id"]) == [ids["high"], ids["mid"], ids["low"]]
    assert [r.info.run_id for r in ascending] == [ids["low"], ids["mid"], ids["high"]]
    assert [r.info.run_name for r in by_name] == ["high", "low", "mid"]


def test_default_order_is_newest_first() -> None:
    client = keel.Client()
    ids = {start: client.create_run("0", start_time=start).info.run_id for start in (1_000, 3_000, 2_000)}

    assert list(keel.search_runs()["run_id"]) == [ids[3_000], ids[2_000], ids[1_000]]


def test_output_format_list_returns_runs() -> None:
    run_id = _log_run("a", 0.5, "tree")

    runs = keel.search_runs(output_format="list")

    assert len(runs) == 1
    assert isinstance(runs[0], Run)
    assert runs[0].info.run_id == run_id
    assert runs[0].data.metrics == {"acc": 0.5}
    assert runs[0].data.params == {"model": "tree"}


def test_an_unknown_output_format_is_refused() -> None:
    with pytest.raises(InvalidParameter, match="output_format"):
        keel.search_runs(output_format="csv")  # type: ignore[arg-type]


def test_filters_with_and_or_select_the_matching_runs() -> None:
    tree = _log_run("tree", 0.7, "tree")
    forest = _log_run("forest", 0.95, "forest")
    _log_run("linear", 0.6, "linear")

    def found(filter_string: str) -> set[str]:
        return set(keel.search_runs(filter_string=filter_string)["run_id"])

    assert found("metrics.acc > 0.9 OR params.model = 'tree'") == {tree, forest}
    assert found("metrics.acc > 0.65 AND params.model != 'forest'") == {tree}
    assert found("tags.owner LIKE 'F%'") == {forest}
    assert found("attributes.status = 'FINISHED' AND metrics.acc < 0") == set()


def test_a_malformed_filter_raises_a_search_syntax_error() -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        keel.search_runs(filter_string="metrics.acc >>> 1")

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


def test_search_runs_looks_in_the_active_experiment_unless_told_otherwise() -> None:
    default_run = _log_run("default", 0.1, "m")
    keel.set_experiment("vision")
    vision_run = _log_run("vision", 0.2, "m")
    audio = keel.create_experiment("audio")
    audio_run = _log_run("audio", 0.3, "m", experiment_id=audio)

    assert list(keel.search_runs()["run_id"]) == [vision_run]
    assert set(keel.search_runs(search_all_experiments=True)["run_id"]) == {
        default_run,
        vision_run,
        audio_run,
    }
    assert set(keel.search_runs(experiment_names=["audio", "Default"])["run_id"]) == {audio_run, default_run}
    assert list(keel.search_runs(experiment_ids=[audio])["run_id"]) == [audio_run]
    with pytest.raises(InvalidParameter):
        keel.search_runs(experiment_ids=[audio], experiment_names=["audio"])


def test_deleted_runs_are_hidden_unless_asked_for() -> None:
    kept = _log_run("kept", 0.1, "m")
    deleted = _log_run("deleted", 0.2, "m")
    keel.delete_run(deleted)

    assert list(keel.search_runs()["run_id"]) == [kept]
    assert list(keel.search_runs(run_view_type=ViewType.DELETED_ONLY)["run_id"]) == [deleted]
    assert set(keel.search_runs(run_view_type=ViewType.ALL)["run_id"]) == {kept, deleted}


def test_max_results_limits_the_runs_returned() -> None:
    for i in range(5):
        _log_run(f"r{i}", i / 10, "m")

    assert len(keel.search_runs(max_results=3)) == 3
    assert len(keel.search_runs(max_results=3, output_format="list")) == 3


def test_search_runs_by_status_attribute() -> None:
    finished = _log_run("done", 0.1, "m")
    with pytest.raises(ValueError, match="bad data"), keel.start_run() as failed:
        raise ValueError("bad data")

    assert list(keel.search_runs(filter_string="attributes.status = 'FAILED'")["run_id"]) == [
        failed.info.run_id
    ]
    assert keel.get_run(failed.info.run_id).info.status == RunStatus.FAILED
    assert list(keel.search_runs(filter_string="status = 'FINISHED'")["run_id"]) == [finished]


def test_search_experiments_filters_orders_and_sees_deleted_on_request() -> None:
    for name in ("nlp-bert", "nlp-gpt", "cv-resnet"):
        keel.create_experiment(name, tags={"area": name.split("-")[0]})
    keel.delete_experiment(keel.get_experiment_by_name("nlp-gpt").experiment_id)

    assert [e.name for e in keel.search_experiments(order_by=["name ASC"])] == [
        "Default",
        "cv-resnet",
        "nlp-bert",
    ]
    assert [e.name for e in keel.search_experiments(filter_string="name LIKE 'nlp%'")] == ["nlp-bert"]
    assert [e.name for e in keel.search_experiments(filter_string="tags.area = 'cv'")] == ["cv-resnet"]
    assert [e.name for e in keel.search_experiments(view_type=ViewType.DELETED_ONLY)] == ["nlp-gpt"]
    assert len(keel.search_experiments(view_type=ViewType.ALL)) == 4
    assert len(keel.search_experiments(max_results=2)) == 2
