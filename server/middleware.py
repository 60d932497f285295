"""The edge: the ONE layer every request passes (DESIGN §8.5, "one middleware").

One layer instead of a stack of them (each layer costs a coroutine and a wrapper per
request). It is installed at start-up around every route's handler rather than given to
aiohttp as a middleware: with any middleware aiohttp runs a chain of its own per request
(a cache lookup, a partial per middleware and a coroutine that sets the current app), about
5% of a cached /v1 answer's instructions (BENCHMARKS.md, "REST edge, fifth pass"). So that
nothing escapes it, start-up wraps every route, however it was added (aiohttp-cors's
preflight routes, /graphql, routes a test or the bench adds after create_app), and adds a
last, catch-all route that answers what no other route matches (404, or 405 with `Allow`
when the path exists). In order, it
- gives the request its id (X-Request-ID in and out) and, when it is answered, its log
  line (server.request_log) and its metrics (count and latency per route and status);
- applies the per-IP rate limit (server.ratelimit; `RateLimit-*` on every response);
- validates the raw query string once for every route (length, UTF-8), so handlers only
  ever see decodable parameters;
- turns every failure into the JSON error envelope

    {"error": {"code", "message", "details"?}, "timestamp"}

  `server.errors.ApiError` (expected failures) → its status, code, message, details,
  headers; aiohttp's own HTTP errors (unknown route 404, wrong method 405 + `Allow`, body
  too large 413, …) → the same envelope; PostgreSQL unreachable → 503
  SERVICE_UNAVAILABLE; anything else → 500 INTERNAL_SERVER_ERROR with a fixed message: the
  stack trace (and any SQL in it) goes to the log with the request id, never to the client.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from functools import partial
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
import orjson
import sqlalchemy.exc
from aiohttp import web
from aiohttp.hdrs import ORIGIN
from aiohttp.typedefs import Handler
from yarl import URL

from server.cors import CORS_RESPONSE_HOOK, ResponseHook
from server.database import DatabaseUnavailable
from server.errors import ApiError, ValidationError
from server.health import utc_now_iso
from server.keys import REDIS, SETTINGS
from server.logs import request_id_var
from server.metrics import observe_request
from server.ratelimit import EXEMPT_PATHS, Decision, RateLimit, create_rate_limit
from server.request_log import REQUEST_ID_HEADER, log_request, request_id_for

if TYPE_CHECKING:  # the return type of AbstractResource.get_info (not exported)
    from aiohttp.web_urldispatcher import _InfoDict

log = logging.getLogger(__name__)

# Far below aiohttp's 8190-byte request-line cap, so oversized queries get our envelope.
MAX_QUERY_BYTES = 2048
# Recorded when the client disconnected before an answer (nginx's convention).
CLIENT_GONE = 499
INTERNAL_MESSAGE = "an internal error occurred; it has been logged with the request id"
UNAVAILABLE_MESSAGE = "the database is unavailable; retry shortly"

# aiohttp HTTPException status → public code (DESIGN §6 codes plus the HTTP ones we add).
_CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}
_DB_UNREACHABLE: tuple[type[BaseException], ...] = (
    DatabaseUnavailable,
    OSError,
    TimeoutError,  # pool checkout timeout and asyncio.TimeoutError (same class on 3.11)
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.TimeoutError,
    sqlalchemy.exc.DisconnectionError,
)


def error_body(code: str, message: str, details: Any = None) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return orjson.dumps({"error": error, "timestamp": utc_now_iso()})


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> web.Response:
    response = web.Response(
        status=status,
        body=error_body(code, message, details),
        content_type="application/json",
        headers=headers,
    )
    # Errors are never cached by browsers or proxies.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def is_database_unreachable(exc: BaseException) -> bool:
    """True when exc (or what caused it) says PostgreSQL cannot be reached right now."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 10:
        seen.add(id(current))
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, _DB_UNREACHABLE):
            return True
        orig = getattr(current, "orig", None)
        current = current.__cause__ or current.__context__ or orig
    return False


def check_query_string(request: web.Request) -> None:
    """Reject query strings that are too long or not UTF-8, naming the parameter."""
    raw = request.rel_url.raw_query_string
    if len(raw) <= MAX_QUERY_BYTES and "%" not in raw and raw.isascii():
        return  # nothing percent-encoded: nothing that could decode badly
    if len(raw) > MAX_QUERY_BYTES:
        raise ValidationError(
            f"query string must be at most {MAX_QUERY_BYTES} bytes long",
            details={"parameter": "query", "length": len(raw), "max": MAX_QUERY_BYTES},
        )
    for pair in filter(None, raw.split("&")):
        name_raw, _, value_raw = pair.partition("=")
        name = _decode(name_raw, "query parameter names")
        _decode(value_raw, name)


def _decode(raw: str, what: str) -> str:
    try:
        return unquote_to_bytes(raw.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            f"{what} must be valid UTF-8 (percent-encoded UTF-8 bytes)",
            details={"parameter": what},
        ) from None


def _http_exception_response(exc: web.HTTPException) -> web.StreamResponse:
    code = _CODES.get(exc.status, "INTERNAL_SERVER_ERROR" if exc.status >= 500 else "BAD_REQUEST")
    message = _http_message(exc)
    headers = {k: v for k, v in exc.headers.items() if k.lower() not in _ENTITY_HEADERS}
    return error_response(exc.status, code, message, headers=headers)


_ENTITY_HEADERS = {"content-type", "content-length", "content-encoding"}


def _http_message(exc: web.HTTPException) -> str:
    if exc.status == 404:
        return "no route matches this path; see /v1/openapi.json"
    if exc.status == 405:
        allowed = exc.headers.get("Allow", "")
        return f"method not allowed here; allowed: {allowed}" if allowed else exc.reason
    if exc.status == 413:
        return f"request body too large: {exc.text or exc.reason}"
    return exc.text or exc.reason


# The catch-all route's resource name, and the metrics route label of what it answers.
UNMATCHED_ROUTE = "edge-unmatched"
UNMATCHED_LABEL = "unmatched"


class Edge:
    """The edge of one app, with what it needs on every request resolved once at start-up
    (the rate limit; each route's metrics label), so the hot path makes no lookups."""

    def __init__(self) -> None:
        self._rate_limit: RateLimit | None = None
        self._cors: ResponseHook | None = None

    async def start(self, app: web.Application) -> AsyncIterator[None]:
        """cleanup_ctx entry, after Redis is opened: choose the rate limiter, then put the
        edge around every route (aiohttp freezes the router only after start-up)."""
        self._rate_limit = create_rate_limit(app[REDIS], app[SETTINGS])
        self._cors = app.get(CORS_RESPONSE_HOOK)  # set by setup_cors in create_app
        self._install(app.router)
        yield

    def _install(self, router: web.UrlDispatcher) -> None:
        for route in router.routes():
            resource = route.resource  # the metrics label: the route template
            label = resource.canonical if resource is not None else UNMATCHED_LABEL
            # aiohttp has no public way to wrap a registered route's handler; ResourceRoute
            # keeps it in _handler (aiohttp is pinned to 3.14.x; without this every test of
            # a header the edge adds fails).
            route._handler = partial(self.serve, route.handler, label)
        unmatched = _EveryPath(name=UNMATCHED_ROUTE)
        router.register_resource(unmatched)
        unmatched.add_route("*", partial(self.serve, _unmatched, UNMATCHED_LABEL))

    async def serve(
        self, handler: Handler, route_label: str, request: web.Request
    ) -> web.StreamResponse:
        """Answer request with handler, as the edge (this module's docstring)."""
        # One coroutine for all of it: every layer or helper coroutine costs per request.
        started = perf_counter_ns()
        request_id = request_id_for(request)
        token = request_id_var.set(request_id)
        status = CLIENT_GONE
        decision: Decision | None = None
        try:
            try:
                limit = self._rate_limit
                if limit is not None and request.path not in EXEMPT_PATHS:
                    decision = limit.admit_now(request) or await limit.admit(request)
                check_query_string(request)
                response = await handler(request)
            except web.HTTPException as exc:
                if exc.status < 400:  # redirects and 304s are not errors: aiohttp sends them
                    status = exc.status
                    if decision is not None:
                        decision.add_headers(exc.headers)
                    exc.headers[REQUEST_ID_HEADER] = request_id
                    if self._cors is not None and ORIGIN in request.headers:
                        await self._cors(request, exc)
                    raise
                response = _http_exception_response(exc)
            except ApiError as exc:
                response = error_response(
                    exc.status, exc.code, exc.message, exc.details, exc.headers
                )
            except Exception as exc:  # not CancelledError: the client left, nothing to answer
                response = _unexpected(request, exc, request_id)
            if not response.prepared:  # a websocket or stream has sent its headers
                headers = response.headers
                if decision is not None:
                    decision.add_headers(headers)
                headers[REQUEST_ID_HEADER] = request_id
                if self._cors is not None and ORIGIN in request.headers:
                    await self._cors(request, response)  # browsers only (server.cors)
            status = response.status
            return response
        finally:
            elapsed_ns = perf_counter_ns() - started
            observe_request(request.method, route_label, status, elapsed_ns / 1e9)
            log_request(
                request.method, request.path, status, elapsed_ns, request.remote, request_id
            )
            request_id_var.reset(token)


class _EveryPath(web.Resource):
    """A resource for every path, even one no route template can match (`OPTIONS *`, a
    newline in a path). The router tries it last: it files resources by the path prefix
    before their first variable and walks a request's path from longest prefix to shortest,
    and this one is filed under "/", where every walk ends."""

    @property
    def canonical(self) -> str:
        return "/"

    def _match(self, path: str) -> dict[str, str]:
        return {}

    def raw_match(self, path: str) -> bool:
        return True

    def url_for(self, **kwargs: str) -> URL:
        return URL("/")

    def add_prefix(self, prefix: str) -> None:
        raise NotImplementedError("the catch-all resource belongs to the root app")

    def get_info(self) -> _InfoDict:
        return {"prefix": "/"}


async def _unmatched(request: web.Request) -> web.StreamResponse:
    """The catch-all route: 405 with `Allow` when other routes have this path (for other
    methods), else 404, which is what aiohttp's router answers when no route matches."""
    allowed: set[str] = set()
    for resource in request.app.router.resources():
        if resource.name != UNMATCHED_ROUTE:  # this one matches every path, allowing "*"
            allowed |= (await resource.resolve(request))[1]
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed)
    raise web.HTTPNotFound()


def _unexpected(request: web.Request, exc: Exception, request_id: str) -> web.Response:
    if is_database_unreachable(exc):
        log.warning(
            "database unreachable on %s %s: %s: %s",
            request.method,
            request.path,
            type(exc).__name__,
            exc,
        )
        return error_response(
            503, "SERVICE_UNAVAILABLE", UNAVAILABLE_MESSAGE, headers={"Retry-After": "5"}
        )
    # The log line carries the request id (server.logs), so the client's id finds the trace.
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "INTERNAL_SERVER_ERROR", INTERNAL_MESSAGE, {"requestId": request_id})
