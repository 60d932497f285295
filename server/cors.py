"""CORS for every route (aiohttp-cors), called LAST in create_app so it sees all routes.

aiohttp-cors answers preflight requests with OPTIONS routes of its own, and adds the CORS
headers of other responses in an `on_response_prepare` hook. A signal runs for EVERY
response, and the hook inspects the matched route before it looks at the Origin header: a
measurable share of a cached /v1 answer. So the hook is taken off the signal and called by
the edge (server.middleware) only for requests that carry an Origin header (the
CORS spec's first step, 6.1.1: without one there is nothing to do). Only a response the
handler prepared itself misses them: here that is the GraphQL websocket, and CORS does not
apply to websockets (Strawberry's HTTP streaming transports, multipart and SSE, are off).

Origins come from CORS_ORIGINS (default `*`). Credentials are never allowed: the API has no
cookies, and the admin token travels in a header the caller sets explicitly. Preflight
(`OPTIONS`) is answered for `/graphql` and every `/v1/*` route.

aiohttp-cors echoes the caller's origin in `Access-Control-Allow-Origin` even when any
origin is allowed; on a response a shared cache may keep (`Cache-Control: public`) that
needs `Vary: Origin`, or the cache hands one origin's answer to another. So with `*` the
header says `*` (the same for everyone: nothing to vary on), and with a list of origins
the echoed origin comes with `Vary: Origin`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

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
    hooks_before = list(app.on_response_prepare)
    cors = aiohttp_cors.setup(app, defaults=dict.fromkeys(app[SETTINGS].cors_origins, options))
    any_origin = "*" in app[SETTINGS].cors_origins
    app[CORS_RESPONSE_HOOK] = _cacheable(_take_response_hook(app, hooks_before), any_origin)
    for resource in list(app.router.resources()):
        if _has_own_options_handler(resource):
            continue
        try:
            cors.add(resource)
        except ValueError as exc:
            # A route registered for "*" cannot get a preflight route next to it.
            log.warning("CORS not applied to %s: %s", resource.canonical, exc)


ResponseHook = Callable[[web.Request, web.StreamResponse], Awaitable[object]]
CORS_RESPONSE_HOOK: web.AppKey[ResponseHook] = web.AppKey("cors_response_hook")


def _take_response_hook(app: web.Application, hooks_before: list[ResponseHook]) -> ResponseHook:
    """Remove the response hook aiohttp-cors just added to on_response_prepare; return it."""
    added = [hook for hook in app.on_response_prepare if hook not in hooks_before]
    if len(added) != 1:
        raise RuntimeError(f"expected aiohttp-cors to add one response hook, found {added}")
    app.on_response_prepare.remove(added[0])
    return added[0]


def _cacheable(hook: ResponseHook, any_origin: bool) -> ResponseHook:
    """The hook, with an answer a shared cache may keep (see the module docstring)."""

    async def apply(request: web.Request, response: web.StreamResponse) -> None:
        await hook(request, response)
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
