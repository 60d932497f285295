"""The harness itself: a private PostgreSQL that restarts on the same port, a private Redis
that can be frozen, and a real replica process that serves and stops on SIGTERM."""

from __future__ import annotations

import asyncio

import aiohttp
import asyncpg
import pytest
import redis

from server.core.database import asyncpg_dsn
from tests.reliability.conftest import StartReplicas
from tests.reliability.support.postgres import PrivatePostgres
from tests.reliability.support.redis_server import PrivateRedis
from tests.reliability.support.replica import base_env


async def _select_one(url: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(url), timeout=5)
    try:
        return int(await conn.fetchval("SELECT 1"))
    finally:
        await conn.close()


async def test_private_postgres_restarts_on_the_same_port(
    private_postgres: PrivatePostgres, private_database_url: str
) -> None:
    assert await _select_one(private_database_url) == 1
    await asyncio.to_thread(private_postgres.stop)
    with pytest.raises(ConnectionRefusedError):
        await _select_one(private_database_url)
    await asyncio.to_thread(private_postgres.start)
    assert await _select_one(private_database_url) == 1


def test_private_redis_can_be_frozen(private_redis: PrivateRedis) -> None:
    client = redis.Redis.from_url(private_redis.url, socket_timeout=0.3)
    assert client.ping()
    private_redis.pause()
    with pytest.raises(redis.TimeoutError):
        client.ping()
    private_redis.resume()
    assert client.ping()


async def test_replica_serves_and_stops_on_sigterm(
    replicas: StartReplicas, private_database_url: str
) -> None:
    [replica] = await replicas([base_env(private_database_url)])
    async with aiohttp.ClientSession() as session, session.get(f"{replica.url}/ready") as resp:
        assert resp.status == 200
    rss, peak = replica.memory()
    assert 0 < rss <= peak
    await asyncio.to_thread(replica.stop)
    assert replica.process is not None and replica.process.returncode == 0
