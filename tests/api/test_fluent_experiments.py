"""Choosing the experiment new runs go to: set_experiment, the environment, and explicit ids."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import keel
from keel.entities import ViewType
from keel.errors import ExperimentNotFound, InvalidParameter

if TYPE_CHECKING:
    from pathlib import Path


def test_runs_go_to_the_default_experiment_when_none_is_set() -> None:
    with keel.start_run() as run:
        pass

    assert run.info.experiment_id == "0"
    assert keel.get_experiment("0").name == "Default"


def test_set_experiment_creates_a_missing_experiment_and_runs_go_there() -> None:
    experiment = keel.set_experiment("fraud-detection")

    with keel.start_run() as run:
        pass

    assert experiment.name == "fraud-detection"
    assert experiment.lifecycle_stage == "active"
    assert keel.get_experiment_by_name("fraud-detection").experiment_id == experiment.experiment_id
    assert run.info.experiment_id == experiment.experiment_id


def test_set_experiment_selects_an_existing_experiment_without_creating_another() -> None:
    existing = keel.create_experiment("churn", tags={"team": "growth"})

    selected = keel.set_experiment("churn")

    assert selected.experiment_id == existing
    assert selected.tags == {"team": "growth"}
    assert [e.name for e in keel.search_experiments()].count("churn") == 1


def test_set_experiment_by_id() -> None:
    experiment_id = keel.create_experiment("by-id")

    assert keel.set_experiment(experiment_id=experiment_id).name == "by-id"
    with keel.start_run() as run:
        pass
    assert run.info.experiment_id == experiment_id


@pytest.mark.parametrize(("name", "experiment_id"), [(None, None), ("a", "1")])
def test_set_experiment_needs_exactly_one_of_name_and_id(name: str | None, experiment_id: str | None) -> None:
    with pytest.raises(InvalidParameter, match="Exactly one"):
        keel.set_experiment(experiment_name=name, experiment_id=experiment_id)


def test_set_experiment_with_an_unknown_id_raises_not_found() -> None:
    with pytest.raises(ExperimentNotFound) as caught:
        keel.set_experiment(experiment_id="4242")

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_a_deleted_experiment_cannot_be_set_by_name_or_id() -> None:
    experiment_id = keel.create_experiment("retired")
    keel.delete_experiment(experiment_id)

    with pytest.raises(InvalidParameter, match="deleted experiment 'retired'"):
        keel.set_experiment("retired")
    with pytest.raises(InvalidParameter, match="deleted"):
        keel.set_experiment(experiment_id=experiment_id)

    assert keel.get_experiment(experiment_id).lifecycle_stage == "deleted"
    assert [e.name for e in keel.search_experiments(view_type=ViewType.ALL)].count("retired") == 1
    with keel.start_run() as run:
        pass
    assert run.info.experiment_id == "0"


def test_starting_a_run_in_a_deleted_experiment_is_refused() -> None:
    experiment_id = keel.create_experiment("gone")
    keel.delete_experiment(experiment_id)

    with pytest.raises(InvalidParameter):
        keel.start_run(experiment_id=experiment_id)

    assert keel.active_run() is None


def test_mlflow_experiment_name_env_var_picks_and_creates_the_experiment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "from-env")

    with keel.start_run() as run:
        pass

    experiment = keel.get_experiment_by_name("from-env")
    assert experiment is not None
    assert run.info.experiment_id == experiment.experiment_id


def test_mlflow_experiment_id_env_var_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    experiment_id = keel.create_experiment("env-by-id")
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", experiment_id)

    with keel.start_run() as run:
        pass

    assert run.info.experiment_id == experiment_id


def test_set_experiment_wins_over_the_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "from-env")
    chosen = keel.set_experiment("chosen")

    with keel.start_run() as run:
        pass

    assert run.info.experiment_id == chosen.experiment_id
    assert keel.get_experiment_by_name("from-env") is None


def test_start_run_experiment_id_overrides_the_active_experiment() -> None:
    keel.set_experiment("active")
    other = keel.create_experiment("other")

    with keel.start_run(experiment_id=other) as run:
        pass

    assert run.info.experiment_id == other


def test_tracking_uri_is_a_sqlite_database_inside_the_configured_directory(store_dir: Path) -> None:
    assert keel.get_tracking_uri() == f"sqlite:///{store_dir.resolve() / 'keel.db'}"

    keel.create_experiment("on-disk")

    assert (store_dir / "keel.db").is_file()
