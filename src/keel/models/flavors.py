"""Which module loads a model as pyfunc: the MLmodel's ``loader_module``, mapped to keel's own loaders;
and what every loader reads first: its flavor's configuration, and the files it names, which must lie
inside the model directory.

Models name MLflow's loader (``mlflow.sklearn``) so MLflow can load them; keel loads those with its
flavor modules instead, without importing mlflow. Loader modules keel does not know are imported
as named, as MLflow does. Flavors are registered here, the way artifact schemes are registered in
``keel.store.artifacts.registry``.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from pathlib import Path
from typing import Any

from keel.errors import InvalidParameter
from keel.models.mlmodel import PYFUNC_FLAVOR, Model
from keel.models.trust import warn_untrusted_format
from keel.models.uris import local_model_dir

_LOADERS: dict[str, str] = {
    "mlflow.sklearn": "keel.flavors.sklearn",
    "mlflow.xgboost": "keel.flavors.xgboost",
    "mlflow.lightgbm": "keel.flavors.lightgbm",
    "mlflow.pytorch": "keel.flavors.pytorch",
    "mlflow.onnx": "keel.flavors.onnx",
    "mlflow.pyfunc.model": "keel.models.python_model",
}


def register_loader_module(loader_module: str, module: str) -> None:
    """Load models whose MLmodel names ``loader_module`` with ``module``'s ``_load_pyfunc(path)``."""
    _LOADERS[loader_module] = module


def keel_loader_for(loader_module: str) -> str:
    """The module keel imports for an MLmodel's ``loader_module``."""
    return _LOADERS.get(loader_module, loader_module)


def pyfunc_conf(model: Model) -> dict[str, Any]:
    """The ``python_function`` flavor configuration.

    Raises:
        InvalidParameter: when the model has no ``python_function`` flavor or no loader module.
    """
    conf = model.flavors.get(PYFUNC_FLAVOR)
    if not isinstance(conf, dict) or not conf.get("loader_module"):
        raise InvalidParameter(
            f'Model does not have the "{PYFUNC_FLAVOR}" flavor; it has {sorted(model.flavors)}. '
            "Load it with its own flavor's load_model instead."
        )
    return conf


def load_implementation(model_dir: Path, model: Model, model_config: dict[str, Any] | None = None) -> Any:
    """Import the model's loader and call its ``_load_pyfunc`` on the model's data path."""
    conf = pyfunc_conf(model)
    add_code_to_path(model_dir, conf)
    data_path = inside_model(model_dir, conf["data"]) if conf.get("data") else model_dir
    module = importlib.import_module(keel_loader_for(conf["loader_module"]))
    # As MLflow: the config saved with the model, overridden key by key by the caller's.
    config = {**(conf.get("config") or {}), **(model_config or {})}
    loader = module._load_pyfunc
    if config and len(inspect.signature(loader).parameters) > 1:
        return loader(str(data_path), config)
    return loader(str(data_path))


def add_code_to_path(model_dir: Path, conf: dict[str, Any]) -> None:
    """Put the model's saved ``code/`` directory first on ``sys.path``, as MLflow does.

    Its modules run when imported, whatever format the model itself is saved in: loading them
    trusts whoever wrote the model, and keel warns so.
    """
    code = conf.get("code")
    if code:
        directory = inside_model(model_dir, code)
        warn_untrusted_format(str(directory), "Python code saved with the model (code_paths)")
        path = str(directory)
        if path not in sys.path:
            sys.path.insert(0, path)


def open_flavor(
    model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None, flavor: str, key: str
) -> tuple[Path, dict[str, Any]]:
    """What a flavor's ``load_model`` starts with: the model's local directory and the flavor's
    configuration (see ``flavor_conf``), the model's saved code put on ``sys.path``."""
    directory = local_model_dir(os.fspath(model_uri), dst_path)
    conf = flavor_conf(Model.load(directory), flavor, key, directory)
    add_code_to_path(directory, conf)
    return directory, conf


def flavor_conf(model: Model, flavor: str, key: str, model_dir: Path) -> dict[str, Any]:
    """The ``flavor`` configuration of the MLmodel, which names the flavor's data under ``key``.

    Raises:
        InvalidParameter: when the model has no such flavor, or it names no data.
    """
    conf = model.flavors.get(flavor)
    if not isinstance(conf, dict) or not isinstance(conf.get(key), str):
        raise InvalidParameter(f"The model at '{model_dir}' has no '{flavor}' flavor")
    return conf


def model_dir_of(data_path: str) -> Path:
    """The model directory of a pyfunc loader's ``path``: the path itself, or the directory of the
    model file the ``data`` key named."""
    location = Path(data_path)
    return location.parent if location.is_file() else location


def find_inside_model(model_dir: Path, relative: str) -> Path | None:
    """``model_dir / relative`` resolved, or None when it leads outside the model directory."""
    root = model_dir.resolve()
    target = (root / relative).resolve()
    return target if target.is_relative_to(root) else None


def inside_model(model_dir: Path, relative: str) -> Path:
    """``model_dir / relative``, refused when it leads outside the model directory.

    Raises:
        InvalidParameter: for an absolute path, ``..`` or a symlink out of the model.
    """
    target = find_inside_model(model_dir, relative)
    if target is None:
        raise InvalidParameter(
            f"The model's file '{relative}' leads outside the model directory '{model_dir}'; the files "
            "an MLmodel names must lie inside the model directory"
        )
    return target


def model_file(model_dir: Path, relative: str) -> Path:
    """``model_dir / relative``, which must be a file inside the model directory.

    Raises:
        InvalidParameter: when it leads outside the model directory or is not a file.
    """
    target = find_inside_model(model_dir, relative)
    if target is None or not target.is_file():
        raise InvalidParameter(
            f"The model file '{relative}' is not a file in the model directory '{model_dir}'"
        )
    return target
