"""Fixtures of the reliability suite: real replicas, private PostgreSQL/Redis, fake upstreams.

`SOAK=1` (make soak) lengthens the load and fuzz scenarios; the default stays bounded so the
whole suite fits in `make test`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping

import asyncpg
import pytest

from server.core.database import asyncpg_dsn
from server.core.migrate import upgrade_to_head
from tests.reliability.support.catalogs import Snapshot
from tests.reliability.support.postgres import PrivatePostgres
from tests.reliability.support.redis_server import PrivateRedis
from tests.reliability.support.replica import ServerProcess, start_replicas, stop_all
from tests.reliability.support.upstream import FakeUpstream

SOAK = os.environ.get("SOAK") == "1"
PRIVATE_DB = "effect_models"

StartReplicas = Callable[[list[Mapping[str, str]]], Awaitable[list[ServerProcess]]]


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL only this suite uses, so a test may stop and restart it."""
    server = PrivatePostgres()
    server.init()
    server.start()
    asyncio.run(_create_database(server.admin_url, PRIVATE_DB))
    upgrade_to_head(server.url(PRIVATE_DB))
    yield server
    server.destroy()


async def _create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@pytest.fixture
def private_database_url(private_postgres: PrivatePostgres) -> str:
    if not private_postgres.is_running():  # a failed test may have left it stopped
        private_postgres.start()
    return private_postgres.url(PRIVATE_DB)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
async def upstream() -> AsyncIterator[FakeUpstream]:
    fake = FakeUpstream(Snapshot(size=40, generation=1))
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def replicas() -> AsyncIterator[StartReplicas]:
    """Start replicas with the given environments; all are stopped (and their logs shown
    when the test fails) at teardown."""
    started: list[ServerProcess] = []

    async def start(envs: list[Mapping[str, str]]) -> list[ServerProcess]:
        new = await start_replicas(envs)
        started.extend(new)
        return new

    yield start
    await stop_all(started)
    for replica in started:
        print(f"----- {replica.name} (port {replica.port}) log tail -----")
        print(replica.log_tail(40))
