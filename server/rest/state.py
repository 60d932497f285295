"""Per-app REST state: the body cache and the catalog version, opened in cleanup_ctx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from server import metrics
from server.cache import create_cache
from server.catalog_version import CatalogVersion, read_in
from server.keys import READ_ENGINE, REDIS
from server.rest.cached import BodyCache

T = TypeVar("T")

BODY_CACHE = web.AppKey("rest_body_cache", BodyCache)
REST_CATALOG_VERSION = web.AppKey("rest_catalog_version", CatalogVersion)


def _count_cache_error(operation: str) -> None:
    metrics.CACHE_ERRORS.labels(operation=operation).inc()


async def rest_state_ctx(app: web.Application) -> AsyncIterator[None]:
    redis = app[REDIS]
    app[BODY_CACHE] = BodyCache(create_cache(redis, _count_cache_error), redis is None)
    app[REST_CATALOG_VERSION] = CatalogVersion(app[READ_ENGINE])
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
    app[REST_CATALOG_VERSION].observe(version)
    return version, result
