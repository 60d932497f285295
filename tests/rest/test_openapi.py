"""The OpenAPI document stays true: every /v1 route documented, real responses validate
against it, and a bounded schemathesis run finds no 5xx and no undocumented response."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import hypothesis
import jsonschema_rs
import pytest
import schemathesis
from aiohttp import web

from server.core.database import create_engine
from server.core.settings import Settings
from server.http.app import create_app
from server.http.rest.openapi import DOCUMENT
from tests.conftest import ADMIN_TOKEN
from tests.rest.conftest import Client
from tests.support.seed import SeedInfo, seed_catalog

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# Routes outside the REST surface (GraphQL has its own schema; /metrics is Prometheus').
NOT_REST_PREFIXES = ("/graphql", "/metrics")


def _documented(path: str) -> str:
    # aiohttp writes `{id:.+}`-style templates as `{id}` in `canonical`.
    return path.rstrip("/") or "/"


def test_every_route_is_documented_and_every_documented_route_exists(
    app: web.Application,
) -> None:
    routes: dict[str, set[str]] = {}
    for route in app.router.routes():
        path = _documented(route.resource.canonical) if route.resource else ""
        if path.startswith(NOT_REST_PREFIXES) or route.method in ("HEAD", "OPTIONS"):
            continue
        routes.setdefault(path, set()).add(route.method.lower())
    documented = {path: set(ops) for path, ops in DOCUMENT["paths"].items()}
    assert routes == documented


async def test_served_document_is_openapi_31(client: Client) -> None:
    resp = await client.get("/v1/openapi.json")
    assert resp.status == 200
    body = await resp.json()
    assert body == DOCUMENT
    assert body["openapi"].startswith("3.1")


def _validator(path: str, method: str, status: str) -> jsonschema_rs.Validator:
    schema = DOCUMENT["paths"][path][method]["responses"][status]["content"]["application/json"][
        "schema"
    ]
    resolvable = {**schema, "components": DOCUMENT["components"]}
    return jsonschema_rs.validator_for(resolvable)


@pytest.mark.parametrize(
    ("url", "path", "method", "status"),
    [
        ("/v1/models?limit=100", "/v1/models", "get", "200"),
        ("/v1/models?all=true&status=removed,active", "/v1/models", "get", "200"),
        ("/v1/models/openai/gpt-4o", "/v1/models/{id}", "get", "200"),
        ("/v1/models/qwen/qwen3-0.6b", "/v1/models/{id}", "get", "200"),
        ("/v1/models/none/such", "/v1/models/{id}", "get", "404"),
        ("/v1/models?limit=0", "/v1/models", "get", "400"),
        ("/v1/providers", "/v1/providers", "get", "200"),
        ("/v1/admin/sync/history", "/v1/admin/sync/history", "get", "200"),
        ("/health", "/health", "get", "200"),
        ("/ready", "/ready", "get", "200"),
    ],
)
async def test_real_responses_match_the_document(
    client: Client, seeded: SeedInfo, url: str, path: str, method: str, status: str
) -> None:
    resp = await client.request(method, url, headers=ADMIN)
    assert str(resp.status) == status
    _validator(path, method, status).validate(await resp.json())


async def test_unauthorized_admin_response_matches_the_document(client: Client) -> None:
    resp = await client.post("/v1/admin/sync")
    assert resp.status == 401
    _validator("/v1/admin/sync", "post", "401").validate(await resp.json())


# ------------------------------------------------------------------ schemathesis


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """The real app on a real port, in a thread with its own loop (schemathesis is sync)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = _free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.runner: web.AppRunner | None = None

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        assert self.settings.database_url is not None
        engine = create_engine(self.settings.database_url, pool_size=1)
        await seed_catalog(engine)
        await engine.dispose()
        self.runner = web.AppRunner(create_app(self.settings))
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    def __enter__(self) -> str:
        self.thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("live server did not start")
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        assert self.runner is not None
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


@pytest.fixture
def live_url(settings: Settings) -> Iterator[str]:
    with LiveServer(settings.with_overrides(rate_limit_per_minute=10_000_000)) as url:
        yield url


schema = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.mark.slow
@schema.parametrize()
@hypothesis.settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_schemathesis_finds_no_5xx_and_no_undocumented_response(
    case: schemathesis.Case,  # type: ignore[type-arg]  # generic to type checkers only
    live_url: str,
) -> None:
    case.call_and_validate(base_url=live_url)
