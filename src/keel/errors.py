"""The one exception hierarchy of keel, each class carrying MLflow's error code and HTTP status.

KeelError                      INTERNAL_ERROR            500
├── InvalidParameter           INVALID_PARAMETER_VALUE   400
│   └── SearchSyntaxError      INVALID_PARAMETER_VALUE   400
├── BadRequest                 BAD_REQUEST               400
├── AlreadyExists              RESOURCE_ALREADY_EXISTS   400   (MLflow's choice, not 409)
├── NotFound                   RESOURCE_DOES_NOT_EXIST   404
│   ├── ExperimentNotFound
│   └── RunNotFound
├── Conflict                   RESOURCE_CONFLICT         409
├── InvalidState               INVALID_STATE             500   (as MLflow)
├── Unauthenticated            UNAUTHENTICATED           401
├── PermissionDenied           PERMISSION_DENIED         403
├── RateLimited                REQUEST_LIMIT_EXCEEDED    429
├── Unavailable                TEMPORARILY_UNAVAILABLE   503
└── Unsupported                NOT_IMPLEMENTED           501
"""

from __future__ import annotations

from typing import ClassVar


class KeelError(Exception):
    """Base of every error keel raises on purpose."""

    error_code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """The MLflow error body: ``{"error_code", "message"}``."""
        return {"error_code": self.error_code, "message": self.message}


class InvalidParameter(KeelError):
    error_code = "INVALID_PARAMETER_VALUE"
    http_status = 400


class SearchSyntaxError(InvalidParameter):
    """A filter or order_by string that does not parse or names something unsearchable."""


class BadRequest(KeelError):
    error_code = "BAD_REQUEST"
    http_status = 400


class AlreadyExists(KeelError):
    error_code = "RESOURCE_ALREADY_EXISTS"
    http_status = 400


class NotFound(KeelError):
    error_code = "RESOURCE_DOES_NOT_EXIST"
    http_status = 404


class ExperimentNotFound(NotFound):
    def __init__(self, message: str, *, experiment_id: str | None = None, name: str | None = None) -> None:
        super().__init__(message)
        self.experiment_id = experiment_id
        self.name = name


class RunNotFound(NotFound):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"Run with id={run_id} not found")
        self.run_id = run_id


class Conflict(KeelError):
    error_code = "RESOURCE_CONFLICT"
    http_status = 409


class InvalidState(KeelError):
    error_code = "INVALID_STATE"
    http_status = 500


class Unauthenticated(KeelError):
    error_code = "UNAUTHENTICATED"
    http_status = 401


class PermissionDenied(KeelError):
    error_code = "PERMISSION_DENIED"
    http_status = 403


class RateLimited(KeelError):
    error_code = "REQUEST_LIMIT_EXCEEDED"
    http_status = 429


class Unavailable(KeelError):
    error_code = "TEMPORARILY_UNAVAILABLE"
    http_status = 503


class Unsupported(KeelError):
    error_code = "NOT_IMPLEMENTED"
    http_status = 501


_BY_CODE: dict[str, type[KeelError]] = {
    cls.error_code: cls
    for cls in (
        KeelError,
        InvalidParameter,
        BadRequest,
        AlreadyExists,
        NotFound,
        Conflict,
        InvalidState,
        Unauthenticated,
        PermissionDenied,
        RateLimited,
        Unavailable,
        Unsupported,
    )
}


def error_class_for_code(error_code: str) -> type[KeelError]:
    """The generic class for an MLflow error code; unknown codes map to ``KeelError``."""
    return _BY_CODE.get(error_code, KeelError)
