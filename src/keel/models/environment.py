"""The environment files of a model directory: ``requirements.txt``, ``python_env.yaml``, ``conda.yaml``.

Requirements are pinned to the installed versions (``scikit-learn==1.9.1``), so the model is
rebuilt with exactly the libraries it was saved with. Neither ``mlflow`` nor ``keel`` is added:
whichever loads the model brings itself.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import platform
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from keel.errors import InvalidParameter

REQUIREMENTS_FILE_NAME = "requirements.txt"
PYTHON_ENV_FILE_NAME = "python_env.yaml"
CONDA_ENV_FILE_NAME = "conda.yaml"
CONDA_ENV_NAME = "mlflow-env"  # MLflow's name; conda tools built for MLflow models expect it
BUILD_PACKAGES = ("pip", "setuptools", "wheel")

Requirements = Iterable[str] | str | os.PathLike[str] | None


def python_version() -> str:
    return platform.python_version()


def installed_version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def module_version(module: str) -> str:
    """The ``__version__`` of an importable module, as MLflow records it in a flavor (``sklearn_version``)."""
    return str(importlib.import_module(module).__version__)


def pinned(package: str) -> str | None:
    """``package==<installed version>`` (a local ``+label`` dropped), or None when it is not installed."""
    version = installed_version(package)
    if version is None:
        return None
    return f"{package}=={version.split('+', 1)[0]}"


def pinned_all(packages: Iterable[str]) -> list[str]:
    """The installed ones of ``packages``, pinned, sorted by name."""
    found = (pinned(p) for p in packages)
    return sorted((r for r in found if r is not None), key=str.lower)


def resolve_requirements(
    defaults: list[str], pip_requirements: Requirements, extra: Requirements
) -> list[str]:
    """``pip_requirements`` instead of the defaults if given, else the defaults plus ``extra``.

    Either may be a list of requirement lines or the path of a requirements file.

    Raises:
        InvalidParameter: when both are given.
    """
    if pip_requirements is not None and extra is not None:
        raise InvalidParameter("Only one of pip_requirements and extra_pip_requirements can be given")
    if pip_requirements is not None:
        chosen = _lines(pip_requirements)
    else:
        chosen = defaults + (_lines(extra) if extra is not None else [])
    unique: dict[str, str] = {}
    for line in chosen:
        unique.setdefault(_requirement_name(line), line)
    return list(unique.values())


def _lines(requirements: Iterable[str] | str | os.PathLike[str]) -> list[str]:
    if isinstance(requirements, str | os.PathLike):
        text = Path(requirements).read_text(encoding="utf-8")
        lines: Iterable[str] = text.splitlines()
    else:
        lines = requirements
    out = []
    for line in lines:
        if not isinstance(line, str):
            raise InvalidParameter(f"A requirement must be a string, got {type(line).__name__}")
        stripped = line.split(" #", 1)[0].strip()
        if stripped and not stripped.startswith("#"):
            out.append(stripped)
    return out


def _requirement_name(line: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
    return match.group(0).lower().replace("_", "-") if match else line


def write_environment(directory: Path, requirements: list[str]) -> None:
    """Write the three environment files MLflow writes, for these pip requirements."""
    (directory / REQUIREMENTS_FILE_NAME).write_text("\n".join(requirements), encoding="utf-8")
    build = [f"{p}=={v}" if (v := installed_version(p)) else p for p in BUILD_PACKAGES]
    python_env = {
        "python": python_version(),
        "build_dependencies": build,
        "dependencies": [f"-r {REQUIREMENTS_FILE_NAME}"],
    }
    (directory / PYTHON_ENV_FILE_NAME).write_text(
        yaml.safe_dump(python_env, sort_keys=False, default_flow_style=False), encoding="utf-8"
    )
    (directory / CONDA_ENV_FILE_NAME).write_text(
        yaml.safe_dump(conda_environment(requirements), default_flow_style=False), encoding="utf-8"
    )


def conda_environment(requirements: list[str]) -> dict[str, object]:
    pip_version = installed_version("pip")
    conda_deps: list[object] = [f"python={python_version()}"]
    if requirements:
        # "<=" as MLflow writes it: conda-forge lags PyPI, so an exact pin of a new pip may not resolve.
        conda_deps.append(f"pip<={pip_version}" if pip_version else "pip")
    conda_deps.append({"pip": list(requirements)})
    return {"name": CONDA_ENV_NAME, "channels": ["conda-forge"], "dependencies": conda_deps}
