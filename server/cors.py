"""CORS for every route (aiohttp-cors), called LAST in create_app so it sees all routes.

aiohttp-cors inspects the matched route on EVERY response before it looks at the Origin
header; that inspection cost more than the rest of a cached /v1 answer. Its response hook
is therefore wrapped to return at once when there is no Origin header (the CORS spec's
first step, 6.1.1, so nothing changes for anyone), and browsers pay for it alone.

Origins come from CORS_ORIGINS (default `*`). Credentials are never allowed: the API has no
cookies, and the admin token travels in a header the caller sets explicitly. Preflight
(`OPTIONS`) is answered for `/graphql` and every `/v1/*` route.
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
    _skip_hooks_without_origin(app, hooks_before)
    for resource in list(app.router.resources()):
        if _has_own_options_handler(resource):
            continue
        try:
            cors.add(resource)
        except ValueError as exc:
            # A route registered for "*" cannot get a preflight route next to it.
            log.warning("CORS not applied to %s: %s", resource.canonical, exc)


ResponseHook = Callable[[web.Request, web.StreamResponse], Awaitable[object]]


def _skip_hooks_without_origin(app: web.Application, hooks_before: list[ResponseHook]) -> None:
    """Wrap the response hooks aiohttp-cors just added so they run only for CORS requests."""
    hooks = app.on_response_prepare
    for index, hook in enumerate(hooks):
        if hook not in hooks_before:
            hooks[index] = _only_with_origin(hook)


def _only_with_origin(hook: ResponseHook) -> ResponseHook:
    async def run_for_cors_requests(request: web.Request, response: web.StreamResponse) -> None:
        if hdrs.ORIGIN in request.headers:
            await hook(request, response)

    return run_for_cors_requests


def _has_own_options_handler(resource: web.AbstractResource) -> bool:
    return any(route.method == hdrs.METH_OPTIONS for route in resource)
