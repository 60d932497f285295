"""The edge: the ONE aiohttp middleware every request passes (DESIGN §8.5).

`Edge` is a new-style aiohttp middleware (`app.middlewares`), so it sees every request,
whoever registered the route (aiohttp-cors's preflight routes, /graphql, routes a test or
the bench adds after create_app), and also what no route matches: aiohttp's router answers
those with its own HTTPNotFound / HTTPMethodNotAllowed (+ `Allow`), which the edge maps to
the envelope. In order, it
- gives the request its id (X-Request-ID in and out; the access log, server.http.access_log,
  writes it) and its metrics (count and latency per route template and status);
- applies the per-IP rate limit (server.http.ratelimit; `RateLimit-*` on every response);
- validates the raw query string once for every route (length, UTF-8), so handlers only
  ever see decodable parameters;
- turns every failure into the JSON error envelope

    {"error": {"code", "message", "details"?}, "timestamp"}

  `server.core.errors.ApiError` (expected failures) → its status, code, message, details,
  headers; aiohttp's own HTTP errors (unknown route 404, wrong method 405 + `Allow`, body
  too large 413, …) → the same envelope; PostgreSQL unreachable → 503
  SERVICE_UNAVAILABLE; anything else → 500 INTERNAL_SERVER_ERROR with a fixed message: the
  stack trace (and any SQL in it) goes to the log with the request id, never to the client.

CORS headers come from aiohttp-cors's own `on_response_prepare` hook (server.http.cors).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from time import perf_counter
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from server.core.database import UNAVAILABLE_MESSAGE, is_database_unreachable
from server.core.errors import ApiError, ValidationError
from server.core.logs import request_id_var
from server.http.access_log import REQUEST_ID_HEADER, request_id_for
from server.http.health import utc_now_iso
from server.http.keys import REDIS, SETTINGS
from server.http.metrics import observe_request
from server.http.ratelimit import EXEMPT_PATHS, Decision, RateLimit, create_rate_limit

log = logging.getLogger(__name__)

# Far below aiohttp's 8190-byte request-line cap, so oversized queries get our envelope.
MAX_QUERY_BYTES = 2048
# Recorded when the client disconnected before an answer (nginx's convention).
CLIENT_GONE = 499
INTERNAL_MESSAGE = "an internal error occurred; it has been logged with the request id"

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


# The metrics route label of what no route matches (aiohttp's own 404 / 405).
UNMATCHED_LABEL = "unmatched"


class Edge:
    """The edge of one app: an aiohttp middleware holding the rate limit chosen at start-up."""

    __middleware_version__ = 1  # what @web.middleware marks: a new-style middleware

    def __init__(self) -> None:
        self._rate_limit: RateLimit | None = None

    async def start(self, app: web.Application) -> AsyncIterator[None]:
        """cleanup_ctx entry, after Redis is opened: choose the rate limiter."""
        self._rate_limit = create_rate_limit(app[REDIS], app[SETTINGS])
        yield

    async def __call__(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Answer request with handler, as the edge (this module's docstring)."""
        started = perf_counter()
        request_id = request_id_for(request)
        token = request_id_var.set(request_id)
        status = CLIENT_GONE
        decision: Decision | None = None
        try:
            try:
                decision = await self._admit(request)
                check_query_string(request)
                response = await handler(request)
            except web.HTTPException as exc:
                if exc.status < 400:  # redirects and 304s are not errors: aiohttp sends them
                    status = exc.status
                    _add_edge_headers(exc, decision, request_id)
                    raise
                response = _http_exception_response(exc)
            except ApiError as exc:
                response = error_response(
                    exc.status, exc.code, exc.message, exc.details, exc.headers
                )
            except Exception as exc:  # not CancelledError: the client left, nothing to answer
                response = _unexpected(request, exc, request_id)
            if not response.prepared:  # a websocket or stream has sent its headers
                _add_edge_headers(response, decision, request_id)
            status = response.status
            return response
        finally:
            observe_request(request.method, _route_label(request), status, perf_counter() - started)
            request_id_var.reset(token)

    async def _admit(self, request: web.Request) -> Decision | None:
        limit = self._rate_limit
        if limit is None or request.path in EXEMPT_PATHS:
            return None
        return limit.admit_now(request) or await limit.admit(request)


def _add_edge_headers(
    response: web.StreamResponse, decision: Decision | None, request_id: str
) -> None:
    if decision is not None:
        decision.add_headers(response.headers)
    response.headers[REQUEST_ID_HEADER] = request_id


def _route_label(request: web.Request) -> str:
    """The route template (never the raw path: ids must not explode label cardinality)."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED_LABEL


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
    # The log line carries the request id (server.core.logs), so the client's id finds the trace.
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "INTERNAL_SERVER_ERROR", INTERNAL_MESSAGE, {"requestId": request_id})
