"""Conditional GET for both APIs: If-None-Match read through aiohttp's own parser
(`request.if_none_match`), so the weak form (`W/"…"`), a list of tags and `*` all match."""

from __future__ import annotations

from aiohttp import hdrs, web
from aiohttp.helpers import ETAG_ANY


def not_modified(request: web.Request, etag: str) -> bool:
    """True when the request's If-None-Match names etag (a quoted strong tag) or `*`.

    Weak comparison, as RFC 9110 asks for If-None-Match: `W/"x"` matches `"x"`. A header
    aiohttp cannot parse matches nothing (the full answer is sent).
    """
    if hdrs.IF_NONE_MATCH not in request.headers:  # most requests: nothing to parse
        return False
    wanted = etag.strip('"')
    try:
        tags = request.if_none_match
    except ValueError:
        return False
    return any(tag.value in (wanted, ETAG_ANY) for tag in tags or ())
