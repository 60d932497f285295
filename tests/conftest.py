"""Test harness: a fresh database migrated to head per session, each test isolated by
truncation, the real app behind aiohttp's test client, and Redis on a dedicated index."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.database import create_engine
from server.core.migrate import upgrade_to_head
from server.core.secrets import Secret
from server.core.settings import Settings
from server.http.access_log import access_log_options
from server.http.app import create_app
from server.http.keys import SETTINGS
from tests.support import services

ADMIN_TOKEN = "test-admin-token-0123456789"


@pytest.fixture(scope="session")
def admin_database_url() -> str:
    return services.admin_database_url()


@pytest.fixture(scope="session")
def database_url(admin_database_url: str) -> Iterator[str]:
    name, url = services.create_database(admin_database_url)
    upgrade_to_head(url)
    yield url
    services.drop_database(admin_database_url, name)


@pytest.fixture(autouse=True)
async def _isolate_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "database_url" not in request.fixturenames:
        return
    await services.reset_catalog(request.getfixturevalue("database_url"))


@pytest.fixture(scope="session")
def redis_url() -> str:
    url, reason = services.redis_url_or_reason()
    if url is None:
        pytest.skip(reason)
    return url


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for one test app: no Redis, no schedule, a known admin token."""
    return Settings(
        database_url=database_url,
        admin_token=Secret(ADMIN_TOKEN),
        sync_cron="",
        sync_on_startup=False,
        log_format="text",
        db_startup_timeout_ms=5_000,
    )


@pytest.fixture
def settings_with_redis(settings: Settings, redis_url: str, redis_client: Redis) -> Settings:
    return settings.with_overrides(redis_url=redis_url)


@pytest.fixture
def app(settings: Settings) -> web.Application:
    return create_app(settings)


@pytest.fixture
def aiohttp_client(aiohttp_client: AiohttpClient) -> AiohttpClient:
    """pytest-aiohttp's client factory, with the server's access log as `serve` sets it up
    (server.http.access_log): every test app writes the same request log line as production.
    (TestServer drops its constructor's runner options; start_server takes them.)"""

    async def start(app: Any, *, server_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if not isinstance(app, web.Application):
            return await aiohttp_client(app, server_kwargs=server_kwargs, **kwargs)
        server = TestServer(app, **(server_kwargs or {}))
        await server.start_server(**access_log_options(app.get(SETTINGS)))
        return await aiohttp_client(server, **kwargs)

    return start  # type: ignore[return-value]  # same call signature, narrower typing


@pytest.fixture
async def client(
    aiohttp_client: object, app: web.Application
) -> TestClient[web.Request, web.Application]:
    return await aiohttp_client(app)  # type: ignore[operator, no-any-return]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url, pool_size=2)
    yield eng
    await eng.dispose()
