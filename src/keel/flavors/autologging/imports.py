"""Run a function once a module is imported, so ``keel.autolog()`` need not import every ML library.

A finder on ``sys.meta_path`` wraps the loader of each awaited module; when the module has been
executed its callbacks run, with the module, and the finder steps aside for later imports.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import logging
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import ModuleType

logger = logging.getLogger("keel.autologging")
_lock = threading.RLock()
# module name -> {key: callback}; a key (the integration's name) replaces or cancels its callback
_waiting: dict[str, dict[str, Callable[[ModuleType], None]]] = {}


def is_installed(module: str) -> bool:
    """Whether the top-level package of ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module.partition(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def when_imported(module: str, key: str, callback: Callable[[ModuleType], None]) -> None:
    """Call ``callback(module)`` now if ``module`` is imported, else right after it first is (then a
    failure of the callback is logged: it must not break the user's import)."""
    loaded = sys.modules.get(module)
    if loaded is not None:
        callback(loaded)
        return
    with _lock:
        _waiting.setdefault(module, {})[key] = callback
        if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
            sys.meta_path.insert(0, _Finder())


def cancel(key: str) -> None:
    """Forget the callbacks registered under ``key`` for modules not imported yet."""
    with _lock:
        for module in list(_waiting):
            _waiting[module].pop(key, None)
            if not _waiting[module]:
                del _waiting[module]


def _take(module: str) -> list[Callable[[ModuleType], None]]:
    with _lock:
        return list(_waiting.pop(module, {}).values())


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _waiting:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


class _Loader(importlib.abc.Loader):
    """Delegates to the real loader, then runs the callbacks waiting for the module."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        module: ModuleType | None = self._loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        # Loaders of namespace and extension modules rely on the spec naming themselves.
        spec = module.__spec__
        if spec is not None:
            spec.loader = self._loader
        module.__loader__ = self._loader
        self._loader.exec_module(module)
        for callback in _take(module.__name__):
            try:
                callback(module)
            except Exception as exc:
                logger.warning("Autologging could not patch %s: %r", module.__name__, exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)
