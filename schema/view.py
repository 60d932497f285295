"""The /graphql endpoint: Strawberry's aiohttp view plus the response cache (DESIGN §6).

Response cache: the app's one, shared with REST, as is the catalog version watcher
(server.http.catalog_cache). Only for queries that validated and ran without errors once in
this process (so junk and refused documents never cost a cache round trip), never for
mutations or admin fields (Context.cacheable). Key = `gql:` + catalog version + hash(document,
variables, operation name), so a sync that bumps the version invalidates every replica at
once. GET requests get an ETag and honour If-None-Match with 304. Every
response says which catalog version its data came from in X-Catalog-Version.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from datetime import timedelta
from typing import Any, cast

import orjson
from aiohttp import web
from cross_web import HTTPException
from strawberry.aiohttp.views import GraphQLView
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from schema.compose import configure_documents
from schema.context import Context, build_context
from schema.graphiql import graphiql_html, setup_graphiql_assets
from schema.limits import document_refusal
from schema.websockets import (
    WS_CLIENT_IP,
    WS_CLIENTS,
    CappedTransportWSHandler,
    WebsocketClients,
)
from server.core.errors import (
    ApiError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ValidationError,
)
from server.core.limits import MAX_REQUEST_BYTES
from server.http import metrics
from server.http.etag import not_modified
from server.http.keys import CATALOG_VERSION, RESPONSE_CACHE, SETTINGS

log = logging.getLogger(__name__)

CACHE_TTL_S = 3600
CONTEXT_KEY = web.RequestKey("graphql_context", Context)
VERSION_HEADER = "X-Catalog-Version"
_HITS = metrics.CACHE_HITS.labels("graphql")
_MISSES = metrics.CACHE_MISSES.labels("graphql")


class _KnownGood:
    """A bounded set of document hashes that executed cleanly at least once."""

    def __init__(self, size: int = 4096) -> None:
        self._items: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def add(self, key: str) -> None:
        self._items[key] = None
        self._items.move_to_end(key)
        if len(self._items) > self._size:
            self._items.popitem(last=False)


def document_hash(query: str, variables: Any, operation_name: Any) -> str | None:
    """None when the variables cannot be hashed (nested deeper than orjson writes)."""
    try:
        payload = orjson.dumps([query, variables, operation_name], option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None
    return hashlib.sha256(payload).hexdigest()


_REFUSALS: dict[int, type[ApiError]] = {
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
}


def as_api_error(exc: HTTPException) -> ApiError:
    """Strawberry's plain-text refusals (a body that is not a JSON object, no query, a
    mutation over GET…) as the JSON error envelope every other route answers with."""
    return _REFUSALS.get(exc.status_code, ValidationError)(exc.reason)


async def request_hash(request: web.Request) -> str | None:
    """Hash of (query, variables, operationName); None when the request carries no query."""
    try:
        if request.method == "GET":
            params: Any = dict(request.query)
            if params.get("variables"):
                params["variables"] = orjson.loads(params["variables"])
        elif request.method == "POST" and request.content_type == "application/json":
            params = orjson.loads(await request.read())
        else:
            return None
    except (orjson.JSONDecodeError, UnicodeError):
        return None  # Strawberry reports the bad body
    if not isinstance(params, dict) or not isinstance(params.get("query"), str):
        return None
    return document_hash(params["query"], params.get("variables"), params.get("operationName"))


class CatalogGraphQLView(GraphQLView[Context, None]):
    graphql_transport_ws_handler_class = CappedTransportWSHandler

    def __init__(
        self,
        *args: Any,
        response_cache: bool = True,
        websocket_clients: WebsocketClients | None = None,
        **kwargs: Any,
    ) -> None:
        """response_cache=False is for bench/graphql_bench.py: every request executes."""
        super().__init__(*args, **kwargs)
        self._clients = websocket_clients or WebsocketClients(20, 100, ())
        self._response_cache = response_cache
        self._known_good = _KnownGood()

    @property
    def graphql_ide_html(self) -> str:
        return graphiql_html()

    def encode_json(self, data: object) -> str:
        # str, not bytes: websocket frames must be text for graphql-transport-ws clients.
        return orjson.dumps(data).decode()

    async def create_websocket_response(
        self, request: web.Request, subprotocol: str | None
    ) -> web.WebSocketResponse:
        """As Strawberry's, with messages capped like HTTP bodies (aiohttp allows 4 MiB)."""
        ws = web.WebSocketResponse(
            protocols=[subprotocol] if subprotocol else [], max_msg_size=MAX_REQUEST_BYTES
        )
        await ws.prepare(request)
        return ws

    def decode_json(self, data: str | bytes) -> object:
        """orjson, not json: it refuses invalid UTF-8, lone surrogates, numbers beyond a
        double (1e999999) and nesting deeper than 1,024 with a JSONDecodeError (a 400),
        where json.loads hit the recursion limit or let the bad value through (a 500)."""
        return orjson.loads(data)

    async def parse_http_body(self, request: Any) -> Any:
        """A JSON body must be an object (or a list: Strawberry answers "batching is not
        enabled"); a string, number or null used to fail inside Strawberry with a 500."""
        if request.method == "POST" and "application/json" in (request.content_type or ""):
            body = self.parse_json(await request.get_body())
            if not isinstance(body, dict | list):
                raise HTTPException(400, "the request body must be a JSON object")
        data = await super().parse_http_body(request)
        for item in data if isinstance(data, list) else [data]:
            refusal = document_refusal(item.query)
            if refusal is not None:
                raise HTTPException(413, refusal)
        return data

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: web.Response,
    ) -> web.Response:
        sub_response.body = orjson.dumps(response_data)
        sub_response.content_type = "application/json"
        return sub_response

    async def process_result(
        self, request: web.Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        # A syntax error raised inside the (cached) parse hook skips the schema extensions'
        # error policy; give it the same typed code here.
        for error in cast(list[dict[str, object]], response.get("errors") or []):
            extensions = error.setdefault("extensions", {})
            if isinstance(extensions, dict):
                extensions.setdefault("code", "GRAPHQL_VALIDATION_FAILED")
        return response

    async def get_context(
        self, request: web.Request, response: web.Response | web.WebSocketResponse
    ) -> Context:
        context = build_context(request, response)
        request[CONTEXT_KEY] = context
        return context

    async def _run(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self.run(request=request)
        except HTTPException as exc:
            raise as_api_error(exc) from None

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            with self._clients.connection(request) as ip:  # 429 over the per-IP cap
                request[WS_CLIENTS] = self._clients
                request[WS_CLIENT_IP] = ip
                return await self._run(request)
        if not self._response_cache:
            return await self._execute(request, None)
        key = await self._request_key(request)
        if key is None:
            return await self._execute(request, None)
        cache = request.app[RESPONSE_CACHE]
        version = await request.app[CATALOG_VERSION].get()
        cache_key = f"gql:{version}:{key}"
        etag = f'"{version}-{key[:32]}"'
        if request.method == "GET" and not_modified(request, etag):
            return _with_version(web.Response(status=304, headers={"ETag": etag}), version)
        body = await cache.get(cache_key)
        if body is not None:
            _HITS.inc()
            response = web.Response(body=body, content_type="application/json")
            return _tagged(request, response, version, etag, "hit")
        _MISSES.inc()
        return await self._execute(request, key)

    async def _request_key(self, request: web.Request) -> str | None:
        """The document hash when this request is a known-good cacheable query."""
        key = await request_hash(request)
        return key if key is not None and key in self._known_good else None

    async def _execute(self, request: web.Request, known_key: str | None) -> web.StreamResponse:
        try:
            response = await self._run(request)
        finally:
            context = request.get(CONTEXT_KEY)
            if context is not None:
                await context.db.close()
        context = request.get(CONTEXT_KEY)
        if context is None or not isinstance(response, web.Response) or response.status != 200:
            return response
        version = context.db.version
        if version is None:
            if _has_errors(response):
                return response  # refused before any data was read: no version to report
            version = await request.app[CATALOG_VERSION].get()
        else:
            request.app[CATALOG_VERSION].observe(version)
        await self._maybe_store(request, response, context, version, known_key)
        return _with_version(response, version)

    async def _maybe_store(
        self,
        request: web.Request,
        response: web.Response,
        context: Context,
        version: int,
        known_key: str | None,
    ) -> None:
        if not self._response_cache or not context.cacheable or _has_errors(response):
            return
        key = known_key or await request_hash(request)
        if key is None:
            return
        self._known_good.add(key)
        await request.app[RESPONSE_CACHE].set(
            f"gql:{version}:{key}", cast(bytes, response.body), CACHE_TTL_S
        )
        if request.method == "GET":
            response.headers["ETag"] = f'"{version}-{key[:32]}"'


def _has_errors(response: web.Response) -> bool:
    body = response.body
    # An unescaped `"errors":` can only be the top-level key: inside strings quotes are escaped.
    return not isinstance(body, bytes) or b'"errors":' in body


def _with_version(response: web.StreamResponse, version: int) -> web.StreamResponse:
    response.headers[VERSION_HEADER] = str(version)
    return response


def _tagged(
    request: web.Request, response: web.Response, version: int, etag: str, cache: str
) -> web.StreamResponse:
    if request.method == "GET":
        response.headers["ETag"] = etag
    response.headers["X-Cache"] = cache
    return _with_version(response, version)


def setup_graphql(app: web.Application) -> None:
    """Register /graphql for GET (GraphiQL, queries, websocket upgrade) and POST.

    Two routes, one per method, instead of `*`: aiohttp-cors refuses `*` routes.
    """
    from schema.compose import schema_for

    settings = app[SETTINGS]
    bounds = settings.bounds
    configure_documents(bounds)
    view = CatalogGraphQLView(
        schema=schema_for(settings.graphql_fast_path),
        graphql_ide="graphiql",
        # Not the legacy graphql-ws: it has no time limit for connection_init.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(milliseconds=bounds.ws_init_timeout_ms),
        max_subscriptions_per_connection=bounds.ws_max_subscriptions_per_ip,
        websocket_clients=WebsocketClients(
            bounds.ws_max_connections_per_ip,
            bounds.ws_max_subscriptions_per_ip,
            settings.trusted_proxies,
        ),
    )
    app.router.add_route("GET", "/graphql", view)
    app.router.add_route("POST", "/graphql", view)
    setup_graphiql_assets(app)
