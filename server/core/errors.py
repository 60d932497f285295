"""One exception tree for API errors (DESIGN §6); the edge (server.http.middleware) maps it to
the envelope."""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    """An expected failure with a public code, HTTP status and safe message."""

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"
    status: ClassVar[int] = 500

    def __init__(
        self,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class ValidationError(ApiError):
    code, status = "VALIDATION_ERROR", 400


class InvalidInput(ValidationError, ValueError):
    """Bad input found below the API layers (catalog queries, sync options): a declared
    VALIDATION_ERROR for the APIs, and still a ValueError for callers that catch one."""


class Unauthorized(ApiError):
    code, status = "UNAUTHORIZED", 401


class Forbidden(ApiError):
    code, status = "FORBIDDEN", 403


class NotFound(ApiError):
    code, status = "NOT_FOUND", 404


class MethodNotAllowed(ApiError):
    code, status = "METHOD_NOT_ALLOWED", 405


class Conflict(ApiError):
    code, status = "CONFLICT", 409


class PayloadTooLarge(ApiError):
    code, status = "PAYLOAD_TOO_LARGE", 413


class RateLimited(ApiError):
    code, status = "RATE_LIMITED", 429


class ServiceUnavailable(ApiError):
    code, status = "SERVICE_UNAVAILABLE", 503
