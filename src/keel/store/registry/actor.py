"""Who is changing the registry: the server sets it per request, a local client is the OS user."""

from __future__ import annotations

import getpass
from contextvars import ContextVar

acting_user: ContextVar[str | None] = ContextVar("keel_acting_user", default=None)


def current_user() -> str | None:
    """The user set for this request or task, else the OS user running the process."""
    user = acting_user.get()
    if user is not None:
        return user or None
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return None
