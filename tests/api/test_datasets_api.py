"""Datasets as run inputs: ``keel.data.from_pandas``/``from_numpy`` described, logged and searched."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import keel
from keel.entities import Dataset


def _frame(rows: int = 50, offset: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": np.arange(rows, dtype=np.int64),
            "income": np.linspace(0, 1, rows) + offset,
            "city": [f"c{i % 3}" for i in range(rows)],
        }
    )


def test_log_input_records_name_digest_schema_profile_and_context() -> None:
    dataset = keel.data.from_pandas(_frame(), source="s3://bucket/train.parquet", name="train")

    with keel.start_run() as run:
        keel.log_input(dataset, context="training")

    (logged,) = keel.get_run(run.info.run_id).inputs.dataset_inputs
    assert logged.dataset.name == "train"
    assert logged.dataset.digest == dataset.digest
    assert 0 < len(logged.dataset.digest) <= 36
    assert logged.dataset.source_type == "s3"
    assert json.loads(logged.dataset.source) == {"uri": "s3://bucket/train.parquet"}
    assert json.loads(logged.dataset.schema) == {
        "mlflow_colspec": [
            {"name": "age", "type": "int64"},
            {"name": "income", "type": "float64"},
            {"name": "city", "type": "object"},
        ]
    }
    assert json.loads(logged.dataset.profile) == {"num_rows": 50, "num_elements": 150}
    assert logged.context == "training"
    assert [(t.key, t.value) for t in logged.tags] == [("mlflow.data.context", "training")]


def test_the_digest_is_stable_for_equal_data_and_changes_with_the_data() -> None:
    digest = keel.data.from_pandas(_frame()).digest

    assert keel.data.from_pandas(_frame()).digest == digest
    assert keel.data.from_pandas(_frame().copy(deep=True), name="other").digest == digest
    assert keel.data.from_pandas(_frame(offset=1e-9)).digest != digest
    assert keel.data.from_pandas(_frame(rows=51)).digest != digest
    assert keel.data.from_pandas(_frame().drop(columns="city")).digest != digest


def test_from_numpy_describes_an_array() -> None:
    features = np.arange(24, dtype=np.float32).reshape(6, 4)

    dataset = keel.data.from_numpy(features, source="/data/x.npy", name="features")
    with keel.start_run() as run:
        keel.log_input(dataset, context="eval", tags={"split": "test"})

    (logged,) = keel.get_run(run.info.run_id).inputs.dataset_inputs
    assert isinstance(logged.dataset, Dataset)
    assert logged.dataset.name == "features"
    assert len(logged.dataset.digest) <= 36
    assert keel.data.from_numpy(features.copy()).digest == dataset.digest
    assert keel.data.from_numpy(features + 1).digest != dataset.digest
    assert json.loads(logged.dataset.schema)["mlflow_tensorspec"]["features"] == {
        "dtype": "float32",
        "shape": [6, 4],
    }
    assert json.loads(logged.dataset.profile) == {"num_rows": 6}
    assert logged.context == "eval"
    assert ("split", "test") in [(t.key, t.value) for t in logged.tags]


def test_logging_the_same_dataset_twice_keeps_one_input() -> None:
    dataset = keel.data.from_pandas(_frame(), name="train")

    with keel.start_run() as run:
        keel.log_input(dataset, context="training")
        keel.log_input(dataset, context="training")

    assert len(keel.get_run(run.info.run_id).inputs.dataset_inputs) == 1


def test_runs_are_searchable_by_dataset_name_digest_and_context() -> None:
    train = keel.data.from_pandas(_frame(), name="train")
    holdout = keel.data.from_pandas(_frame(rows=10), name="holdout")
    with keel.start_run() as trained:
        keel.log_input(train, context="training")
    with keel.start_run() as evaluated:
        keel.log_input(holdout, context="eval")
    with keel.start_run():
        pass

    def found(filter_string: str) -> list[str]:
        return [r.info.run_id for r in keel.search_runs(filter_string=filter_string, output_format="list")]

    assert found("datasets.name = 'train'") == [trained.info.run_id]
    assert found(f"datasets.digest = '{holdout.digest}'") == [evaluated.info.run_id]
    assert found("datasets.context = 'eval'") == [evaluated.info.run_id]
    assert set(found("datasets.name IN ('train', 'holdout')")) == {trained.info.run_id, evaluated.info.run_id}
    assert found("datasets.name = 'missing'") == []
