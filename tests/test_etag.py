"""server.http.etag.not_modified: If-None-Match through aiohttp's parser, for both APIs."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from server.http.etag import not_modified

ETAG = '"7-abc123"'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ('"7-abc123"', True),
        ('W/"7-abc123"', True),
        ('"other", "7-abc123"', True),
        ('"a", W/"b", W/"7-abc123"', True),
        ("*", True),
        ('"7-abc1234"', False),
        ('"other"', False),
        ("7-abc123", False),  # unquoted: not an entity tag
        ("", False),
    ],
)
def test_if_none_match_forms(header: str | None, expected: bool) -> None:
    headers = {} if header is None else {"If-None-Match": header}
    request = make_mocked_request("GET", "/v1/models", headers=headers)
    assert not_modified(request, ETAG) is expected
