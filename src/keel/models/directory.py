"""Writing a model directory, the steps every flavor's ``save_model`` shares.

A flavor opens the directory (``new_model_directory``, cleared again if saving fails), stores the
example, writes its payload, then ``finish_directory`` writes the MLmodel file and the environment
files, in MLflow's order (the recorded size counts the payload and the example, not the MLmodel and
environment files).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator
from copy import deepcopy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from keel.errors import AlreadyExists, InvalidParameter, NotFound
from keel.models.datatypes import AnyType
from keel.models.enforcement import enforce_schema
from keel.models.environment import (
    CONDA_ENV_FILE_NAME,
    PYTHON_ENV_FILE_NAME,
    python_version,
    write_environment,
)
from keel.models.examples import InputExample, build_example
from keel.models.mlmodel import MLMODEL_FILE_NAME, PYFUNC_FLAVOR
from keel.models.params import enforce_params
from keel.models.schema import ColSpec, Schema
from keel.models.schema_inference import infer_param_schema, infer_schema
from keel.models.signature import ModelSignature

if TYPE_CHECKING:
    import os

    from keel.models.mlmodel import Model

logger = logging.getLogger(__name__)

CODE_DIR = "code"
Predict = Callable[[Any, dict[str, Any] | None], Any]


@contextlib.contextmanager
def new_model_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """``path`` as a new or empty directory to save a model in; emptied again (or removed) if saving fails.

    Raises:
        AlreadyExists: when ``path`` exists and is not an empty directory.
    """
    directory = Path(path)
    existed = directory.exists()
    if existed and (not directory.is_dir() or any(directory.iterdir())):
        raise AlreadyExists(f"Path '{directory}' already exists and is not empty")
    directory.mkdir(parents=True, exist_ok=True)
    try:
        yield directory
    except BaseException:
        if existed:
            for child in directory.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        else:
            shutil.rmtree(directory, ignore_errors=True)
        raise


def save_example(model: Model, example: Any, directory: Path) -> InputExample | None:
    """Store ``example`` (if any) in ``directory`` and record it in the MLmodel."""
    if example is None:
        return None
    built = build_example(example)
    built.save(directory)
    model.saved_input_example_info = built.info
    return built


def copy_code_paths(code_paths: Iterable[str | os.PathLike[str]] | None, directory: Path) -> str | None:
    """Copy files and directories the model imports into ``code/``; loaders put it on ``sys.path``."""
    if not code_paths:
        return None
    target = directory / CODE_DIR
    target.mkdir()
    for item in code_paths:
        source = Path(item)
        if source.is_dir():
            shutil.copytree(source, target / source.name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, target / source.name)
        else:
            raise NotFound(f"Code path '{source}' does not exist")
    return CODE_DIR


def add_pyfunc_flavor(model: Model, loader_module: str, *, code: str | None = None, **config: Any) -> None:
    """The ``python_function`` flavor, as MLflow's ``pyfunc.add_to_model`` writes it."""
    conf = dict(config)
    conf["loader_module"] = loader_module
    conf["python_version"] = python_version()
    if code:
        conf["code"] = code
    conf["env"] = {"conda": CONDA_ENV_FILE_NAME, "virtualenv": PYTHON_ENV_FILE_NAME}
    model.add_flavor(PYFUNC_FLAVOR, **conf)


def finish_directory(directory: Path, model: Model, requirements: list[str]) -> None:
    """Record the size, write the MLmodel file, then the environment files."""
    size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    if size:
        model.model_size_bytes = size
    model.save(directory / MLMODEL_FILE_NAME)
    write_environment(directory, requirements)


def signature_from_example(example: InputExample, predict: Predict) -> ModelSignature | None:
    """Infer the signature by running the model on its example, as MLflow does; None if that fails."""
    try:
        data = deepcopy(example.data)
        inputs = infer_schema(data)
        params_schema = infer_param_schema(example.params) if example.params else None
        data = enforce_schema(data, inputs)
        prediction = predict(data, enforce_params(example.params, params_schema))
        if not inputs.is_tensor_spec() and isinstance(prediction, np.ndarray) and prediction.ndim == 1:
            prediction = pd.Series(prediction)  # one prediction per row: a column
        try:
            outputs = infer_schema(prediction)
        except InvalidParameter:
            logger.warning("Failed to infer the model's output schema; using Schema([ColSpec(AnyType())]).")
            outputs = Schema([ColSpec(AnyType())])
        return ModelSignature(inputs, outputs, params_schema)
    except Exception as exc:  # the model's own predict may raise anything: then there is no signature
        logger.warning("Failed to infer the model signature from the input example: %r", exc)
        return None


def check_example(example: InputExample, signature: ModelSignature) -> None:
    """Raise InvalidParameter when the example does not fit the signature the caller gave."""
    try:
        if signature.inputs is not None:
            enforce_schema(deepcopy(example.data), signature.inputs)
        enforce_params(example.params, signature.params)
    except InvalidParameter as exc:
        raise InvalidParameter(f"Input example does not match the model signature. {exc.message}") from exc
