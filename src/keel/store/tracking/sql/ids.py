"""Experiment ids on the wire are strings; in the database they are 32-bit integer keys."""

from __future__ import annotations

from typing import Any

MAX_KEY = 2**31 - 1


def parse_experiment_pk(value: Any) -> int | None:
    """The key an experiment id names, or None when no experiment can have it (not an int, out of range)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 <= pk <= MAX_KEY else None
