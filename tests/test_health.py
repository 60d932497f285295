"""GET /health and /ready against the real app, PostgreSQL and Redis."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server import __version__
from server.core.database import asyncpg_dsn
from server.core.settings import Settings
from server.http.app import create_app
from tests.support import services

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def test_health_shape(client: TestClient[web.Request, web.Application]) -> None:
    resp = await client.get("/health")
    assert resp.status == 200
    body = await resp.json()
    assert set(body) == {"status", "timestamp", "version"}
    assert body["status"] == "ok" and body["version"] == __version__
    assert ISO.match(body["timestamp"])


async def test_ready_when_postgres_answers(
    client: TestClient[web.Request, web.Application],
) -> None:
    resp = await client.get("/ready")
    assert resp.status == 200
    assert (await resp.json())["checks"] == {"postgres": "ok"}


async def test_ready_with_redis(aiohttp_client: object, settings_with_redis: Settings) -> None:
    client = await aiohttp_client(create_app(settings_with_redis))  # type: ignore[operator]
    resp = await client.get("/ready")
    assert resp.status == 200
    assert (await resp.json())["checks"] == {"postgres": "ok", "redis": "ok"}


async def test_ready_503_names_redis_when_it_is_down(
    aiohttp_client: object, settings: Settings
) -> None:
    dead_redis = settings.with_overrides(redis_url="redis://127.0.0.1:1/0")
    client = await aiohttp_client(create_app(dead_redis))  # type: ignore[operator]
    resp = await client.get("/ready")
    assert resp.status == 503
    assert (await resp.json())["checks"] == {"postgres": "ok", "redis": "unavailable"}
    assert (await client.get("/health")).status == 200


@pytest.fixture
async def disposable_database(admin_database_url: str) -> AsyncIterator[tuple[str, str]]:
    name, url = await services.acreate_database(admin_database_url)
    yield name, url
    await services.adrop_database(admin_database_url, name)


async def test_ready_follows_postgres_down_and_back_without_restart(
    aiohttp_client: object,
    settings: Settings,
    admin_database_url: str,
    disposable_database: tuple[str, str],
) -> None:
    name, url = disposable_database
    client = await aiohttp_client(create_app(settings.with_overrides(database_url=url)))  # type: ignore[operator]
    assert (await client.get("/ready")).status == 200

    admin = await asyncpg.connect(asyncpg_dsn(admin_database_url))
    try:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # the server "goes away"
        down = await client.get("/ready")
        assert down.status == 503
        assert (await down.json())["checks"]["postgres"] == "unavailable"
        assert (await client.get("/health")).status == 200
        await admin.execute(f'CREATE DATABASE "{name}"')  # and comes back
    finally:
        await admin.close()
    assert (await client.get("/ready")).status == 200


async def test_request_id_is_echoed_or_generated(
    client: TestClient[web.Request, web.Application],
) -> None:
    resp = await client.get("/health", headers={"X-Request-ID": "trace-42"})
    assert resp.headers["X-Request-ID"] == "trace-42"
    resp = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", resp.headers["X-Request-ID"])
    resp = await client.get("/health")
    assert re.fullmatch(r"[0-9a-f]{32}", resp.headers["X-Request-ID"])
