"""Fixtures for the evaluation tests: keel tracking into ``tmp_path``, fitted scikit-learn models
saved once per session in keel's format, and a place for mlflow to track into.

Every test here loads pickled models: ``UntrustedModelWarning`` is filtered for the directory.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# mlflow starts its usage-telemetry client when it is first imported; a test run must not phone home.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

import keel.sklearn
from isolation import TRACKING_ENV_VARS, isolated_tracking

with warnings.catch_warnings():
    # Importing mlflow.pyfunc makes mlflow 3.17 warn about type hints in its own GenAI schemas.
    warnings.filterwarnings("ignore", ".*Any type hint is inferred as AnyType", UserWarning)
    import mlflow
    import mlflow.models


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.filterwarnings("ignore::keel.models.trust.UntrustedModelWarning"))


@pytest.fixture(autouse=True)
def keel_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """keel tracks into ``tmp_path / "store"``; afterwards runs are ended and stores closed."""
    with isolated_tracking(tmp_path, monkeypatch) as directory:
        yield directory


@pytest.fixture(scope="session")
def mlflow_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file for mlflow per session: creating mlflow's schema takes seconds."""
    return tmp_path_factory.mktemp("mlflow") / "mlflow.db"


@pytest.fixture
def mlflow_tracking(mlflow_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """mlflow tracks into a new experiment of the session's database, artifacts under ``tmp_path``."""
    # mlflow keeps the experiment set_experiment chose in this private global; restore it afterwards.
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    uri = f"sqlite:///{mlflow_database}"
    mlflow.set_tracking_uri(uri)
    experiment_id = mlflow.create_experiment(
        f"evaluation-{uuid.uuid4().hex}", artifact_location=(tmp_path / "mlruns").as_uri()
    )
    mlflow.set_experiment(experiment_id=experiment_id)
    # set_experiment also exports MLFLOW_EXPERIMENT_ID, which keel would read as its own experiment.
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    try:
        yield uri
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        mlflow.set_tracking_uri(None)
        for name in TRACKING_ENV_VARS:
            os.environ.pop(name, None)


@dataclass(frozen=True)
class Case:
    """A fitted model saved in keel's format, and labelled data to evaluate it on."""

    model_type: str
    estimator: Any
    path: Path
    features: pd.DataFrame
    targets: pd.Series

    @property
    def frame(self) -> pd.DataFrame:
        return self.features.assign(label=self.targets)


def _features(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(rows, 3)), columns=["a", "b", "c"])


def _save(estimator: Any, directory: Path) -> Path:
    keel.sklearn.save_model(estimator, directory)
    return directory


@pytest.fixture(scope="session")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Case:
    X = _features(80, 1)
    # Noise keeps the classes overlapping, so no metric is a trivial 1.0.
    y = (X["a"] + X["b"] + np.random.default_rng(2).normal(scale=0.8, size=80) > 0).astype(int)
    estimator = LogisticRegression().fit(X, y)
    return Case("classifier", estimator, _save(estimator, tmp_path_factory.mktemp("binary") / "m"), X, y)


@pytest.fixture(scope="session")
def multiclass(tmp_path_factory: pytest.TempPathFactory) -> Case:
    X = _features(90, 3)
    score = X["a"] - X["c"] + np.random.default_rng(4).normal(scale=0.7, size=90)
    y = pd.Series(np.digitize(score, [-0.6, 0.6]), name="label")
    estimator = LogisticRegression(max_iter=500).fit(X, y)
    return Case("classifier", estimator, _save(estimator, tmp_path_factory.mktemp("multi") / "m"), X, y)


@pytest.fixture(scope="session")
def regression(tmp_path_factory: pytest.TempPathFactory) -> Case:
    X = _features(70, 5)
    y = pd.Series(3 * X["a"] - X["b"] + 5 + np.random.default_rng(6).normal(size=70), name="label")
    estimator = LinearRegression().fit(X, y)
    return Case("regressor", estimator, _save(estimator, tmp_path_factory.mktemp("reg") / "m"), X, y)


@pytest.fixture
def mlflow_evaluate(mlflow_tracking: str) -> Callable[..., Any]:
    """mlflow.models.evaluate on a case's model file and data (mlflow's own warnings silenced)."""

    def run(case: Case, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return mlflow.models.evaluate(
                str(case.path), case.frame, targets="label", model_type=case.model_type, **kwargs
            )

    return run
