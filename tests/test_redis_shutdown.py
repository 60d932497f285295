"""Shutting an app down closes its Redis connections (the pool used to outlive the client)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from pytest_aiohttp import AiohttpClient

from server.core.settings import Settings
from server.http.app import create_app
from tests.reliability.support.redis_server import PrivateRedis


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    try:
        server = PrivateRedis()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    server.start()
    yield server
    server.destroy()


def _connected_clients(server: PrivateRedis) -> int:
    observer = redis.Redis(port=server.port)
    try:
        return int(observer.info("clients")["connected_clients"]) - 1  # not the observer
    finally:
        observer.close()


async def test_stopping_the_app_closes_every_redis_connection(
    aiohttp_client: AiohttpClient, settings: Settings, private_redis: PrivateRedis
) -> None:
    client = await aiohttp_client(create_app(settings.with_overrides(redis_url=private_redis.url)))
    for _ in range(3):
        resp = await client.get("/v1/openapi.json")  # rate-limited: a Redis round trip
        assert resp.status == 200
        resp.release()
    assert _connected_clients(private_redis) >= 1
    await client.close()  # runs the app's cleanup
    assert _connected_clients(private_redis) == 0
