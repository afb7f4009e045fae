"""Artifact paths: the one guard every repository applies, and resolution under a local root."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from keel.errors import InvalidParameter

if TYPE_CHECKING:
    from pathlib import Path

_MAX_DECODE_ROUNDS = 10
_DRIVE = re.compile(r"^[A-Za-z]:")


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code < 0xA0


def _check_form(original: str, form: str) -> None:
    def reject(reason: str) -> InvalidParameter:
        return InvalidParameter(f"Invalid artifact path {original!r}: {reason}")

    if any(_is_control(ch) for ch in form):
        raise reject("control characters are not allowed")
    if "\\" in form:
        raise reject("use '/' as the separator, not '\\'")
    if form.startswith("/"):
        raise reject("the path must be relative to the artifact root")
    if _DRIVE.match(form):
        raise reject("Windows drive paths are not allowed")
    if ".." in form.split("/"):
        raise reject("'..' segments are not allowed")


def validate_relative_path(path: str | None) -> str:
    """Check an artifact path and return it normalised: POSIX, relative, ``""`` for the root.

    Every percent-decoding of the path is checked too, since a proxy or server along the way may
    decode it again: ``%2e%2e`` and ``%252e%252e`` are ``..`` to someone.

    Raises:
        InvalidParameter: for ``..`` segments, absolute, drive or UNC paths, backslashes and
            control characters (NUL included).
    """
    if path is None:
        return ""
    if not isinstance(path, str):
        raise InvalidParameter(f"Invalid artifact path {path!r}: expected a string")
    form = path
    for _ in range(_MAX_DECODE_ROUNDS):
        _check_form(path, form)
        decoded = unquote(form)
        if decoded == form:
            break
        form = decoded
    else:
        raise InvalidParameter(f"Invalid artifact path {path!r}: too many levels of percent-encoding")
    return "/".join(part for part in path.split("/") if part not in ("", "."))


def join_relative(base: str, name: str) -> str:
    """Join two already relative artifact paths, ``""`` standing for the root."""
    return f"{base}/{name}" if base and name else base or name


def resolve_under(root: Path, relative: str) -> Path:
    """The real path of ``relative`` under ``root``, symlinks resolved, refused if it leaves ``root``.

    Raises:
        InvalidParameter: when the resolved path is outside the resolved root, or cannot be resolved.
    """
    try:
        real_root = root.resolve()
        target = (real_root / relative).resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop before Python 3.13
        raise InvalidParameter(f"Invalid artifact path {relative!r}: {exc}") from exc
    if not target.is_relative_to(real_root):
        raise InvalidParameter(f"Invalid artifact path {relative!r}: it resolves outside the artifact root")
    return target
