"""Fixtures for the model-format tests: keel tracking into ``tmp_path``, mlflow imported quietly,
a fitted scikit-learn model, and a place for mlflow to track into when a test drives it.

Every test here may load pickled models: ``UntrustedModelWarning`` is filtered for the whole
directory, except where a test checks the warning itself (in a child process).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

# mlflow starts its usage-telemetry client when it is first imported; a test run must not phone home.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from isolation import TRACKING_ENV_VARS, isolated_tracking

with warnings.catch_warnings():
    # Importing mlflow.pyfunc makes mlflow 3.17 warn about type hints in its own GenAI schemas.
    warnings.filterwarnings("ignore", ".*Any type hint is inferred as AnyType", UserWarning)
    import mlflow
    import mlflow.pyfunc
    import mlflow.sklearn

# Warnings mlflow itself gives while saving or inferring, which are about mlflow, not keel.
MLFLOW_NOISE = (
    ".*Inferred schema contains integer column",
    ".*Add type hints to the `predict` method",
    ".*An input example was not provided",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.filterwarnings("ignore::keel.models.trust.UntrustedModelWarning"))
            for pattern in MLFLOW_NOISE:
                item.add_marker(pytest.mark.filterwarnings(f"ignore:{pattern}:UserWarning"))


@pytest.fixture(autouse=True)
def keel_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """keel tracks into ``tmp_path / "store"``; afterwards runs are ended and stores closed."""
    with isolated_tracking(tmp_path, monkeypatch) as directory:
        yield directory


@pytest.fixture
def mlflow_tracking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """mlflow tracks into its own SQLite file and artifact folder under ``tmp_path``."""
    # mlflow keeps the experiment set_experiment chose in this private global; restore it afterwards.
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    experiment_id = mlflow.create_experiment("models", artifact_location=(tmp_path / "mlruns").as_uri())
    mlflow.set_experiment(experiment_id=experiment_id)
    try:
        yield uri
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        mlflow.set_tracking_uri(None)
        for name in TRACKING_ENV_VARS:
            os.environ.pop(name, None)


@pytest.fixture(scope="session")
def features() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"])
    frame["n"] = rng.integers(0, 5, size=40)
    return frame


@pytest.fixture(scope="session")
def classifier(features: pd.DataFrame) -> LogisticRegression:
    labels = (features["a"] + 0.5 * features["b"] - 0.1 * features["n"] > 0).astype(int)
    return LogisticRegression().fit(features, labels)
