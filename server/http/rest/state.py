"""Per-app REST state: the body cache over the app's shared response cache and catalog
version (server.http.catalog_cache), and snapshot reads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.catalog_version import read_in
from server.http.keys import CATALOG_VERSION, READ_ENGINE, REDIS, RESPONSE_CACHE
from server.http.rest.cached import BodyCache

T = TypeVar("T")

BODY_CACHE = web.AppKey("rest_body_cache", BodyCache)


async def rest_state_ctx(app: web.Application) -> AsyncIterator[None]:
    """After catalog_cache_ctx: the body cache wraps the app's one cache and watcher."""
    app[BODY_CACHE] = BodyCache(app[RESPONSE_CACHE], app[REDIS] is None, app[CATALOG_VERSION])
    yield


async def read_snapshot(
    app: web.Application, work: Callable[[AsyncConnection], Awaitable[T]]
) -> tuple[int, T]:
    """Run work and read the catalog version in ONE repeatable-read transaction, so the
    version labels exactly the data it came with (a sync committing in between cannot
    slip new rows under an old version, or the reverse)."""
    async with app[READ_ENGINE].connect() as conn:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            version = await read_in(conn)
            result = await work(conn)
    app[CATALOG_VERSION].observe(version)
    return version, result
