"""Writing a model directory: ``write_model``, the steps every flavor's ``save_model`` shares.

``write_model`` opens the directory (cleared again if saving fails) and stores the example and the
code; the flavor sets the signature, writes its payload and adds its flavors to the ``ModelWriter``;
on leaving the block the MLmodel file and the environment files are written, in MLflow's order (the
recorded size counts the payload and the example, not the MLmodel and environment files).

Example:
    >>> with write_model(path, input_example=X[:5], packages=["scikit-learn"]) as writer:
    ...     writer.set_signature(None, lambda: Wrapper(estimator).predict)
    ...     dump(estimator, writer.directory / "model.pkl")
    ...     writer.add_pyfunc_flavor("mlflow.sklearn", model_path="model.pkl")
    ...     writer.add_flavor("sklearn", pickled_model="model.pkl")
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass
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
    Requirements,
    pinned_all,
    python_version,
    resolve_requirements,
    write_environment,
)
from keel.models.examples import InputExample, build_example
from keel.models.mlmodel import MLMODEL_FILE_NAME, PYFUNC_FLAVOR, Model
from keel.models.params import enforce_params
from keel.models.schema import ColSpec, Schema
from keel.models.schema_inference import infer_param_schema, infer_schema
from keel.models.signature import ModelSignature

if TYPE_CHECKING:
    import os

logger = logging.getLogger(__name__)

CODE_DIR = "code"
Predict = Callable[[Any, dict[str, Any] | None], Any]


@dataclass
class ModelWriter:
    """A model directory being written: its MLmodel, its stored example and its saved code."""

    directory: Path
    model: Model
    example: InputExample | None
    code: str | None

    def set_signature(
        self,
        signature: ModelSignature | None,
        make_predict: Callable[[], Predict],
        *,
        validate_example: bool = False,
    ) -> ModelSignature | None:
        """Record ``signature``, or the one inferred by running the model's pyfunc ``predict`` on the example.

        Args:
            make_predict: returns that ``predict``; called only when there is a signature to infer.
            validate_example: check the example against a given signature too.

        Raises:
            InvalidParameter: when ``validate_example`` and the example does not fit the signature.
        """
        if signature is None and self.example is not None:
            signature = signature_from_example(self.example, make_predict())
        elif validate_example and signature is not None and self.example is not None:
            check_example(self.example, signature)
        self.model.signature = signature or None
        return signature

    def add_pyfunc_flavor(self, loader_module: str, **config: Any) -> None:
        """The ``python_function`` flavor, loaded by ``loader_module`` (see ``add_pyfunc_flavor``)."""
        add_pyfunc_flavor(self.model, loader_module, code=self.code, **config)

    def add_flavor(self, name: str, **config: Any) -> None:
        """The flavor's own configuration, with the ``code`` directory as MLflow records it."""
        self.model.add_flavor(name, **config, code=self.code)


@contextlib.contextmanager
def write_model(
    path: str | os.PathLike[str],
    *,
    mlflow_model: Model | None = None,
    metadata: dict[str, Any] | None = None,
    input_example: Any = None,
    code_paths: Iterable[str | os.PathLike[str]] | None = None,
    packages: Iterable[str] = (),
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
) -> Iterator[ModelWriter]:
    """A new model directory at ``path`` for a flavor to fill in; finished when the block ends, or
    emptied again (or removed) when it raises.

    Args:
        mlflow_model: the MLmodel to fill in (``log_model`` passes one); a new one by default.
        metadata: free-form metadata for the MLmodel file.
        input_example: stored as MLflow stores it.
        code_paths: local modules the model needs, copied into ``code/``.
        packages: the default requirements, pinned to their installed versions.
        pip_requirements: replaces the default requirements.
        extra_pip_requirements: added to the default requirements.
    """
    with new_model_directory(path) as directory:
        model = mlflow_model or Model()
        if metadata is not None:
            model.metadata = metadata
        example = save_example(model, input_example, directory)
        code = copy_code_paths(code_paths, directory)
        yield ModelWriter(directory, model, example, code)
        requirements = resolve_requirements(pinned_all(packages), pip_requirements, extra_pip_requirements)
        finish_directory(directory, model, requirements)


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
