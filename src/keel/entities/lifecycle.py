"""Lifecycle stages, view types and run statuses, spelled as MLflow spells them on the wire."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from keel.errors import InvalidParameter


class LifecycleStage(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"


class ViewType(IntEnum):
    ACTIVE_ONLY = 1
    DELETED_ONLY = 2
    ALL = 3

    @classmethod
    def parse(cls, value: ViewType | int | str | None) -> ViewType:
        """Accept the enum, its number, or its name in any case; None means ACTIVE_ONLY."""
        if value is None:
            return cls.ACTIVE_ONLY
        if isinstance(value, str) and not value.isdigit():
            try:
                return cls[value.upper()]
            except KeyError:
                raise InvalidParameter(f"Invalid view type '{value}'") from None
        try:
            return cls(int(value))
        except ValueError:
            raise InvalidParameter(f"Invalid view type '{value}'") from None

    def stages(self) -> tuple[LifecycleStage, ...]:
        if self is ViewType.ACTIVE_ONLY:
            return (LifecycleStage.ACTIVE,)
        if self is ViewType.DELETED_ONLY:
            return (LifecycleStage.DELETED,)
        return (LifecycleStage.ACTIVE, LifecycleStage.DELETED)


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    @classmethod
    def parse(cls, value: RunStatus | str) -> RunStatus:
        try:
            return cls(str(value).upper())
        except ValueError:
            allowed = ", ".join(cls)
            raise InvalidParameter(f"Invalid run status '{value}'. Allowed values: {allowed}") from None

    @property
    def is_terminated(self) -> bool:
        return self in (RunStatus.FINISHED, RunStatus.FAILED, RunStatus.KILLED)
