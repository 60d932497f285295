"""CORS for every route (aiohttp-cors), called LAST in create_app so it sees all routes.

aiohttp-cors is used as documented: it answers preflight requests with OPTIONS routes of
its own and adds the CORS headers of other responses (error envelopes included) in its
`on_response_prepare` hook. What no route matches (aiohttp's 404) gets none, as before.

Origins come from CORS_ORIGINS (default `*`). Credentials are never allowed: the API has no
cookies, and the admin token travels in a header the caller sets explicitly. Preflight
(`OPTIONS`) is answered for `/graphql` and every `/v1/*` route."""

from __future__ import annotations

import logging

import aiohttp_cors
from aiohttp import hdrs, web

from server.keys import SETTINGS

log = logging.getLogger(__name__)

# Headers a browser script may read from our responses.
EXPOSED_HEADERS = (
    "ETag",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "X-Catalog-Version",
    "X-Request-ID",
)
PREFLIGHT_MAX_AGE_S = 600


def setup_cors(app: web.Application) -> None:
    options = aiohttp_cors.ResourceOptions(  # type: ignore[no-untyped-call]  # untyped library
        allow_credentials=False,
        expose_headers=EXPOSED_HEADERS,
        allow_headers="*",
        allow_methods=["GET", "HEAD", "POST"],
        max_age=PREFLIGHT_MAX_AGE_S,
    )
    cors = aiohttp_cors.setup(app, defaults=dict.fromkeys(app[SETTINGS].cors_origins, options))
    for resource in list(app.router.resources()):
        if _has_own_options_handler(resource):
            continue
        try:
            cors.add(resource)
        except ValueError as exc:
            # A route registered for "*" cannot get a preflight route next to it.
            log.warning("CORS not applied to %s: %s", resource.canonical, exc)


def _has_own_options_handler(resource: web.AbstractResource) -> bool:
    return any(route.method == hdrs.METH_OPTIONS for route in resource)
