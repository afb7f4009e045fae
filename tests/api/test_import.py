"""``import keel`` stays cheap, and ``keel.__all__`` lists exactly what the package serves."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import keel
import keel.tracking.fluent

HEAVY_MODULES = ("sqlalchemy", "pandas", "alembic", "numpy")


def _type_checking_imports() -> dict[str, str]:
    """Name -> module for every import under ``if TYPE_CHECKING:`` in ``keel/__init__.py``: what the
    package promises type checkers, and so what its lazy ``__getattr__`` must serve."""
    tree = ast.parse(Path(keel.__file__).read_text(encoding="utf-8"))
    (block,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    ]
    served: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            if node.module == "keel":  # "from keel import data": a submodule
                served[alias.asname or alias.name] = f"keel.{alias.name}"
            else:
                served[alias.asname or alias.name] = f"{node.module}:{alias.name}"
    return served


def test_import_keel_does_not_load_the_heavy_dependencies() -> None:
    code = (
        f"import json, sys, keel; print(json.dumps(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules)))"
    )

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert json.loads(done.stdout) == []


def test_all_is_sorted_and_unique() -> None:
    assert keel.__all__ == sorted(set(keel.__all__))


def test_all_matches_the_names_the_package_serves() -> None:
    served = _type_checking_imports()

    assert keel.__all__ == sorted(served)


@pytest.mark.parametrize("name", sorted(_type_checking_imports()))
def test_each_public_name_resolves_to_its_home_object(name: str) -> None:
    home = _type_checking_imports()[name]

    value = getattr(keel, name)

    if ":" in home:
        module, attribute = home.split(":")
        assert value is getattr(importlib.import_module(module), attribute)
    else:
        assert value is importlib.import_module(home)


def test_every_public_fluent_function_is_exported() -> None:
    fluent = keel.tracking.fluent
    defined_there = {
        name
        for name, value in vars(fluent).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == fluent.__name__
    }

    assert defined_there - set(keel.__all__) == set()


def test_dir_lists_the_public_names_and_unknown_names_raise_attribute_error() -> None:
    assert set(keel.__all__) <= set(dir(keel))
    with pytest.raises(AttributeError, match="no attribute 'not_a_thing'"):
        _ = keel.not_a_thing  # type: ignore[attr-defined]


def test_keel_data_exposes_the_dataset_constructors() -> None:
    assert keel.data.__all__ == ["from_numpy", "from_pandas"]
    assert callable(keel.data.from_pandas)
    assert callable(keel.data.from_numpy)
