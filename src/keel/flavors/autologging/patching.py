"""Safe patching: training functions wrapped so they log, undone by ``revert``, never broken by logging.

A patched training call runs an integration's *hook*, a generator: the code before its ``yield``
runs before training (and may change the call's arguments), the code after it runs once training
returned, with the result sent in. The user's function itself runs outside the hook, so:

- an exception from the hook is logged as a warning and training goes on (unpatched if the hook
  failed before training); an exception from the user's function propagates unchanged;
- a call made while another patched call is running (a meta-estimator fitting its steps) logs
  nothing unless the outer call allows children of another kind (XGBoost's ``fit`` around ``train``);
- with no active run, the outermost call starts one (tagged ``mlflow.autologging``) and ends it
  after training, FAILED if training raised; with ``exclusive`` a run the user started gets nothing.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import threading
import warnings
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from keel.flavors.autologging.config import AUTOLOGGING_TAG, AutologConfig, find_config
from keel.tracking import fluent

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator

logger = logging.getLogger("keel.autologging")


@dataclass
class Session:
    """One patched training call in progress; nested calls see it as their parent."""

    integration: str
    run_id: str | None  # None: this call (and everything it runs) logs nothing
    allow_children: bool
    hook: Any
    state: dict[str, Any] = field(default_factory=dict)

    def lets_child_log(self, hook: Any) -> bool:
        return self.run_id is not None and self.allow_children and hook is not self.hook


@dataclass
class Call:
    """What a hook sees: the call's arguments (replaceable before training) and where to log."""

    integration: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    run_id: str
    config: AutologConfig
    session: Session
    parent: Session | None

    def guard(self, what: str) -> contextlib.AbstractContextManager[None]:
        """Run one logging step so that its failure becomes a warning and the hook goes on."""
        return guarded(self.integration, what)


@dataclass(frozen=True)
class _Patch:
    owner: Any
    name: str
    previous: Any  # the owner's own attribute before patching, or _MISSING if it was inherited


_MISSING = object()
_MARK = "__keel_autolog__"  # set on each patched function: the integration that patched it
_lock = threading.RLock()
_patches: dict[str, list[_Patch]] = {}
_sessions: ContextVar[tuple[Session, ...]] = ContextVar("keel_autolog_sessions", default=())


# Patching and reverting


def patch(integration: str, owner: Any, name: str, replace: Callable[[Any], Any]) -> None:
    """Set ``owner.name`` to ``replace(original)``; ``revert(integration)`` restores it."""
    with _lock:
        previous = vars(owner).get(name, _MISSING)
        setattr(owner, name, replace(getattr(owner, name)))
        _patches.setdefault(integration, []).append(_Patch(owner, name, previous))


def patch_training(
    integration: str,
    owner: Any,
    name: str,
    hook: Callable[[Call], Generator[None, Any, None]],
    *,
    allow_children: bool = False,
) -> None:
    """Patch a training function or method so each call runs ``hook`` around it (see the module doc).

    A method already patched on a base class is inherited as it is, not wrapped a second time.
    """
    if getattr(inspect.getattr_static(owner, name, None), _MARK, None) == integration:
        return

    def replace(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def patched(*args: Any, **kwargs: Any) -> Any:
            return _run(integration, original, hook, allow_children, args, kwargs)

        setattr(patched, _MARK, integration)
        return patched

    patch(integration, owner, name, replace)


def patch_without_logging(integration: str, owner: Any, name: str) -> None:
    """Patch a function so that no training it runs is autologged (``cross_val_score`` fitting clones)."""

    def replace(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def patched(*args: Any, **kwargs: Any) -> Any:
            token = _sessions.set((*_sessions.get(), Session(integration, None, False, None)))
            try:
                return original(*args, **kwargs)
            finally:
                _sessions.reset(token)

        return patched

    patch(integration, owner, name, replace)


def revert(integration: str) -> None:
    """Undo every patch of the integration, newest first."""
    with _lock:
        for done in reversed(_patches.pop(integration, [])):
            if done.previous is _MISSING:
                with contextlib.suppress(AttributeError):
                    delattr(done.owner, done.name)
            else:
                setattr(done.owner, done.name, done.previous)


def is_patched(integration: str, owner: Any = None) -> bool:
    """Whether the integration has patches in place (on ``owner``, if given)."""
    return any(owner is None or done.owner is owner for done in _patches.get(integration, ()))


# Running a patched call


def _run(
    integration: str,
    original: Callable[..., Any],
    hook: Callable[[Call], Generator[None, Any, None]],
    allow_children: bool,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    config = find_config(integration)
    stack = _sessions.get()
    parent = stack[-1] if stack else None
    if config is None or (parent is not None and not parent.lets_child_log(hook)):
        return original(*args, **kwargs)
    managed: fluent.ActiveRun | None = None
    run_id: str | None = None
    if parent is not None:
        run_id = parent.run_id
    else:
        active = fluent.active_run()
        if active is not None:
            run_id = None if config.exclusive else active.info.run_id
        else:
            try:
                managed = fluent.start_run(tags={**config.extra_tags, AUTOLOGGING_TAG: integration})
                run_id = managed.info.run_id
            except Exception as exc:
                report(integration, "start a run", exc)
    session = Session(integration, run_id, allow_children, hook)
    token = _sessions.set((*stack, session))
    try:
        if run_id is None:
            return original(*args, **kwargs)
        call = Call(integration, args, dict(kwargs), run_id, config, session, parent)
        steps = _start(hook, call, args, kwargs)
        try:
            result = original(*call.args, **call.kwargs)
        except BaseException as exc:
            if steps is not None:
                with guarded(integration, "clean up after a failed training"):
                    steps.close()
            if managed is not None:
                _end_run(integration, managed, exc)
            raise
        if steps is not None:
            _finish(steps, call, result)
    finally:
        _sessions.reset(token)
    if managed is not None:
        _end_run(integration, managed, None)
    return result


def _start(
    hook: Callable[[Call], Generator[None, Any, None]],
    call: Call,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Generator[None, Any, None] | None:
    steps = hook(call)
    try:
        with _quiet(call.integration):
            next(steps)
    except StopIteration:
        return None
    except Exception as exc:
        report(call.integration, "prepare logging before training", exc)
        call.args, call.kwargs = args, dict(kwargs)  # train as the user asked
        return None
    return steps


def _finish(steps: Generator[None, Any, None], call: Call, result: Any) -> None:
    try:
        with _quiet(call.integration):
            steps.send(result)
    except StopIteration:
        return
    except Exception as exc:
        report(call.integration, "log after training", exc)
        return
    steps.close()


def _end_run(integration: str, run: fluent.ActiveRun, exc: BaseException | None) -> None:
    try:
        if exc is None:
            run.__exit__(None, None, None)
        else:
            run.__exit__(type(exc), exc, exc.__traceback__)
    except Exception as err:
        report(integration, "end its run", err)


# Failures and warnings


def report(integration: str, what: str, exc: BaseException) -> None:
    """Log (unless the integration is silent) that autologging could not do something."""
    config = find_config(integration)
    if config is not None and config.silent:
        return
    logger.warning("%s autologging could not %s; training is unaffected: %r", integration, what, exc)
    logger.debug("%s autologging failure", integration, exc_info=exc)


@contextlib.contextmanager
def guarded(integration: str, what: str) -> Iterator[None]:
    """Turn an exception inside the block into a warning (for callbacks run during training)."""
    try:
        yield
    except Exception as exc:
        report(integration, what, exc)


# Warnings go through one process-wide function (``warnings.showwarning``), so autologging's are told
# apart by context: while a hook's own work runs, ``_own_work`` names its integration in that thread
# (or task) only, and ``_route`` sends what is shown there to the logger. Other threads' warnings, and
# the filters, are left alone (``warnings.catch_warnings`` would swap both for the whole process).
_own_work: ContextVar[str | None] = ContextVar("keel_autolog_own_work", default=None)
_routing_lock = threading.Lock()
_routing = 0  # blocks of own work running, in every thread
_shown_by: Any = None  # the ``showwarning`` that ``_route`` stands in front of


def _route(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    integration = _own_work.get()
    if integration is None:
        _shown_by(message, category, filename, lineno, file, line)
        return
    config = find_config(integration)
    if config is None or not config.silent:
        logger.warning("%s autologging: %s", integration, message)


@contextlib.contextmanager
def _quiet(integration: str) -> Iterator[None]:
    """Warnings shown during autologging's own work go to the logger, never to the user."""
    global _routing, _shown_by
    with _routing_lock:
        if _routing == 0 and warnings.showwarning is not _route:
            _shown_by, warnings.showwarning = warnings.showwarning, _route
        _routing += 1
    token = _own_work.set(integration)
    try:
        yield
    finally:
        _own_work.reset(token)
        with _routing_lock:
            _routing -= 1
            if _routing == 0 and warnings.showwarning is _route:
                warnings.showwarning = _shown_by


def current_session() -> Session | None:
    stack = _sessions.get()
    return stack[-1] if stack else None
