"""Admin authentication, shared by REST admin routes and GraphQL admin fields (DESIGN §6).

The token travels as `Authorization: Bearer <token>` or `x-admin: <token>` (the legacy
header, which used to hold `true` and now must hold the token). Comparison is constant-time.
"""

from __future__ import annotations

from collections.abc import Mapping

from server.core.errors import Forbidden, Unauthorized
from server.core.secrets import Secret

NOT_CONFIGURED = (
    "admin operations are disabled: set the ADMIN_TOKEN environment variable on the server "
    "and send it as 'Authorization: Bearer <token>'"
)
BAD_CREDENTIALS = (
    "a valid admin token is required (Authorization: Bearer <token> or x-admin: <token>)"
)


def presented_token(headers: Mapping[str, str]) -> str | None:
    authorization = headers.get("Authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    legacy = headers.get("x-admin", "").strip()
    return legacy or None


def require_admin(admin_token: Secret | None, headers: Mapping[str, str]) -> None:
    """Raise Forbidden when no token is configured, Unauthorized when the caller lacks it."""
    if admin_token is None:
        raise Forbidden(NOT_CONFIGURED)
    candidate = presented_token(headers)
    # Always run the comparison, even for a missing token, so timing says nothing.
    if not admin_token.matches(candidate or "") or candidate is None:
        raise Unauthorized(BAD_CREDENTIALS)


def is_admin(admin_token: Secret | None, headers: Mapping[str, str]) -> bool:
    try:
        require_admin(admin_token, headers)
    except (Forbidden, Unauthorized):
        return False
    return True
