"""The admin check: only the configured token, by either header, compared in constant time."""

from __future__ import annotations

import pytest

from server.core.errors import Forbidden, Unauthorized
from server.core.secrets import Secret
from server.http.auth import is_admin, presented_token, require_admin

TOKEN = Secret("s3cret-admin-token-xyz")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer s3cret-admin-token-xyz"},
        {"Authorization": "bearer  s3cret-admin-token-xyz "},
        {"x-admin": "s3cret-admin-token-xyz"},
    ],
)
def test_token_accepted_in_either_header(headers: dict[str, str]) -> None:
    require_admin(TOKEN, headers)
    assert is_admin(TOKEN, headers)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-admin": "true"},
        {"x-admin": ""},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic s3cret-admin-token-xyz"},
        {"Authorization": "Bearer s3cret-admin-token-xy"},
        {"Authorization": "Bearer s3cret-admin-token-xyzz"},
        {"x-admin": "S3CRET-ADMIN-TOKEN-XYZ"},
    ],
)
def test_everything_else_is_unauthorized(headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        require_admin(TOKEN, headers)
    assert not is_admin(TOKEN, headers)


def test_no_token_configured_is_forbidden_with_a_hint() -> None:
    with pytest.raises(Forbidden, match="set the ADMIN_TOKEN"):
        require_admin(None, {"x-admin": "anything"})


def test_comparison_uses_hmac_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison path goes through hmac.compare_digest (constant time), even when the
    caller sent no token at all, so response timing does not reveal a prefix."""
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert not is_admin(TOKEN, {})
    assert not is_admin(TOKEN, {"x-admin": "s3cret-WRONG"})
    assert is_admin(TOKEN, {"x-admin": "s3cret-admin-token-xyz"})
    assert [b for _, b in calls] == [b"", b"s3cret-WRONG", b"s3cret-admin-token-xyz"]


def test_presented_token_prefers_bearer() -> None:
    assert presented_token({"Authorization": "Bearer a", "x-admin": "b"}) == "a"
