"""Fixtures for the REST / HTTP-edge tests: the real app on real PostgreSQL (and Redis)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from server.core.settings import Settings
from server.http.app import create_app
from tests.support.redis_cluster import PrivateRedisCluster
from tests.support.seed import SeedInfo, seed_catalog

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]
AppClient = Callable[[web.Application], Awaitable[Client]]


@pytest.fixture
async def seeded(engine: AsyncEngine) -> SeedInfo:
    return await seed_catalog(engine)


@pytest.fixture
def app_client(aiohttp_client: Any) -> Callable[[web.Application], Awaitable[Client]]:
    """Serve an app built by the test (e.g. with an extra route) through aiohttp_client."""

    async def serve(app: web.Application) -> Client:
        return await aiohttp_client(app)  # type: ignore[no-any-return]

    return serve


@pytest.fixture
def make_client(aiohttp_client: Any) -> MakeClient:
    """Build a client for create_app(settings) with overrides, e.g. make_client(s, port=1)."""

    async def make(settings: Settings, **overrides: Any) -> Client:
        app = create_app(settings.with_overrides(**overrides) if overrides else settings)
        return await aiohttp_client(app)  # type: ignore[no-any-return]

    return make


@pytest.fixture
async def redis_client_app(make_client: MakeClient, settings_with_redis: Settings) -> Client:
    return await make_client(settings_with_redis)


@pytest.fixture
def cluster() -> Iterator[PrivateRedisCluster]:
    """A private 3-node Redis Cluster for this test (skipped without redis-server)."""
    try:
        started = PrivateRedisCluster()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    try:
        started.start()
        yield started
    finally:
        started.destroy()
