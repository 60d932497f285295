"""CORS for every route (aiohttp-cors), called LAST in create_app so it sees all routes.

aiohttp-cors is used as documented: it answers preflight requests with OPTIONS routes of
its own and adds the CORS headers of other responses (error envelopes included) in its
`on_response_prepare` hook. What no route matches (aiohttp's 404) gets none, as before.

Origins come from CORS_ORIGINS (default `*`). Credentials are never allowed: the API has no
cookies, and the admin token travels in a header the caller sets explicitly. Preflight
(`OPTIONS`) is answered for `/graphql` and every `/v1/*` route.

aiohttp-cors echoes the caller's origin in `Access-Control-Allow-Origin` even when any
origin is allowed; on a response a shared cache may keep (`Cache-Control: public`) that
needs `Vary: Origin`, or the cache hands one origin's answer to another. So with `*` the
header says `*` (the same for everyone: nothing to vary on), and with a list of origins
the echoed origin comes with `Vary: Origin`. That is a second `on_response_prepare` hook,
registered after aiohttp-cors's, which adjusts what it set.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp_cors
from aiohttp import hdrs, web

from server.http.keys import SETTINGS

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
    # Signals run in order: this one sees the headers aiohttp-cors's hook has just set.
    app.on_response_prepare.append(_cacheable("*" in app[SETTINGS].cors_origins))
    for resource in list(app.router.resources()):
        if _has_own_options_handler(resource):
            continue
        try:
            cors.add(resource)
        except ValueError as exc:
            # A route registered for "*" cannot get a preflight route next to it.
            log.warning("CORS not applied to %s: %s", resource.canonical, exc)


def _cacheable(
    any_origin: bool,
) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """An answer a shared cache may keep (see the module docstring)."""

    async def apply(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        if hdrs.ACCESS_CONTROL_ALLOW_ORIGIN not in headers:
            return
        if any_origin:
            headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = "*"
            return
        vary = headers.get(hdrs.VARY)
        if vary is None:
            headers[hdrs.VARY] = hdrs.ORIGIN
        elif hdrs.ORIGIN.lower() not in vary.lower():
            headers[hdrs.VARY] = f"{vary}, {hdrs.ORIGIN}"

    return apply


def _has_own_options_handler(resource: web.AbstractResource) -> bool:
    return any(route.method == hdrs.METH_OPTIONS for route in resource)
