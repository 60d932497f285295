"""The edge is the app's one aiohttp middleware (server.http.middleware): each kind of answer,
whatever registered its route, carries the request id, the rate-limit headers and a metrics
count under its route template; what no route matches is aiohttp's own 404 / 405, in the
JSON envelope."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from aiohttp import web

from server.core.settings import Settings
from server.http.app import create_app
from server.http.middleware import UNMATCHED_LABEL, Edge
from tests.rest.conftest import AppClient, Client
from tests.support.metrics import sample_value
from tests.support.seed import SeedInfo

PREFLIGHT = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}


async def _later(request: web.Request) -> web.Response:
    return web.json_response({"added": "after create_app"})


# (method, path, request kwargs, status, metrics route label)
CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("GET", "/v1/models", {}, 200, "/v1/models"),
    ("HEAD", "/v1/models/", {}, 200, "/v1/models/"),
    ("GET", "/v1/models/openai/gpt-4o", {}, 200, "/v1/models/{id}"),
    ("OPTIONS", "/v1/models", {"headers": PREFLIGHT}, 200, "/v1/models"),
    ("POST", "/graphql", {"json": {"query": "{ __typename }"}}, 200, "/graphql"),
    ("GET", "/v1/test-added-later", {}, 200, "/v1/test-added-later"),
    ("GET", "/v2/nothing", {}, 404, UNMATCHED_LABEL),
    ("DELETE", "/v1/models", {}, 405, UNMATCHED_LABEL),
    ("PATCH", "/no/such/path", {}, 404, UNMATCHED_LABEL),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "label"), CASES)
async def test_every_kind_of_route_passes_the_edge(
    app_client: AppClient,
    settings: Settings,
    seeded: SeedInfo,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    label: str,
) -> None:
    app = create_app(settings)
    app.router.add_get("/v1/test-added-later", _later)  # after create_app, before start-up
    client = await app_client(app)
    before = await (await client.get("/metrics")).text()
    resp = await client.request(method, path, **kwargs)
    assert resp.status == status
    assert len(resp.headers["X-Request-ID"]) == 32
    for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
        assert resp.headers[name].isdigit()
    if status >= 400:
        assert (await resp.json())["error"]["code"] in ("NOT_FOUND", "METHOD_NOT_ALLOWED")
    after = await (await client.get("/metrics")).text()
    labels = {"method": method, "route": label, "status": str(status)}
    requests = "effect_models_http_requests_total"
    assert sample_value(after, requests, **labels) == sample_value(before, requests, **labels) + 1


async def test_wrong_method_lists_the_methods_of_every_route_on_the_path(client: Client) -> None:
    resp = await client.put("/graphql")
    assert resp.status == 405
    assert set(resp.headers["Allow"].split(",")) == {"GET", "POST", "OPTIONS"}
    body = await resp.json()
    assert body["error"]["code"] == "METHOD_NOT_ALLOWED"


async def test_the_edge_is_an_ordinary_middleware_and_routes_are_untouched(
    app_client: AppClient, settings: Settings
) -> None:
    app = create_app(settings)
    app.router.add_get("/v1/test-added-later", _later)
    await app_client(app)  # started
    assert [type(m) for m in app.middlewares] == [Edge]
    handlers = {r.resource.canonical: r.handler for r in app.router.routes() if r.resource}
    assert handlers["/v1/test-added-later"] is _later  # not wrapped: aiohttp calls the edge


@pytest.mark.parametrize(
    ("method", "target"), [("OPTIONS", "*"), ("GET", "/v1/models/%0A"), ("GET", "/%00")]
)
async def test_targets_no_route_template_matches_get_the_envelope_too(
    client: Client, method: str, target: str
) -> None:
    """Sent raw: a client library would normalise these request targets."""
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    writer.write(f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404 ")
    assert b"X-Request-ID: " in head
    assert orjson.loads(body)["error"]["code"] == "NOT_FOUND"
