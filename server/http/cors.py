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

aiohttp-cors's response hook runs for every response and looks the matched route's
configuration up (a ChainMap per request) before it reads `Origin`; without `Origin` it
then does nothing (CORS 6.1.1: not a CORS request). The router adapter is aiohttp-cors's
documented extension point (`CorsConfig(router_adapter=...)`): ours answers "no CORS on
this request" at once when there is no `Origin`, so a request without one costs the hook a
header lookup, and everything else is the library's own code path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp_cors
from aiohttp import hdrs, web
from aiohttp_cors.urldispatcher_router_adapter import ResourcesUrlDispatcherRouterAdapter

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
    defaults = dict.fromkeys(app[SETTINGS].cors_origins, options)
    # What aiohttp_cors.setup(app, defaults=...) does, with our router adapter.
    cors = aiohttp_cors.CorsConfig(
        app, defaults=defaults, router_adapter=OriginFirstAdapter(app.router, defaults)
    )
    app[aiohttp_cors.APP_CONFIG_KEY] = cors
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


class OriginFirstAdapter(ResourcesUrlDispatcherRouterAdapter):
    """aiohttp-cors's own adapter for aiohttp's router, asked about `Origin` first."""

    def is_cors_enabled_on_request(self, request: web.Request) -> bool:
        """Only a request with `Origin` is a CORS request (CORS 6.1.1). aiohttp-cors asks
        this first in its response hook; preflight requests are answered by its OPTIONS
        routes, which do not ask."""
        return hdrs.ORIGIN in request.headers and super().is_cors_enabled_on_request(request)


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
