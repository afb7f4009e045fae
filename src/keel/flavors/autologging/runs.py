"""What integrations log and how: params cut to MLflow's limits, metrics as floats, datasets as run
inputs, input examples and signatures for models, JSON artifacts."""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING, Any

from keel.data import from_numpy, from_pandas
from keel.data.datasets import from_sparse
from keel.entities import Dataset
from keel.errors import InvalidParameter
from keel.models.signature import infer_signature
from keel.store.tracking.validation import MAX_PARAM_VAL_LENGTH, validate_key
from keel.tracking import fluent

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from keel.flavors.autologging.patching import Call
    from keel.models.signature import ModelSignature

INPUT_EXAMPLE_ROWS = 5
TRAINING_CONTEXT = "train"
EVALUATION_CONTEXT = "eval"


def log_params(run_id: str, params: Mapping[str, Any]) -> None:
    """Log params as strings cut to MLflow's length limit; keys MLflow would refuse are left out."""
    cleaned: dict[str, str] = {}
    for key, value in params.items():
        try:
            name = validate_key("param", str(key))
        except InvalidParameter:
            continue
        cleaned[name] = str(value)[:MAX_PARAM_VAL_LENGTH]
    if cleaned:
        fluent.log_params(cleaned, run_id=run_id)


def log_metrics(
    run_id: str, metrics: Mapping[str, Any], step: int | None = None, synchronous: bool = True
) -> None:
    """Log the values that are numbers (numpy scalars and 0-d tensors included) at ``step``;
    keys MLflow would refuse are left out."""
    values: dict[str, float] = {}
    for key, value in metrics.items():
        try:
            values[validate_key("metric", str(key))] = float(value)
        except (TypeError, ValueError, InvalidParameter):
            continue
    if values:
        fluent.log_metrics(values, step=step, synchronous=synchronous, run_id=run_id)


def dataset_for(data: Any, name: str | None = None) -> Dataset | None:
    """A dataset description of a DataFrame, an array or a sparse matrix (a description already made
    is taken as it is, under ``name`` if given); ``None`` for anything else."""
    import numpy as np
    import pandas as pd

    if isinstance(data, Dataset):
        return data if name is None else dataclasses.replace(data, name=name)
    if isinstance(data, pd.DataFrame):
        return from_pandas(data, name=name)
    if isinstance(data, np.ndarray):
        return from_numpy(data, name=name)
    if hasattr(data, "toarray") and hasattr(data, "tocsr"):  # a scipy sparse matrix
        return from_sparse(data, name=name)
    return None


def log_dataset(
    run_id: str, data: Any, context: str = TRAINING_CONTEXT, name: str | None = None
) -> Dataset | None:
    dataset = dataset_for(data, name)
    if dataset is not None:
        fluent.log_input(dataset, context=context, run_id=run_id)
    return dataset


def example_rows(data: Any) -> Any:
    """A copy of the first rows of training data (taken before training can change them)."""
    if data is None:
        return None
    rows = data.iloc[:INPUT_EXAMPLE_ROWS] if hasattr(data, "iloc") else data[:INPUT_EXAMPLE_ROWS]
    return copy.deepcopy(rows)


def example_and_signature(
    call: Call, example: Any, predict: Callable[[Any], Any] | None
) -> tuple[Any, ModelSignature | None]:
    """The input example and signature to log a model with, as the options ask."""
    config = call.config
    signature = None
    if config.log_model_signatures and example is not None and predict is not None:
        with call.guard("infer the model signature"):
            signature = infer_signature(example, predict(copy.deepcopy(example)))
    return (example if config.log_input_examples else None), signature


def log_json(run_id: str, data: Any, artifact_file: str) -> None:
    fluent.log_dict(data, artifact_file, run_id=run_id)


def flush(run_id: str) -> None:
    """Write the points logged without blocking, so a failed write surfaces here and not later."""
    fluent.flush(run_id)
